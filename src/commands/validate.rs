//! `mcs-gitops validate`: offline checks of a revision.

use std::collections::BTreeMap;

use super::{Outcome, color_for_stdout, read_source};
use crate::cli::{ColorWhen, ValidateArgs, ValidateFormat};
use crate::config;
use crate::manifest::FileContent;
use crate::reconcile;
use crate::report::diagnostics::{self, Sources};
use crate::source::Snapshot;

/// Runs `validate`, printing to stdout (results) and stderr (failures to run).
pub fn run(args: &ValidateArgs, color: ColorWhen) -> Outcome {
    let snapshot = match read_source(&args.source) {
        Ok(snapshot) => snapshot,
        Err(error) => return super::source_failed(&error),
    };
    let exposure = match config::exposure_policies(&args.policy) {
        Ok(exposure) => exposure,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let checked = reconcile::check(&snapshot.files, &config::policy(&args.policy), &exposure);
    let desired = &checked.desired;
    match args.output {
        ValidateFormat::Text => {
            let sources = sources(&snapshot);
            print!(
                "{}",
                diagnostics::render_text(desired, &sources, color_for_stdout(color))
            );
        }
        ValidateFormat::Json => {
            let revision = snapshot.revision.as_ref().map(|r| r.as_str());
            let json = diagnostics::to_json(desired, revision);
            println!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON of plain data")
            );
        }
    }
    if checked.valid {
        Outcome::Clean
    } else {
        Outcome::Invalid
    }
}

/// The UTF-8 text of every file, for source snippets.
pub fn sources(snapshot: &Snapshot) -> Sources<'_> {
    snapshot
        .files
        .iter()
        .filter_map(|f| match &f.content {
            FileContent::Bytes(bytes) => std::str::from_utf8(bytes)
                .ok()
                .map(|text| (f.path.as_str(), text)),
            _ => None,
        })
        .collect::<BTreeMap<_, _>>()
}
