//! Where the forge is: its kind, web and API roots and the repository, from
//! flags, from the Git remote's URL, or from the CI's environment (GitHub
//! Actions, GitLab CI, Gitea Actions). Pure: the environment is passed in.

use super::error::ForgeError;
use super::kind::Kind;
use super::repository::Repository;

/// Reads an environment variable (a closure, so tests pin it).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A forge and a repository on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    /// Which forge.
    pub kind: Kind,
    /// The web root, e.g. `https://github.com` (no trailing slash).
    pub web: String,
    /// The API root, e.g. `https://api.github.com`.
    pub api: String,
    /// The repository.
    pub repo: Repository,
}

impl Located {
    /// The web page of `path` on `branch` (the status report's link).
    pub fn file_url(&self, branch: &str, path: &str) -> String {
        let (web, repo) = (&self.web, self.repo.as_str());
        match self.kind {
            Kind::GitHub => format!("{web}/{repo}/blob/{branch}/{path}"),
            Kind::GitLab => format!("{web}/{repo}/-/blob/{branch}/{path}"),
            Kind::Gitea => format!("{web}/{repo}/src/branch/{branch}/{path}"),
        }
    }
}

/// The API root of a forge whose web root is `web`.
pub fn api_root(kind: Kind, web: &str) -> String {
    let web = web.trim_end_matches('/');
    match kind {
        Kind::GitHub if host(web) == "github.com" => "https://api.github.com".to_owned(),
        Kind::GitHub => format!("{web}/api/v3"),
        Kind::GitLab => format!("{web}/api/v4"),
        Kind::Gitea => format!("{web}/api/v1"),
    }
}

/// The kind a host name gives away (`github.com`, `gitlab.example.com`).
pub fn kind_of_host(host: &str) -> Option<Kind> {
    let host = host.to_ascii_lowercase();
    let first = host.split('.').next().unwrap_or("");
    if host == "github.com" || first == "github" {
        Some(Kind::GitHub)
    } else if host == "gitlab.com" || first == "gitlab" {
        Some(Kind::GitLab)
    } else if ["gitea", "forgejo", "codeberg"].contains(&first) {
        Some(Kind::Gitea)
    } else {
        None
    }
}

/// The forge of a Git remote (`https://host/owner/name.git`,
/// `ssh://git@host/owner/name.git`, `git@host:owner/name.git`). `kind` and
/// `web` override what the URL suggests.
pub fn from_remote(
    url: &str,
    kind: Option<Kind>,
    web: Option<&str>,
) -> Result<Located, ForgeError> {
    let (scheme, authority, path) = split_remote(url).ok_or_else(|| {
        ForgeError::Config(format!(
            "the repository {} is not on a forge (an https:// or ssh:// URL); give --forge-url and --repository",
            crate::source::auth::redact_url(url)
        ))
    })?;
    let hostname = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let kind = kind
        .or_else(|| kind_of_host(hostname.split(':').next().unwrap_or(hostname)))
        .ok_or_else(|| {
            ForgeError::Config(format!(
                "cannot tell which forge {hostname} is: give --forge github|gitlab|gitea"
            ))
        })?;
    let web = match web {
        Some(web) => web.trim_end_matches('/').to_owned(),
        // An SSH remote's forge answers HTTPS on the same host.
        None if scheme == "https" || scheme == "http" => format!("{scheme}://{hostname}"),
        None => format!("https://{}", hostname.split(':').next().unwrap_or(hostname)),
    };
    Ok(Located {
        kind,
        api: api_root(kind, &web),
        repo: Repository::parse(kind, path)?,
        web,
    })
}

/// (scheme, authority, path) of a remote URL; `None` for local paths,
/// `file://` and `git://` URLs, which name no forge.
fn split_remote(url: &str) -> Option<(&str, &str, &str)> {
    if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(scheme, "https" | "http" | "ssh") {
            return None;
        }
        let (authority, path) = rest.split_once('/')?;
        return Some((scheme, authority, path));
    }
    // scp-like: user@host:path (not a Windows drive, not a local path).
    let (authority, path) = url.split_once(':')?;
    (authority.contains('@') && !authority.contains('/')).then_some(("ssh", authority, path))
}

/// What the CI's environment says about the pull request under review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CiDefaults {
    /// The forge.
    pub kind: Option<Kind>,
    /// Its web root.
    pub web: Option<String>,
    /// Its API root, when the CI names it.
    pub api: Option<String>,
    /// `owner/name` (or the GitLab project path).
    pub repository: Option<String>,
    /// The pull (merge) request's number.
    pub pull_request: Option<u64>,
}

/// Reads GitHub Actions (`GITHUB_*`), Gitea Actions (`GITEA_ACTIONS` with
/// the same `GITHUB_*` variables) and GitLab CI (`CI_*`) variables.
pub fn ci_defaults(env: Env<'_>) -> CiDefaults {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if set("GITLAB_CI").is_some() {
        return CiDefaults {
            kind: Some(Kind::GitLab),
            web: set("CI_SERVER_URL"),
            api: set("CI_API_V4_URL"),
            repository: set("CI_PROJECT_PATH"),
            pull_request: set("CI_MERGE_REQUEST_IID").and_then(|n| n.parse().ok()),
        };
    }
    let gitea = set("GITEA_ACTIONS").is_some();
    if !gitea && set("GITHUB_ACTIONS").is_none() {
        return CiDefaults::default();
    }
    CiDefaults {
        kind: Some(if gitea { Kind::Gitea } else { Kind::GitHub }),
        web: set("GITHUB_SERVER_URL"),
        // Gitea Actions sets GITHUB_API_URL to Gitea's /api/v1 too.
        api: set("GITHUB_API_URL"),
        repository: set("GITHUB_REPOSITORY"),
        pull_request: set("GITHUB_REF").and_then(|r| pull_request_of_ref(&r)),
    }
}

/// The number in `refs/pull/N/merge` or `refs/pull/N/head`.
pub fn pull_request_of_ref(git_ref: &str) -> Option<u64> {
    let rest = git_ref.strip_prefix("refs/pull/")?;
    let (number, tail) = rest.split_once('/')?;
    matches!(tail, "merge" | "head")
        .then(|| number.parse().ok())
        .flatten()
}

fn host(url: &str) -> String {
    crate::source::auth::host_of(url)
}
