//! Desired state versus live state, as a plan. Pure: no I/O.
//!
//! A [`Plan`] says, for one revision against one federation:
//! - which objects change ([`objects`]): create, update, adopt, recreate,
//!   prune, detach, or nothing, and what blocks a change;
//! - where each MCS places its Service and endpoints, desired against live
//!   ([`flows`]);
//! - every problem found, offline and live ([`checks`]).
//!
//! A plan may take over, from the previous one, every object whose desired
//! form and live inputs did not change ([`reuse`]); the result is the same.
//!
//! Whether an update is needed is decided locally from field ownership
//! ([`fields`]); the field-level diff of a change comes from the server's
//! own view (a server-side dry run that the `federation` layer performs and
//! records with [`Plan::record_server_view`]).

pub mod checks;
pub mod diff;
pub mod fields;
pub mod flows;
pub mod live;
pub mod objects;
pub mod outcome;
pub mod ownership;
pub mod placement;
pub mod refusals;
pub mod retry;
pub mod reuse;
pub mod widening;

use serde::Serialize;

pub use diff::{FieldChange, field_changes, normalize};
pub use flows::{FlowState, FlowStatus, PlacementStatus};
pub use live::LiveState;
pub use objects::{Action, Blocker, ChangeOptions, ObjectChange, PruneGuard};
pub use outcome::{ApplyReport, ObjectOutcome, ObjectResult};
pub use placement::{ClusterSet, Placement, SliceFlow, resolve};
pub use retry::Retry;
pub use reuse::{LiveChanges, Previous};

use crate::manifest::{self, Desired, Diagnostic, ObjectKey, Revision};

/// The plan for one revision against one federation.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The revision planned, if it is a Git revision.
    pub revision: Option<Revision>,
    /// Every object, changed or not, sorted by key.
    pub changes: Vec<ObjectChange>,
    /// Placement of each desired MCS.
    pub placements: Vec<PlacementStatus>,
    /// Every problem, offline and live, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
}

/// Counts of changes by action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Objects to create.
    pub create: usize,
    /// Objects to update (adopt and recreate included).
    pub update: usize,
    /// Objects to delete.
    pub prune: usize,
    /// Objects left in place although Git dropped them.
    pub detach: usize,
    /// Objects whose file is invalid: neither compared nor pruned.
    pub not_comparable: usize,
    /// Objects already matching Git.
    pub unchanged: usize,
    /// Changes that may not be made.
    pub blocked: usize,
}

impl Plan {
    /// Builds the plan; `desired` must have been loaded against the live
    /// inventory (see [`checks::live_inventory`]).
    pub fn build(desired: &Desired, live: &LiveState, options: &ChangeOptions) -> Plan {
        Plan::build_reusing(desired, live, options, None)
    }

    /// Builds the plan, taking over from `previous` every object whose
    /// desired form and live inputs did not change (see [`reuse`]). The
    /// result is the one [`Plan::build`] would give.
    pub fn build_reusing(
        desired: &Desired,
        live: &LiveState,
        options: &ChangeOptions,
        previous: Option<Previous<'_>>,
    ) -> Plan {
        let kept = reuse::Kept::new(previous, live);
        let parts = reuse::object_parts(desired, live, options, kept);
        let mut changes = Vec::with_capacity(parts.len());
        let mut placements = Vec::with_capacity(parts.len());
        let mut diagnostics = desired.diagnostics.clone();
        for part in parts {
            changes.push(part.change);
            placements.extend(part.placement);
            diagnostics.extend(part.finding);
        }
        manifest::diagnostic::sort(&mut diagnostics);
        let invalid = objects::Invalid {
            keys: &desired.invalid.objects,
            files: &desired.invalid.files,
        };
        let changes = objects::finish(changes, &desired.objects, &invalid, live, options);
        diagnostics.extend(checks::left_behind(&changes, live));
        manifest::diagnostic::sort(&mut diagnostics);
        Plan {
            revision: options.revision.clone(),
            changes,
            placements,
            diagnostics,
        }
    }

    /// Whether the revision may be applied: no error diagnostics.
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Whether any change is blocked.
    pub fn is_blocked(&self) -> bool {
        self.changes.iter().any(|c| c.blocked.is_some())
    }

    /// Whether anything would be written.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action.writes())
    }

    /// Counts by action.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            if change.blocked.is_some() {
                summary.blocked += 1;
                continue;
            }
            match change.action {
                Action::Create => summary.create += 1,
                Action::Update | Action::Adopt | Action::Recreate => summary.update += 1,
                Action::Prune => summary.prune += 1,
                Action::Detach => summary.detach += 1,
                Action::NotComparable => summary.not_comparable += 1,
                Action::Unchanged => summary.unchanged += 1,
            }
        }
        summary
    }

    /// Records the server's dry-run view of a change, or why it refused.
    pub fn record_server_view(
        &mut self,
        key: &ObjectKey,
        outcome: Result<serde_json::Value, Blocker>,
    ) {
        let found = self.changes.binary_search_by(|c| c.key.cmp(key));
        if let Some(change) = found.ok().map(|i| &mut self.changes[i]) {
            match outcome {
                Ok(view) => change.server_view = Some(view),
                Err(blocker) => change.blocked = Some(blocker),
            }
        }
    }
}

impl ObjectChange {
    /// The object as the change leaves it: the server's dry-run view when
    /// known, else the desired object.
    pub fn after(&self) -> Option<std::borrow::Cow<'_, serde_json::Value>> {
        use std::borrow::Cow;
        self.server_view
            .as_ref()
            .map(Cow::Borrowed)
            .or_else(|| self.desired.as_ref().map(|d| Cow::Owned(d.to_value())))
    }

    /// The field-level changes, in the server's view when known.
    pub fn field_changes(&self) -> Vec<FieldChange> {
        let before = self.live.as_ref().map(normalize);
        let after = match self.action {
            Action::Prune => None,
            Action::Detach | Action::Unchanged | Action::NotComparable => before.clone(),
            _ => self.after().map(|object| normalize(&object)),
        };
        field_changes(before.as_ref(), after.as_ref())
    }
}
