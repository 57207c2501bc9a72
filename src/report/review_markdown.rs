//! A review as a pull-request comment.
//!
//! The comment starts with [`MARKER`] (a hidden HTML comment the CI workflow
//! uses to find and update its previous comment), then a one-line verdict,
//! the access matrix (Services × clusters), what each change does, the head
//! revision's diagnostics, and one collapsible YAML diff per object.
//! GitHub refuses comments over 65,536 characters, so the whole is kept
//! under [`COMMENT_LIMIT`]: diffs are shortened first, then dropped, then
//! rows are cut, and a note says so.

use std::fmt::Write as _;

use super::mermaid;
use super::plan_markdown::cell;
use super::review_words::{self as rw, OTHER_COLUMN};
use super::style::Color;
use crate::manifest::Diagnostic;
use crate::review::{Level, Review, Verdict};

/// The hidden marker that identifies a review comment.
pub const MARKER: &str = "<!-- mcs-gitops-review -->";

/// The most characters a review comment may have.
pub const COMMENT_LIMIT: usize = 65_000;

/// How much of the review fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Budget {
    /// Lines per diff; `Some(0)` leaves diffs out; `None` keeps them whole.
    diff_lines: Option<usize>,
    /// Rows per table and list; `None` keeps them all.
    rows: Option<usize>,
}

/// Renders a review as Markdown within [`COMMENT_LIMIT`].
pub fn render(review: &Review) -> String {
    render_within(review, COMMENT_LIMIT)
}

/// Renders a review as Markdown of at most `limit` bytes (so at most
/// `limit` characters): diffs are shortened, then left out, then the
/// largest number of rows that fits is kept.
pub fn render_within(review: &Review, limit: usize) -> String {
    for diff_lines in [None, Some(60), Some(15), Some(0)] {
        let text = render_with(
            review,
            Budget {
                diff_lines,
                rows: None,
            },
        );
        if text.len() <= limit {
            return text;
        }
    }
    let rows = |rows| {
        render_with(
            review,
            Budget {
                diff_lines: Some(0),
                rows: Some(rows),
            },
        )
    };
    let none = rows(0);
    if none.len() > limit {
        return hard_cut(none, limit);
    }
    let (mut fits, mut too_many) = (0, review.services.len().max(review.diagnostics.len()));
    while fits + 1 < too_many {
        let middle = (fits + too_many) / 2;
        if rows(middle).len() <= limit {
            fits = middle;
        } else {
            too_many = middle;
        }
    }
    rows(fits)
}

fn hard_cut(text: String, limit: usize) -> String {
    let note =
        "\n\n*The review was cut here to fit a comment; run `mcs-gitops review` for all of it.*\n";
    let mut end = limit.saturating_sub(note.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{note}", &text[..end])
}

fn render_with(review: &Review, budget: Budget) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let _ = writeln!(out, "{}\n", verdict_line(review));
    let _ = writeln!(
        out,
        "{} → {} · clusters: {}\n",
        code(&review.base.describe()),
        code(&review.head.describe()),
        rw::clusters(review)
    );
    truncation_note(review, budget, &mut out);
    render_matrix(review, budget.rows, &mut out);
    if budget.rows.is_none() {
        out.push_str(&mermaid::review_graph(review));
    }
    render_changes(review, budget.rows, &mut out);
    render_live(review, &mut out);
    render_diagnostics(review, budget.rows, &mut out);
    if budget.diff_lines != Some(0) {
        render_diffs(review, budget.diff_lines, &mut out);
    }
    out
}

/// The verdict as the comment's first visible line.
pub fn verdict_line(review: &Review) -> String {
    let mark = match review.verdict() {
        Verdict::NoChanges => "✅",
        Verdict::Invalid => "❌",
        Verdict::Changes if review.summary().cautions > 0 => "⚠️",
        Verdict::Changes => "🔎",
    };
    format!("**{mark} mcs-gitops review: {}.**", rw::verdict(review))
}

fn truncation_note(review: &Review, budget: Budget, out: &mut String) {
    let mut parts = Vec::new();
    let longest = review
        .services
        .iter()
        .filter_map(|s| rw::yaml_diff(s, Color::Off))
        .map(|d| d.lines().count())
        .max();
    match (budget.diff_lines, longest) {
        (Some(0), Some(_)) => parts.push("the YAML diffs are left out".to_owned()),
        (Some(n), Some(longest)) if n > 0 && longest > n => {
            parts.push(format!("each YAML diff is shortened to {n} lines"))
        }
        _ => {}
    }
    if let Some(rows) = budget.rows {
        parts.push(format!(
            "only the first {rows} of {} changed objects are shown",
            review.services.len()
        ));
        if review.diagnostics.len() > rows {
            parts.push(format!(
                "only the first {rows} of {} diagnostics",
                review.diagnostics.len()
            ));
        }
    }
    if !parts.is_empty() {
        let _ = writeln!(
            out,
            "> [!NOTE]\n> To fit a comment, {}. Run `mcs-gitops review --base {} --head {}` for everything.\n",
            parts.join("; "),
            review.base.name,
            review.head.name
        );
    }
}

fn render_matrix(review: &Review, rows: Option<usize>, out: &mut String) {
    let all: Vec<_> = review.services.iter().flat_map(|s| &s.access).collect();
    if all.is_empty() {
        return;
    }
    let _ = write!(out, "#### Access\n\n| Service |");
    for column in &review.columns {
        let _ = write!(out, " {column} |");
    }
    let _ = writeln!(out, " *{OTHER_COLUMN}* |");
    let _ = writeln!(out, "|---|{}:-:|", ":-:|".repeat(review.columns.len()));
    for row in all.iter().take(rows.unwrap_or(usize::MAX)) {
        let _ = write!(out, "| {} |", cell(&code(&row.service.to_string())));
        for cell in &row.cells {
            let marks = rw::markdown_marks(cell);
            let text = [marks.access, marks.provider]
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n<sub>➕ gains access · ➖ loses access · ✅ keeps access · blank: no access · P provides endpoints (+P starts, −P stops) · *{OTHER_COLUMN}*: any cluster not in a column, including clusters that join later</sub>\n"
    );
}

fn render_changes(review: &Review, rows: Option<usize>, out: &mut String) {
    if review.services.is_empty() {
        return;
    }
    let _ = writeln!(out, "#### What changes\n");
    for service in review.services.iter().take(rows.unwrap_or(usize::MAX)) {
        let fields = rw::fields(service);
        let fields = if fields.is_empty() {
            String::new()
        } else {
            format!(
                " · fields: {}",
                fields
                    .iter()
                    .map(|f| code(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let _ = writeln!(
            out,
            "**{}** — {} · {}{fields}\n",
            code(&service.key.to_string()),
            service.change.label(),
            code(&rw::files(service))
        );
        for finding in &service.findings {
            let mark = match finding.level() {
                Level::Caution => "⚠️ ",
                Level::Info => "",
            };
            let _ = writeln!(out, "- {mark}{}", text(&finding.message(&service.key)));
        }
        for (refused, line) in rw::live_lines(service) {
            let mark = if refused { "❌" } else { "🛰️" };
            let _ = writeln!(out, "- {mark} {}", text(&line));
        }
        out.push('\n');
    }
}

fn render_live(review: &Review, out: &mut String) {
    let Some(live) = &review.live else {
        return;
    };
    if live.other_changes > 0 {
        let _ = writeln!(
            out,
            "<sub>Besides this change, {} in the federation differ from the head revision (drift, or changes not applied yet): `mcs-gitops plan` shows them.</sub>\n",
            rw::plural(live.other_changes, "object")
        );
    }
}

fn render_diagnostics(review: &Review, rows: Option<usize>, out: &mut String) {
    if !review.diagnostics.is_empty() {
        let _ = writeln!(
            out,
            "#### Diagnostics of the head revision\n\n| | Rule | Where | Problem |\n|---|---|---|---|"
        );
        for d in review.diagnostics.iter().take(rows.unwrap_or(usize::MAX)) {
            let _ = writeln!(out, "{}", diagnostic_row(d));
        }
        out.push('\n');
    }
    if review.other_warnings > 0 {
        let _ = writeln!(
            out,
            "<sub>{} about objects this change does not touch: `mcs-gitops validate` lists them.</sub>\n",
            rw::plural(review.other_warnings, "other warning")
        );
    }
    if review.base_errors > 0 {
        let _ = writeln!(
            out,
            "<sub>The base revision had {}: objects that were invalid there show as added.</sub>\n",
            rw::plural(review.base_errors, "error")
        );
    }
}

fn diagnostic_row(d: &Diagnostic) -> String {
    let mark = if d.is_error() { "❌" } else { "⚠️" };
    let place = d
        .location
        .as_ref()
        .map(|l| cell(&code(&l.to_string())))
        .unwrap_or_default();
    let hint = d
        .hint
        .as_ref()
        .map(|h| format!(" — {h}"))
        .unwrap_or_default();
    format!(
        "| {mark} | `{}` | {place} | {}{} |",
        d.rule,
        cell(&text(&d.message)),
        cell(&text(&hint))
    )
}

fn render_diffs(review: &Review, lines: Option<usize>, out: &mut String) {
    for service in &review.services {
        let Some(diff) = rw::yaml_diff(service, Color::Off) else {
            continue;
        };
        let _ = writeln!(
            out,
            "<details><summary>{} <code>{}</code></summary>\n\n{fence}diff\n{}{fence}\n\n</details>\n",
            service.change.label(),
            service.key,
            shorten(&diff, lines),
            fence = fence(&diff)
        );
    }
}

fn shorten(diff: &str, lines: Option<usize>) -> String {
    let Some(limit) = lines else {
        return diff.to_owned();
    };
    let total = diff.lines().count();
    if total <= limit {
        return diff.to_owned();
    }
    let mut text: String = diff.lines().take(limit).map(|l| format!("{l}\n")).collect();
    let _ = writeln!(text, "… {} more lines", total - limit);
    text
}

/// The longest run of backticks in `text`.
fn backticks(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// `text` as an inline code span that no backtick inside it can end.
fn code(text: &str) -> String {
    let ticks = "`".repeat(backticks(text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// A code fence longer than any backtick run of `text` (YAML values such as
/// annotations may hold backticks).
fn fence(text: &str) -> String {
    "`".repeat(backticks(text).max(2) + 1)
}

/// Free text from the repository or the API server, kept on one line and
/// unable to open HTML (a `<!--` would hide the rest of the comment).
fn text(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
