//! The `STATUS.md` section on exposures the federation changed by itself
//! (a Cluster joined or left while a list was empty), with the policies
//! each change breaks.

use std::fmt::Write as _;

use super::markdown::text;
use super::status_input::RecordedChange;

/// Renders the section; nothing when no change was seen.
pub fn render(changes: &[RecordedChange], out: &mut String) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Exposure changed without a commit\n");
    let _ = writeln!(
        out,
        "An empty `providerClusters` or `consumerClusters` means every cluster, including those that join later. Newest first:\n"
    );
    for recorded in changes.iter().rev() {
        let _ = write!(
            out,
            "- {}: {}",
            text(&recorded.at),
            text(&recorded.change.to_string())
        );
        for broken in &recorded.breaks {
            let _ = write!(out, "; ⛔ {}", text(broken));
        }
        out.push('\n');
    }
    if changes.iter().any(|c| !c.breaks.is_empty()) {
        let _ = writeln!(
            out,
            "\nKarmada already resolves the lists this way; mcs-gitops cannot undo it. Until a commit names the clusters, every revision that keeps the violation is refused."
        );
    }
    out.push('\n');
}
