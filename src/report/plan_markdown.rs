//! A plan as Markdown, for a pull-request comment or a CI summary.

use std::fmt::Write as _;

use super::diff::unified;
use super::style::Color;
use super::words;
use crate::plan::{PlacementStatus, Plan};

/// Renders a plan as Markdown.
pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let revision = plan
        .revision
        .as_ref()
        .map(|r| format!(" for `{}`", r.short()))
        .unwrap_or_default();
    let _ = writeln!(out, "### mcs-gitops plan{revision}\n");
    if !plan.is_valid() {
        let _ = writeln!(
            out,
            "**The revision is invalid; nothing of it will be applied.**\n"
        );
    } else {
        let _ = writeln!(out, "**{}**\n", words::summary(&plan.summary()));
    }
    render_diagnostics(plan, &mut out);
    if plan.is_valid() {
        render_changes(plan, &mut out);
        render_placements(&plan.placements, &mut out);
    }
    out
}

fn render_diagnostics(plan: &Plan, out: &mut String) {
    if plan.diagnostics.is_empty() {
        return;
    }
    let _ = writeln!(out, "| | Rule | Where | Problem |\n|---|---|---|---|");
    for d in &plan.diagnostics {
        let mark = if d.is_error() { "❌" } else { "⚠️" };
        let place = d
            .location
            .as_ref()
            .map(|l| format!("`{l}`"))
            .unwrap_or_default();
        let hint = d
            .hint
            .as_ref()
            .map(|h| format!(" — {h}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {mark} | `{}` | {place} | {}{} |",
            d.rule,
            cell(&d.message),
            cell(&hint)
        );
    }
    out.push('\n');
}

fn render_changes(plan: &Plan, out: &mut String) {
    let changed: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.action.writes() || c.blocked.is_some())
        .collect();
    if changed.is_empty() {
        return;
    }
    let _ = writeln!(out, "| | Object | Source | Change |\n|---|---|---|---|");
    for change in &changed {
        let source = change
            .source
            .as_ref()
            .map(|s| format!("`{}`", s.file))
            .unwrap_or_default();
        let what = match &change.blocked {
            Some(blocker) => format!("**blocked**: {}", cell(&words::blocker(blocker))),
            None => words::action(change.action).to_owned(),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {source} | {what} |",
            words::sign(change.action),
            change.key
        );
    }
    out.push('\n');
    for change in changed.iter().filter(|c| c.blocked.is_none()) {
        let _ = writeln!(
            out,
            "<details><summary>{} <code>{}</code></summary>\n\n```diff\n{}```\n\n</details>\n",
            words::action(change.action),
            change.key,
            unified(change, Color::Off)
        );
    }
}

fn render_placements(placements: &[PlacementStatus], out: &mut String) {
    let rows: Vec<String> = placements
        .iter()
        .flat_map(|p| {
            p.flows.iter().map(move |f| {
                let endpoints = f
                    .endpoints
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "–".to_owned());
                let reason = f.reason.as_deref().map(cell).unwrap_or_default();
                format!(
                    "| `{}` | {} → {} | {} | {endpoints} | {reason} |",
                    p.key,
                    f.provider,
                    f.consumer,
                    f.state.label()
                )
            })
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "#### Endpoint flows\n\n| MCS | Provider → consumer | State | Endpoints | Reason |\n|---|---|---|---|---|"
    );
    for row in rows {
        let _ = writeln!(out, "{row}");
    }
}

/// Escapes text for a table cell.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
