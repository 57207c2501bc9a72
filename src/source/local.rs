//! A revision that is a plain directory on disk.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Snapshot, SourceError, hidden, sorted, wanted};
use crate::manifest::parse::MAX_FILE_BYTES;
use crate::manifest::{FileContent, RepoFile};

/// Reads every candidate file under `root`.
pub fn read_directory(root: &Path) -> Result<Snapshot, SourceError> {
    if !root.is_dir() {
        return Err(SourceError::NotADirectory {
            path: root.to_owned(),
        });
    }
    let canonical_root = fs::canonicalize(root).map_err(|source| SourceError::ReadDirectory {
        path: root.to_owned(),
        source,
    })?;
    let mut walker = Walker {
        root: canonical_root,
        files: Vec::new(),
    };
    walker.walk(root, "")?;
    Ok(Snapshot {
        revision: None,
        files: sorted(walker.files),
    })
}

struct Walker {
    root: PathBuf,
    files: Vec<RepoFile>,
}

impl Walker {
    fn walk(&mut self, dir: &Path, relative: &str) -> Result<(), SourceError> {
        let entries = fs::read_dir(dir).map_err(|source| SourceError::ReadDirectory {
            path: dir.to_owned(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| SourceError::ReadDirectory {
                path: dir.to_owned(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if hidden(&name) {
                continue;
            }
            let path = entry.path();
            let repo_path = if relative.is_empty() {
                name.clone()
            } else {
                format!("{relative}/{name}")
            };
            let file_type = entry
                .file_type()
                .map_err(|source| SourceError::ReadDirectory {
                    path: path.clone(),
                    source,
                })?;
            if file_type.is_dir() {
                self.walk(&path, &repo_path)?;
            } else if file_type.is_symlink() {
                self.visit_symlink(&path, repo_path, &name);
            } else if wanted(&name) {
                self.files.push(read_file(&path, repo_path)?);
            }
        }
        Ok(())
    }

    /// Follows a symlink only if it stays inside the repository; links to
    /// directories are not followed (they could loop).
    fn visit_symlink(&mut self, path: &Path, repo_path: String, name: &str) {
        let target = fs::read_link(path)
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        let resolved = fs::canonicalize(path).ok();
        let inside = resolved.as_ref().is_some_and(|r| r.starts_with(&self.root));
        let is_dir = resolved.as_ref().is_some_and(|r| r.is_dir());
        if !inside {
            if wanted(name) || is_dir || resolved.is_none() {
                self.files.push(RepoFile {
                    path: repo_path,
                    content: FileContent::SymlinkEscape { target },
                });
            }
            return;
        }
        if is_dir || !wanted(name) {
            return;
        }
        if let Some(resolved) = resolved
            && let Ok(file) = read_file(&resolved, repo_path)
        {
            self.files.push(file);
        }
    }
}

fn read_file(path: &Path, repo_path: String) -> Result<RepoFile, SourceError> {
    let io_error = |source| SourceError::ReadDirectory {
        path: path.to_owned(),
        source,
    };
    let size = fs::metadata(path).map_err(io_error)?.len();
    if size > MAX_FILE_BYTES as u64 {
        return Ok(RepoFile {
            path: repo_path,
            content: FileContent::TooLarge { size },
        });
    }
    let bytes = fs::read(path).map_err(io_error)?;
    Ok(RepoFile::new(repo_path, bytes))
}
