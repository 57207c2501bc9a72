//! One reconcile cycle of the daemon: fetch, read and validate, plan, apply
//! (or only show, in dry-run mode), report to the status branch.
//!
//! An unchanged revision costs one ref advertisement and nothing else, unless
//! the trigger asks for a full run (resync, drift, SIGHUP, retry). A revision
//! that fails validation applies nothing; the last good revision stays in
//! place and is what the object reports describe.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use git2::Oid;
use tokio::sync::watch;

use super::health::Health;
use super::memo::{PreviousPlan, Settled};
use super::metrics::Metrics;
use super::status::StatusWriter;
use super::triggers::OwnWrites;
use crate::federation::cache::LiveCache;
use crate::federation::{Federation, FederationError, Retry};
use crate::manifest::{Desired, Inventory, ParseCache, RepoFile};
use crate::plan::LiveState;
use crate::plan::checks::live_inventory;
use crate::reconcile::Settings;
use crate::source::mirror::{Origin, RemoteError};
use crate::source::signature::{Untrusted, verify_range};
use crate::source::trust::TrustedKeys;

/// Whether the daemon writes to the federation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Apply and prune.
    Apply,
    /// Plan only; the status branch says what would change.
    DryRun,
}

/// What the loop needs to know.
#[derive(Clone, Debug)]
pub struct CycleConfig {
    /// Branch tracked.
    pub branch: String,
    /// Subdirectory of the repository holding the configuration ("" for all).
    pub subdir: String,
    /// Apply or dry run.
    pub mode: Mode,
    /// Where status reports go; `None` disables them.
    pub status: Option<StatusWriter>,
    /// Keys new commits must be signed with; `None` accepts unsigned commits.
    pub trust: Option<Arc<TrustedKeys>>,
}

/// How a cycle ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CycleOutcome {
    /// Nothing new: the revision was already processed.
    Skipped,
    /// This replica is not the leader.
    Standby,
    /// A full run found the revision and the live state as the last plan
    /// left them, with nothing to do.
    Settled,
    /// The revision was processed (applied, shown, or found invalid).
    Done,
    /// A failure worth retrying soon.
    Transient(String),
    /// A failure that needs a new revision or an operator.
    Terminal(String),
}

/// The last revision applied without errors.
#[derive(Clone)]
pub(super) struct LastGood {
    pub(super) revision: String,
    pub(super) desired: Arc<Desired>,
}

/// A revision read and validated, kept while neither it nor the cluster list changes.
struct Loaded {
    revision: Oid,
    inventory: Inventory,
    desired: Arc<Desired>,
    summary: String,
}

/// The reconcile loop's state.
pub struct Reconciler {
    /// The repository.
    pub origin: Arc<Mutex<Origin>>,
    /// The federation.
    pub federation: Federation,
    /// Reconcile settings.
    pub settings: Settings,
    /// Loop settings.
    pub config: CycleConfig,
    /// Readiness.
    pub health: Arc<Health>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Leadership (always true without leader election).
    pub leader: watch::Receiver<bool>,
    /// Versions this daemon wrote, so their watch events are not taken for drift.
    pub own_writes: OwnWrites,
    /// The watched live state; without it each run lists the federation.
    pub cache: Option<LiveCache>,
    pub(super) processed: Option<Oid>,
    pub(super) last_good: Option<LastGood>,
    last_verified: Option<Oid>,
    loaded: Option<Loaded>,
    parse_cache: ParseCache,
    /// The last report pushed: an identical one is not committed again.
    pub(super) published: Mutex<Option<[u8; 32]>>,
    /// The last cycle left nothing to do: its revision and the live state's
    /// generation, while neither moves a full run has nothing to find.
    pub(super) settled: Option<Settled>,
    /// The last plan, for the next one to build on.
    pub(super) previous: Option<PreviousPlan>,
}

impl Reconciler {
    /// A reconciler that has processed nothing yet.
    pub fn new(
        origin: Arc<Mutex<Origin>>,
        federation: Federation,
        settings: Settings,
        config: CycleConfig,
        health: Arc<Health>,
        metrics: Arc<Metrics>,
        leader: watch::Receiver<bool>,
    ) -> Self {
        Reconciler {
            origin,
            federation,
            settings,
            config,
            health,
            metrics,
            leader,
            own_writes: OwnWrites::default(),
            cache: None,
            processed: None,
            last_good: None,
            last_verified: None,
            loaded: None,
            parse_cache: ParseCache::new(),
            published: Mutex::new(None),
            settled: None,
            previous: None,
        }
    }

    /// Runs one cycle; `full` forces a live check of an unchanged revision.
    pub async fn cycle(&mut self, full: bool) -> CycleOutcome {
        if !*self.leader.borrow() {
            return self.stand_by().await;
        }
        let head = match self.fetch_head().await {
            Ok(head) => head,
            Err(error) => return self.source_failed(error),
        };
        if !full && self.processed == Some(head) {
            self.metrics.reconciled("skipped");
            return CycleOutcome::Skipped;
        }
        let started = Instant::now();
        let outcome = if self.settled_at(head) {
            // The plan is a function of the revision and the live state;
            // with both as they were, it would say again "nothing to do".
            tracing::debug!(%head, "revision and live state unchanged since the last plan");
            self.metrics.reconciled("unchanged");
            CycleOutcome::Settled
        } else {
            self.process(head).await
        };
        self.metrics
            .observe_duration(started.elapsed().as_secs_f64());
        outcome
    }

    /// A standby replica only checks that it can reach the repository, so it
    /// reports ready and can take over at once when it wins the lease.
    async fn stand_by(&self) -> CycleOutcome {
        self.metrics.reconciled("standby");
        let (origin, branch) = (self.origin.clone(), self.config.branch.clone());
        let reachable = blocking(move || origin.lock().expect("origin lock").head(&branch)).await;
        match reachable {
            Ok(_) => {
                self.metrics.set_source_up(true);
                self.health.update(|r| {
                    r.source_error = None;
                    r.synced = true;
                });
                CycleOutcome::Standby
            }
            Err(error) => self.source_failed(error),
        }
    }

    async fn fetch_head(&self) -> Result<Oid, RemoteError> {
        let branch = self.config.branch.clone();
        let origin = self.origin.clone();
        let local = self.processed;
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            let head = origin.head(&branch)?;
            if Some(head) != local && origin.repo().find_commit(head).is_err() {
                origin.fetch(&[&branch])?;
            }
            Ok(head)
        })
        .await
    }

    fn source_failed(&self, error: RemoteError) -> CycleOutcome {
        let message = error.to_string();
        tracing::warn!(error = %message, "Git source unavailable; retrying");
        self.health
            .update(|r| r.source_error = Some(message.clone()));
        self.metrics.set_source_up(false);
        self.metrics.reconciled("error");
        CycleOutcome::Transient(message)
    }

    async fn process(&mut self, head: Oid) -> CycleOutcome {
        self.settled = None;
        self.health.update(|r| r.source_error = None);
        self.metrics.set_source_up(true);
        let revision = head.to_string();
        if let Err(refusal) = self.verify(head).await {
            return self.handle_refused(head, &refusal).await;
        }
        let (generation, live) = match self.live().await {
            Ok(live) => live,
            Err(error) => return self.federation_failed(&error),
        };
        self.health.update(|r| r.federation_error = None);
        let (desired, summary) = match self.load(head, &live).await {
            Ok(loaded) => loaded,
            Err(message) => {
                self.metrics.reconciled("error");
                return CycleOutcome::Terminal(message);
            }
        };
        let plan = self.plan(&desired, &revision, &live);
        let outcome = if plan.is_valid() {
            self.handle_valid(&revision, &summary, desired.clone(), &plan, live)
                .await
        } else {
            self.handle_invalid(&revision, &summary, &plan, live).await
        };
        if !matches!(outcome, CycleOutcome::Transient(_)) {
            self.processed = Some(head);
            self.health.update(|r| r.synced = true);
        }
        self.remember(head, &outcome, generation, desired, plan);
        outcome
    }

    /// The live state: from the watches when they run (with the watched
    /// state's generation), else one round of lists.
    pub(super) async fn live(&self) -> Result<(Option<u64>, Arc<LiveState>), FederationError> {
        match &self.cache {
            Some(cache) => {
                cache.synced(Duration::from_secs(60)).await?;
                if let Some(reason) = cache.error() {
                    return Err(FederationError::ListFailed {
                        resource: "watched resources",
                        reason,
                        retry: Retry::Transient,
                    });
                }
                let (generation, live) = cache.snapshot_with_generation();
                Ok((Some(generation), live))
            }
            None => Ok((
                None,
                Arc::new(self.federation.snapshot(&self.settings.scope).await?),
            )),
        }
    }

    /// Reads and validates `head`, unless it was read against the same
    /// cluster list before (a full run of an unchanged revision re-reads
    /// nothing).
    async fn load(
        &mut self,
        head: Oid,
        live: &LiveState,
    ) -> Result<(Arc<Desired>, String), String> {
        let inventory = live_inventory(live);
        if let Some(loaded) = self
            .loaded
            .as_ref()
            .filter(|l| l.revision == head && l.inventory == inventory)
        {
            return Ok((loaded.desired.clone(), loaded.summary.clone()));
        }
        let (files, summary) = self.read_revision(head, self.parse_cache.known()).await?;
        let desired = self
            .parse_cache
            .load(&files, &self.settings.policy, Some(&inventory));
        tracing::debug!(
            files = files.len(),
            parsed = self.parse_cache.last_parsed,
            "revision read"
        );
        let desired = Arc::new(desired);
        self.loaded = Some(Loaded {
            revision: head,
            inventory,
            desired: desired.clone(),
            summary: summary.clone(),
        });
        Ok((desired, summary))
    }

    /// Checks the signatures of every commit since the last verified one.
    async fn verify(&mut self, head: Oid) -> Result<(), Untrusted> {
        let Some(trust) = self.config.trust.clone() else {
            return Ok(());
        };
        let (origin, last) = (self.origin.clone(), self.last_verified);
        let checked = blocking(move || {
            let origin = origin.lock().expect("origin lock");
            verify_range(origin.repo(), head, last, &trust)
        })
        .await?;
        for (commit, signer) in &checked {
            tracing::info!(%commit, ?signer, "signature verified");
        }
        self.last_verified = Some(head);
        Ok(())
    }

    /// Reads `head`'s files, except those whose blob is in `known`.
    async fn read_revision(
        &self,
        head: Oid,
        known: HashMap<String, String>,
    ) -> Result<(Vec<RepoFile>, String), String> {
        let origin = self.origin.clone();
        let subdir = self.config.subdir.clone();
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            let repo = origin.repo();
            let summary = repo
                .find_commit(head)
                .map(|c| {
                    String::from_utf8_lossy(c.summary_bytes().unwrap_or_default()).into_owned()
                })
                .map_err(|e| e.message().to_owned())?;
            let snapshot = crate::source::git::read_commit_tree_except(
                repo,
                &head.to_string(),
                &subdir,
                &known,
            )
            .map_err(|e| e.to_string())?;
            Ok((snapshot.files, summary))
        })
        .await
    }

    pub(super) fn federation_failed(&self, error: &FederationError) -> CycleOutcome {
        let message = error.to_string();
        tracing::warn!(error = %message, "cannot read the federation");
        self.health
            .update(|r| r.federation_error = Some(message.clone()));
        self.metrics.reconciled("error");
        match error.retry() {
            Retry::Transient => CycleOutcome::Transient(message),
            Retry::Terminal => CycleOutcome::Terminal(message),
        }
    }
}

/// Runs blocking Git work off the async threads.
pub(super) async fn blocking<T: Send + 'static, E: Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tokio::task::spawn_blocking(f)
        .await
        .expect("blocking Git task panicked")
}
