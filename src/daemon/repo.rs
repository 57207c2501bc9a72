//! The tracked repository as the daemon uses it: where the branch points,
//! fetching when it moved, verifying signatures, reading a commit's files.
//! libgit2 blocks, so every call runs off the async threads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use git2::Oid;

use crate::manifest::RepoFile;
use crate::source::SourceError;
use crate::source::mirror::{Origin, RemoteError};
use crate::source::signature::{Signer, Untrusted, verify_range};
use crate::source::trust::TrustedKeys;

/// The tracked branch of a repository.
#[derive(Clone)]
pub struct Tracked {
    /// The repository (shared with the status publisher).
    pub origin: Arc<Mutex<Origin>>,
    /// The branch tracked.
    pub branch: String,
    /// The subdirectory holding the configuration ("" for all).
    pub subdir: String,
    /// Keys new commits must be signed with; `None` accepts unsigned commits.
    pub trust: Option<Arc<TrustedKeys>>,
}

/// A commit's files and summary line.
pub struct Read {
    /// The files, those in `known` as unchanged.
    pub files: Vec<RepoFile>,
    /// The commit's summary line.
    pub summary: String,
}

impl Tracked {
    /// Where the branch points now; fetches it when the commit is not here
    /// yet (`local` is the commit processed last, known to be here).
    pub async fn head(&self, local: Option<Oid>) -> Result<Oid, RemoteError> {
        let (origin, branch) = (self.origin.clone(), self.branch.clone());
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            let head = origin.head(&branch)?;
            if Some(head) != local && origin.repo().find_commit(head).is_err() {
                origin.fetch(&[&branch])?;
            }
            Ok(head)
        })
        .await
    }

    /// Whether the branch can be reached, without fetching.
    pub async fn reachable(&self) -> Result<Oid, RemoteError> {
        let (origin, branch) = (self.origin.clone(), self.branch.clone());
        blocking(move || origin.lock().expect("origin lock").head(&branch)).await
    }

    /// Checks the signatures of `head` and every commit since `last`;
    /// accepts everything when no keys are configured.
    pub async fn verify(
        &self,
        head: Oid,
        last: Option<Oid>,
    ) -> Result<Vec<(Oid, Signer)>, Untrusted> {
        let Some(trust) = self.trust.clone() else {
            return Ok(Vec::new());
        };
        let origin = self.origin.clone();
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            verify_range(origin.repo(), head, last, &trust)
        })
        .await
    }

    /// Whether signatures are verified.
    pub fn verifies(&self) -> bool {
        self.trust.is_some()
    }

    /// Reads `head`'s files, except those whose blob is in `known`.
    pub async fn read(
        &self,
        head: Oid,
        known: HashMap<String, String>,
    ) -> Result<Read, SourceError> {
        let (origin, subdir) = (self.origin.clone(), self.subdir.clone());
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            let repo = origin.repo();
            let rev = head.to_string();
            let commit = repo
                .find_commit(head)
                .map_err(|source| SourceError::ReadTree {
                    rev: rev.clone(),
                    source,
                })?;
            let summary =
                String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned();
            let snapshot =
                crate::source::git::read_commit_tree_except(repo, &rev, &subdir, &known)?;
            Ok(Read {
                files: snapshot.files,
                summary,
            })
        })
        .await
    }
}

impl Tracked {
    /// Reads the files at `paths` (relative to the configuration directory)
    /// of commit `head`.
    pub async fn read_files(
        &self,
        head: Oid,
        paths: Vec<String>,
    ) -> Result<Vec<RepoFile>, SourceError> {
        let (origin, subdir) = (self.origin.clone(), self.subdir.clone());
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            crate::source::git::read_paths(origin.repo(), head, &subdir, &paths)
        })
        .await
    }
}

/// Runs blocking Git work off the async threads.
pub async fn blocking<T: Send + 'static, E: Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tokio::task::spawn_blocking(f)
        .await
        .expect("blocking Git task panicked")
}
