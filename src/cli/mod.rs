//! Command-line types (clap). No behaviour lives here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

mod duration;
mod forge;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::federation::ApplyOptions;
use crate::plan::PruneGuard;
use crate::plan::ownership::DEFAULT_INSTANCE;
use crate::source::status::Author;
pub use duration::parse_duration;
pub use forge::{ForgeArgs, ForgeKind, PostArgs, StatusArgs};

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
    /// Log format (logs go to stderr; RUST_LOG sets the level).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
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
    /// Explain what a change between two revisions does to exposure, for pull requests.
    #[command(after_help = EXIT_CODES)]
    Review(ReviewArgs),
    /// Who could reach what, and when each flow appeared and disappeared, from the status branch.
    #[command(after_help = HISTORY_EXIT_CODES)]
    History(HistoryArgs),
    /// Run the GitOps daemon: poll and take webhooks, apply, report on a status branch.
    #[command(after_help = RUN_EXIT_CODES)]
    Run(Box<RunArgs>),
}

/// Exit codes of `history`.
pub const HISTORY_EXIT_CODES: &str = "\
Exit codes:
  0  the history was shown
  3  could not run: no such repository or status branch, nothing at --at";

/// Output format of `history`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// Lines for people.
    Text,
    /// The `mcs-gitops.io/history/v1` JSON document.
    Json,
}

/// `mcs-gitops history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Any path inside the Git repository that holds the status branch.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The status branch the daemon reports to.
    #[arg(long, default_value = "mcs-gitops/status")]
    pub status_branch: String,
    /// Show who could reach what at this point: an RFC 3339 time, a source revision or a status commit.
    #[arg(long, value_name = "REV|TIME")]
    pub at: Option<String>,
    /// Only this Service (namespace/name).
    #[arg(long, value_name = "NS/NAME")]
    pub service: Option<String>,
    /// Only flows from or to this cluster.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = HistoryFormat::Text)]
    pub output: HistoryFormat,
}

/// Exit codes of `run`.
pub const RUN_EXIT_CODES: &str = "\
Exit codes:
  0  stopped by SIGTERM or SIGINT after finishing the run in flight
  3  could not start: bad arguments, unreadable secrets, unreachable repository";

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
#[derive(Clone, Debug, Args)]
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
    /// ExposurePolicy files, or directories of them, every object must
    /// satisfy (repeatable); the repository's policies/ can only add more.
    #[arg(
        long = "policy",
        value_name = "FILE|DIR",
        value_delimiter = ',',
        env = "MCS_GITOPS_POLICY"
    )]
    pub policies: Vec<PathBuf>,
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
#[derive(Clone, Debug, Args)]
pub struct FederationArgs {
    /// Kubeconfig of the Karmada control plane (default: KUBECONFIG, ~/.kube/config, in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Name of this reconciler: objects carry it, and only its own objects are pruned.
    #[arg(long, default_value = DEFAULT_INSTANCE, env = "MCS_GITOPS_INSTANCE")]
    pub instance: String,
}

/// Flags that decide what a change may do.
#[derive(Clone, Debug, Args)]
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
    #[arg(long, default_value_t = PruneGuard::DEFAULT_MAX_FRACTION, value_name = "FRACTION")]
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
    /// Where placement is read.
    #[command(flatten)]
    pub daemon: DaemonPlacementArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = PlanFormat::Text)]
    pub output: PlanFormat,
}

/// Placement from a running daemon instead of the API (`plan --daemon`).
#[derive(Clone, Debug, Args)]
pub struct DaemonPlacementArgs {
    /// Read placement (bindings, Works, Events) from a running daemon's watched state at this URL (http://host:port) instead of listing it; the objects are still read from the API.
    #[arg(
        long,
        value_name = "URL",
        env = "MCS_GITOPS_DAEMON",
        requires = "daemon_token_file"
    )]
    pub daemon: Option<String>,
    /// File holding the daemon's --placement-token-file token.
    #[arg(
        long,
        value_name = "FILE",
        env = "MCS_GITOPS_DAEMON_TOKEN_FILE",
        requires = "daemon"
    )]
    pub daemon_token_file: Option<PathBuf>,
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
    #[arg(long, default_value_t = ApplyOptions::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ApplyFormat::Text)]
    pub output: ApplyFormat,
}

/// Output format of `review`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormat {
    /// Markdown for a pull-request comment.
    Markdown,
    /// Plain text for a terminal.
    Text,
    /// The `mcs-gitops.io/review/v1` JSON document.
    Json,
}

/// `mcs-gitops review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The revision the change starts from (e.g. the pull request's base).
    #[arg(long, value_name = "REV")]
    pub base: String,
    /// The revision the change ends at (e.g. the pull request's head).
    #[arg(long, value_name = "REV")]
    pub head: String,
    /// Any path inside the configuration repository (a subdirectory limits the review to it).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Tenancy limits.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// Enrich the review from a live federation (real cluster list, current placement, dry run).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use with --kubeconfig.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ReviewFormat::Markdown)]
    pub output: ReviewFormat,
    /// Posting to the forge.
    #[command(flatten)]
    pub post: PostArgs,
}

/// `mcs-gitops run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The configuration repository: https://, ssh://, git://, file:// URL, or a local path.
    #[arg(long, value_name = "URL|PATH", env = "MCS_GITOPS_REPO")]
    pub repo: String,
    /// The branch to track.
    #[arg(long, default_value = "main", env = "MCS_GITOPS_BRANCH")]
    pub branch: String,
    /// Subdirectory of the repository that holds the configuration.
    #[arg(long, value_name = "SUBDIR", default_value = "")]
    pub path: String,
    /// How often to ask the remote whether the branch moved.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub interval: Duration,
    /// How often to compare everything with the federation even if nothing moved.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub resync: Duration,
    /// Plan and report, but never write to the federation.
    #[arg(long)]
    pub dry_run: bool,
    /// Branch that receives status reports (never the tracked branch).
    #[arg(long, default_value = "mcs-gitops/status")]
    pub status_branch: String,
    /// Do not write status reports.
    #[arg(long)]
    pub no_status: bool,
    /// Author name of status commits.
    #[arg(long, default_value = Author::DEFAULT_NAME)]
    pub status_author_name: String,
    /// Author e-mail of status commits.
    #[arg(long, default_value = Author::DEFAULT_EMAIL)]
    pub status_author_email: String,
    /// Address of the HTTP server (/healthz, /readyz, /metrics, /hooks/git).
    #[arg(long, default_value = "0.0.0.0:8080", env = "MCS_GITOPS_LISTEN")]
    pub listen: SocketAddr,
    /// File holding the webhook secret; without it the webhook endpoint is disabled.
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_WEBHOOK_SECRET_FILE")]
    pub webhook_secret_file: Option<PathBuf>,
    /// File holding a token that lets `plan --daemon` read the watched placement (GET /v1/placement); without it that endpoint is disabled.
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_PLACEMENT_TOKEN_FILE")]
    pub placement_token_file: Option<PathBuf>,
    /// User name for HTTPS basic authentication (with --git-password-file or --git-token-file).
    #[arg(long, env = "MCS_GITOPS_GIT_USERNAME")]
    pub git_username: Option<String>,
    /// File holding the HTTPS password.
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_GIT_PASSWORD_FILE")]
    pub git_password_file: Option<PathBuf>,
    /// File holding an HTTPS access token (user name defaults to `git`).
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_GIT_TOKEN_FILE")]
    pub git_token_file: Option<PathBuf>,
    /// An HTTPS access token (prefer --git-token-file).
    #[arg(
        long = "git-token-env",
        hide = true,
        env = "MCS_GITOPS_GIT_TOKEN",
        hide_env_values = true
    )]
    pub git_token: Option<String>,
    /// SSH private key for ssh:// remotes.
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_SSH_KEY_FILE")]
    pub ssh_key_file: Option<PathBuf>,
    /// known_hosts file pinning the SSH server's host key (required with --ssh-key-file).
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_SSH_KNOWN_HOSTS")]
    pub ssh_known_hosts: Option<PathBuf>,
    /// File holding the SSH key's passphrase.
    #[arg(long, value_name = "FILE")]
    pub ssh_passphrase_file: Option<PathBuf>,
    /// Apply only revisions whose new commits are all signed by a key in --trusted-keys.
    #[arg(long, requires = "trusted_keys")]
    pub verify_signatures: bool,
    /// Accept a tip that descends from this commit although it does not descend from the last verified one (after a deliberate rollback or history rewrite).
    #[arg(long, value_name = "COMMIT", requires = "verify_signatures")]
    pub trust_from: Option<String>,
    /// Trusted signers: OpenPGP public key blocks and SSH allowed_signers lines, in one file.
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_TRUSTED_KEYS")]
    pub trusted_keys: Option<PathBuf>,
    /// Where remote repositories are mirrored.
    #[arg(long, value_name = "DIR", env = "MCS_GITOPS_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Elect a leader among replicas through a Lease; only the leader writes.
    #[arg(long)]
    pub leader_elect: bool,
    /// Namespace of the Lease, and of the Lease `<lease>-verified` that
    /// records the last verified commit under --verify-signatures.
    #[arg(long, default_value = "mcs-gitops", env = "POD_NAMESPACE")]
    pub lease_namespace: String,
    /// Name of the Lease (default: mcs-gitops-<instance>).
    #[arg(long)]
    pub lease_name: Option<String>,
    /// This replica's identity in the Lease (default: the host name).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// Take ownership of fields another field manager set.
    #[arg(long)]
    pub force_conflicts: bool,
    /// API requests in flight at once.
    #[arg(long, default_value_t = ApplyOptions::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// The federation.
    #[command(flatten)]
    pub federation: FederationArgs,
    /// Tenancy limits.
    #[command(flatten)]
    pub policy: PolicyArgs,
    /// What changes may do.
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Commit statuses on the forge.
    #[command(flatten)]
    pub statuses: StatusArgs,
}
