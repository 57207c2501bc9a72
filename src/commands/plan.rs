//! `mcs-gitops plan`: the dry-run diff of a revision against the federation.

use super::validate::sources;
use super::{Outcome, color_for_stdout, connect, read_failed, read_source};
use crate::cli::{ColorWhen, PlanArgs, PlanFormat};
use crate::config;
use crate::federation::{ApplyOptions, Reading};
use crate::reconcile::{Depth, Pipeline};
use crate::report::{plan_json, plan_markdown, plan_text};

/// Runs `plan`.
pub async fn run(args: &PlanArgs, color: ColorWhen) -> Outcome {
    let snapshot = match read_source(&args.source) {
        Ok(snapshot) => snapshot,
        Err(error) => return super::source_failed(&error),
    };
    let Some(mut federation) = connect(&args.federation).await else {
        return Outcome::CouldNotRun;
    };
    match config::daemon_placement(&args.daemon) {
        Ok(Some(daemon)) => federation = federation.with_placement_from(daemon),
        Ok(None) => {}
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    }
    let settings = match config::settings(
        &args.policy,
        Some(&args.federation.instance),
        Some(&args.change),
        ApplyOptions::default(),
    ) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let pipeline = Pipeline::new(settings, federation);
    let planned = match pipeline
        .plan_revision(
            &snapshot.files,
            snapshot.revision.as_ref(),
            Depth::ServerDiff,
            Reading::Placement,
        )
        .await
    {
        Ok(planned) => planned,
        Err(error) => return read_failed(&error),
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
    Outcome::of_plan(planned.verdict())
}
