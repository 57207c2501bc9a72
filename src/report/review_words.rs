//! Sentences and marks shared by the review renderers (Markdown and text).

use super::diff::{to_yaml, unified_text};
use super::style::Color;
use super::words;
use crate::manifest::InventorySource;
use crate::plan::Action;
use crate::review::{
    AccessCell, Change, LiveOutcome, Review, ServiceReview, Side, Summary, Verdict,
};

/// Title of the "any other cluster" column.
pub const OTHER_COLUMN: &str = "other/future";

/// The verdict in one sentence, without decoration.
pub fn verdict(review: &Review) -> String {
    let summary = review.summary();
    match review.verdict() {
        Verdict::NoChanges => "no MultiClusterService changes".to_owned(),
        Verdict::Invalid => invalid(&summary),
        Verdict::Changes => {
            let mut text = format!(
                "{} ({})",
                plural(review.services.len(), "MultiClusterService change"),
                counts(&summary)
            );
            text.push_str(&format!(
                "; access: {} gained, {} lost",
                summary.gain_access, summary.lose_access
            ));
            text.push_str(&format!("; {}", plural(summary.cautions, "caution")));
            text
        }
    }
}

fn invalid(summary: &Summary) -> String {
    let mut why = Vec::new();
    if summary.errors > 0 {
        why.push(plural(summary.errors, "error"));
    }
    if summary.rejected > 0 {
        why.push(format!(
            "{} refused by the API server",
            plural(summary.rejected, "change")
        ));
    }
    format!(
        "the head revision is invalid ({}): nothing of it may be applied",
        why.join(", ")
    )
}

/// "1 added, 2 changed", leaving out zeros.
pub fn counts(summary: &Summary) -> String {
    [
        (summary.added, "added"),
        (summary.removed, "removed"),
        (summary.changed, "changed"),
        (summary.renamed, "renamed"),
        (summary.moved, "moved"),
        (summary.not_comparable, "not comparable"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, word)| format!("{n} {word}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// `n thing` or `n things`.
pub fn plural(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Where the cluster list came from, and how many clusters.
pub fn clusters(review: &Review) -> String {
    let count = review.clusters.names.as_ref().map_or(0, |n| n.len());
    match (review.clusters.source, &review.live) {
        (Some(InventorySource::Federation), Some(live)) => format!(
            "{} in the live federation ({} Ready)",
            plural(live.clusters, "cluster"),
            live.ready
        ),
        (Some(InventorySource::Federation), None) => {
            format!("{} in the live federation", plural(count, "cluster"))
        }
        (Some(InventorySource::RepoConfig), _) => format!(
            "{} listed in mcs-gitops.yaml (offline; review with --kubeconfig for the live list)",
            plural(count, "cluster")
        ),
        (None, _) => "no cluster list (offline, and mcs-gitops.yaml lists none): \"all clusters\" cannot be counted".to_owned(),
    }
}

/// Marks of one cell: access, then provider.
pub struct Marks {
    /// Gains, loses, keeps access, or none.
    pub access: &'static str,
    /// Starts, stops, keeps providing, or none.
    pub provider: &'static str,
}

/// Markdown marks of a cell.
pub fn markdown_marks(cell: &AccessCell) -> Marks {
    marks(cell, ["➕", "➖", "✅", ""], ["+P", "−P", "P", ""])
}

/// Plain-text marks of a cell.
pub fn text_marks(cell: &AccessCell) -> Marks {
    marks(cell, ["+", "-", "=", "."], ["+P", "-P", "P", ""])
}

fn marks(cell: &AccessCell, access: [&'static str; 4], provider: [&'static str; 4]) -> Marks {
    let pick = |before: bool, after: bool, set: [&'static str; 4]| match (before, after) {
        (false, true) => set[0],
        (true, false) => set[1],
        (true, true) => set[2],
        (false, false) => set[3],
    };
    Marks {
        access: pick(cell.reaches_before, cell.reaches_after, access),
        provider: pick(cell.provides_before, cell.provides_after, provider),
    }
}

/// What the live federation says about one Service, if it was reached;
/// each line with whether it reports a refusal.
pub fn live_lines(service: &ServiceReview) -> Vec<(bool, String)> {
    let mut lines = Vec::new();
    if let Some(running) = &service.running {
        lines.push((
            false,
            if running.is_empty() {
                format!(
                    "Service {} is not delivered to any member cluster today",
                    service.key
                )
            } else {
                format!(
                    "Service {} runs today in {}",
                    service.key,
                    running.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            },
        ));
    }
    if let Some(outcome) = &service.live {
        lines.push((outcome.is_rejected(), live_outcome(outcome)));
    }
    lines
}

/// The federation's answer about a change, in words.
pub fn live_outcome(outcome: &LiveOutcome) -> String {
    match outcome {
        LiveOutcome::Accepted { action } => {
            format!("server-side dry run accepted ({})", words::action(*action))
        }
        LiveOutcome::InPlace => "the federation already matches the head revision".to_owned(),
        LiveOutcome::Rejected {
            api_reason,
            message,
            managers,
        } => {
            let mut text =
                format!("REJECTED by the API server in a dry run: {api_reason}: {message}");
            if !managers.is_empty() {
                text.push_str(&format!(
                    " (fields owned by {}; `mcs-gitops apply --force-conflicts` takes them over)",
                    managers.join(", ")
                ));
            }
            text
        }
        LiveOutcome::Blocked { action, blocker } => format!(
            "apply would not {} it as things stand: {}",
            words::action(*action),
            words::blocker(blocker)
        ),
        LiveOutcome::NotChecked { action } => not_checked(*action),
        LiveOutcome::Absent => {
            "no object of this reconciler by that name in the federation: nothing to delete"
                .to_owned()
        }
    }
}

fn not_checked(action: Action) -> String {
    match action {
        Action::Prune => {
            "apply would delete it from the federation (deletes are not dry-run)".to_owned()
        }
        Action::Detach => {
            "apply would leave it in place: it is annotated mcs-gitops.io/prune: disabled"
                .to_owned()
        }
        Action::Recreate => "apply would delete and re-create it (not dry-run)".to_owned(),
        other => format!(
            "not sent to the API server ({} pending; the head revision has errors)",
            words::action(other)
        ),
    }
}

/// The changed field paths.
pub fn fields(service: &ServiceReview) -> Vec<String> {
    service.fields.iter().map(|f| f.path.clone()).collect()
}

/// The file of a Service in each revision, "a.yaml" or "a.yaml → b.yaml".
pub fn files(service: &ServiceReview) -> String {
    let file = |side: &Option<Side>| side.as_ref().map(|s| s.mcs.origin.file.clone());
    match (file(&service.base), file(&service.head)) {
        (Some(a), Some(b)) if a != b => format!("{a} → {b}"),
        (_, Some(b)) => b,
        (Some(a), None) => a,
        (None, None) => String::new(),
    }
}

/// The unified diff of the object as applied, base to head; `None` when
/// the head version cannot be compared or only the file changed.
pub fn yaml_diff(service: &ServiceReview, color: Color) -> Option<String> {
    if matches!(service.change, Change::NotComparable | Change::Moved) {
        return None;
    }
    let yaml = |side: Option<&Side>| {
        side.map(|s| to_yaml(&s.mcs.to_manifest()))
            .unwrap_or_default()
    };
    let file = |side: Option<&Side>, prefix: &str| {
        side.map_or("/dev/null".to_owned(), |s| {
            format!("{prefix}/{}", s.mcs.origin.file)
        })
    };
    Some(unified_text(
        &yaml(service.base.as_ref()),
        &yaml(service.head.as_ref()),
        &file(service.base.as_ref(), "base"),
        &file(service.head.as_ref(), "head"),
        color,
    ))
}
