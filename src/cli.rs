//! Command-line types (clap). No behaviour lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Exit codes, shown in `--help` and README.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success: valid, or no changes
  1  invalid input or conflicts: nothing was applied
  2  changes pending (plan, review, apply --dry-run)
  3  could not run: unreadable repository, API unreachable, bad arguments";

/// GitOps for Karmada MultiClusterService objects.
#[derive(Debug, Parser)]
#[command(name = "mcs-gitops", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour terminal output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a configuration repository offline and report every problem.
    #[command(after_help = EXIT_CODES)]
    Validate(ValidateArgs),
}

/// When to colour output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Where the configuration comes from.
#[derive(Clone, Debug, Args)]
pub struct SourceArgs {
    /// The configuration repository (a directory; with --rev, any path inside a Git repository).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Read this Git revision (commit, branch, tag) instead of the files on disk.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

/// Tenancy limits set by the operator.
#[derive(Clone, Debug, Default, Args)]
pub struct PolicyArgs {
    /// Namespaces the repository may target (comma-separated); default: all.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NS,...",
        env = "MCS_GITOPS_ALLOWED_NAMESPACES"
    )]
    pub allowed_namespaces: Option<Vec<String>>,
    /// Clusters the repository may name (comma-separated); default: all.
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CLUSTER,...",
        env = "MCS_GITOPS_ALLOWED_CLUSTERS"
    )]
    pub allowed_clusters: Option<Vec<String>>,
}

/// Output format of `validate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    /// Compiler-style diagnostics.
    Text,
    /// The `mcs-gitops.io/validate/v1` JSON document.
    Json,
}

/// `mcs-gitops validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Tenancy limits.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ValidateFormat::Text)]
    pub output: ValidateFormat,
}
