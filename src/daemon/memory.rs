//! What the daemon remembers between cycles, and the decisions it makes
//! from it alone: whether a run has anything to do, which refusals to hold
//! rather than send again, what the next plan may take over.
//!
//! - the last revision processed, applied without errors, and verified;
//! - the revision as read (with the parse cache), kept while neither it
//!   nor the cluster list changes;
//! - the last plan, for the next one to build on, and whether it settled
//!   its revision (nothing to write, report pushed);
//! - what stalled: a revision that could not be attempted for a reason
//!   retrying does not cure, and objects the API refused for such a reason.
//!
//! Nothing here does I/O; the cycle consults it and tells it what happened.

use std::collections::BTreeMap;
use std::sync::Arc;

use git2::Oid;

use super::pacing::{Outcome, Run};
use crate::manifest::Rule;
use crate::manifest::{Desired, Inventory, ObjectKey, Revision};
use crate::plan::widening::{self, Direction, Exposures};
use crate::plan::{ApplyReport, Blocker, LiveChanges, LiveState, ObjectOutcome, Plan, Retry};
use crate::reconcile::LoadCache;
use crate::report::status_input::RecordedChange;

/// Most exposure changes remembered for the status report.
pub(super) const MAX_EXPOSURE_CHANGES: usize = 50;

/// The exposures resolved last, and what they were resolved from.
struct Resolved {
    desired: Arc<Desired>,
    clusters: Vec<String>,
    exposures: Exposures,
}

/// The last revision applied without errors.
#[derive(Clone)]
pub(super) struct LastGood {
    pub(super) revision: Revision,
    pub(super) desired: Arc<Desired>,
}

/// A revision read and validated against a cluster list.
struct Loaded {
    head: Oid,
    inventory: Inventory,
    desired: Arc<Desired>,
    summary: String,
}

/// A plan, the revision it planned and the watched state's generation it saw.
struct PreviousPlan {
    plan: Plan,
    desired: Arc<Desired>,
    generation: u64,
}

/// A revision planned against a live state that needed no write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Settled {
    head: Oid,
    generation: u64,
}

/// A revision that could not be attempted for a reason retrying does not
/// cure (the federation refused to be read, the tree could not be read).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stall {
    head: Oid,
    generation: Option<u64>,
    reason: String,
}

/// Objects of one revision that the API refused for a reason retrying does
/// not cure, with the generation of the live state they were refused at.
#[derive(Clone, Debug, Default)]
struct Refusals {
    head: Option<Oid>,
    objects: BTreeMap<ObjectKey, (Blocker, u64)>,
}

/// What a run of a revision has to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Decision {
    /// The revision was processed and the run only looks for a new one.
    Skip,
    /// The revision and the live state are as the last plan left them,
    /// with nothing to write.
    Settled,
    /// The revision stalled and nothing it depends on changed.
    Stalled(String),
    /// Plan (and apply) the revision.
    Work,
}

/// The daemon's memory.
#[derive(Default)]
pub(super) struct Memory {
    processed: Option<Oid>,
    last_good: Option<LastGood>,
    last_verified: Option<Oid>,
    loaded: Option<Loaded>,
    load_cache: LoadCache,
    previous: Option<PreviousPlan>,
    settled: Option<Settled>,
    stall: Option<Stall>,
    refusals: Refusals,
    published: Option<[u8; 32]>,
    /// The last applied revision as recorded before a restart, to read back.
    restore: Option<Revision>,
    resolved: Option<Resolved>,
    exposure_changes: Vec<RecordedChange>,
}

impl Memory {
    /// Resolves `desired` against the clusters of `live` and returns what
    /// the federation changed by itself since the last time (`now` is
    /// when it is seen); objects a commit changed are not compared.
    pub(super) fn track_exposures(
        &mut self,
        desired: &Arc<Desired>,
        live: &LiveState,
        now: &str,
    ) -> Vec<RecordedChange> {
        let clusters: Vec<String> = live.clusters.keys().cloned().collect();
        let unchanged = self
            .resolved
            .as_ref()
            .is_some_and(|r| Arc::ptr_eq(&r.desired, desired) && r.clusters == clusters);
        if unchanged {
            return Vec::new();
        }
        let exposures = widening::resolve_all(&desired.objects, &live.clusters);
        let found = match &self.resolved {
            Some(before) if before.clusters != clusters => {
                widening::changes(&before.exposures, &exposures, &live.clusters)
            }
            _ => Vec::new(),
        };
        self.resolved = Some(Resolved {
            desired: desired.clone(),
            clusters,
            exposures,
        });
        let recorded: Vec<RecordedChange> = found
            .into_iter()
            .map(|change| RecordedChange {
                at: now.to_owned(),
                breaks: breaks(desired, &change.key, change.direction),
                change,
            })
            .collect();
        self.exposure_changes.extend(recorded.iter().cloned());
        let excess = self
            .exposure_changes
            .len()
            .saturating_sub(MAX_EXPOSURE_CHANGES);
        self.exposure_changes.drain(..excess);
        recorded
    }

    /// The exposure changes remembered, oldest first.
    pub(super) fn exposure_changes(&self) -> &[RecordedChange] {
        &self.exposure_changes
    }

    /// What a `run` of `head` has to do, the watched state being at `generation`.
    pub(super) fn decide(&self, head: Oid, run: Run, generation: Option<u64>) -> Decision {
        if run == Run::Poll && self.processed == Some(head) {
            return Decision::Skip;
        }
        if let Some(stall) = self
            .stall
            .as_ref()
            .filter(|s| run != Run::Operator && s.head == head && s.generation == generation)
        {
            return Decision::Stalled(stall.reason.clone());
        }
        let settled = self.settled.is_some_and(|s| {
            s.head == head && Some(s.generation) == generation && self.processed == Some(head)
        });
        if settled {
            Decision::Settled
        } else {
            Decision::Work
        }
    }

    /// The operator asked to try again what stalled.
    pub(super) fn forget_failures(&mut self) {
        self.stall = None;
        self.refusals = Refusals::default();
    }

    /// A cycle starts working on a revision.
    pub(super) fn unsettle(&mut self) {
        self.settled = None;
    }

    /// The last revision processed (applied, shown, invalid or refused).
    pub(super) fn processed(&self) -> Option<Oid> {
        self.processed
    }

    /// The revision will not be processed again until it moves.
    pub(super) fn mark_processed(&mut self, head: Oid) {
        self.processed = Some(head);
    }

    /// The last revision applied without errors.
    pub(super) fn last_good(&self) -> Option<&LastGood> {
        self.last_good.as_ref()
    }

    /// Records a revision applied without errors.
    pub(super) fn applied(&mut self, revision: Revision, desired: Arc<Desired>) {
        self.last_good = Some(LastGood { revision, desired });
    }

    /// Remembers the last applied revision of a previous process, to read
    /// back once the live state is known.
    pub(super) fn restore_applied(&mut self, revision: Option<Revision>) {
        self.restore = revision;
    }

    /// The revision to read back, once.
    pub(super) fn take_restore(&mut self) -> Option<Revision> {
        self.restore.take().filter(|_| self.last_good.is_none())
    }

    /// The last commit whose signature was verified.
    pub(super) fn last_verified(&self) -> Option<Oid> {
        self.last_verified
    }

    /// Records a verified commit.
    pub(super) fn verified(&mut self, head: Oid) {
        self.last_verified = Some(head);
    }

    /// The revision as read before, if it is `head` read against `inventory`.
    pub(super) fn loaded(
        &self,
        head: Oid,
        inventory: &Inventory,
    ) -> Option<(Arc<Desired>, String)> {
        self.loaded
            .as_ref()
            .filter(|l| l.head == head && &l.inventory == inventory)
            .map(|l| (l.desired.clone(), l.summary.clone()))
    }

    /// The parse cache and policy verdicts, to read a revision through.
    pub(super) fn load_cache(&mut self) -> &mut LoadCache {
        &mut self.load_cache
    }

    /// Keeps a revision as read.
    pub(super) fn keep_loaded(
        &mut self,
        head: Oid,
        inventory: Inventory,
        desired: Arc<Desired>,
        summary: String,
    ) {
        self.loaded = Some(Loaded {
            head,
            inventory,
            desired,
            summary,
        });
    }

    /// The last plan, given up to the next one with what changed since.
    pub(super) fn take_previous(
        &mut self,
        changes: impl FnOnce(u64) -> LiveChanges,
    ) -> Option<(Plan, Arc<Desired>, LiveChanges)> {
        let previous = self.previous.take()?;
        let live = changes(previous.generation);
        Some((previous.plan, previous.desired, live))
    }

    /// Holds back, as blocked, the changes the API refused before for a
    /// reason retrying does not cure, unless the object's live inputs
    /// changed since: such an object is attempted once per revision.
    pub(super) fn hold_refused(
        &mut self,
        head: Oid,
        plan: &mut Plan,
        changes: impl Fn(u64) -> LiveChanges,
    ) {
        if self.refusals.head != Some(head) {
            self.refusals = Refusals {
                head: Some(head),
                objects: BTreeMap::new(),
            };
            return;
        }
        self.refusals
            .objects
            .retain(|key, (_, since)| match changes(*since) {
                LiveChanges::Everything => false,
                LiveChanges::Only(changed) => !changed.contains(key),
            });
        for change in plan.changes.iter_mut().filter(|c| c.is_pending()) {
            if let Some((blocker, _)) = self.refusals.objects.get(&change.key) {
                change.blocked = Some(blocker.clone());
            }
        }
    }

    /// Remembers the objects an apply had refused for good.
    pub(super) fn record_refusals(&mut self, report: &ApplyReport, generation: Option<u64>) {
        let Some(generation) = generation else {
            return;
        };
        for result in &report.results {
            if let ObjectOutcome::Failed {
                blocker:
                    blocker @ Blocker::Rejected {
                        retry: Retry::Terminal,
                        ..
                    },
            } = &result.outcome
            {
                self.refusals
                    .objects
                    .insert(result.key.clone(), (blocker.clone(), generation));
            }
        }
    }

    /// Records that `head` could not be attempted for a reason retrying does
    /// not cure, at the watched state's `generation`.
    pub(super) fn stall(&mut self, head: Oid, generation: Option<u64>, reason: String) {
        self.stall = Some(Stall {
            head,
            generation,
            reason,
        });
    }

    /// Why the current revision is stalled, if it is.
    pub(super) fn stalled(&self) -> Option<String> {
        if let Some(stall) = &self.stall {
            return Some(stall.reason.clone());
        }
        let (key, (blocker, _)) = self.refusals.objects.iter().next()?;
        let more = self.refusals.objects.len() - 1;
        let others = match more {
            0 => String::new(),
            n => format!(" (and {n} more)"),
        };
        Some(format!(
            "{key} was refused: {}{others}",
            crate::report::words::blocker(blocker)
        ))
    }

    /// The digest of the last report pushed.
    pub(super) fn published(&self) -> Option<[u8; 32]> {
        self.published
    }

    /// Records the digest of the report pushed, or `None` when pushing failed.
    pub(super) fn set_published(&mut self, digest: Option<[u8; 32]>) {
        self.published = digest;
    }

    /// Keeps what the next cycle can build on: the plan (with the watched
    /// state's generation it saw) and whether it settled the revision.
    /// Nothing is pending when nothing was to be written (an invalid
    /// revision and a dry run write nothing by definition).
    pub(super) fn remember(&mut self, head: Oid, finished: Finished) {
        let Finished {
            outcome,
            generation,
            desired,
            plan,
            nothing_pending,
            reported,
        } = finished;
        if let (true, Some(generation)) = (
            outcome == &Outcome::Done && nothing_pending && reported,
            generation,
        ) {
            self.settled = Some(Settled { head, generation });
        }
        if !matches!(outcome, Outcome::Stalled(_)) {
            self.stall = None;
        }
        self.previous = generation.map(|generation| PreviousPlan {
            plan: plan.into_reusable(),
            desired,
            generation,
        });
    }
}

/// How a cycle that planned a revision ended, for [`Memory::remember`].
pub(super) struct Finished<'a> {
    pub(super) outcome: &'a Outcome,
    pub(super) generation: Option<u64>,
    pub(super) desired: Arc<Desired>,
    pub(super) plan: Plan,
    pub(super) nothing_pending: bool,
    pub(super) reported: bool,
}

/// The exposure-policy errors of an object that gained clusters.
fn breaks(desired: &Desired, key: &ObjectKey, direction: Direction) -> Vec<String> {
    if direction != Direction::Widened {
        return Vec::new();
    }
    desired
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::ExposurePolicy && d.object.as_ref() == Some(key))
        .map(|d| d.message.clone())
        .collect()
}
