//! A local mirror of the configuration repository: ask the remote where the
//! branch is (no pack transfer), fetch only when it moved, push the status
//! branch. Blocking (libgit2): call from `spawn_blocking`.
//!
//! A local repository path is used in place, without a mirror: its branch is
//! read directly and the status branch is written into it.

use std::path::{Path, PathBuf};

use git2::{AutotagOption, Direction, FetchOptions, Oid, PushOptions, RemoteRedirect, Repository};

use super::auth::{Connection, GitAuth, callbacks, redact_url};

/// Errors talking to a Git remote or repository.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// Opening or initialising the local repository failed.
    #[error("opening {path}: {message}")]
    Open {
        /// The path.
        path: PathBuf,
        /// libgit2's message.
        message: String,
    },
    /// Asking the remote for its refs failed.
    #[error("listing refs of {url}: {message}")]
    ListRefs {
        /// The remote, without credentials.
        url: String,
        /// libgit2's message.
        message: String,
    },
    /// The tracked branch does not exist.
    #[error("branch `{branch}` does not exist in {url}")]
    NoSuchBranch {
        /// The branch.
        branch: String,
        /// The remote, without credentials.
        url: String,
    },
    /// Fetching failed.
    #[error("fetching from {url}: {message}")]
    Fetch {
        /// The remote, without credentials.
        url: String,
        /// libgit2's message.
        message: String,
    },
    /// The remote refused a pushed ref.
    #[error("pushing {refname} to {url} was rejected: {message}")]
    PushRejected {
        /// The ref.
        refname: String,
        /// The remote, without credentials.
        url: String,
        /// The remote's reason (e.g. non-fast-forward).
        message: String,
    },
    /// Pushing failed for another reason.
    #[error("pushing to {url}: {message}")]
    Push {
        /// The remote, without credentials.
        url: String,
        /// libgit2's message.
        message: String,
    },
}

/// Where the configuration repository lives.
pub enum Origin {
    /// A remote, mirrored in a cache directory.
    Remote {
        /// The local mirror (bare).
        repo: Repository,
        /// The remote URL (may hold credentials: never log it as is).
        url: String,
        /// How to authenticate.
        auth: GitAuth,
    },
    /// A repository on this machine, used in place.
    Local {
        /// The repository.
        repo: Repository,
    },
}

impl Origin {
    /// Opens a local repository, or creates/opens the mirror of a remote
    /// under `cache_dir`.
    pub fn open(location: &str, auth: GitAuth, cache_dir: &Path) -> Result<Origin, RemoteError> {
        let is_url = location.contains("://") || is_scp_like(location);
        if !is_url {
            let path = Path::new(location);
            let repo = Repository::open(path).map_err(|e| open_error(path, &e))?;
            return Ok(Origin::Local { repo });
        }
        let mirror = cache_dir.join(mirror_name(location));
        let repo = match Repository::open_bare(&mirror) {
            Ok(repo) => repo,
            Err(_) => {
                std::fs::create_dir_all(&mirror).map_err(|e| RemoteError::Open {
                    path: mirror.clone(),
                    message: e.to_string(),
                })?;
                Repository::init_bare(&mirror).map_err(|e| open_error(&mirror, &e))?
            }
        };
        Ok(Origin::Remote {
            repo,
            url: location.to_owned(),
            auth,
        })
    }

    /// The repository to read trees from and write status commits into.
    pub fn repo(&self) -> &Repository {
        match self {
            Origin::Remote { repo, .. } | Origin::Local { repo } => repo,
        }
    }

    /// The location, safe to log.
    pub fn display(&self) -> String {
        match self {
            Origin::Remote { url, .. } => redact_url(url),
            Origin::Local { repo } => repo.path().display().to_string(),
        }
    }

    /// Where `branch` points at the origin now. For a remote this is one
    /// ref advertisement, no pack transfer.
    pub fn head(&self, branch: &str) -> Result<Oid, RemoteError> {
        let refname = format!("refs/heads/{branch}");
        match self {
            Origin::Local { repo } => {
                repo.refname_to_id(&refname)
                    .map_err(|_| RemoteError::NoSuchBranch {
                        branch: branch.to_owned(),
                        url: self.display(),
                    })
            }
            Origin::Remote { repo, url, auth } => {
                let session = Connection::default();
                let error = |e: git2::Error| self.list_error(&e, &session);
                let mut remote = repo.remote_anonymous(url).map_err(error)?;
                let connection = remote
                    .connect_auth(Direction::Fetch, Some(callbacks(auth, url, &session)), None)
                    .map_err(error)?;
                let heads = connection.list().map_err(error)?;
                heads
                    .iter()
                    .find(|h| h.name() == refname)
                    .map(|h| h.oid())
                    .ok_or_else(|| RemoteError::NoSuchBranch {
                        branch: branch.to_owned(),
                        url: self.display(),
                    })
            }
        }
    }

    /// Fetches `branches` into the mirror as `refs/heads/*` (no-op locally).
    pub fn fetch(&self, branches: &[&str]) -> Result<(), RemoteError> {
        let Origin::Remote { repo, url, auth } = self else {
            return Ok(());
        };
        let session = Connection::default();
        let mut remote = repo
            .remote_anonymous(url)
            .map_err(|e| self.fetch_error(&e, &session))?;
        let refspecs: Vec<String> = branches
            .iter()
            .map(|b| format!("+refs/heads/{b}:refs/heads/{b}"))
            .collect();
        let mut options = FetchOptions::new();
        options.remote_callbacks(callbacks(auth, url, &session));
        options.download_tags(AutotagOption::None);
        options.follow_redirects(RemoteRedirect::None);
        let fetched = remote.fetch(&refspecs, Some(&mut options), None);
        drop(options);
        fetched.map_err(|e| self.fetch_error(&e, &session))
    }

    /// Pushes local `refs/heads/<branch>` to the remote without forcing
    /// (no-op locally). A rejected ref is an error, not a silent success.
    pub fn push(&self, branch: &str) -> Result<(), RemoteError> {
        let Origin::Remote { repo, url, auth } = self else {
            return Ok(());
        };
        let refname = format!("refs/heads/{branch}");
        let session = Connection::default();
        let rejection: std::cell::RefCell<Option<String>> = Default::default();
        let mut remote = repo
            .remote_anonymous(url)
            .map_err(|e| self.push_error(&e, &session))?;
        let mut cbs = callbacks(auth, url, &session);
        cbs.push_update_reference(|_, status| {
            if let Some(message) = status {
                *rejection.borrow_mut() = Some(message.to_owned());
            }
            Ok(())
        });
        let mut options = PushOptions::new();
        options.remote_callbacks(cbs);
        options.follow_redirects(RemoteRedirect::None);
        let pushed = remote.push(&[format!("{refname}:{refname}")], Some(&mut options));
        drop(options);
        pushed.map_err(|e| self.push_error(&e, &session))?;
        drop(remote);
        match rejection.into_inner() {
            Some(message) => Err(RemoteError::PushRejected {
                refname,
                url: self.display(),
                message,
            }),
            None => Ok(()),
        }
    }

    fn list_error(&self, e: &git2::Error, session: &Connection) -> RemoteError {
        RemoteError::ListRefs {
            url: self.display(),
            message: with_host_key_refusal(e, session),
        }
    }

    fn fetch_error(&self, e: &git2::Error, session: &Connection) -> RemoteError {
        RemoteError::Fetch {
            url: self.display(),
            message: with_host_key_refusal(e, session),
        }
    }

    fn push_error(&self, e: &git2::Error, session: &Connection) -> RemoteError {
        let message = with_host_key_refusal(e, session);
        if e.code() == git2::ErrorCode::NotFastForward || message.contains("fast-forward") {
            return RemoteError::PushRejected {
                refname: String::new(),
                url: self.display(),
                message,
            };
        }
        RemoteError::Push {
            url: self.display(),
            message,
        }
    }
}

fn open_error(path: &Path, e: &git2::Error) -> RemoteError {
    RemoteError::Open {
        path: path.to_owned(),
        message: e.message().to_owned(),
    }
}

/// `user@host:path`, the scp-like SSH syntax.
fn is_scp_like(location: &str) -> bool {
    match (location.find('@'), location.find(':')) {
        (Some(at), Some(colon)) => at < colon && !location.starts_with('/'),
        _ => false,
    }
}

/// A stable directory name for a remote's mirror (credentials excluded).
fn mirror_name(url: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(redact_url(url).as_bytes());
    format!("mirror-{}", &hex::encode(digest)[..16])
}

/// libgit2's message, with why the host key was refused when it was (libgit2
/// only says the host key is invalid or unknown).
fn with_host_key_refusal(e: &git2::Error, session: &Connection) -> String {
    let message = e.message().to_owned();
    match session.host_key_refusal() {
        Some(refusal) => format!(
            "{message} (the server's host key is not pinned in --ssh-known-hosts: {refusal})"
        ),
        None => message,
    }
}
