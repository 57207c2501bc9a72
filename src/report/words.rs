//! Sentences shared by every output format.

use crate::plan::ownership::Ownership;
use crate::plan::{Action, Blocker, ClusterSet, Summary};

/// The verb of an action, for headings ("create", "prune").
pub fn action(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Adopt => "adopt",
        Action::Recreate => "recreate",
        Action::Unchanged => "unchanged",
        Action::Prune => "prune",
        Action::Detach => "detach",
        Action::NotComparable => "not comparable",
    }
}

/// The past tense, for results ("created").
pub fn done(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Adopt => "adopted",
        Action::Recreate => "recreated",
        Action::Unchanged => "unchanged",
        Action::Prune => "pruned",
        Action::Detach => "detached (left in place)",
        Action::NotComparable => "not comparable (left in place)",
    }
}

/// A one-character marker for lists and diffs.
pub fn sign(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update | Action::Adopt => "~",
        Action::Recreate => "±",
        Action::Unchanged => "=",
        Action::Prune => "-",
        Action::Detach => "⊘",
        Action::NotComparable => "?",
    }
}

/// Why a change may not be made, in words.
pub fn blocker(blocker: &Blocker) -> String {
    match blocker {
        Blocker::TypesImmutable { from, to } => format!(
            "spec.types changes from [{}] to [{}], which Karmada forbids on update; re-run with --recreate to delete and re-create it (endpoint sync pauses meanwhile)",
            join(from),
            join(to)
        ),
        Blocker::NotOwned { owner, managers } => {
            let by = if managers.is_empty() {
                String::new()
            } else {
                format!(
                    " (written by {})",
                    managers.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            match owner {
                Ownership::OtherInstance { instance } => format!(
                    "managed by another mcs-gitops instance, `{instance}`{by}; it is never touched"
                ),
                _ => format!(
                    "exists but is not managed by mcs-gitops{by}; re-run with --adopt to take it over"
                ),
            }
        }
        Blocker::MassPrune {
            pruning,
            managed,
            limit,
        } => format!(
            "pruning {pruning} of {managed} managed objects exceeds the limit of {limit}; if Git really dropped them, re-run with --allow-mass-prune"
        ),
        Blocker::OtherSource { instance, source } => format!(
            "written by another daemon under the same instance name `{instance}`, tracking {source}; it is never touched: give each daemon its own --instance"
        ),
        Blocker::AdoptWouldDelete { from, to } => format!(
            "spec.types differs ([{}] live, [{}] in Git), so taking the object over would mean deleting it, and mcs-gitops never deletes an object it does not own, --recreate or not; change its types yourself, or delete it, then adopt",
            join(from),
            join(to)
        ),
        Blocker::Deleting => {
            "the live object is being deleted; it is created again once it is gone".to_owned()
        }
        Blocker::Rejected {
            api_reason,
            message,
            managers,
            at,
            ..
        } => {
            let mut text = format!("{api_reason}: {message}");
            if let Some(at) = at {
                text.push_str(&format!(" (at {at})"));
            }
            if !managers.is_empty() {
                text.push_str(&format!(
                    " (field managers in conflict: {}; --force-conflicts takes ownership)",
                    managers.join(", ")
                ));
            }
            text
        }
    }
}

/// The plan's counts in one sentence.
pub fn summary(summary: &Summary) -> String {
    let mut text = format!(
        "{} to create, {} to update, {} to prune, {} unchanged",
        summary.create, summary.update, summary.prune, summary.unchanged
    );
    if summary.detach > 0 {
        text.push_str(&format!(", {} detached", summary.detach));
    }
    if summary.not_comparable > 0 {
        text.push_str(&format!(
            ", {} not comparable (their files are invalid)",
            summary.not_comparable
        ));
    }
    if summary.blocked > 0 {
        text.push_str(&format!("; {} blocked", summary.blocked));
    }
    text
}

/// A cluster set in words: names, or "all clusters".
pub fn cluster_set(set: &ClusterSet) -> String {
    match set {
        ClusterSet::Named { clusters } => clusters.iter().cloned().collect::<Vec<_>>().join(", "),
        ClusterSet::All { today: Some(today) } => format!(
            "ALL clusters, including future ones ({} today)",
            today.len()
        ),
        ClusterSet::All { today: None } => "ALL clusters, including future ones".to_owned(),
    }
}

fn join(types: &[crate::manifest::ExposureType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
