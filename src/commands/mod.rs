//! The subcommands: each reads its inputs through the I/O layers, runs the
//! pure core and renders the result. `main` maps their [`Outcome`] to an
//! exit code.

pub mod apply;
pub mod plan;
pub mod review;
pub mod run;
pub mod validate;

use std::collections::BTreeSet;
use std::io::IsTerminal;

use crate::cli::{ChangeArgs, ColorWhen, FederationArgs, PolicyArgs, SourceArgs};
use crate::federation::{ApplyOptions, ConnectOptions, Federation, Scope, connect};
use crate::manifest::Policy;
use crate::plan::{ChangeOptions, PruneGuard};
use crate::reconcile::Settings;
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

/// Connects to the federation named by the flags; errors are printed.
pub async fn federation(args: &FederationArgs) -> Option<Federation> {
    let options = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    match connect(&options).await {
        Ok(client) => Some(Federation::new(client, args.instance.clone())),
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            None
        }
    }
}

/// Resolves reconcile settings from flags.
pub fn settings(
    federation: &FederationArgs,
    policy_args: &PolicyArgs,
    change: &ChangeArgs,
    apply: ApplyOptions,
) -> Settings {
    let policy = policy(policy_args);
    let scope = match &policy.allowed_namespaces {
        Some(namespaces) => Scope::Namespaces(namespaces.clone()),
        None => Scope::AllNamespaces,
    };
    Settings {
        policy,
        scope,
        changes: ChangeOptions {
            instance: federation.instance.clone(),
            revision: None,
            adopt: change.adopt,
            recreate: change.recreate,
            prune: PruneGuard {
                max_fraction: change.max_prune_fraction,
                allow_mass_prune: change.allow_mass_prune,
            },
        },
        apply,
    }
}
