//! Configuration repositories on disk, and running the binary against the sandbox.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::cargo::cargo_bin_cmd;

use super::fixtures::Mcs;
use super::sandbox::Sandbox;

/// A configuration repository in a temporary directory.
pub struct DiskRepo {
    dir: tempfile::TempDir,
}

impl DiskRepo {
    /// An empty repository.
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

    /// Writes a file (parents created).
    pub fn write(&self, path: &str, content: &str) -> &Self {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    /// Writes an MCS to `<namespace>/<name>.yaml`.
    pub fn mcs(&self, namespace: &str, name: &str, mcs: &Mcs) -> &Self {
        self.write(&format!("{namespace}/{name}.yaml"), &mcs.yaml())
    }

    /// Removes a file.
    pub fn remove(&self, path: &str) -> &Self {
        std::fs::remove_file(self.dir.path().join(path)).unwrap();
        self
    }

    /// A path inside.
    pub fn join(&self, path: &str) -> PathBuf {
        self.dir.path().join(path)
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
