//! Status reports for the status branch: one YAML file per MCS, a
//! machine-readable revision file and a human `STATUS.md`.
//!
//! Nothing here reads a clock: the only times written are the ones the API
//! server recorded, so an unchanged federation yields byte-identical reports
//! and no commit.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

pub use super::status_input::{ReportInput, RevisionResult};
use super::status_summary;
use crate::manifest::{Diagnostic, ObjectKey, Revision};
use crate::plan::flows::DeliveryStatus;
use crate::plan::live::Condition;
use crate::plan::{Action, ClusterSet, FlowStatus, ObjectOutcome, PlacementStatus, Plan};

/// The files of a status report, by path relative to the branch root.
pub type StatusFiles = BTreeMap<String, Vec<u8>>;

/// The directory holding one file per object.
pub const STATUS_DIR: &str = "status";
/// The human summary.
pub const SUMMARY_FILE: &str = "STATUS.md";

/// Whether a path of the status branch belongs to the report (and is
/// replaced by the next one); everything else on the branch is kept.
pub fn is_report_path(path: &str) -> bool {
    path == SUMMARY_FILE
        || path
            .strip_prefix(STATUS_DIR)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectReport<'a> {
    object: String,
    source: Option<SourceRef<'a>>,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    last_applied_revision: Option<&'a str>,
    applied_at: Option<&'a str>,
    conditions: Vec<Condition>,
    placement: Option<PlacementReport<'a>>,
    errors: Vec<ProblemReport<'a>>,
}

/// Where an object is written. The revision is not repeated here: it is in
/// `_revision.yaml` of the same commit, and a per-object file that named it
/// would change with every revision, so each status commit would rewrite
/// the whole fleet's files (10,000 blobs at 10,000 objects) instead of
/// the ones whose object changed.
#[derive(Serialize)]
struct SourceRef<'a> {
    file: &'a str,
    line: u32,
}

#[derive(Serialize)]
struct PlacementReport<'a> {
    providers: String,
    consumers: String,
    delivery: &'a [DeliveryStatus],
    flows: &'a [FlowStatus],
}

#[derive(Serialize)]
struct ProblemReport<'a> {
    severity: &'static str,
    rule: &'static str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RevisionReport<'a> {
    branch: &'a str,
    revision: &'a Revision,
    summary: &'a str,
    result: &'a RevisionResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stalled: Option<&'a str>,
    last_applied_revision: Option<&'a Revision>,
    problems: Vec<ProblemReport<'a>>,
}

const HEADER: &str = "# Written by mcs-gitops; do not edit: the next report replaces this file.\n";

/// Builds every file of a report.
pub fn build(input: &ReportInput<'_>) -> StatusFiles {
    let mut files = StatusFiles::new();
    let revision = RevisionReport {
        branch: input.branch,
        revision: input.revision,
        summary: input.summary,
        result: &input.result,
        reason: input.reason,
        stalled: input.stalled,
        last_applied_revision: input.last_applied,
        problems: input.diagnostics.iter().map(problem).collect(),
    };
    files.insert(format!("{STATUS_DIR}/_revision.yaml"), yaml(&revision));
    if let Some(plan) = input.plan {
        for (key, report) in object_reports(plan, input) {
            files.insert(
                format!("{STATUS_DIR}/{}/{}.yaml", key.namespace, key.name),
                yaml(&report),
            );
        }
    }
    files.insert(
        SUMMARY_FILE.to_owned(),
        status_summary::render(input).into_bytes(),
    );
    files
}

fn yaml(value: &impl Serialize) -> Vec<u8> {
    let body = serde_saphyr::to_string(value).unwrap_or_else(|e| format!("error: {e}\n"));
    format!("{HEADER}{body}").into_bytes()
}

fn problem(d: &Diagnostic) -> ProblemReport<'_> {
    ProblemReport {
        severity: if d.is_error() { "error" } else { "warning" },
        rule: d.rule.name(),
        file: d.location.as_ref().map(|l| l.file.as_str()),
        line: d.location.as_ref().map(|l| l.line).filter(|l| *l > 0),
        column: d.location.as_ref().map(|l| l.column).filter(|c| *c > 0),
        message: &d.message,
    }
}

fn object_reports<'a>(
    plan: &'a Plan,
    input: &'a ReportInput<'a>,
) -> BTreeMap<&'a ObjectKey, ObjectReport<'a>> {
    let mut reports = BTreeMap::new();
    let placements: HashMap<&ObjectKey, &PlacementStatus> =
        plan.placements.iter().map(|p| (&p.key, p)).collect();
    let results: HashMap<&ObjectKey, &ObjectOutcome> = input
        .apply
        .map(|a| a.results.iter().map(|r| (&r.key, &r.outcome)).collect())
        .unwrap_or_default();
    let mut problems: HashMap<&ObjectKey, Vec<ProblemReport<'a>>> = HashMap::new();
    for diagnostic in input.diagnostics {
        if let Some(object) = diagnostic.object.as_ref() {
            problems
                .entry(object)
                .or_default()
                .push(problem(diagnostic));
        }
    }
    for change in plan.changes.iter().filter(|c| c.action != Action::Prune) {
        let live = input.live.and_then(|l| l.objects.get(&change.key));
        let (result, message) = outcome(
            change.action,
            change.blocked.is_some(),
            input.result == RevisionResult::DryRun,
            results.get(&change.key).copied(),
        );
        let placement = placements.get(&change.key).map(|p| PlacementReport {
            providers: set_words(&p.desired.providers),
            consumers: set_words(&p.desired.consumers),
            delivery: &p.delivery,
            flows: &p.flows,
        });
        let errors = problems.remove(&change.key).unwrap_or_default();
        reports.insert(
            &change.key,
            ObjectReport {
                object: change.key.to_string(),
                source: change.source.as_ref().map(|s| SourceRef {
                    file: &s.file,
                    line: s.line,
                }),
                result,
                message,
                last_applied_revision: live.and_then(|l| l.revision.as_deref()),
                applied_at: live.and_then(|l| l.applied_at.as_deref()),
                conditions: live.map(|l| l.conditions.clone()).unwrap_or_default(),
                placement,
                errors,
            },
        );
    }
    reports
}

fn outcome(
    action: Action,
    blocked: bool,
    dry_run: bool,
    result: Option<&ObjectOutcome>,
) -> (&'static str, Option<String>) {
    if dry_run {
        return (
            if action.writes() {
                "pending (dry run)"
            } else {
                "unchanged"
            },
            None,
        );
    }
    match result {
        Some(ObjectOutcome::Done) => (super::words::done(action), None),
        Some(ObjectOutcome::Failed { blocker }) => ("failed", Some(super::words::blocker(blocker))),
        Some(ObjectOutcome::Blocked { blocker }) => {
            ("blocked", Some(super::words::blocker(blocker)))
        }
        Some(ObjectOutcome::Skipped) => ("unchanged", None),
        None if blocked => ("blocked", None),
        None if action.writes() => ("not applied", None),
        None => ("unchanged", None),
    }
}

fn set_words(set: &ClusterSet) -> String {
    super::words::cluster_set(set)
}
