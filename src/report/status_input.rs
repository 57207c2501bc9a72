//! What a status report is made of: the revision attempted, how it ended,
//! and the plan, apply report and live state behind it.

use serde::Serialize;

use crate::manifest::{Diagnostic, Revision};
use crate::plan::widening::ExposureChange;
use crate::plan::{ApplyReport, LiveState, Plan};

/// How a reconcile of a revision ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevisionResult {
    /// Every change was applied.
    Applied,
    /// Some changes failed or were blocked.
    PartlyApplied,
    /// Dry-run mode: changes are shown, not applied.
    DryRun,
    /// The revision is invalid: nothing of it was applied.
    Invalid,
    /// The revision was refused before validation (e.g. an unverified signature).
    Refused,
    /// A failure that retrying will not cure kept the revision from being
    /// applied at all; it is attempted again on a new revision, a change in
    /// the federation, or SIGHUP.
    Stalled,
}

impl RevisionResult {
    /// In words, for STATUS.md.
    pub fn label(&self) -> &'static str {
        match self {
            RevisionResult::Applied => "✅ applied",
            RevisionResult::PartlyApplied => "⚠️ partly applied",
            RevisionResult::DryRun => "👀 dry run (nothing applied)",
            RevisionResult::Invalid => "❌ invalid (nothing applied)",
            RevisionResult::Refused => "⛔ refused (nothing applied)",
            RevisionResult::Stalled => "⏸️ stalled (nothing applied)",
        }
    }
}

/// Everything a report is made of.
pub struct ReportInput<'a> {
    /// The branch tracked.
    pub branch: &'a str,
    /// The revision attempted.
    pub revision: &'a Revision,
    /// Its commit summary line.
    pub summary: &'a str,
    /// How it ended.
    pub result: RevisionResult,
    /// Why, when it was refused or stalled.
    pub reason: Option<&'a str>,
    /// Why the daemon will not try again by itself, when a failure that
    /// retrying does not cure stalled it.
    pub stalled: Option<&'a str>,
    /// The last revision applied without errors, if any.
    pub last_applied: Option<&'a Revision>,
    /// The plan shown (for an invalid revision: the last good revision's plan).
    pub plan: Option<&'a Plan>,
    /// What applying it did.
    pub apply: Option<&'a ApplyReport>,
    /// The live state the plan was made against.
    pub live: Option<&'a LiveState>,
    /// Problems of the attempted revision.
    pub diagnostics: &'a [Diagnostic],
    /// Exposures the federation changed by itself, newest last.
    pub exposure_changes: &'a [RecordedChange],
}

/// An exposure change the federation made, when it was seen, and the
/// exposure policies it breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordedChange {
    /// When the daemon saw it (RFC 3339).
    pub at: String,
    /// What changed.
    pub change: ExposureChange,
    /// The messages of the exposure-policy errors the object has since.
    pub breaks: Vec<String>,
}
