//! The plan as JSON, schema `mcs-gitops.io/plan/v1` (documented in README).

use serde::Serialize;

use super::diagnostics::DiagnosticJson;
use crate::manifest::Revision;
use crate::plan::{Action, ApplyReport, Blocker, FieldChange, PlacementStatus, Plan, Summary};

/// The documented JSON shape of `plan -o json` and `apply -o json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanJson<'a> {
    schema: &'static str,
    revision: Option<&'a str>,
    valid: bool,
    summary: Summary,
    changes: Vec<ChangeJson<'a>>,
    placements: &'a [PlacementStatus],
    diagnostics: Vec<DiagnosticJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a ApplyReport>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChangeJson<'a> {
    namespace: &'a str,
    name: &'a str,
    action: Action,
    file: Option<&'a str>,
    line: Option<u32>,
    blocked: Option<&'a Blocker>,
    fields: Vec<FieldChange>,
}

/// Builds the JSON document of a plan, and of its result when applied.
pub fn to_json<'a>(plan: &'a Plan, result: Option<&'a ApplyReport>) -> PlanJson<'a> {
    PlanJson {
        schema: "mcs-gitops.io/plan/v1",
        revision: plan.revision.as_ref().map(Revision::as_str),
        valid: plan.is_valid(),
        summary: plan.summary(),
        changes: plan
            .changes
            .iter()
            .map(|c| ChangeJson {
                namespace: &c.key.namespace,
                name: &c.key.name,
                action: c.action,
                file: c.source.as_ref().map(|s| s.file.as_str()),
                line: c.source.as_ref().map(|s| s.line),
                blocked: c.blocked.as_ref(),
                fields: c.field_changes(),
            })
            .collect(),
        placements: &plan.placements,
        diagnostics: plan.diagnostics.iter().map(DiagnosticJson::new).collect(),
        result,
    }
}
