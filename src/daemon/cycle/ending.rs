//! How a cycle ends: a revision refused, unreadable, invalid or valid (and
//! applied, or only shown), each reported on the status branch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use git2::Oid;

use super::{Mode, Observers, Reconciler, Valid};
use crate::daemon::commit_statuses::Seen;
use crate::daemon::memory::Memory;
use crate::daemon::pacing::Outcome;
use crate::daemon::repo::Refusal;
use crate::daemon::report::Reporter;
use crate::federation::{Federation, ReadError, Watched};
use crate::manifest::Revision;
use crate::plan::{Action, ApplyReport, LiveState, Plan, Retry};
use crate::reconcile::{Applied, ApplyVerdict, file_bytes};
use crate::report::commit_status::{self, FlowCount};
use crate::report::status_input::{ReportInput, RevisionResult};
use crate::source::SourceError;

impl<F: Federation, W: Watched> Reconciler<F, W> {
    pub(super) async fn refused(&mut self, head: Oid, refusal: &Refusal) -> Outcome {
        let revision = Revision::new(head.to_string());
        let reason = refusal.to_string();
        tracing::warn!(%revision, %reason, "revision refused: nothing of it is applied");
        let status = commit_status::refused(&reason);
        self.observers.statuses.saw(head, Seen::Final(status));
        self.observers.metrics.reconciled("refused");
        self.memory.mark_processed(head);
        let live = match self.live.current().await {
            Ok((_, live)) => live,
            Err(error) => return self.read_failed(head, &error).await,
        };
        let previous = self.replan_last_good(&live);
        let last_applied = self.memory.last_good().map(|g| g.revision.clone());
        let exposure_changes = self.memory.exposure_changes().to_vec();
        let input = ReportInput {
            branch: &self.tracked.branch,
            revision: &revision,
            summary: "",
            result: RevisionResult::Refused,
            reason: Some(&reason),
            stalled: None,
            last_applied: last_applied.as_ref(),
            plan: previous.as_ref(),
            apply: None,
            live: Some(&live),
            diagnostics: &[],
            exposure_changes: &exposure_changes,
        };
        publish(&self.observers, &self.reporter, &mut self.memory, &input).await;
        Outcome::Done
    }

    pub(super) async fn read_failed(&mut self, head: Oid, error: &ReadError) -> Outcome {
        let message = error.to_string();
        tracing::warn!(error = %message, "cannot read the federation");
        self.observers
            .health
            .update(|r| r.federation_error = Some(message.clone()));
        self.observers.metrics.reconciled("error");
        match error.retry() {
            Retry::Transient => Outcome::Retry(message),
            Retry::Terminal => self.stalled(head, message).await,
        }
    }

    pub(super) async fn load_failed(&mut self, head: Oid, error: &SourceError) -> Outcome {
        let message = format!("cannot read the revision: {error}");
        tracing::warn!(error = %message, "revision unreadable");
        self.observers.metrics.reconciled("error");
        self.stalled(head, message).await
    }

    /// Stalls `head`: nothing of it could be attempted, and nothing is tried
    /// again until the revision, the live state or the operator moves.
    pub(super) async fn stalled(&mut self, head: Oid, reason: String) -> Outcome {
        let generation = Some(self.live.generation());
        self.memory.stall(head, generation, reason.clone());
        let status = commit_status::stalled(&reason);
        self.observers.statuses.saw(head, Seen::Final(status));
        self.memory.mark_processed(head);
        let revision = Revision::new(head.to_string());
        let last_applied = self.memory.last_good().map(|g| g.revision.clone());
        let exposure_changes = self.memory.exposure_changes().to_vec();
        let input = ReportInput {
            branch: &self.tracked.branch,
            revision: &revision,
            summary: "",
            result: RevisionResult::Stalled,
            reason: Some(&reason),
            stalled: Some(&reason),
            last_applied: last_applied.as_ref(),
            plan: None,
            apply: None,
            live: None,
            diagnostics: &[],
            exposure_changes: &exposure_changes,
        };
        publish(&self.observers, &self.reporter, &mut self.memory, &input).await;
        Outcome::Stalled(reason)
    }

    pub(super) async fn invalid(
        &mut self,
        revision: &Revision,
        summary: &str,
        plan: &Plan,
        live: &LiveState,
    ) -> Outcome {
        let errors = plan.diagnostics.iter().filter(|d| d.is_error()).count();
        tracing::warn!(%revision, errors, "revision is invalid: nothing of it is applied");
        let status = commit_status::invalid(&plan.diagnostics);
        self.observers.statuses.saw(revision, Seen::Final(status));
        self.observers.metrics.reconciled("invalid");
        let previous = self.replan_last_good(live);
        let last_applied = self.memory.last_good().map(|g| g.revision.clone());
        let exposure_changes = self.memory.exposure_changes().to_vec();
        let input = ReportInput {
            branch: &self.tracked.branch,
            revision,
            summary,
            result: RevisionResult::Invalid,
            reason: None,
            stalled: None,
            last_applied: last_applied.as_ref(),
            plan: previous.as_ref(),
            apply: None,
            live: Some(live),
            diagnostics: &plan.diagnostics,
            exposure_changes: &exposure_changes,
        };
        publish(&self.observers, &self.reporter, &mut self.memory, &input).await;
        Outcome::Done
    }

    pub(super) async fn valid(&mut self, valid: Valid<'_>) -> Outcome {
        let Valid {
            revision,
            summary,
            desired,
            plan,
            live,
            generation,
        } = valid;
        let drifted = plan.changes.iter().filter(|c| c.action.writes()).count();
        let managed = plan
            .changes
            .iter()
            .filter(|c| c.action != Action::Create)
            .count();
        self.observers.metrics.objects(managed, drifted);
        let applied = match self.mode {
            Mode::DryRun => {
                tracing::info!(%revision, changes = drifted, "dry run: plan computed, nothing applied");
                None
            }
            Mode::Apply => match self.apply_while_leader(plan, generation).await {
                Some(applied) => Some(applied),
                None => return Outcome::Standby,
            },
        };
        let result = match applied.as_ref().map(|a| &a.verdict) {
            None => RevisionResult::DryRun,
            Some(ApplyVerdict::Complete { .. }) => RevisionResult::Applied,
            Some(_) => RevisionResult::PartlyApplied,
        };
        if result == RevisionResult::Applied {
            self.record_applied(revision).await;
            self.memory.applied(revision.clone(), desired);
            self.observers
                .metrics
                .applied(revision.as_str(), unix_now());
        }
        self.observers.metrics.reconciled(match result {
            RevisionResult::Applied if drifted == 0 => "unchanged",
            RevisionResult::Applied => "applied",
            RevisionResult::DryRun => "dry-run",
            _ => "failed",
        });
        let outcome = outcome_of(applied.as_ref().map(|a| &a.verdict), &self.memory);
        self.tell_forge(revision, &result, plan, &outcome);
        let stalled = match &outcome {
            Outcome::Stalled(reason) => Some(reason.clone()),
            _ => None,
        };
        let last_applied = self.memory.last_good().map(|g| g.revision.clone());
        let exposure_changes = self.memory.exposure_changes().to_vec();
        let input = ReportInput {
            branch: &self.tracked.branch,
            revision,
            summary,
            result,
            reason: None,
            stalled: stalled.as_deref(),
            last_applied: last_applied.as_ref(),
            plan: Some(plan),
            apply: applied.as_ref().and_then(|a| a.report.as_ref()),
            live: Some(live),
            diagnostics: &plan.diagnostics,
            exposure_changes: &exposure_changes,
        };
        publish(&self.observers, &self.reporter, &mut self.memory, &input).await;
        outcome
    }

    /// What the forge's status of an applied (or partly applied) revision
    /// learns from this cycle; a dry run posts nothing.
    fn tell_forge(
        &self,
        revision: &Revision,
        result: &RevisionResult,
        plan: &Plan,
        outcome: &Outcome,
    ) {
        let seen = match (result, outcome) {
            (RevisionResult::Applied, _) => Seen::Applied(FlowCount::of(&plan.placements)),
            (RevisionResult::PartlyApplied, Outcome::Stalled(reason)) => {
                Seen::Final(commit_status::stalled(reason))
            }
            _ => return,
        };
        self.observers.statuses.saw(revision, seen);
    }

    async fn apply_while_leader(&mut self, plan: &Plan, generation: u64) -> Option<Applied> {
        let mut leader = self.observers.leader.clone();
        let lost = async move {
            // Without leader election nobody publishes changes: never lost.
            if leader.wait_for(|l| !*l).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let mut applied = tokio::select! {
            applied = self.pipeline.apply(plan) => applied,
            () = lost => {
                tracing::warn!("leadership lost: writes stopped");
                return None;
            }
        };
        let report = applied.report.as_mut()?;
        self.locate_refusals(report, plan).await;
        let report = &*report;
        log_results(report);
        self.observers.own_writes.record(
            report
                .results
                .iter()
                .filter_map(|r| r.resource_version.clone()),
        );
        if let Some(denied) = report.denied() {
            self.observers
                .health
                .update(|r| r.federation_error = Some(denied.clone()));
        }
        self.memory.record_refusals(report, Some(generation));
        Some(applied)
    }

    /// Points the API's refusals at their fields in Git, reading the files
    /// of the refused objects again (the parse cache keeps no text).
    async fn locate_refusals(&self, report: &mut ApplyReport, plan: &Plan) {
        let paths = report.refused_files(plan);
        let Some(revision) = plan.revision.as_ref().filter(|_| !paths.is_empty()) else {
            return;
        };
        let Ok(head) = git2::Oid::from_str(revision.as_str()) else {
            return;
        };
        match self.tracked.read_files(head, paths).await {
            Ok(files) => report.locate_refusals(plan, &|path| file_bytes(&files, path)),
            Err(error) => tracing::debug!(%error, "refused files not read again"),
        }
    }

    /// The last good revision planned against `live`, for reports of a
    /// revision that is not applied.
    fn replan_last_good(&self, live: &LiveState) -> Option<Plan> {
        let good = self.memory.last_good()?;
        Some(
            self.pipeline
                .plan(&good.desired, Some(&good.revision), live, None),
        )
    }
}

/// Pushes a report, from the leader only.
async fn publish(
    observers: &Observers,
    reporter: &Reporter,
    memory: &mut Memory,
    input: &ReportInput<'_>,
) {
    if !*observers.leader.borrow() {
        return;
    }
    reporter.publish(input, memory).await;
}

/// The cycle's outcome from how the write ended.
fn outcome_of(verdict: Option<&ApplyVerdict>, memory: &Memory) -> Outcome {
    match verdict {
        Some(ApplyVerdict::Incomplete {
            retry: Some(Retry::Transient),
            first,
        }) => Outcome::Retry(format!(
            "some objects failed to apply for a reason that may pass ({})",
            first.as_deref().unwrap_or("no detail")
        )),
        Some(ApplyVerdict::Incomplete {
            retry: Some(Retry::Terminal),
            first,
        }) => Outcome::Stalled(
            memory
                .stalled()
                .or_else(|| first.clone())
                .unwrap_or_else(|| "an object was refused".to_owned()),
        ),
        _ => Outcome::Done,
    }
}

fn log_results(report: &crate::plan::ApplyReport) {
    for result in report.problems() {
        tracing::warn!(object = %result.key, action = ?result.action, outcome = ?result.outcome, "change not applied");
    }
    tracing::info!(
        written = report.written(),
        problems = report.problems().count(),
        "apply finished"
    );
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}
