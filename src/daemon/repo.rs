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
    /// A commit the operator vouches for: a tip that descends from it (or
    /// is it) is verified from there even when it does not descend from the
    /// last verified commit (`--trust-from`).
    pub trust_from: Option<String>,
}

/// Why a revision is refused before anything of it is read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A commit is unsigned, or not signed by a trusted key.
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    /// The tip does not descend from the last verified commit.
    #[error(
        "commit {head} does not descend from {verified}, the last commit verified: a rollback to an older commit or a rewritten history is refused (an operator can accept it with --trust-from {head})"
    )]
    Rewind {
        /// The tip.
        head: String,
        /// The last verified commit.
        verified: String,
    },
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

    /// Checks that `head` descends from `last` (the last verified commit),
    /// then the signatures of `head` and every commit since; accepts
    /// everything when no keys are configured. Without a last verified
    /// commit only the tip is checked. Keys are judged valid or not now, as
    /// the commits arrive.
    pub async fn verify(
        &self,
        head: Oid,
        last: Option<Oid>,
    ) -> Result<Vec<(Oid, Signer)>, Refusal> {
        let Some(trust) = self.trust.clone() else {
            return Ok(Vec::new());
        };
        let origin = self.origin.clone();
        let trust_from = self
            .trust_from
            .as_deref()
            .and_then(|c| Oid::from_str(c).ok());
        let now = jiff::Timestamp::now().as_second();
        blocking(move || {
            let origin = origin.lock().expect("origin lock");
            let repo = origin.repo();
            let base = verification_base(repo, head, last, trust_from)?;
            Ok(verify_range(repo, head, base, &trust, now)?)
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

/// Where verification starts: the last verified commit when the tip descends
/// from it; the operator's `--trust-from` commit when the tip descends from
/// that instead; else the tip is a rollback or a rewrite, refused.
fn verification_base(
    repo: &git2::Repository,
    head: Oid,
    last: Option<Oid>,
    trust_from: Option<Oid>,
) -> Result<Option<Oid>, Refusal> {
    let descends = |ancestor: Oid| {
        ancestor == head || repo.graph_descendant_of(head, ancestor).unwrap_or(false)
    };
    match last {
        None => Ok(None),
        Some(last) if descends(last) => Ok(Some(last)),
        Some(last) => match trust_from.filter(|from| descends(*from)) {
            Some(from) => Ok(Some(from)),
            None => Err(Refusal::Rewind {
                head: head.to_string(),
                verified: last.to_string(),
            }),
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A linear history a → b → c; returns the three commits.
    fn history(repo: &git2::Repository) -> [Oid; 3] {
        let signature = git2::Signature::now("t", "t@example.com").unwrap();
        let tree = repo
            .find_tree(repo.treebuilder(None).unwrap().write().unwrap())
            .unwrap();
        let mut parent: Option<git2::Commit<'_>> = None;
        let mut ids = Vec::new();
        for message in ["a", "b", "c"] {
            let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
            let id = repo
                .commit(None, &signature, &signature, message, &tree, &parents)
                .unwrap();
            ids.push(id);
            parent = Some(repo.find_commit(id).unwrap());
        }
        [ids[0], ids[1], ids[2]]
    }

    #[test]
    fn verification_starts_at_the_last_verified_commit_and_refuses_to_go_back() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let [a, b, c] = history(&repo);
        assert_eq!(verification_base(&repo, c, Some(a), None), Ok(Some(a)));
        assert_eq!(verification_base(&repo, b, Some(b), None), Ok(Some(b)));
        assert_eq!(verification_base(&repo, c, None, None), Ok(None));
        assert!(matches!(
            verification_base(&repo, a, Some(c), None),
            Err(Refusal::Rewind { .. })
        ));
        assert_eq!(
            verification_base(&repo, a, Some(c), Some(a)),
            Ok(Some(a)),
            "the operator vouches for a"
        );
        assert!(matches!(
            verification_base(&repo, a, Some(c), Some(b)),
            Err(Refusal::Rewind { .. })
        ));
    }
}
