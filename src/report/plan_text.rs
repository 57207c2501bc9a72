//! A plan for a terminal: diagnostics, a coloured diff per changed object,
//! the placement table, and a summary line.

use std::fmt::Write as _;

use super::diagnostics::{Sources, render_diagnostic};
use super::diff::unified;
use super::style::Color;
use super::words;
use crate::plan::{FlowState, PlacementStatus, Plan};

/// Renders a plan as text.
pub fn render(plan: &Plan, sources: &Sources<'_>, color: Color) -> String {
    let mut out = String::new();
    for diagnostic in &plan.diagnostics {
        out.push_str(&render_diagnostic(diagnostic, sources, color));
        out.push('\n');
    }
    if !plan.is_valid() {
        let errors = plan.diagnostics.iter().filter(|d| d.is_error()).count();
        let _ = writeln!(
            out,
            "{} the revision has {errors} error(s); nothing of it will be applied",
            color.error("invalid:")
        );
        return out;
    }
    render_changes(plan, color, &mut out);
    render_placements(plan, color, &mut out);
    let _ = writeln!(
        out,
        "{} {}",
        color.bold("Plan:"),
        words::summary(&plan.summary())
    );
    out
}

fn render_changes(plan: &Plan, color: Color, out: &mut String) {
    for change in plan
        .changes
        .iter()
        .filter(|c| c.action.writes() || c.blocked.is_some())
    {
        let source = change
            .source
            .as_ref()
            .map(|s| format!(" ({})", s.file))
            .unwrap_or_default();
        let heading = format!(
            "{} {} {}{source}",
            words::sign(change.action),
            words::action(change.action),
            change.key
        );
        match &change.blocked {
            Some(blocker) => {
                let _ = writeln!(out, "{} {heading}", color.error("blocked:"));
                let _ = writeln!(out, "  {}\n", words::blocker(blocker));
            }
            None => {
                let _ = writeln!(out, "{}", color.bold(&heading));
                out.push_str(&unified(change, color));
                out.push('\n');
            }
        }
    }
}

fn render_placements(plan: &Plan, color: Color, out: &mut String) {
    if plan.placements.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", color.bold("Placement (provider -> consumer):"));
    for placement in &plan.placements {
        render_placement(placement, color, out);
    }
    out.push('\n');
}

fn render_placement(placement: &PlacementStatus, color: Color, out: &mut String) {
    let desired = &placement.desired;
    let _ = writeln!(
        out,
        "  {}  providers: {}; consumers: {}",
        color.bold(&placement.key.to_string()),
        words::cluster_set(&desired.providers),
        words::cluster_set(&desired.consumers)
    );
    let delivery: Vec<String> = placement
        .delivery
        .iter()
        .map(|d| match (d.desired, d.scheduled, d.applied) {
            (true, true, Some(true)) => d.cluster.clone(),
            (true, true, _) => format!("{} (not applied yet)", d.cluster),
            (true, false, _) => format!("{} (new)", d.cluster),
            (false, _, _) => format!("{} (not wanted by Git, kept by Karmada)", d.cluster),
        })
        .collect();
    let _ = writeln!(
        out,
        "    Service delivered to: {}",
        if delivery.is_empty() {
            "-".to_owned()
        } else {
            delivery.join(", ")
        }
    );
    for flow in &placement.flows {
        let state = match flow.state {
            FlowState::InPlace => color.added(flow.state.label()),
            FlowState::Pending | FlowState::Stale => color.warning(flow.state.label()),
            FlowState::Missing | FlowState::Unexpected => color.error(flow.state.label()),
        };
        let endpoints = flow
            .endpoints
            .map(|n| format!("  {n} endpoints"))
            .unwrap_or_default();
        let reason = flow
            .reason
            .as_ref()
            .map(|r| format!("  ({r})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {:>12} -> {:<12} {state}{endpoints}{reason}",
            flow.provider, flow.consumer
        );
    }
}
