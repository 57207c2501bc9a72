//! Command-line types of the forge flags, shared by `run` (commit statuses)
//! and `review --post` (the pull-request comment).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::duration::parse_duration;

/// A forge, as named on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ForgeKind {
    /// GitHub or GitHub Enterprise Server.
    Github,
    /// GitLab.
    Gitlab,
    /// Gitea or Forgejo.
    Gitea,
}

/// Where the forge is and how to authenticate to it.
#[derive(Debug, Args)]
pub struct ForgeArgs {
    /// Which forge (default: from the repository's host name, or the CI's environment).
    #[arg(long, value_enum, value_name = "KIND", env = "MCS_GITOPS_FORGE")]
    pub forge: Option<ForgeKind>,
    /// The forge's web address, e.g. https://gitea.example.com (default: from the repository URL, or the CI's environment).
    #[arg(long, value_name = "URL", env = "MCS_GITOPS_FORGE_URL")]
    pub forge_url: Option<String>,
    /// File holding the forge's API token.
    #[arg(long, value_name = "FILE", env = "MCS_GITOPS_FORGE_TOKEN_FILE")]
    pub forge_token_file: Option<PathBuf>,
    /// The forge's API token (prefer --forge-token-file).
    #[arg(
        long = "forge-token-env",
        hide = true,
        env = "MCS_GITOPS_FORGE_TOKEN",
        hide_env_values = true
    )]
    pub forge_token: Option<String>,
}

impl ForgeArgs {
    /// Whether a token is configured (which turns the forge on).
    pub fn has_token(&self) -> bool {
        self.forge_token_file.is_some() || self.forge_token.is_some()
    }
}

/// Commit statuses posted by `run`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The forge (statuses are posted when a token is given).
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// How long the flows of an applied commit may take to be in place before its status fails.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub settle_timeout: Duration,
}

/// Where `review --post` posts.
#[derive(Debug, Args)]
pub struct PostArgs {
    /// Post the review to the pull request (one comment, edited in place) and a status on its head.
    #[arg(long)]
    pub post: bool,
    /// The forge.
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// The repository on the forge, OWNER/NAME (default: the CI's environment).
    #[arg(long, value_name = "OWNER/NAME", requires = "post")]
    pub repository: Option<String>,
    /// The pull (merge) request's number (default: the CI's environment).
    #[arg(long, value_name = "N", requires = "post")]
    pub pull_request: Option<u64>,
}
