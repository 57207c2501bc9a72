//! What a cycle keeps for the next one: the last plan, to take over every
//! object whose desired form and watched inputs did not change, and whether
//! that plan settled its revision (nothing to write, report pushed), so a
//! full run of the same revision against the same live state has nothing
//! to do.

use std::sync::Arc;

use git2::Oid;

use super::cycle::{CycleOutcome, Mode, Reconciler};
use crate::federation::cache::LiveCache;
use crate::manifest::Desired;
use crate::plan::{LiveState, Plan, Previous};
use crate::reconcile::plan_reusing;

/// A plan, the revision it planned and the watched state's generation it saw.
pub(super) struct PreviousPlan {
    pub(super) plan: Plan,
    pub(super) desired: Arc<Desired>,
    pub(super) generation: u64,
}

/// A revision planned against a live state that needed no write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Settled {
    pub(super) head: Oid,
    pub(super) generation: u64,
}

impl Reconciler {
    /// Whether `head` was planned against the live state as it is now, and
    /// that plan left nothing to write and no report to push.
    pub(super) fn settled_at(&self, head: Oid) -> bool {
        let generation = self.cache.as_ref().map(LiveCache::generation);
        self.settled.is_some_and(|s| {
            s.head == head && Some(s.generation) == generation && self.processed == Some(head)
        })
    }

    /// Plans `desired` against `live`, taking over from the previous plan
    /// every object whose desired form and watched inputs did not change.
    pub(super) fn plan(&mut self, desired: &Desired, revision: &str, live: &LiveState) -> Plan {
        let previous = self.previous.take();
        let changes = previous
            .as_ref()
            .zip(self.cache.as_ref())
            .map(|(p, cache)| cache.changes_since(p.generation));
        match (previous, changes) {
            (
                Some(PreviousPlan {
                    plan, desired: old, ..
                }),
                Some(live_changes),
            ) => {
                let previous = Previous {
                    plan,
                    desired: &old,
                    live: live_changes,
                };
                plan_reusing(
                    desired,
                    Some(revision),
                    &self.settings,
                    live,
                    Some(previous),
                )
            }
            _ => plan_reusing(desired, Some(revision), &self.settings, live, None),
        }
    }

    /// Keeps what the next cycle can build on: the plan (with the watched
    /// state's generation it saw) and whether it settled the revision.
    pub(super) fn remember(
        &mut self,
        head: Oid,
        outcome: &CycleOutcome,
        generation: Option<u64>,
        desired: Arc<Desired>,
        plan: Plan,
    ) {
        let reported = self.config.status.is_none()
            || self.published.lock().expect("published lock").is_some();
        // Nothing is pending when nothing was to be written: an invalid
        // revision and a dry run write nothing by definition.
        let nothing_pending =
            !plan.is_valid() || self.config.mode == Mode::DryRun || !plan.has_changes();
        if let (CycleOutcome::Done, true, true, Some(generation)) =
            (outcome, nothing_pending, reported, generation)
        {
            self.settled = Some(Settled { head, generation });
        }
        self.previous = generation.map(|generation| PreviousPlan {
            plan: plan.into_reusable(),
            desired,
            generation,
        });
    }
}
