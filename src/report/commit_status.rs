//! Commit statuses in words: what the forge shows on a commit the daemon
//! took, or on a pull request's head that `review` read.
//!
//! Pure: the state and the one-line description, from the cycle's or the
//! review's result. Posting them belongs to `forge`.

use std::fmt;
use std::time::Duration;

use crate::manifest::Diagnostic;
use crate::plan::{FlowState, PlacementStatus};
use crate::review::{Review, Verdict};

/// Longest description forges show in full (GitHub's limit).
pub const MAX_DESCRIPTION: usize = 140;

/// The state of a commit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommitState {
    /// Taken, and the truth is not known yet.
    Pending,
    /// Applied, and every desired flow is in place (or, for a review, the
    /// head is valid).
    Success,
    /// Invalid, refused, or flows still missing when the wait ran out.
    Failure,
    /// Not judged: superseded by a newer commit before it settled.
    Error,
}

impl CommitState {
    /// Whether no later state may replace this one.
    pub fn is_final(self) -> bool {
        self != CommitState::Pending
    }
}

impl fmt::Display for CommitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommitState::Pending => "pending",
            CommitState::Success => "success",
            CommitState::Failure => "failure",
            CommitState::Error => "error",
        })
    }
}

/// A commit status, before it is addressed to a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStatus {
    /// Pending, success, failure or error.
    pub state: CommitState,
    /// What the forge shows under the check's name (one line, at most
    /// [`MAX_DESCRIPTION`] characters).
    pub description: String,
}

impl CommitStatus {
    /// A status; the description is cut to one line the forge shows whole.
    pub fn new(state: CommitState, description: impl AsRef<str>) -> Self {
        CommitStatus {
            state,
            description: one_line(description.as_ref()),
        }
    }
}

/// How far the desired flows of an applied revision are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowCount {
    /// MultiClusterServices applied.
    pub objects: usize,
    /// Desired flows in place.
    pub in_place: usize,
    /// Desired flows in all.
    pub desired: usize,
    /// Flows present that Git does not want.
    pub unexpected: usize,
}

impl FlowCount {
    /// Counts the flows of a plan's placements.
    pub fn of(placements: &[PlacementStatus]) -> Self {
        let flows = placements.iter().flat_map(|p| &p.flows);
        let mut count = FlowCount {
            objects: placements.len(),
            ..FlowCount::default()
        };
        for flow in flows {
            match flow.state {
                FlowState::Unexpected => count.unexpected += 1,
                FlowState::InPlace => {
                    count.in_place += 1;
                    count.desired += 1;
                }
                FlowState::Missing | FlowState::Pending | FlowState::Stale => count.desired += 1,
            }
        }
        count
    }

    /// Whether every desired flow is in place and nothing else flows.
    pub fn settled(&self) -> bool {
        self.in_place == self.desired && self.unexpected == 0
    }
}

impl fmt::Display for FlowCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mcs = self.objects;
        write!(
            f,
            "{mcs} MCS applied, {} of {} flows in place",
            self.in_place, self.desired
        )?;
        match self.unexpected {
            0 => Ok(()),
            1 => f.write_str(", 1 unexpected"),
            n => write!(f, ", {n} unexpected"),
        }
    }
}

/// The status of a commit a cycle has just taken.
pub fn taken() -> CommitStatus {
    CommitStatus::new(CommitState::Pending, "applying")
}

/// An applied revision: success once settled, pending until then.
pub fn applied(count: &FlowCount) -> CommitStatus {
    let state = if count.settled() {
        CommitState::Success
    } else {
        CommitState::Pending
    };
    CommitStatus::new(state, count.to_string())
}

/// An applied revision whose flows did not settle within `waited`.
pub fn unsettled(count: &FlowCount, waited: Duration) -> CommitStatus {
    CommitStatus::new(
        CommitState::Failure,
        format!("{count} after {}", minutes(waited)),
    )
}

/// An invalid revision: how many errors, in which file.
pub fn invalid(diagnostics: &[Diagnostic]) -> CommitStatus {
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let mut files: Vec<&str> = errors
        .iter()
        .filter_map(|d| d.location.as_ref().map(|l| l.file.as_str()))
        .collect();
    files.dedup();
    let count = plural(errors.len(), "error");
    let description = match files.as_slice() {
        [] => format!("invalid: {count}"),
        [file] => format!("invalid: {count} in {file}"),
        [first, rest @ ..] => format!(
            "invalid: {count} in {} files, first in {first}",
            rest.len() + 1
        ),
    };
    CommitStatus::new(CommitState::Failure, description)
}

/// A revision refused before anything was applied (signature, policy, the API).
pub fn refused(reason: &str) -> CommitStatus {
    CommitStatus::new(CommitState::Failure, format!("refused: {reason}"))
}

/// A revision that could not be attempted, for a reason retrying does not cure.
pub fn stalled(reason: &str) -> CommitStatus {
    CommitStatus::new(CommitState::Failure, format!("not applied: {reason}"))
}

/// A pending commit the branch moved away from before it settled.
pub fn superseded(by: &str) -> CommitStatus {
    let short = by.get(..12).unwrap_or(by);
    CommitStatus::new(
        CommitState::Error,
        format!("superseded by {short} before its flows were in place"),
    )
}

/// The status of a pull request's head after `review`.
pub fn reviewed(review: &Review) -> CommitStatus {
    let summary = review.summary();
    if review.verdict() == Verdict::Invalid {
        if summary.errors > 0 {
            return invalid(&review.diagnostics);
        }
        let rejected = plural(summary.rejected, "change");
        return CommitStatus::new(
            CommitState::Failure,
            format!("the federation refuses {rejected}"),
        );
    }
    let mut parts = Vec::new();
    if summary.gain_access > 0 {
        parts.push(format!("{} gain access", summary.gain_access));
    }
    if summary.lose_access > 0 {
        parts.push(format!("{} lose access", summary.lose_access));
    }
    if summary.cautions > 0 {
        parts.push(plural(summary.cautions, "caution"));
    }
    let description = match (review.verdict(), parts.is_empty()) {
        (Verdict::NoChanges, _) => "no MultiClusterService changes".to_owned(),
        (_, true) => "no change of exposure".to_owned(),
        (_, false) => parts.join(", "),
    };
    CommitStatus::new(CommitState::Success, description)
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn minutes(waited: Duration) -> String {
    let secs = waited.as_secs();
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

/// The first line of `text`, cut to [`MAX_DESCRIPTION`] characters with an
/// ellipsis.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() <= MAX_DESCRIPTION {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(MAX_DESCRIPTION - 1).collect();
    cut.push('…');
    cut
}
