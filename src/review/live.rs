//! What the live federation adds to a review: the server-side dry run of
//! each reviewed object, and what else differs from the head revision.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::manifest::ObjectKey;
use crate::plan::{Action, Blocker, LiveState, Plan};

/// The live state and the head revision planned against it (with a
/// server-side dry run).
#[derive(Clone, Copy, Debug)]
pub struct Live<'a> {
    /// What the federation looks like.
    pub state: &'a LiveState,
    /// The head revision planned against it.
    pub plan: &'a Plan,
}

/// What the federation says about one reviewed object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(
    tag = "outcome",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum LiveOutcome {
    /// The server accepted a dry run of the change.
    Accepted {
        /// What apply would do.
        action: Action,
    },
    /// The federation already matches the head revision.
    InPlace,
    /// The server refused the dry run.
    Rejected {
        /// The API's reason (e.g. `Conflict`, `Invalid`).
        api_reason: String,
        /// The API's message.
        message: String,
        /// Other field managers in conflict.
        managers: Vec<String>,
    },
    /// Apply would not make the change as things stand.
    Blocked {
        /// What apply would do.
        action: Action,
        /// Why it may not.
        blocker: Blocker,
    },
    /// The change is not sent as a dry run (prune, recreate, or an invalid
    /// revision).
    NotChecked {
        /// What apply would do.
        action: Action,
    },
    /// No object of this reconciler is in the federation under that name.
    Absent,
}

impl LiveOutcome {
    /// Whether the server refused the change.
    pub fn is_rejected(&self) -> bool {
        matches!(self, LiveOutcome::Rejected { .. })
    }
}

/// What the federation says about `key`.
pub fn outcome(plan: &Plan, key: &ObjectKey) -> LiveOutcome {
    let Some(change) = plan.changes.iter().find(|c| &c.key == key) else {
        return LiveOutcome::Absent;
    };
    match (&change.blocked, change.action) {
        (
            Some(Blocker::Rejected {
                api_reason,
                message,
                managers,
                ..
            }),
            _,
        ) => LiveOutcome::Rejected {
            api_reason: api_reason.clone(),
            message: message.clone(),
            managers: managers.clone(),
        },
        (Some(blocker), action) => LiveOutcome::Blocked {
            action,
            blocker: blocker.clone(),
        },
        (None, Action::Unchanged) => LiveOutcome::InPlace,
        (None, action) if change.server_view.is_some() => LiveOutcome::Accepted { action },
        (None, action) => LiveOutcome::NotChecked { action },
    }
}

/// The federation in numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveSummary {
    /// Member clusters today.
    pub clusters: usize,
    /// Of which Ready.
    pub ready: usize,
    /// Objects outside this change whose live state differs from the head
    /// revision (drift, or changes not applied yet).
    pub other_changes: usize,
}

/// Counts the clusters, and the plan's changes to objects not reviewed.
pub fn summary(live: Live<'_>, reviewed: &BTreeSet<ObjectKey>) -> LiveSummary {
    LiveSummary {
        clusters: live.state.clusters.len(),
        ready: live
            .state
            .clusters
            .values()
            .filter(|c| c.is_ready())
            .count(),
        other_changes: live
            .plan
            .changes
            .iter()
            .filter(|c| c.action.writes() && !reviewed.contains(&c.key))
            .count(),
    }
}
