//! `mcs-gitops apply`: one-shot reconcile of a revision.

use super::validate::sources;
use super::{Outcome, color_for_stdout, federation, read_source, settings};
use crate::cli::{ApplyArgs, ApplyFormat, ColorWhen};
use crate::federation::ApplyOptions;
use crate::federation::Reading;
use crate::reconcile::{self, Depth};
use crate::report::diagnostics::render_diagnostic;
use crate::report::{apply, plan_json};

/// Runs `apply`.
pub async fn run(args: &ApplyArgs, color: ColorWhen) -> Outcome {
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
    let options = ApplyOptions {
        force_conflicts: args.force_conflicts,
        concurrency: args.concurrency,
        dry_run: args.dry_run,
    };
    let settings = settings(&args.federation, &args.policy, &args.change, options);
    let revision = snapshot.revision.as_deref();
    let planned = match reconcile::plan(
        &federation,
        &snapshot.files,
        revision,
        &settings,
        Depth::Classify,
        match args.output {
            ApplyFormat::Json => Reading::Placement,
            ApplyFormat::Text => Reading::Objects,
        },
    )
    .await
    {
        Ok(planned) => planned,
        Err(error) => {
            eprintln!("mcs-gitops: cannot read the federation: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let report = reconcile::apply(&federation, &planned, &settings).await;
    let color = color_for_stdout(color);
    match args.output {
        ApplyFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan_json::to_json(&planned.plan, report.as_ref()))
                .expect("JSON of plain data")
        ),
        ApplyFormat::Text => {
            let sources = sources(&snapshot);
            for diagnostic in &planned.plan.diagnostics {
                println!("{}", render_diagnostic(diagnostic, &sources, color));
            }
            match &report {
                Some(report) => print!("{}", apply::render(report, color)),
                None => println!(
                    "{} the revision is invalid; nothing was applied",
                    color.error("invalid:")
                ),
            }
        }
    }
    match report {
        None => Outcome::Invalid,
        Some(report) if !report.succeeded() => Outcome::Invalid,
        Some(report) if report.dry_run && report.written() > 0 => Outcome::ChangesPending,
        Some(_) => Outcome::Clean,
    }
}
