//! One reconcile cycle of the daemon: fetch, read and validate, plan, apply
//! (or only show, in dry-run mode), report to the status branch.
//!
//! An unchanged revision costs one ref advertisement and nothing else, unless
//! the trigger asks for a full run (resync, drift, SIGHUP, retry). A revision
//! that fails validation applies nothing; the last good revision stays in
//! place and is what the object reports describe.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use git2::Oid;
use tokio::sync::watch;

use super::health::Health;
use super::metrics::Metrics;
use super::status::{StatusWriter, publish};
use super::triggers::OwnWrites;
use crate::federation::{ApplyReport, Federation, FederationError, Retry};
use crate::manifest::RepoFile;
use crate::plan::{Action, LiveState};
use crate::reconcile::{Depth, Planned, Settings, plan_against};
use crate::report::status::{ReportInput, RevisionResult};
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
    /// The revision was processed (applied, shown, or found invalid).
    Done,
    /// A failure worth retrying soon.
    Transient(String),
    /// A failure that needs a new revision or an operator.
    Terminal(String),
}

/// The last revision applied without errors.
#[derive(Clone)]
struct LastGood {
    revision: String,
    files: Vec<RepoFile>,
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
    processed: Option<Oid>,
    last_good: Option<LastGood>,
    last_verified: Option<Oid>,
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
            processed: None,
            last_good: None,
            last_verified: None,
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
        let outcome = self.process(head).await;
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
        self.health.update(|r| r.source_error = None);
        self.metrics.set_source_up(true);
        let revision = head.to_string();
        if let Err(refusal) = self.verify(head).await {
            return self.handle_refused(head, &refusal).await;
        }
        let (files, summary) = match self.read_revision(head).await {
            Ok(read) => read,
            Err(message) => {
                self.metrics.reconciled("error");
                return CycleOutcome::Terminal(message);
            }
        };
        let live = match self.federation.snapshot(&self.settings.scope).await {
            Ok(live) => live,
            Err(error) => return self.federation_failed(&error),
        };
        self.health.update(|r| r.federation_error = None);
        let planned = plan_against(
            &self.federation,
            &files,
            Some(&revision),
            &self.settings,
            Depth::Classify,
            live,
        )
        .await;
        let outcome = if planned.plan.is_valid() {
            self.handle_valid(&revision, &summary, files, planned).await
        } else {
            self.handle_invalid(&revision, &summary, planned).await
        };
        if !matches!(outcome, CycleOutcome::Transient(_)) {
            self.processed = Some(head);
            self.health.update(|r| r.synced = true);
        }
        outcome
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

    async fn handle_refused(&mut self, head: Oid, refusal: &Untrusted) -> CycleOutcome {
        let revision = head.to_string();
        let reason = refusal.to_string();
        tracing::warn!(%revision, %reason, "revision refused: nothing of it is applied");
        self.metrics.reconciled("refused");
        self.processed = Some(head);
        let live = match self.federation.snapshot(&self.settings.scope).await {
            Ok(live) => live,
            Err(error) => return self.federation_failed(&error),
        };
        let previous = match &self.last_good {
            Some(good) => Some(self.replan(good.clone(), live.clone()).await),
            None => None,
        };
        let last_applied = self.last_good.as_ref().map(|g| g.revision.clone());
        let input = ReportInput {
            branch: &self.config.branch,
            revision: &revision,
            summary: "",
            result: RevisionResult::Refused,
            reason: Some(&reason),
            last_applied: last_applied.as_deref(),
            plan: previous.as_ref().map(|p| &p.plan),
            apply: None,
            live: Some(&live),
            diagnostics: &[],
        };
        self.report(&input).await;
        CycleOutcome::Done
    }

    async fn read_revision(&self, head: Oid) -> Result<(Vec<RepoFile>, String), String> {
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
            let snapshot = crate::source::git::read_commit_tree(repo, &head.to_string(), &subdir)
                .map_err(|e| e.to_string())?;
            Ok((snapshot.files, summary))
        })
        .await
    }

    fn federation_failed(&self, error: &FederationError) -> CycleOutcome {
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

    async fn handle_valid(
        &mut self,
        revision: &str,
        summary: &str,
        files: Vec<RepoFile>,
        planned: Planned,
    ) -> CycleOutcome {
        let plan = &planned.plan;
        let drifted = plan.changes.iter().filter(|c| c.action.writes()).count();
        let managed = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::Create)
            .count();
        self.metrics.objects(managed, drifted);
        let (result, report) = match self.config.mode {
            Mode::DryRun => {
                tracing::info!(
                    revision,
                    changes = drifted,
                    "dry run: plan computed, nothing applied"
                );
                (RevisionResult::DryRun, None)
            }
            Mode::Apply => match self.apply_while_leader(&planned).await {
                Some(report) => (applied_result(&report), Some(report)),
                None => return CycleOutcome::Standby,
            },
        };
        let transient = report.as_ref().is_some_and(has_transient_failure);
        if result == RevisionResult::Applied {
            self.last_good = Some(LastGood {
                revision: revision.to_owned(),
                files,
            });
            self.metrics.applied(revision, unix_now());
        }
        self.metrics.reconciled(match result {
            RevisionResult::Applied if drifted == 0 => "unchanged",
            RevisionResult::Applied => "applied",
            RevisionResult::DryRun => "dry-run",
            _ => "failed",
        });
        let last_applied = self.last_good.as_ref().map(|g| g.revision.clone());
        let input = ReportInput {
            branch: &self.config.branch,
            revision,
            summary,
            result,
            reason: None,
            last_applied: last_applied.as_deref(),
            plan: Some(plan),
            apply: report.as_ref(),
            live: Some(&planned.live),
            diagnostics: &plan.diagnostics,
        };
        self.report(&input).await;
        if transient {
            CycleOutcome::Transient(
                "some objects failed to apply for a reason that may pass".to_owned(),
            )
        } else {
            CycleOutcome::Done
        }
    }

    async fn apply_while_leader(&mut self, planned: &Planned) -> Option<ApplyReport> {
        let mut leader = self.leader.clone();
        let lost = async move {
            // Without leader election nobody publishes changes: never lost.
            if leader.wait_for(|l| !*l).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            report = self.federation.apply(&planned.plan, self.settings.apply) => {
                log_results(&report);
                self.own_writes.record(report.results.iter().filter_map(|r| r.resource_version.clone()));
                Some(report)
            }
            () = lost => {
                tracing::warn!("leadership lost: writes stopped");
                None
            }
        }
    }

    async fn handle_invalid(
        &mut self,
        revision: &str,
        summary: &str,
        planned: Planned,
    ) -> CycleOutcome {
        let errors = planned
            .plan
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count();
        tracing::warn!(
            revision,
            errors,
            "revision is invalid: nothing of it is applied"
        );
        self.metrics.reconciled("invalid");
        let previous = match &self.last_good {
            Some(good) => Some(self.replan(good.clone(), planned.live.clone()).await),
            None => None,
        };
        let last_applied = self.last_good.as_ref().map(|g| g.revision.clone());
        let input = ReportInput {
            branch: &self.config.branch,
            revision,
            summary,
            result: RevisionResult::Invalid,
            reason: None,
            last_applied: last_applied.as_deref(),
            plan: previous.as_ref().map(|p| &p.plan),
            apply: None,
            live: Some(&planned.live),
            diagnostics: &planned.plan.diagnostics,
        };
        self.report(&input).await;
        CycleOutcome::Done
    }

    async fn replan(&self, good: LastGood, live: LiveState) -> Planned {
        plan_against(
            &self.federation,
            &good.files,
            Some(&good.revision),
            &self.settings,
            Depth::Classify,
            live,
        )
        .await
    }

    async fn report(&self, input: &ReportInput<'_>) {
        let Some(writer) = self.config.status.clone() else {
            return;
        };
        if !*self.leader.borrow() {
            return;
        }
        let files = crate::report::status::build(input);
        let message = commit_message(input);
        if let Err(error) = publish(self.origin.clone(), writer, files, message).await {
            tracing::warn!(%error, "status report not pushed; the next run retries");
        }
    }
}

fn applied_result(report: &ApplyReport) -> RevisionResult {
    if report.succeeded() {
        RevisionResult::Applied
    } else {
        RevisionResult::PartlyApplied
    }
}

fn has_transient_failure(report: &ApplyReport) -> bool {
    report.results.iter().any(|r| match &r.outcome {
        crate::federation::ObjectOutcome::Failed {
            blocker: crate::plan::Blocker::Rejected { api_reason, .. },
        } => {
            matches!(
                api_reason.as_str(),
                "Unreachable"
                    | "Timeout"
                    | "ServiceUnavailable"
                    | "InternalError"
                    | "TooManyRequests"
                    | "ServerTimeout"
            )
        }
        _ => false,
    })
}

fn log_results(report: &ApplyReport) {
    for result in report.problems() {
        tracing::warn!(object = %result.key, action = ?result.action, outcome = ?result.outcome, "change not applied");
    }
    tracing::info!(
        written = report.written(),
        problems = report.problems().count(),
        "apply finished"
    );
}

fn commit_message(input: &ReportInput<'_>) -> String {
    let short = &input.revision[..input.revision.len().min(12)];
    let what = match (&input.result, input.plan) {
        (RevisionResult::Invalid, _) => {
            format!("{short} is invalid ({} problems)", input.diagnostics.len())
        }
        (RevisionResult::Refused, _) => {
            format!("{short} is refused: {}", input.reason.unwrap_or(""))
        }
        (result, Some(plan)) => format!(
            "{short} {} ({})",
            result.label(),
            crate::report::words::summary(&plan.summary())
        ),
        (result, None) => format!("{short} {}", result.label()),
    };
    format!(
        "mcs-gitops status: {}@{what}\n\nSource revision: {}\n",
        input.branch, input.revision
    )
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

/// Runs blocking Git work off the async threads.
async fn blocking<T: Send + 'static, E: Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tokio::task::spawn_blocking(f)
        .await
        .expect("blocking Git task panicked")
}
