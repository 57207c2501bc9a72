//! Reading configuration revisions: a directory, or a commit of a Git repository.
//!
//! This layer does I/O and nothing else: it hands plain files to `manifest`.
//! It refuses to follow symlinks out of the repository and never reads a
//! file larger than a configuration file can be.

pub mod auth;
pub mod git;
pub mod history;
pub mod known_hosts;
pub mod local;
pub mod mirror;
pub mod openpgp;
pub mod signature;
pub mod status;
pub mod trust;

use std::path::PathBuf;

use crate::manifest::{RepoFile, Revision};

/// The files of one revision.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The commit, for a Git revision.
    pub revision: Option<Revision>,
    /// Every candidate file (YAML files and the settings file), sorted by path.
    pub files: Vec<RepoFile>,
}

/// Errors of the source layer.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The path does not exist or is not a directory.
    #[error("{path}: not a directory")]
    NotADirectory {
        /// The path given.
        path: PathBuf,
    },
    /// Walking the directory failed.
    #[error("reading {path}: {source}")]
    ReadDirectory {
        /// Where it failed.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No Git repository at or above the path.
    #[error("{path}: not inside a Git repository ({source})")]
    OpenRepository {
        /// The path given.
        path: PathBuf,
        /// Why.
        #[source]
        source: git2::Error,
    },
    /// The revision does not name a commit.
    #[error("revision `{rev}` does not name a commit: {}", source.message())]
    ResolveRevision {
        /// The revision given.
        rev: String,
        /// Why.
        #[source]
        source: git2::Error,
    },
    /// The path is not a directory in the revision's tree.
    #[error("`{subdir}` is not a directory in revision {rev}")]
    MissingSubdirectory {
        /// The path within the repository.
        subdir: String,
        /// The revision.
        rev: String,
    },
    /// The revision's tree is larger than a configuration repository can
    /// be: too many entries, too deep, or too many bytes to read.
    #[error("revision {rev} is refused: {what}")]
    OverBudget {
        /// The revision.
        rev: String,
        /// Which limit, in words.
        what: String,
    },
    /// Reading objects from the repository failed.
    #[error("reading revision {rev}: {}", source.message())]
    ReadTree {
        /// The revision.
        rev: String,
        /// Why.
        #[source]
        source: git2::Error,
    },
}

/// Sorts files by path so every later step is deterministic.
fn sorted(mut files: Vec<RepoFile>) -> Vec<RepoFile> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Whether a file name is worth reading: YAML, or the settings file.
fn wanted(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Whether a path component is hidden (`.git`, `.github`, ...).
fn hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// Joins a relative link target onto the link's directory, lexically; `None`
/// if the result leaves the root.
fn resolve_link(link_dir: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = link_dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::resolve_link;

    #[test]
    fn links_resolve_lexically_inside_the_root() {
        assert_eq!(
            resolve_link("a/b", "../c.yaml").as_deref(),
            Some("a/c.yaml")
        );
        assert_eq!(resolve_link("", "./x.yaml").as_deref(), Some("x.yaml"));
    }

    #[test]
    fn links_that_leave_the_root_resolve_to_nothing() {
        assert_eq!(resolve_link("a", "../../etc/passwd"), None);
        assert_eq!(resolve_link("", "/etc/passwd"), None);
    }
}
