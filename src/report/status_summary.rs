//! `STATUS.md`: what the federation really does with the repository, for
//! people browsing the status branch.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::markdown::{code, text as cell};
use super::mermaid;
use super::status_input::{ReportInput, RevisionResult};
use super::words;
use crate::manifest::ObjectKey;
use crate::plan::{Action, Blocker, FlowState, ObjectOutcome, PlacementStatus, Plan};

/// Renders `STATUS.md`.
pub fn render(input: &ReportInput<'_>) -> String {
    let mut out = String::from("# mcs-gitops status\n\n");
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| Source | {} at `{}`: {} |",
        code(input.branch),
        input.revision.short(),
        cell(input.summary)
    );
    let mut result = input.result.label().to_owned();
    if let Some(plan) = input
        .plan
        .filter(|_| input.result != RevisionResult::Invalid)
    {
        result.push_str(&format!(" ({})", words::summary(&plan.summary())));
    }
    let _ = writeln!(out, "| Result | {result} |");
    if let Some(reason) = input.reason {
        let _ = writeln!(out, "| Reason | {} |", cell(reason));
    }
    if let Some(stalled) = input.stalled {
        let _ = writeln!(
            out,
            "| Stalled | {}; tried again on a new revision, a change of what was refused, or SIGHUP |",
            cell(stalled)
        );
    }
    let last = input
        .last_applied
        .map(|r| format!("`{}`", r.short()))
        .unwrap_or_else(|| "none yet".to_owned());
    let _ = writeln!(out, "| Last applied revision | {last} |");
    if let Some(live) = input.live {
        let ready = live.clusters.values().filter(|c| c.is_ready()).count();
        let _ = writeln!(
            out,
            "| Federation | {} clusters, {ready} Ready |",
            live.clusters.len()
        );
    }
    out.push('\n');
    super::status_exposure::render(input.exposure_changes, &mut out);
    render_problems(input, &mut out);
    if let Some(plan) = input.plan {
        render_not_applied(input, plan, &mut out);
        render_matrix(&plan.placements, input, &mut out);
        out.push_str(&mermaid::status_graph(&plan.placements));
        render_attention(&plan.placements, &mut out);
    }
    out
}

/// Changes that were blocked or refused, with why, first ones first.
fn render_not_applied(input: &ReportInput<'_>, plan: &Plan, out: &mut String) {
    let failed = input
        .apply
        .into_iter()
        .flat_map(|a| a.results.iter())
        .filter_map(|r| match &r.outcome {
            ObjectOutcome::Failed { blocker } | ObjectOutcome::Blocked { blocker } => {
                Some((&r.key, r.action, blocker))
            }
            _ => None,
        });
    let lines: Vec<String> = match input.apply {
        Some(_) => failed
            .map(|(key, action, blocker)| not_applied(key, action, blocker))
            .collect(),
        None => plan
            .changes
            .iter()
            .filter_map(|c| Some(not_applied(&c.key, c.action, c.blocked.as_ref()?)))
            .collect(),
    };
    if lines.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Not applied\n");
    for line in lines.iter().take(ATTENTION_LIMIT) {
        let _ = writeln!(out, "{line}");
    }
    if lines.len() > ATTENTION_LIMIT {
        let _ = writeln!(
            out,
            "- … and {} more (see `status/`)",
            lines.len() - ATTENTION_LIMIT
        );
    }
    out.push('\n');
}

fn not_applied(key: &ObjectKey, action: Action, blocker: &Blocker) -> String {
    format!(
        "- `{key}` ({}): {}",
        words::action(action),
        cell(&words::blocker(blocker))
    )
}

/// Most flows that are not in place listed in STATUS.md (each object file has all).
const ATTENTION_LIMIT: usize = 50;

fn render_attention(placements: &[PlacementStatus], out: &mut String) {
    let mut flows: Vec<String> = Vec::new();
    for placement in placements {
        let mut groups: BTreeMap<(FlowState, Option<&str>), Vec<String>> = BTreeMap::new();
        for flow in placement
            .flows
            .iter()
            .filter(|f| f.state != FlowState::InPlace)
        {
            groups
                .entry((flow.state, flow.reason.as_deref()))
                .or_default()
                .push(format!("{} → {}", flow.provider, flow.consumer));
        }
        for ((state, reason), pairs) in groups {
            let reason = reason.map(|r| format!(": {}", cell(r))).unwrap_or_default();
            flows.push(format!(
                "- `{}`: {} {}{reason}",
                placement.key,
                pairs.join(", "),
                state.label()
            ));
        }
    }
    if flows.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Flows not in place\n");
    for line in flows.iter().take(ATTENTION_LIMIT) {
        let _ = writeln!(out, "{line}");
    }
    if flows.len() > ATTENTION_LIMIT {
        let _ = writeln!(
            out,
            "- … and {} more (see `status/`)",
            flows.len() - ATTENTION_LIMIT
        );
    }
    out.push('\n');
}

fn render_problems(input: &ReportInput<'_>, out: &mut String) {
    if input.diagnostics.is_empty() {
        return;
    }
    let heading = if input.result == RevisionResult::Invalid {
        format!(
            "## Revision `{}` is invalid\n\nNothing of it was applied; the last applied revision stays in place.\n",
            input.revision.short()
        )
    } else {
        "## Problems\n".to_owned()
    };
    let _ = writeln!(
        out,
        "{heading}\n| | Where | Rule | Problem |\n|---|---|---|---|"
    );
    for d in input.diagnostics {
        let mark = if d.is_error() { "❌" } else { "⚠️" };
        let place = d
            .location
            .as_ref()
            .map(|l| code(&l.to_string()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {mark} | {place} | `{}` | {} |",
            d.rule,
            cell(&d.message)
        );
    }
    out.push('\n');
}

fn render_matrix(placements: &[PlacementStatus], input: &ReportInput<'_>, out: &mut String) {
    if placements.is_empty() {
        return;
    }
    let clusters: BTreeSet<String> = match input.live {
        Some(live) => live.cluster_names(),
        None => placements
            .iter()
            .flat_map(|p| p.desired.delivery.iter().cloned())
            .collect(),
    };
    let _ = writeln!(out, "## Exposure\n");
    let header: Vec<String> = clusters.iter().map(|c| format!(" {c} |")).collect();
    let _ = writeln!(out, "| Service |{}", header.concat());
    let _ = writeln!(out, "|---|{}", "---|".repeat(clusters.len()));
    for placement in placements {
        let cells: Vec<String> = clusters
            .iter()
            .map(|c| format!(" {} |", mark(placement, c)))
            .collect();
        let _ = writeln!(out, "| `{}` |{}", placement.key, cells.concat());
    }
    let _ = writeln!(
        out,
        "\nP: provides endpoints. C: consumes them (✅ all flows in place, ⏳ pending, ❌ missing or unexpected).\n"
    );
}

fn mark(placement: &PlacementStatus, cluster: &str) -> String {
    let provider = placement.desired.providers.members().contains(cluster);
    let consumer = placement.desired.consumers.members().contains(cluster);
    let incoming: Vec<FlowState> = placement
        .flows
        .iter()
        .filter(|f| f.consumer == cluster)
        .map(|f| f.state)
        .collect();
    let state = if incoming
        .iter()
        .any(|s| matches!(s, FlowState::Missing | FlowState::Unexpected))
    {
        " ❌"
    } else if incoming
        .iter()
        .any(|s| matches!(s, FlowState::Pending | FlowState::Stale))
    {
        " ⏳"
    } else if !incoming.is_empty() {
        " ✅"
    } else {
        ""
    };
    let role = match (provider, consumer) {
        (true, true) => "P C",
        (true, false) => "P",
        (false, true) => "C",
        (false, false) => "",
    };
    format!("{role}{state}")
}
