//! One reconcile cycle of the daemon: fetch, verify, read the live state,
//! load, plan, apply (or only show, in dry-run mode), report to the status
//! branch, and tell the memory what happened.
//!
//! An unchanged revision costs one ref advertisement and nothing else,
//! unless the run asks for a full comparison. A revision that fails
//! validation applies nothing; the last good revision stays in place and
//! is what the object reports describe. A failure that retrying does not
//! cure stalls the revision instead of looping on it.

use std::sync::Arc;
use std::time::Instant;

use git2::Oid;
use tokio::sync::watch;

use super::commit_statuses::Seen;
use super::forge_task::StatusSink;
use super::health::Health;
use super::memory::{Decision, Finished, Memory};
use super::metrics::Metrics;
use super::pacing::{Cycle, Outcome, Run};
use super::record::Keeper;
use super::repo::{Refusal, Tracked};
use super::report::Reporter;
use super::triggers::OwnWrites;

mod ending;
mod verify;
use crate::federation::{ApiError, Federation, Watched};
use crate::manifest::{Desired, Revision};
use crate::plan::checks::live_inventory;
use crate::plan::widening::Direction;
use crate::plan::{LiveState, Plan, Previous};
use crate::reconcile::{Pipeline, PlanVerdict};
use crate::source::SourceError;
use crate::source::mirror::RemoteError;

/// Whether the daemon writes to the federation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Apply and prune.
    Apply,
    /// Plan only; the status branch says what would change.
    DryRun,
}

/// Who watches the daemon: readiness, metrics, leadership, own writes.
#[derive(Clone)]
pub struct Observers {
    /// Readiness.
    pub health: Arc<Health>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Leadership (always true without leader election).
    pub leader: watch::Receiver<bool>,
    /// Versions this daemon wrote, so their watch events are not taken for drift.
    pub own_writes: OwnWrites,
    /// The forge's commit statuses (a no-op without `--forge`).
    pub statuses: StatusSink,
}

/// The daemon: the pipeline, the watched live state, the tracked branch,
/// where reports go, and its memory.
pub struct Reconciler<F, W> {
    pipeline: Pipeline<F>,
    live: W,
    tracked: Tracked,
    mode: Mode,
    reporter: Reporter,
    observers: Observers,
    keeper: Keeper,
    memory: Memory,
}

impl<F: Federation, W: Watched> Cycle for Reconciler<F, W> {
    async fn cycle(&mut self, run: Run) -> Outcome {
        if !*self.observers.leader.borrow() {
            return self.stand_by().await;
        }
        if run == Run::Operator {
            self.memory.forget_failures();
        }
        let head = match self.tracked.head(self.memory.processed()).await {
            Ok(head) => head,
            Err(error) => return self.source_failed(error),
        };
        // The source answered: an earlier fetch failure is over, even when
        // the revision it brings was processed before and the cycle ends here.
        self.observers.health.update(|r| r.source_error = None);
        self.observers.metrics.set_source_up(true);
        let started = Instant::now();
        let outcome = match self.memory.decide(head, run, Some(self.live.generation())) {
            Decision::Skip => {
                self.observers.metrics.reconciled("skipped");
                return Outcome::Skipped;
            }
            Decision::Settled => {
                // The plan is a function of the revision and the live state;
                // with both as they were, it would say again "nothing to do".
                tracing::debug!(%head, "revision and live state unchanged since the last plan");
                self.observers.metrics.reconciled("unchanged");
                Outcome::Settled
            }
            Decision::Stalled(reason) => {
                self.observers.metrics.reconciled("stalled");
                Outcome::Stalled(reason)
            }
            Decision::Work => self.process(head).await,
        };
        self.observe(started);
        outcome
    }

    fn generation(&self) -> Option<u64> {
        Some(self.live.generation())
    }
}

impl<F: Federation, W: Watched> Reconciler<F, W> {
    /// A reconciler that has processed nothing yet.
    pub(super) fn new(
        pipeline: Pipeline<F>,
        live: W,
        tracked: Tracked,
        mode: Mode,
        reporter: Reporter,
        observers: Observers,
        keeper: Keeper,
    ) -> Self {
        Reconciler {
            pipeline,
            live,
            tracked,
            mode,
            reporter,
            observers,
            keeper,
            memory: Memory::default(),
        }
    }

    fn observe(&self, started: Instant) {
        let metrics = &self.observers.metrics;
        metrics.observe_duration(started.elapsed().as_secs_f64());
        let stalled = self.memory.stalled();
        metrics.set_stalled(stalled.is_some());
        self.observers
            .health
            .update(|r| r.stalled = stalled.clone());
    }

    /// A standby replica only checks that it can reach the repository, so it
    /// reports ready and can take over at once when it wins the lease.
    async fn stand_by(&self) -> Outcome {
        self.observers.metrics.reconciled("standby");
        match self.tracked.reachable().await {
            Ok(_) => {
                self.observers.metrics.set_source_up(true);
                self.observers.health.update(|r| {
                    r.source_error = None;
                    r.synced = true;
                });
                Outcome::Standby
            }
            Err(error) => self.source_failed(error),
        }
    }

    fn source_failed(&self, error: RemoteError) -> Outcome {
        let message = error.to_string();
        tracing::warn!(error = %message, "Git source unavailable; retrying");
        self.observers
            .health
            .update(|r| r.source_error = Some(message.clone()));
        self.observers.metrics.set_source_up(false);
        self.observers.metrics.reconciled("error");
        Outcome::Retry(message)
    }

    async fn process(&mut self, head: Oid) -> Outcome {
        self.observers.statuses.saw(head, Seen::Taken);
        self.memory.unsettle();
        match self.verify(head).await {
            Verified::Yes => {}
            Verified::Refused(refusal) => return self.refused(head, &refusal).await,
            Verified::Unrecorded(error) => return self.unrecorded(head, &error).await,
        }
        let (generation, live) = match self.live.current().await {
            Ok(live) => live,
            Err(error) => return self.read_failed(head, &error).await,
        };
        self.restore_last_good(&live).await;
        self.observers.health.update(|r| r.federation_error = None);
        let (desired, summary) = match self.load(head, &live).await {
            Ok(loaded) => loaded,
            Err(error) => return self.load_failed(head, &error).await,
        };
        self.exposures(&desired, &live);
        let revision = Revision::new(head.to_string());
        let plan = self.plan(head, &desired, &revision, &live);
        let nothing_pending = PlanVerdict::of(&plan) == PlanVerdict::Invalid
            || self.mode == Mode::DryRun
            || !plan.has_changes();
        let outcome = if PlanVerdict::of(&plan).may_apply() {
            let valid = Valid {
                revision: &revision,
                summary: &summary,
                desired: desired.clone(),
                plan: &plan,
                live: &live,
                generation,
            };
            self.valid(valid).await
        } else {
            self.invalid(&revision, &summary, &plan, &live).await
        };
        if !matches!(outcome, Outcome::Retry(_)) {
            self.memory.mark_processed(head);
            self.observers.health.update(|r| r.synced = true);
        }
        let reported = !self.reporter.enabled() || self.memory.published().is_some();
        self.memory.remember(
            head,
            Finished {
                outcome: &outcome,
                generation: Some(generation),
                desired,
                plan,
                nothing_pending,
                reported,
            },
        );
        outcome
    }

    /// Notices exposures the federation changed by itself (a cluster joined
    /// or left while a list was empty): logged, counted, and kept for the
    /// status report.
    fn exposures(&mut self, desired: &Arc<Desired>, live: &LiveState) {
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string());
        for recorded in self.memory.track_exposures(desired, live, &now) {
            let change = &recorded.change;
            let direction = match change.direction {
                Direction::Widened => "widened",
                Direction::Narrowed => "narrowed",
            };
            self.observers.metrics.exposure_changed(direction);
            if recorded.breaks.is_empty() {
                tracing::warn!(object = %change.key, cluster = %change.cluster, "{change}");
            } else {
                let breaks = recorded.breaks.join("; ");
                tracing::error!(object = %change.key, cluster = %change.cluster, %breaks, "{change}: it breaks an exposure policy, and revisions that keep it are refused");
            }
        }
    }

    /// Reads and validates `head`, unless it was read against the same
    /// cluster list before (a full run of an unchanged revision re-reads
    /// nothing).
    async fn load(
        &mut self,
        head: Oid,
        live: &LiveState,
    ) -> Result<(Arc<Desired>, String), SourceError> {
        let inventory = live_inventory(live);
        if let Some(loaded) = self.memory.loaded(head, &inventory) {
            return Ok(loaded);
        }
        let known = self.memory.load_cache().parse.known();
        let read = self.tracked.read(head, known).await?;
        let cache = self.memory.load_cache();
        let desired = Arc::new(self.pipeline.load(&read.files, live, Some(&mut *cache)));
        tracing::debug!(
            files = read.files.len(),
            parsed = cache.parse.last_parsed,
            judged = cache.verdicts.last_evaluated,
            "revision read"
        );
        self.memory
            .keep_loaded(head, inventory, desired.clone(), read.summary.clone());
        Ok((desired, read.summary))
    }

    /// Plans `desired` against `live`, taking over from the previous plan
    /// every object whose desired form and watched inputs did not change,
    /// and holding back what the API refused for good before.
    fn plan(
        &mut self,
        head: Oid,
        desired: &Desired,
        revision: &Revision,
        live: &LiveState,
    ) -> Plan {
        let watched = &self.live;
        let mut plan = match self.memory.take_previous(|g| watched.changes_since(g)) {
            Some((plan, old, changes)) => {
                let previous = Previous {
                    plan,
                    desired: &old,
                    live: changes,
                };
                self.pipeline
                    .plan(desired, Some(revision), live, Some(previous))
            }
            None => self.pipeline.plan(desired, Some(revision), live, None),
        };
        self.memory
            .hold_refused(head, &mut plan, |g| watched.changes_since(g));
        plan
    }
}

/// What a valid revision's cycle needs to finish.
pub(super) struct Valid<'a> {
    pub(super) revision: &'a Revision,
    pub(super) summary: &'a str,
    pub(super) desired: Arc<Desired>,
    pub(super) plan: &'a Plan,
    pub(super) live: &'a LiveState,
    pub(super) generation: u64,
}

/// How verification ended.
enum Verified {
    /// Trusted (or nothing to verify), and recorded.
    Yes,
    /// Refused: unsigned, untrusted, or not a descendant of the last verified commit.
    Refused(Refusal),
    /// Trusted, but the record could not be read or written: applying it
    /// would let a restart forget what was verified.
    Unrecorded(ApiError),
}
