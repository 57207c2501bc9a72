//! The result of an apply, per object, with the first failure up front.

use std::fmt::Write as _;

use super::style::Color;
use super::words;
use crate::plan::{ApplyReport, ObjectOutcome};

/// Renders an apply report as text.
pub fn render(report: &ApplyReport, color: Color) -> String {
    let mut out = String::new();
    let problems: Vec<_> = report.problems().collect();
    if let Some(first) = problems.first() {
        let why = match &first.outcome {
            ObjectOutcome::Blocked { blocker } | ObjectOutcome::Failed { blocker } => {
                words::blocker(blocker)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{} {} of {} changes did not go through; first: {} ({}): {why}\n",
            color.error("error:"),
            problems.len(),
            report.results.iter().filter(|r| r.action.writes()).count(),
            first.key,
            words::action(first.action)
        );
    }
    let prefix = if report.dry_run { "(dry run) " } else { "" };
    for result in &report.results {
        let line = match &result.outcome {
            ObjectOutcome::Done => color.added(&format!(
                "{prefix}{} {}",
                words::done(result.action),
                result.key
            )),
            ObjectOutcome::Skipped if result.action.writes() => continue,
            ObjectOutcome::Skipped => continue,
            ObjectOutcome::Blocked { blocker } => format!(
                "{} {} {}: {}",
                color.error("blocked"),
                words::action(result.action),
                result.key,
                words::blocker(blocker)
            ),
            ObjectOutcome::Failed { blocker } => format!(
                "{} {} {}: {}",
                color.error("failed"),
                words::action(result.action),
                result.key,
                words::blocker(blocker)
            ),
        };
        let _ = writeln!(out, "{line}");
    }
    let unchanged = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, ObjectOutcome::Skipped))
        .count();
    let _ = writeln!(
        out,
        "{} {prefix}{} written, {unchanged} unchanged, {} not written",
        color.bold("Apply:"),
        report.written(),
        problems.len()
    );
    out
}
