//! `mcs-gitops history`: who could reach what, and when, from the status
//! branch's commits.

use std::str::FromStr;

use super::Outcome;
use crate::cli::{HistoryArgs, HistoryFormat};
use crate::history::{Filter, History};
use crate::report::history_text;
use crate::source::history::status_history;

/// Runs `history`.
pub fn run(args: &HistoryArgs) -> Outcome {
    let commits = match status_history(&args.path, &args.status_branch) {
        Ok(commits) => commits,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let history = History::replay(&commits);
    let at = match args.at.as_deref().map(|at| moment(&history, at)) {
        Some(Some(at)) => Some(at),
        Some(None) => {
            eprintln!(
                "mcs-gitops: --at {}: no status report at or before that time, and no status commit or source revision by that id",
                args.at.as_deref().unwrap_or_default()
            );
            return Outcome::CouldNotRun;
        }
        None => None,
    };
    let filter = Filter {
        service: args.service.clone(),
        cluster: args.cluster.clone(),
    };
    match (args.output, at) {
        (HistoryFormat::Json, at) => println!(
            "{}",
            serde_json::to_string_pretty(&history_text::to_json(&history, at, &filter))
                .expect("JSON of plain data")
        ),
        (HistoryFormat::Text, Some(at)) => {
            print!("{}", history_text::render_at(&history, at, &filter))
        }
        (HistoryFormat::Text, None) => print!("{}", history_text::render_events(&history, &filter)),
    }
    Outcome::Clean
}

/// The moment `--at` names: an RFC 3339 time, else a revision.
fn moment(history: &History, at: &str) -> Option<usize> {
    match jiff::Timestamp::from_str(at) {
        Ok(time) => history.moment_at_time(time.as_second()),
        Err(_) => history.moment_of_revision(at),
    }
}
