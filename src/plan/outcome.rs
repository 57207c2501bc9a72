//! What applying a plan did, object by object. Pure data: the `federation`
//! layer fills it in where it reads the API's answers; reports and the
//! daemon read it.

use serde::Serialize;

use super::objects::{Action, Blocker};
use crate::manifest::ObjectKey;

/// What happened to one object.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum ObjectOutcome {
    /// The change was made (in a dry run: the server accepted it).
    Done,
    /// Nothing to do.
    Skipped,
    /// Not attempted: the plan blocked it.
    Blocked {
        /// Why.
        blocker: Blocker,
    },
    /// Attempted and refused by the API.
    Failed {
        /// Why.
        blocker: Blocker,
    },
}

/// One object's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectResult {
    /// The object.
    pub key: ObjectKey,
    /// What was planned.
    pub action: Action,
    /// What happened.
    pub outcome: ObjectOutcome,
    /// The resourceVersion the server gave the object, when it was written.
    #[serde(skip)]
    pub resource_version: Option<String>,
}

/// The result of applying a plan.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ApplyReport {
    /// Per object, sorted by key.
    pub results: Vec<ObjectResult>,
    /// Whether this was a dry run.
    pub dry_run: bool,
}

impl ApplyReport {
    /// Results that were blocked or failed.
    pub fn problems(&self) -> impl Iterator<Item = &ObjectResult> {
        self.results.iter().filter(|r| {
            matches!(
                r.outcome,
                ObjectOutcome::Blocked { .. } | ObjectOutcome::Failed { .. }
            )
        })
    }

    /// Whether every change was made.
    pub fn succeeded(&self) -> bool {
        self.problems().next().is_none()
    }

    /// The API's words when it refused our credentials or permissions
    /// (401, 403) for some object.
    pub fn denied(&self) -> Option<String> {
        self.results.iter().find_map(|r| match &r.outcome {
            ObjectOutcome::Failed {
                blocker:
                    Blocker::Rejected {
                        api_reason,
                        message,
                        code: Some(401 | 403),
                        ..
                    },
            } => Some(format!("{}: {message}", api_reason.to_lowercase())),
            _ => None,
        })
    }

    /// How many objects were written (or would be, in a dry run).
    pub fn written(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome == ObjectOutcome::Done)
            .count()
    }
}
