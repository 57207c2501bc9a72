//! A revision that is a plain directory on disk.
//!
//! Only regular files are read, and never more than a configuration file
//! can hold: a named pipe would block the read forever, and a file may grow
//! between being measured and being read. A nested Git repository (a
//! submodule's checkout) is refused as a whole, as it is when the same
//! revision is read from Git.

use std::fs::{self, File, FileType};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Snapshot, SourceError, hidden, sorted, wanted};
use crate::manifest::diagnostic::escaped;
use crate::manifest::limits::MAX_FILE_BYTES;
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
            let name = escaped(&entry.file_name().to_string_lossy());
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
            if file_type.is_dir() && is_nested_repository(&path) {
                self.files.push(RepoFile {
                    path: repo_path,
                    content: FileContent::Submodule,
                    id: None,
                });
            } else if file_type.is_dir() {
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
    /// directories are not followed (they could loop), but a link to a
    /// directory outside is reported, since its files would go unread.
    fn visit_symlink(&mut self, path: &Path, repo_path: String, name: &str) {
        let target = fs::read_link(path)
            .map(|t| t.to_string_lossy().into_owned())
            .unwrap_or_default();
        let resolved = fs::canonicalize(path).ok();
        // Inside the repository and not under a skipped (hidden) directory
        // such as `.git/`, which the configuration deliberately leaves out.
        let inside = resolved.as_ref().is_some_and(|r| {
            r.strip_prefix(&self.root).is_ok_and(|relative| {
                !relative
                    .components()
                    .any(|c| hidden(&c.as_os_str().to_string_lossy()))
            })
        });
        let is_dir = resolved.as_ref().is_some_and(|r| r.is_dir());
        if !inside {
            if wanted(name) || is_dir {
                self.files.push(RepoFile {
                    path: repo_path,
                    content: FileContent::SymlinkEscape { target },
                    id: None,
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

/// Whether a directory is the work tree of another Git repository.
fn is_nested_repository(dir: &Path) -> bool {
    fs::symlink_metadata(dir.join(".git")).is_ok()
}

fn read_file(path: &Path, repo_path: String) -> Result<RepoFile, SourceError> {
    let io_error = |source| SourceError::ReadDirectory {
        path: path.to_owned(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io_error)?;
    let content = if !metadata.is_file() {
        FileContent::NotAFile {
            what: special_file(&metadata.file_type()).to_owned(),
        }
    } else if metadata.len() > MAX_FILE_BYTES as u64 {
        FileContent::TooLarge {
            size: metadata.len(),
        }
    } else {
        read_bounded(path).map_err(io_error)?
    };
    Ok(RepoFile {
        path: repo_path,
        content,
        id: None,
    })
}

/// Reads at most one byte more than a configuration file may have, so a
/// file that grew since it was measured is still refused, not read whole.
fn read_bounded(path: &Path) -> std::io::Result<FileContent> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(if bytes.len() > MAX_FILE_BYTES {
        FileContent::TooLarge {
            size: bytes.len() as u64,
        }
    } else {
        FileContent::Bytes(bytes)
    })
}

#[cfg(unix)]
fn special_file(file_type: &FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a named pipe"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() || file_type.is_char_device() {
        "a device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file(_: &FileType) -> &'static str {
    "a special file"
}
