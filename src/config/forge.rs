//! Resolving the forge flags: the daemon's commit statuses (`run`) and the
//! pull request `review --post` writes to, with defaults from the Git
//! remote's URL and the CI's environment.

use super::error::{ConfigError, read_secret};
use crate::cli::{ForgeArgs, ForgeKind, PostArgs, RunArgs};
use crate::daemon::forge_task::ForgeStatuses;
use crate::forge::locate::{self, CiDefaults, Env};
use crate::forge::{Forge, Kind, Repository};
use crate::source::auth::Secret;

/// Where `review --post` writes.
#[derive(Debug)]
pub struct PostTarget {
    /// The forge's API.
    pub forge: Forge,
    /// The repository.
    pub repo: Repository,
    /// The pull (merge) request.
    pub pull_request: u64,
}

fn kind_of(kind: ForgeKind) -> Kind {
    match kind {
        ForgeKind::Github => Kind::GitHub,
        ForgeKind::Gitlab => Kind::GitLab,
        ForgeKind::Gitea => Kind::Gitea,
    }
}

fn token(args: &ForgeArgs) -> Result<Option<Secret>, ConfigError> {
    match (&args.forge_token_file, &args.forge_token) {
        (Some(path), _) => read_secret("--forge-token-file", path).map(Some),
        (None, Some(token)) if !token.trim().is_empty() => Ok(Some(Secret::new(token.clone()))),
        _ => Ok(None),
    }
}

fn forge_error(error: crate::forge::ForgeError) -> ConfigError {
    ConfigError::Conflict(error.to_string())
}

/// The daemon's commit statuses: on when a forge token is given.
pub fn statuses(args: &RunArgs) -> Result<Option<ForgeStatuses>, ConfigError> {
    let forge_args = &args.statuses.forge;
    let Some(token) = token(forge_args)? else {
        return Ok(None);
    };
    if args.dry_run {
        return Err(ConfigError::Conflict(
            "--forge-token-file: commit statuses report applied commits; a --dry-run daemon applies none".to_owned(),
        ));
    }
    let kind = forge_args.forge.map(kind_of);
    let located = locate::from_remote(&args.repo, kind, forge_args.forge_url.as_deref())
        .map_err(forge_error)?;
    let forge = Forge::new(located.kind, &located.api, token).map_err(forge_error)?;
    let target_url = (!args.no_status).then(|| located.file_url(&args.status_branch, "STATUS.md"));
    Ok(Some(ForgeStatuses {
        forge,
        repo: located.repo,
        context: format!("mcs-gitops/{}", args.federation.instance),
        target_url,
        settle: args.statuses.settle_timeout,
    }))
}

/// Where `review --post` writes, from flags and then the CI's environment.
pub fn post_target(args: &PostArgs, env: Env<'_>) -> Result<PostTarget, ConfigError> {
    let ci = locate::ci_defaults(env);
    let missing = |what: &str, flag: &str| {
        ConfigError::Conflict(format!(
            "--post: {what} is not known: give {flag} (or run in GitHub Actions, GitLab CI or Gitea Actions)"
        ))
    };
    let kind = args
        .forge
        .forge
        .map(kind_of)
        .or(ci.kind)
        .ok_or_else(|| missing("the forge", "--forge"))?;
    let token = token(&args.forge)?.ok_or_else(|| missing("the token", "--forge-token-file"))?;
    let repository = args
        .repository
        .clone()
        .or_else(|| ci.repository.clone())
        .ok_or_else(|| missing("the repository", "--repository"))?;
    let pull_request = args
        .pull_request
        .or(ci.pull_request)
        .ok_or_else(|| missing("the pull request", "--pull-request"))?;
    let api = api_root(kind, &args.forge, &ci)
        .ok_or_else(|| missing("the forge's address", "--forge-url"))?;
    let repo = Repository::parse(kind, &repository).map_err(forge_error)?;
    let forge = Forge::new(kind, &api, token).map_err(forge_error)?;
    Ok(PostTarget {
        forge,
        repo,
        pull_request,
    })
}

/// The API root: from --forge-url, else the CI's own API variable, else
/// its server URL; GitHub defaults to github.com.
fn api_root(kind: Kind, args: &ForgeArgs, ci: &CiDefaults) -> Option<String> {
    if let Some(web) = &args.forge_url {
        return Some(locate::api_root(kind, web));
    }
    if ci.kind == Some(kind) {
        if let Some(api) = &ci.api {
            return Some(api.clone());
        }
        if let Some(web) = &ci.web {
            return Some(locate::api_root(kind, web));
        }
    }
    (kind == Kind::GitHub).then(|| locate::api_root(kind, "https://github.com"))
}
