//! `mcs-gitops plan`: the dry-run diff of a revision against the federation.

use super::validate::sources;
use super::{Outcome, color_for_stdout, federation, read_source, settings};
use crate::cli::{ColorWhen, PlanArgs, PlanFormat};
use crate::federation::ApplyOptions;
use crate::federation::Reading;
use crate::reconcile::{self, Depth};
use crate::report::{plan_json, plan_markdown, plan_text};

/// Runs `plan`.
pub async fn run(args: &PlanArgs, color: ColorWhen) -> Outcome {
    let snapshot = match read_source(&args.source) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let Some(federation) = federation(&args.federation).await else {
        return Outcome::CouldNotRun;
    };
    let settings = settings(
        &args.federation,
        &args.policy,
        &args.change,
        ApplyOptions::default(),
    );
    let revision = snapshot.revision.as_deref();
    let planned = match reconcile::plan(
        &federation,
        &snapshot.files,
        revision,
        &settings,
        Depth::ServerDiff,
        Reading::Placement,
    )
    .await
    {
        Ok(planned) => planned,
        Err(error) => {
            eprintln!("mcs-gitops: cannot read the federation: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let plan = &planned.plan;
    match args.output {
        PlanFormat::Text => print!(
            "{}",
            plan_text::render(plan, &sources(&snapshot), color_for_stdout(color))
        ),
        PlanFormat::Markdown => print!("{}", plan_markdown::render(plan)),
        PlanFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan_json::to_json(plan, None))
                .expect("JSON of plain data")
        ),
    }
    if !plan.is_valid() || plan.is_blocked() {
        Outcome::Invalid
    } else if plan.has_changes() {
        Outcome::ChangesPending
    } else {
        Outcome::Clean
    }
}
