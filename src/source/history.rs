//! The status branch's history, commit by commit: when each report was
//! written, which source revision it describes, and which object reports
//! it changed. Reading only what each commit changed keeps a long history
//! of a large fleet cheap.

use std::path::Path;

use git2::{Oid, Repository, Sort};

use super::SourceError;
use crate::history::StatusCommit;
use crate::report::status::STATUS_DIR;

/// The commits of `branch` in the repository at or above `path`, oldest
/// first, following first parents.
pub fn status_history(path: &Path, branch: &str) -> Result<Vec<StatusCommit>, SourceError> {
    let repo = Repository::discover(path).map_err(|source| SourceError::OpenRepository {
        path: path.to_owned(),
        source,
    })?;
    let rev = format!("refs/heads/{branch}");
    let resolve = |source| SourceError::ResolveRevision {
        rev: rev.clone(),
        source,
    };
    let tip = repo.refname_to_id(&rev).map_err(resolve)?;
    let read = |source| SourceError::ReadTree {
        rev: rev.clone(),
        source,
    };
    let mut walk = repo.revwalk().map_err(read)?;
    walk.push(tip).map_err(read)?;
    walk.simplify_first_parent().map_err(read)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(read)?;
    let mut commits = Vec::new();
    for id in walk {
        let id = id.map_err(read)?;
        commits.push(status_commit(&repo, id).map_err(read)?);
    }
    Ok(commits)
}

fn status_commit(repo: &Repository, id: Oid) -> Result<StatusCommit, git2::Error> {
    let commit = repo.find_commit(id)?;
    let tree = commit.tree()?;
    let parent = match commit.parent(0) {
        Ok(parent) => Some(parent.tree()?),
        Err(_) => None,
    };
    let diff = repo.diff_tree_to_tree(parent.as_ref(), Some(&tree), None)?;
    let mut changed = Vec::new();
    for delta in diff.deltas() {
        let file = delta.new_file();
        let Some(path) = file.path().or(delta.old_file().path()) else {
            continue;
        };
        let path = path.to_string_lossy().into_owned();
        let report =
            path.starts_with(&format!("{STATUS_DIR}/")) && !path.ends_with("/_revision.yaml");
        if !report {
            continue;
        }
        let content = match delta.status() {
            git2::Delta::Deleted => None,
            _ => Some(repo.find_blob(file.id())?.content().to_vec()),
        };
        changed.push((path, content));
    }
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    let source = message
        .lines()
        .find_map(|l| l.strip_prefix("Source revision: "))
        .map(|s| s.trim().to_owned());
    Ok(StatusCommit {
        id: id.to_string(),
        time: commit.time().seconds(),
        source,
        changed,
    })
}
