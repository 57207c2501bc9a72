//! A revision that is a commit of a Git repository, read from its tree
//! without a checkout.
//!
//! Names in a tree are bytes: they are read as UTF-8 where they can be, and
//! control characters are escaped, so no file is skipped for its name and
//! no name can act on the terminal it is shown on. Trees are walked with an
//! explicit stack, so a deep tree cannot exhaust the call stack.

use std::collections::HashMap;
use std::path::Path;

use git2::{ObjectType, Oid, Repository, Tree};

use super::{Snapshot, SourceError, hidden, resolve_link, sorted, wanted};
use crate::manifest::diagnostic::escaped;
use crate::manifest::limits::MAX_FILE_BYTES;
use crate::manifest::{FileContent, REPO_CONFIG_FILE, RepoFile, Revision};

const SYMLINK_MODE: i32 = 0o120000;
/// Most tree entries walked in one revision (files and directories, hidden
/// ones included); a configuration repository of 10,000 Services has about
/// 10,100.
pub const MAX_TREE_ENTRIES: usize = 200_000;
/// Deepest directory nesting walked.
pub const MAX_TREE_DEPTH: usize = 32;
/// Most bytes of file content read from one revision, every path counted
/// (the same blob under many names counts once per name, since each becomes
/// a file to parse).
pub const MAX_REVISION_BYTES: u64 = 128 * 1024 * 1024;
/// Longest symlink target read; longer ones are no path on any system.
const MAX_LINK_TARGET_BYTES: usize = 4096;

/// Reads the candidate files of revision `rev` of the repository containing
/// `path`. When `path` is a subdirectory of the work tree, only that
/// subdirectory of the commit is read, and paths are relative to it.
pub fn read_revision(path: &Path, rev: &str) -> Result<Snapshot, SourceError> {
    let repo = Repository::discover(path).map_err(|source| SourceError::OpenRepository {
        path: path.to_owned(),
        source,
    })?;
    let subdir = subdirectory_of(&repo, path);
    read_commit_tree(&repo, rev, &subdir)
}

/// Reads revision `rev` of an open repository, below `subdir` ("" for the root).
pub fn read_commit_tree(
    repo: &Repository,
    rev: &str,
    subdir: &str,
) -> Result<Snapshot, SourceError> {
    read_commit_tree_except(repo, rev, subdir, &HashMap::new())
}

/// Like [`read_commit_tree`], but files whose path and blob id are in
/// `known` are not read: they come back as [`FileContent::Unchanged`].
pub fn read_commit_tree_except(
    repo: &Repository,
    rev: &str,
    subdir: &str,
    known: &HashMap<String, String>,
) -> Result<Snapshot, SourceError> {
    let resolve = |source| SourceError::ResolveRevision {
        rev: rev.to_owned(),
        source,
    };
    let commit = repo
        .revparse_single(rev)
        .and_then(|object| object.peel_to_commit())
        .map_err(resolve)?;
    let id = commit.id().to_string();
    let read = |source| SourceError::ReadTree {
        rev: id.clone(),
        source,
    };
    let mut tree = commit.tree().map_err(read)?;
    if !subdir.is_empty() {
        let missing = || SourceError::MissingSubdirectory {
            subdir: subdir.to_owned(),
            rev: id.clone(),
        };
        let entry = tree.get_path(Path::new(subdir)).map_err(|_| missing())?;
        tree = entry
            .to_object(repo)
            .and_then(|o| o.peel_to_tree())
            .map_err(|_| missing())?;
    }
    let files = read_tree(repo, &tree, known).map_err(|e| e.into_source(&id))?;
    Ok(Snapshot {
        revision: Some(Revision::new(id)),
        files: sorted(files),
    })
}

/// Reads only the files at `paths` (relative to `subdir`) of commit `head`;
/// paths that are not readable files of the commit are left out.
pub fn read_paths(
    repo: &Repository,
    head: Oid,
    subdir: &str,
    paths: &[String],
) -> Result<Vec<RepoFile>, SourceError> {
    let rev = head.to_string();
    let read = |source| SourceError::ReadTree {
        rev: rev.clone(),
        source,
    };
    let tree = repo
        .find_commit(head)
        .and_then(|c| c.tree())
        .map_err(read)?;
    let mut files = Vec::new();
    for path in paths {
        let full = if subdir.is_empty() {
            path.clone()
        } else {
            format!("{subdir}/{path}")
        };
        let Ok(entry) = tree.get_path(Path::new(&full)) else {
            continue;
        };
        if entry.kind() != Some(ObjectType::Blob) || entry.filemode() == SYMLINK_MODE {
            continue;
        }
        files.push(RepoFile {
            path: path.clone(),
            content: Blobs::default().read(repo, entry.id()).map_err(read)?,
            id: Some(entry.id().to_string()),
        });
    }
    Ok(files)
}

/// The path of `path` relative to the repository's work tree, `/`-separated.
fn subdirectory_of(repo: &Repository, path: &Path) -> String {
    let (Some(workdir), Ok(path)) = (repo.workdir(), path.canonicalize()) else {
        return String::new();
    };
    let Ok(workdir) = workdir.canonicalize() else {
        return String::new();
    };
    path.strip_prefix(&workdir)
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

struct Entry {
    path: String,
    id: Oid,
    kind: Option<ObjectType>,
    mode: i32,
}

/// Why a tree could not be read.
enum TreeError {
    /// libgit2 failed.
    Git(git2::Error),
    /// A budget was exceeded; in words.
    OverBudget(String),
}

impl From<git2::Error> for TreeError {
    fn from(error: git2::Error) -> Self {
        TreeError::Git(error)
    }
}

impl TreeError {
    fn into_source(self, rev: &str) -> SourceError {
        match self {
            TreeError::Git(source) => SourceError::ReadTree {
                rev: rev.to_owned(),
                source,
            },
            TreeError::OverBudget(what) => SourceError::OverBudget {
                rev: rev.to_owned(),
                what,
            },
        }
    }
}

fn read_tree(
    repo: &Repository,
    tree: &Tree<'_>,
    known: &HashMap<String, String>,
) -> Result<Vec<RepoFile>, TreeError> {
    let entries = walk(repo, tree)?;
    let mut bytes = 0u64;
    let mut files = Vec::with_capacity(entries.len());
    let mut blobs = Blobs::default();
    for entry in entries {
        let file = read_entry(repo, tree, entry, known, &mut blobs)?;
        if let FileContent::Bytes(content) = &file.content {
            bytes += content.len() as u64;
        }
        if bytes > MAX_REVISION_BYTES {
            return Err(TreeError::OverBudget(format!(
                "its files hold more than {} MiB (at {}); a configuration repository is far smaller",
                MAX_REVISION_BYTES / 1024 / 1024,
                file.path
            )));
        }
        files.push(file);
    }
    Ok(files)
}

/// The wanted entries of a tree, within the entry and depth budgets.
fn walk(repo: &Repository, tree: &Tree<'_>) -> Result<Vec<Entry>, TreeError> {
    let mut entries = Vec::new();
    let mut walked = 0usize;
    let mut pending = vec![(String::new(), 0usize, tree.clone())];
    while let Some((dir, depth, subtree)) = pending.pop() {
        walked += subtree.len();
        if walked > MAX_TREE_ENTRIES {
            return Err(TreeError::OverBudget(format!(
                "its tree has more than {MAX_TREE_ENTRIES} entries"
            )));
        }
        for entry in subtree.iter() {
            let name = escaped(&String::from_utf8_lossy(entry.name_bytes()));
            if hidden(&name) {
                continue;
            }
            let path = format!("{dir}{name}");
            let kind = entry.kind();
            if kind == Some(ObjectType::Tree) {
                if depth + 1 > MAX_TREE_DEPTH {
                    return Err(TreeError::OverBudget(format!(
                        "{path}/ is nested more than {MAX_TREE_DEPTH} directories deep"
                    )));
                }
                pending.push((format!("{path}/"), depth + 1, repo.find_tree(entry.id())?));
            } else if kind == Some(ObjectType::Commit) || wanted(&name) {
                entries.push(Entry {
                    path,
                    id: entry.id(),
                    kind,
                    mode: entry.filemode(),
                });
            }
        }
    }
    Ok(entries)
}

fn read_entry(
    repo: &Repository,
    tree: &Tree<'_>,
    entry: Entry,
    known: &HashMap<String, String>,
    blobs: &mut Blobs,
) -> Result<RepoFile, git2::Error> {
    let id = entry.id.to_string();
    let unchanged = entry.mode != SYMLINK_MODE
        && entry.kind == Some(ObjectType::Blob)
        && entry.path != REPO_CONFIG_FILE
        && known.get(&entry.path) == Some(&id);
    let content = match entry.kind {
        _ if unchanged => FileContent::Unchanged,
        Some(ObjectType::Commit) => FileContent::Submodule,
        _ if entry.mode == SYMLINK_MODE => read_symlink(repo, tree, &entry, blobs)?,
        _ => blobs.read(repo, entry.id)?,
    };
    Ok(RepoFile {
        path: entry.path,
        content,
        id: (entry.mode != SYMLINK_MODE).then_some(id),
    })
}

/// The blobs of one revision read so far: a blob reached by many paths
/// (thousands of names for one large file) is inflated from the object
/// database once; each path still counts against the byte budget.
#[derive(Default)]
struct Blobs {
    read: HashMap<Oid, FileContent>,
    /// Blobs inflated from the object database.
    inflated: usize,
}

impl Blobs {
    fn read(&mut self, repo: &Repository, id: Oid) -> Result<FileContent, git2::Error> {
        if let Some(content) = self.read.get(&id) {
            return Ok(content.clone());
        }
        let (size, _) = repo.odb()?.read_header(id)?;
        let content = if size > MAX_FILE_BYTES {
            FileContent::TooLarge { size: size as u64 }
        } else {
            self.inflated += 1;
            FileContent::Bytes(repo.find_blob(id)?.content().to_vec())
        };
        self.read.insert(id, content.clone());
        Ok(content)
    }
}

fn read_symlink(
    repo: &Repository,
    tree: &Tree<'_>,
    entry: &Entry,
    blobs: &mut Blobs,
) -> Result<FileContent, git2::Error> {
    let (size, _) = repo.odb()?.read_header(entry.id)?;
    if size > MAX_LINK_TARGET_BYTES {
        return Ok(FileContent::SymlinkEscape {
            target: format!("<{size}-byte target>"),
        });
    }
    let target = String::from_utf8_lossy(repo.find_blob(entry.id)?.content()).into_owned();
    let link_dir = entry.path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let escape = || FileContent::SymlinkEscape {
        target: target.clone(),
    };
    let Some(resolved) = resolve_link(link_dir, &target) else {
        return Ok(escape());
    };
    if resolved.split('/').any(hidden) {
        // A link into `.git/` or another skipped directory would read what
        // the repository deliberately keeps out of the configuration.
        return Ok(escape());
    }
    match tree.get_path(Path::new(&resolved)) {
        Ok(found) if found.kind() == Some(ObjectType::Blob) && found.filemode() != SYMLINK_MODE => {
            blobs.read(repo, found.id())
        }
        _ => Ok(escape()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A commit whose tree names one blob under `paths` names.
    fn one_blob_many_names(dir: &Path, paths: usize) -> (Repository, Oid) {
        let repo = Repository::init(dir).unwrap();
        let commit = commit_one_blob(&repo, paths);
        (repo, commit)
    }

    fn commit_one_blob(repo: &Repository, paths: usize) -> Oid {
        let blob = repo.blob(&vec![b'#'; 64 * 1024]).unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        for i in 0..paths {
            builder
                .insert(format!("f{i}.yaml"), blob, 0o100644)
                .unwrap();
        }
        let tree = repo.find_tree(builder.write().unwrap()).unwrap();
        let who = git2::Signature::now("t", "t@example.com").unwrap();
        repo.commit(None, &who, &who, "m", &tree, &[]).unwrap()
    }

    #[test]
    fn a_blob_under_many_names_is_inflated_once_and_counted_for_each() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, commit) = one_blob_many_names(dir.path(), 300);
        let tree = repo.find_commit(commit).unwrap().tree().unwrap();
        let mut blobs = Blobs::default();
        for entry in walk(&repo, &tree).ok().unwrap() {
            read_entry(&repo, &tree, entry, &HashMap::new(), &mut blobs).unwrap();
        }
        assert_eq!(blobs.inflated, 1);
        let files = read_tree(&repo, &tree, &HashMap::new()).ok().unwrap();
        assert_eq!(files.len(), 300);
        assert!(
            files
                .iter()
                .all(|f| matches!(&f.content, FileContent::Bytes(b) if b.len() == 64 * 1024))
        );
    }
}
