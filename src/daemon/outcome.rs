//! How a cycle ends: apply (or only show) a valid revision, keep the last
//! good one for an invalid or refused revision, and report either way on the
//! status branch.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use git2::Oid;

use super::cycle::{CycleOutcome, LastGood, Mode, Reconciler};
use super::status::publish;
use crate::federation::ApplyReport;
use crate::manifest::Desired;
use crate::plan::{Action, LiveState, Plan};
use crate::reconcile::{Depth, plan_loaded};
use crate::report::status::{ReportInput, RevisionResult};
use crate::source::signature::Untrusted;

impl Reconciler {
    pub(super) async fn handle_refused(&mut self, head: Oid, refusal: &Untrusted) -> CycleOutcome {
        let revision = head.to_string();
        let reason = refusal.to_string();
        tracing::warn!(%revision, %reason, "revision refused: nothing of it is applied");
        self.metrics.reconciled("refused");
        self.processed = Some(head);
        let live = match self.live().await {
            Ok((_, live)) => live,
            Err(error) => return self.federation_failed(&error),
        };
        let previous = match &self.last_good {
            Some(good) => Some(self.replan(good.clone(), &live).await),
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
            plan: previous.as_ref(),
            apply: None,
            live: Some(&live),
            diagnostics: &[],
        };
        self.report(&input).await;
        CycleOutcome::Done
    }

    pub(super) async fn handle_valid(
        &mut self,
        revision: &str,
        summary: &str,
        desired: Arc<Desired>,
        plan: &Plan,
        live: Arc<LiveState>,
    ) -> CycleOutcome {
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
            Mode::Apply => match self.apply_while_leader(plan).await {
                Some(report) => (applied_result(&report), Some(report)),
                None => return CycleOutcome::Standby,
            },
        };
        let transient = report.as_ref().is_some_and(has_transient_failure);
        if let Some(denied) = report.as_ref().and_then(credentials_refused) {
            self.health
                .update(|r| r.federation_error = Some(denied.clone()));
        }
        if result == RevisionResult::Applied {
            self.last_good = Some(LastGood {
                revision: revision.to_owned(),
                desired,
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
            live: Some(&live),
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

    async fn apply_while_leader(&mut self, plan: &Plan) -> Option<ApplyReport> {
        let mut leader = self.leader.clone();
        let lost = async move {
            // Without leader election nobody publishes changes: never lost.
            if leader.wait_for(|l| !*l).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            report = self.federation.apply(plan, self.settings.apply) => {
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

    pub(super) async fn handle_invalid(
        &mut self,
        revision: &str,
        summary: &str,
        plan: &Plan,
        live: Arc<LiveState>,
    ) -> CycleOutcome {
        let errors = plan.diagnostics.iter().filter(|d| d.is_error()).count();
        tracing::warn!(
            revision,
            errors,
            "revision is invalid: nothing of it is applied"
        );
        self.metrics.reconciled("invalid");
        let previous = match &self.last_good {
            Some(good) => Some(self.replan(good.clone(), &live).await),
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
            plan: previous.as_ref(),
            apply: None,
            live: Some(&live),
            diagnostics: &plan.diagnostics,
        };
        self.report(&input).await;
        CycleOutcome::Done
    }

    async fn replan(&self, good: LastGood, live: &LiveState) -> Plan {
        plan_loaded(
            &self.federation,
            &good.desired,
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
        let digest = digest(&files);
        if *self.published.lock().expect("published lock") == Some(digest) {
            return;
        }
        let message = commit_message(input);
        match publish(self.origin.clone(), writer, files, message).await {
            Ok(_) => *self.published.lock().expect("published lock") = Some(digest),
            Err(error) => {
                *self.published.lock().expect("published lock") = None;
                tracing::warn!(%error, "status report not pushed; the next run retries");
            }
        }
    }
}

/// A digest of a report, to tell an unchanged one without keeping a copy.
fn digest(files: &crate::source::status::StatusFiles) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (path, content) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(content);
    }
    hasher.finalize().into()
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

/// The API's words when it refused our credentials or permissions.
fn credentials_refused(report: &ApplyReport) -> Option<String> {
    report.results.iter().find_map(|r| match &r.outcome {
        crate::federation::ObjectOutcome::Failed {
            blocker:
                crate::plan::Blocker::Rejected {
                    api_reason,
                    message,
                    ..
                },
        } if matches!(api_reason.as_str(), "Unauthorized" | "Forbidden") => {
            Some(format!("{}: {message}", api_reason.to_lowercase()))
        }
        _ => None,
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
