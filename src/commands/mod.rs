//! The subcommands: each reads its inputs through the I/O layers, runs the
//! pure core and renders the result. `main` maps their [`Outcome`] to an
//! exit code.

pub mod validate;

use std::collections::BTreeSet;
use std::io::IsTerminal;

use crate::cli::{ColorWhen, PolicyArgs, SourceArgs};
use crate::manifest::Policy;
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

/// The operator's tenancy policy from flags.
pub fn policy(args: &PolicyArgs) -> Policy {
    let set = |list: &Option<Vec<String>>| -> Option<BTreeSet<String>> {
        list.as_ref().map(|l| {
            l.iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
    };
    Policy {
        allowed_namespaces: set(&args.allowed_namespaces),
        allowed_clusters: set(&args.allowed_clusters),
    }
}
