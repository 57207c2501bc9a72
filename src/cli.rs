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
    /// Show what apply would change in the federation (a dry-run diff).
    #[command(after_help = EXIT_CODES)]
    Plan(PlanArgs),
    /// Make the federation match the repository: server-side apply, then prune.
    #[command(after_help = EXIT_CODES)]
    Apply(ApplyArgs),
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

/// How to reach the federation's control plane.
#[derive(Clone, Debug, Default, Args)]
pub struct FederationArgs {
    /// Kubeconfig of the Karmada control plane (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Name of this reconciler: objects carry it, and only its own objects are pruned.
    #[arg(long, default_value = "default", env = "MCS_GITOPS_INSTANCE")]
    pub instance: String,
}

/// Flags that decide what a change may do.
#[derive(Clone, Debug, Default, Args)]
pub struct ChangeArgs {
    /// Take over existing MultiClusterServices that mcs-gitops does not manage yet.
    #[arg(long)]
    pub adopt: bool,
    /// Allow delete-and-create when spec.types changes (Karmada forbids changing it in place).
    #[arg(long)]
    pub recreate: bool,
    /// Allow pruning more than --max-prune-fraction of the managed objects at once.
    #[arg(long)]
    pub allow_mass_prune: bool,
    /// The largest fraction of managed objects one revision may prune.
    #[arg(long, default_value_t = 0.5, value_name = "FRACTION")]
    pub max_prune_fraction: f64,
}

/// Output format of `plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Coloured diffs and a placement table.
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// The `mcs-gitops.io/plan/v1` JSON document.
    Json,
}

/// `mcs-gitops plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Tenancy limits.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The federation.
    #[command(flatten)]
    pub federation: FederationArgs,
    /// What changes may do.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = PlanFormat::Text)]
    pub output: PlanFormat,
}

/// Output format of `apply`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ApplyFormat {
    /// One line per written object, first failure up front.
    Text,
    /// The `mcs-gitops.io/plan/v1` JSON document with a `result` section.
    Json,
}

/// `mcs-gitops apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Where to read.
    #[command(flatten)]
    pub source: SourceArgs,
    /// Tenancy limits.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// The federation.
    #[command(flatten)]
    pub federation: FederationArgs,
    /// What changes may do.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Send every change as a server-side dry run: validated by the API, nothing persisted.
    #[arg(long)]
    pub dry_run: bool,
    /// Take ownership of fields that another field manager set.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub concurrency: usize,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ApplyFormat::Text)]
    pub output: ApplyFormat,
}
