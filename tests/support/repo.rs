//! Configuration repositories on disk, and running the binary against the sandbox.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::cargo::cargo_bin_cmd;

use super::fixtures::Mcs;
use super::git::git;
use super::sandbox::Sandbox;

/// A configuration repository in a temporary directory, built by value:
/// `DiskRepo::new().mcs("shop/cart.yaml", &cart).committed()`.
pub struct DiskRepo {
    dir: tempfile::TempDir,
}

impl DiskRepo {
    /// An empty directory.
    pub fn new() -> Self {
        DiskRepo {
            dir: tempfile::Builder::new()
                .prefix("mcs-repo-")
                .tempdir()
                .unwrap(),
        }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A path inside.
    pub fn join(&self, path: &str) -> PathBuf {
        self.dir.path().join(path)
    }

    /// Writes a file (parents created).
    pub fn file(self, path: &str, content: impl AsRef<[u8]>) -> Self {
        let full = self.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    /// Writes an MCS to `path`.
    pub fn mcs(self, path: &str, mcs: &Mcs) -> Self {
        let yaml = mcs.yaml();
        self.file(path, yaml)
    }

    /// Removes a file.
    pub fn remove(self, path: &str) -> Self {
        std::fs::remove_file(self.join(path)).unwrap();
        self
    }

    /// A symlink at `link` pointing to `target`.
    pub fn symlink(self, target: impl AsRef<Path>, link: &str) -> Self {
        let full = self.join(link);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
        self
    }

    /// Makes the directory a Git repository (branch `main`) if it is not
    /// one yet, and commits everything.
    pub fn committed(self) -> Self {
        self.commit("change");
        self
    }

    /// Commits everything with `message`; returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        if !self.join(".git").exists() {
            git(self.path(), &["init", "-q", "-b", "main"]);
        }
        git(self.path(), &["add", "-A"]);
        git(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        git(self.path(), &["rev-parse", "HEAD"])
    }
}

/// Runs `mcs-gitops <command> <repo> --kubeconfig ... --instance <instance> <args>`.
pub fn run(sandbox: &Sandbox, command: &str, repo: &Path, instance: &str, args: &[&str]) -> Output {
    cargo_bin_cmd!("mcs-gitops")
        .arg(command)
        .arg(repo)
        .arg("--kubeconfig")
        .arg(&sandbox.kubeconfig)
        .args(["--instance", instance, "--color", "never"])
        .args(args)
        .output()
        .unwrap()
}

/// Stdout and stderr as text, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
