//! Committing status reports to a dedicated branch, without a work tree.
//!
//! Each commit takes the branch's current tree, replaces `status/` and
//! `STATUS.md` with the new reports and keeps everything else, so commits
//! that others pushed to the branch are never lost. Nothing is committed when
//! the reports did not change.

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, Signature};

use crate::report::status::{StatusFiles, is_report_path};

/// Who signs status commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
}

impl Author {
    /// The author's name unless configured.
    pub const DEFAULT_NAME: &str = "mcs-gitops";
    /// The author's e-mail unless configured.
    pub const DEFAULT_EMAIL: &str = "mcs-gitops@localhost";
}

impl Default for Author {
    fn default() -> Self {
        Author {
            name: Self::DEFAULT_NAME.to_owned(),
            email: Self::DEFAULT_EMAIL.to_owned(),
        }
    }
}

/// Whether a commit was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Committed {
    /// The branch already held exactly these reports.
    Unchanged,
    /// A new commit was made.
    Commit(Oid),
}

/// Commits `files` on `branch` of `repo` if they differ from its tip.
pub fn commit_reports(
    repo: &Repository,
    branch: &str,
    files: &StatusFiles,
    message: &str,
    author: &Author,
) -> Result<Committed, git2::Error> {
    let refname = format!("refs/heads/{branch}");
    let parent = match repo.find_reference(&refname) {
        Ok(reference) => Some(reference.peel_to_commit()?),
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => return Err(e),
    };
    let base = match &parent {
        Some(commit) => commit.tree()?,
        None => repo.find_tree(repo.treebuilder(None)?.write()?)?,
    };
    let mut update = TreeUpdateBuilder::new();
    for path in stale_paths(&base, files) {
        update.remove(path);
    }
    for (path, content) in files {
        update.upsert(path, repo.blob(content)?, FileMode::Blob);
    }
    let tree_id = update.create_updated(repo, &base)?;
    if parent.as_ref().is_some_and(|p| p.tree_id() == tree_id) {
        return Ok(Committed::Unchanged);
    }
    let tree = repo.find_tree(tree_id)?;
    let signature = Signature::now(&author.name, &author.email)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let id = repo.commit(
        Some(&refname),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )?;
    Ok(Committed::Commit(id))
}

/// Report files in `base` that the new reports no longer contain.
fn stale_paths(base: &git2::Tree<'_>, files: &StatusFiles) -> Vec<String> {
    let mut stale = Vec::new();
    let _ = base.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let path = format!("{dir}{}", entry.name().unwrap_or_default());
        if is_report_path(&path)
            && entry.kind() == Some(git2::ObjectType::Blob)
            && !files.contains_key(&path)
        {
            stale.push(path);
        }
        git2::TreeWalkResult::Ok
    });
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(pairs: &[(&str, &str)]) -> StatusFiles {
        pairs
            .iter()
            .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
            .collect()
    }

    fn read(repo: &Repository, branch: &str, path: &str) -> Option<String> {
        let tree = repo
            .find_reference(&format!("refs/heads/{branch}"))
            .ok()?
            .peel_to_tree()
            .ok()?;
        let entry = tree.get_path(std::path::Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).ok()?;
        Some(String::from_utf8_lossy(blob.content()).into_owned())
    }

    #[test]
    fn reports_are_committed_once_and_only_when_changed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let author = Author::default();
        let first = files(&[("STATUS.md", "# ok\n"), ("status/ns/a.yaml", "a: 1\n")]);
        assert!(matches!(
            commit_reports(&repo, "st", &first, "m", &author).unwrap(),
            Committed::Commit(_)
        ));
        assert_eq!(
            commit_reports(&repo, "st", &first, "m", &author).unwrap(),
            Committed::Unchanged
        );
        let second = files(&[("STATUS.md", "# ok\n"), ("status/ns/b.yaml", "b: 1\n")]);
        assert!(matches!(
            commit_reports(&repo, "st", &second, "m", &author).unwrap(),
            Committed::Commit(_)
        ));
        assert_eq!(
            read(&repo, "st", "status/ns/a.yaml"),
            None,
            "stale reports are removed"
        );
        assert_eq!(
            read(&repo, "st", "status/ns/b.yaml").as_deref(),
            Some("b: 1\n")
        );
    }

    #[test]
    fn files_others_committed_to_the_branch_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let author = Author::default();
        commit_reports(
            &repo,
            "st",
            &files(&[("NOTES.md", "mine\n")]),
            "other",
            &author,
        )
        .unwrap();
        commit_reports(&repo, "st", &files(&[("STATUS.md", "x\n")]), "m", &author).unwrap();
        assert_eq!(read(&repo, "st", "NOTES.md").as_deref(), Some("mine\n"));
        let head = repo
            .find_reference("refs/heads/st")
            .unwrap()
            .peel_to_commit()
            .unwrap();
        assert_eq!(head.parent_count(), 1);
    }
}
