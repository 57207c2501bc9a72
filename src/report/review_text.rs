//! A review for a terminal: the verdict, the access matrix, what each change
//! does with a coloured YAML diff, and the head's diagnostics rustc-style.

use std::fmt::Write as _;

use super::diagnostics::{Sources, render_diagnostic};
use super::review_words::{self as rw, OTHER_COLUMN};
use super::style::Color;
use crate::review::{AccessRow, Change, Level, Review, ServiceReview, Verdict};

/// Renders a review as text; `sources` are the head revision's files.
pub fn render(review: &Review, sources: &Sources<'_>, color: Color) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", verdict_line(review, color));
    let _ = writeln!(
        out,
        "{} -> {}; clusters: {}\n",
        review.base.describe(),
        review.head.describe(),
        rw::clusters(review)
    );
    render_matrix(review, color, &mut out);
    for service in &review.services {
        render_service(service, color, &mut out);
    }
    if let Some(live) = review.live.as_ref().filter(|l| l.other_changes > 0) {
        let _ = writeln!(
            out,
            "{} besides this change, {} in the federation differ from the head revision (`mcs-gitops plan` shows them)\n",
            color.note("note:"),
            rw::plural(live.other_changes, "object")
        );
    }
    for diagnostic in &review.diagnostics {
        out.push_str(&render_diagnostic(diagnostic, sources, color));
        out.push('\n');
    }
    render_footnotes(review, color, &mut out);
    out
}

fn verdict_line(review: &Review, color: Color) -> String {
    let label = match review.verdict() {
        Verdict::NoChanges => color.added("review:"),
        Verdict::Changes if review.summary().cautions > 0 => color.warning("review:"),
        Verdict::Changes => color.bold("review:"),
        Verdict::Invalid => color.error("review:"),
    };
    format!("{label} {}", rw::verdict(review))
}

fn render_matrix(review: &Review, color: Color, out: &mut String) {
    let rows: Vec<&AccessRow> = review.services.iter().flat_map(|s| &s.access).collect();
    if rows.is_empty() {
        return;
    }
    let name_width = rows
        .iter()
        .map(|r| r.service.to_string().len())
        .max()
        .unwrap_or(0)
        .max("Service".len());
    let headers: Vec<&str> = review
        .columns
        .iter()
        .map(String::as_str)
        .chain([OTHER_COLUMN])
        .collect();
    let _ = write!(
        out,
        "{}",
        color.bold(&format!("{:<name_width$}", "Service"))
    );
    for header in &headers {
        let _ = write!(out, "  {}", color.bold(&format!("{header:<4}")));
    }
    out.push('\n');
    for row in rows {
        let mut line = format!("{:<name_width$}", row.service.to_string());
        for (cell, header) in row.cells.iter().zip(&headers) {
            let marks = rw::text_marks(cell);
            let text = format!("{:<2}{}", marks.access, marks.provider);
            let pad = header.chars().count().max(4) - text.chars().count();
            let painted = if cell.gains() {
                color.added(&text)
            } else if cell.loses() {
                color.removed(&text)
            } else {
                text
            };
            let _ = write!(line, "  {painted}{}", " ".repeat(pad));
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(
        out,
        "{}\n",
        color.dim(&format!("+ gains access, - loses access, = keeps access, . no access; P provides endpoints (+P starts, -P stops); {OTHER_COLUMN}: any cluster not in a column, including clusters that join later"))
    );
}

fn render_service(service: &ServiceReview, color: Color, out: &mut String) {
    let sign = match service.change {
        Change::Added => "+",
        Change::Removed => "-",
        Change::Changed | Change::Renamed => "~",
        Change::Moved => ">",
        Change::NotComparable => "?",
    };
    let _ = writeln!(
        out,
        "{}",
        color.bold(&format!(
            "{sign} {} {} ({})",
            service.change.label(),
            service.key,
            rw::files(service)
        ))
    );
    let fields = rw::fields(service);
    if !fields.is_empty() {
        let _ = writeln!(out, "  fields: {}", fields.join(", "));
    }
    for finding in &service.findings {
        let label = match finding.level() {
            Level::Caution => color.warning("!"),
            Level::Info => color.note("*"),
        };
        let _ = writeln!(out, "  {label} {}", finding.message(&service.key));
    }
    for (refused, line) in rw::live_lines(service) {
        let label = if refused {
            color.error("live:")
        } else {
            color.note("live:")
        };
        let _ = writeln!(out, "  {label} {line}");
    }
    if let Some(diff) = rw::yaml_diff(service, color) {
        for line in diff.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
    out.push('\n');
}

fn render_footnotes(review: &Review, color: Color, out: &mut String) {
    if review.other_warnings > 0 {
        let _ = writeln!(
            out,
            "{} {} about objects this change does not touch (`mcs-gitops validate` lists them)",
            color.note("note:"),
            rw::plural(review.other_warnings, "other warning")
        );
    }
    if review.base_errors > 0 {
        let _ = writeln!(
            out,
            "{} the base revision had {}: objects that were invalid there show as added",
            color.note("note:"),
            rw::plural(review.base_errors, "error")
        );
    }
}
