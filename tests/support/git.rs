//! Running git in tests, with a fixed identity and no signing unless asked.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with a fixed identity; fails the test on error and
/// returns stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    git_env(dir, args, &[])
}

/// Like [`git`], with extra environment variables (a server's credentials,
/// `GNUPGHOME`).
pub fn git_env(dir: &Path, args: &[&str], env: &[(String, String)]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "protocol.file.allow=always",
        ])
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Writes a file of a work tree, creating its directories.
pub fn write(dir: &Path, path: &str, content: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, content).unwrap();
}
