//! The subcommands: each reads its inputs through the I/O layers, runs the
//! pure core and renders the result. `main` maps their [`Outcome`] to an
//! exit code.

pub mod apply;
pub mod history;
pub mod plan;
pub mod review;
pub mod review_post;
pub mod run;
pub mod validate;

use std::io::IsTerminal;

use crate::cli::{ColorWhen, FederationArgs, SourceArgs};
use crate::config;
use crate::federation::{self, KubeFederation, ReadError};
use crate::reconcile::PlanVerdict;
use crate::report::Color;
use crate::source::{self, Snapshot, SourceError};

/// How a command ended; each maps to a documented exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Outcome {
    /// Valid input, nothing to change (exit 0).
    Clean,
    /// Invalid input or conflicts; nothing applied (exit 1).
    Invalid,
    /// Changes pending (exit 2).
    ChangesPending,
    /// Could not run (exit 3).
    CouldNotRun,
}

impl Outcome {
    /// How a planning command ends: invalid or blocked is 1, changes 2.
    pub fn of_plan(verdict: PlanVerdict) -> Self {
        match verdict {
            PlanVerdict::Invalid | PlanVerdict::Blocked => Outcome::Invalid,
            PlanVerdict::Changes => Outcome::ChangesPending,
            PlanVerdict::Clean => Outcome::Clean,
        }
    }

    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Clean => 0,
            Outcome::Invalid => 1,
            Outcome::ChangesPending => 2,
            Outcome::CouldNotRun => 3,
        }
    }
}

/// Resolves `--color` against the terminal and NO_COLOR.
pub fn color_for_stdout(when: ColorWhen) -> Color {
    let on = match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    if on { Color::On } else { Color::Off }
}

/// Reads the revision the source arguments name.
pub fn read_source(args: &SourceArgs) -> Result<Snapshot, SourceError> {
    match &args.rev {
        Some(rev) => source::git::read_revision(&args.path, rev),
        None => source::local::read_directory(&args.path),
    }
}

/// Reports a revision that could not be read: one refused for its size is
/// invalid input (exit 1), anything else means the command could not run.
pub fn source_failed(error: &SourceError) -> Outcome {
    eprintln!("mcs-gitops: {error}");
    match error {
        SourceError::OverBudget { .. } => Outcome::Invalid,
        _ => Outcome::CouldNotRun,
    }
}

/// Connects to the federation named by the flags; errors are printed.
pub async fn connect(args: &FederationArgs) -> Option<KubeFederation> {
    match federation::connect(&config::connect_options(args)).await {
        Ok(client) => Some(KubeFederation::new(client, args.instance.clone())),
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            None
        }
    }
}

/// Reports a live read that failed; the command could not run.
pub fn read_failed(error: &ReadError) -> Outcome {
    eprintln!("mcs-gitops: cannot read the federation: {error}");
    Outcome::CouldNotRun
}
