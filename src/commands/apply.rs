//! `mcs-gitops apply`: one-shot reconcile of a revision.

use super::validate::sources;
use super::{Outcome, color_for_stdout, connect, read_failed, read_source};
use crate::cli::{ApplyArgs, ApplyFormat, ColorWhen};
use crate::config;
use crate::federation::Reading;
use crate::reconcile::{ApplyVerdict, Pipeline};
use crate::report::diagnostics::render_diagnostic;
use crate::report::{apply, plan_json};

/// Runs `apply`.
pub async fn run(args: &ApplyArgs, color: ColorWhen) -> Outcome {
    let snapshot = match read_source(&args.source) {
        Ok(snapshot) => snapshot,
        Err(error) => return super::source_failed(&error),
    };
    let Some(federation) = connect(&args.federation).await else {
        return Outcome::CouldNotRun;
    };
    let settings = match config::settings(
        &args.policy,
        Some(&args.federation.instance),
        Some(&args.change),
        config::apply_options(args),
    ) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let reading = match args.output {
        ApplyFormat::Json => Reading::Placement,
        ApplyFormat::Text => Reading::Objects,
    };
    let pipeline = Pipeline::new(settings, federation);
    let (planned, applied) = match pipeline
        .apply_revision(&snapshot.files, snapshot.revision.as_ref(), reading)
        .await
    {
        Ok(done) => done,
        Err(error) => return read_failed(&error),
    };
    let color = color_for_stdout(color);
    match args.output {
        ApplyFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&plan_json::to_json(
                &planned.plan,
                applied.report.as_ref()
            ))
            .expect("JSON of plain data")
        ),
        ApplyFormat::Text => {
            let sources = sources(&snapshot);
            for diagnostic in &planned.plan.diagnostics {
                println!("{}", render_diagnostic(diagnostic, &sources, color));
            }
            match &applied.report {
                Some(report) => print!("{}", apply::render(report, color)),
                None => println!(
                    "{} the revision is invalid; nothing was applied",
                    color.error("invalid:")
                ),
            }
        }
    }
    match applied.verdict {
        ApplyVerdict::Invalid | ApplyVerdict::Incomplete { .. } => Outcome::Invalid,
        ApplyVerdict::Complete { written } if args.dry_run && written > 0 => {
            Outcome::ChangesPending
        }
        ApplyVerdict::Complete { .. } => Outcome::Clean,
    }
}
