//! `mcs-gitops validate` as a user runs it: exit codes, text and JSON output,
//! directories and Git revisions.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use support::fixtures::Mcs;
use support::git::git;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples-repo")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_example_repository_is_valid() {
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate"])
        .arg(examples())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "valid: 7 MultiClusterServices in 7 files",
        ));
}

#[test]
fn a_broken_file_exits_1_and_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&examples(), dir.path());
    let broken = Mcs::new("shop", "cart").providers(&["clusterA"]).yaml();
    std::fs::write(dir.path().join("shop/cart.yaml"), broken).unwrap();
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--color", "never"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--> shop/cart.yaml:10:13"))
        .stdout(predicate::str::contains("did you mean `clustera`?"));
}

#[test]
fn json_output_follows_the_documented_schema() {
    let output = cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "-o", "json"])
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["schema"], "mcs-gitops.io/validate/v1");
    insta::assert_snapshot!(text);
}

#[test]
fn a_git_revision_is_read_from_its_tree_without_a_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(repo.join("default")).unwrap();
    std::fs::write(
        repo.join("default/foo.yaml"),
        Mcs::new("default", "foo").yaml(),
    )
    .unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "good"]);
    let good = git(repo, &["rev-parse", "HEAD"]);
    std::fs::write(
        repo.join("default/foo.yaml"),
        Mcs::new("default", "Foo").yaml(),
    )
    .unwrap();
    git(repo, &["commit", "-q", "-am", "bad"]);
    std::fs::write(repo.join("default/foo.yaml"), "not: [yaml").unwrap();

    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--rev", &good])
        .arg(repo)
        .assert()
        .code(0);
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--rev", "HEAD", "-o", "json"])
        .arg(repo)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\"rule\": \"object-name\""));
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--rev", "HEAD~1"])
        .arg(repo.join("default"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "valid: 1 MultiClusterService in 1 file",
        ));
}

#[test]
fn an_unknown_revision_or_missing_directory_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--rev", "nope"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "revision `nope` does not name a commit",
        ));
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "/nonexistent/repo"])
        .assert()
        .code(3);
}

#[test]
fn symlinks_out_of_the_repository_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        Mcs::new("default", "foo").yaml(),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        dir.path().join("foo.yaml"),
    )
    .unwrap();
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[symlink-escape]"));
}

#[test]
fn bad_arguments_exit_3_and_help_lists_the_exit_codes() {
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--output", "yaml"])
        .assert()
        .code(3);
    cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("2  changes pending"));
}
