//! `mcs-gitops review` as CI runs it: two commits of a real Git history,
//! every output format, and the exit codes 0, 2, 1 and 3.

mod support;

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use support::fixtures::Mcs;
use support::git::{git, write};

const INVENTORY: &str =
    "clusters:\n  - name: clustera\n  - name: clusterb\n  - name: clusterc\n  - name: clusterd\n";

fn checkout() -> Mcs {
    Mcs::new("shop", "checkout")
        .providers(&["clustera", "clusterb"])
        .consumers(&["clusterc"])
}

/// A repository with one commit (returned) holding the inventory and
/// shop/checkout.
fn repository() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "mcs-gitops.yaml", INVENTORY);
    write(repo, "shop/checkout.yaml", &checkout().yaml());
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    let base = git(repo, &["rev-parse", "HEAD"]);
    (dir, base)
}

/// Commits the working tree and returns the commit id.
fn commit(repo: &Path, message: &str) -> String {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

fn review(repo: &Path, base: &str, head: &str) -> assert_cmd::Command {
    let mut command = cargo_bin_cmd!("mcs-gitops");
    command
        .args(["review", "--color", "never", "--base", base, "--head", head])
        .arg(repo);
    command
}

#[test]
fn a_change_between_two_commits_exits_2_with_a_comment_for_the_pull_request() {
    let (dir, base) = repository();
    let repo = dir.path();
    write(
        repo,
        "shop/checkout.yaml",
        &checkout().consumers(&["clusterc", "clusterd"]).yaml(),
    );
    let head = commit(repo, "checkout reaches clusterd");
    review(repo, &base, &head)
        .assert()
        .code(2)
        .stdout(predicate::str::starts_with(
            "<!-- mcs-gitops-review -->\n**⚠️ mcs-gitops review: 1 MultiClusterService change (1 changed)",
        ))
        .stdout(predicate::str::contains(
            "shop/checkout becomes reachable from clusterd (new consumer)",
        ))
        .stdout(predicate::str::contains(format!(
            "`{}` → `{}`",
            &base[..12],
            &head[..12]
        )));
}

#[test]
fn branch_names_resolve_and_text_output_explains_the_change() {
    let (dir, _) = repository();
    let repo = dir.path();
    git(repo, &["checkout", "-q", "-b", "feature"]);
    git(repo, &["rm", "-q", "shop/checkout.yaml"]);
    commit(repo, "drop checkout");
    review(repo, "main", "feature")
        .args(["-o", "text"])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("- removed shop/checkout"))
        .stdout(predicate::str::contains(
            "but the Service stays deployed in clustera, clusterb, clusterc",
        ));
}

#[test]
fn the_same_tree_twice_is_no_change_and_exits_0() {
    let (dir, base) = repository();
    let repo = dir.path();
    write(repo, "README.md", "docs only\n");
    let head = commit(repo, "docs");
    review(repo, &base, &head)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("no MultiClusterService changes"));
}

#[test]
fn an_invalid_head_exits_1_and_json_says_why() {
    let (dir, base) = repository();
    let repo = dir.path();
    write(
        repo,
        "shop/checkout.yaml",
        &checkout().consumers(&["clusterC"]).yaml(),
    );
    let head = commit(repo, "typo");
    let output = review(repo, &base, &head)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["schema"], "mcs-gitops.io/review/v1");
    assert_eq!(json["verdict"], "invalid");
    assert_eq!(json["head"]["commit"], head.as_str());
    assert_eq!(json["diagnostics"][0]["rule"], "cluster-name");
    assert_eq!(json["services"][0]["change"], "not-comparable");
}

#[test]
fn a_subdirectory_limits_the_review_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "config/mcs-gitops.yaml", INVENTORY);
    write(repo, "config/shop/checkout.yaml", &checkout().yaml());
    write(repo, "other/broken.yaml", "not: [yaml");
    let base = commit(repo, "base");
    write(
        repo,
        "config/shop/checkout.yaml",
        &checkout().providers(&["clustera"]).yaml(),
    );
    let head = commit(repo, "one provider");
    review(&repo.join("config"), &base, &head)
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "clusterb stops providing endpoints for shop/checkout",
        ));
}

#[test]
fn a_configuration_directory_created_by_the_change_is_all_added() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "README.md", "nothing yet\n");
    let base = commit(repo, "empty");
    write(repo, "config/mcs-gitops.yaml", INVENTORY);
    write(repo, "config/shop/checkout.yaml", &checkout().yaml());
    let head = commit(repo, "first configuration");
    review(&repo.join("config"), &base, &head)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("(1 added)"));
    std::fs::create_dir(repo.join("scratch")).unwrap();
    review(&repo.join("scratch"), &base, &head)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a directory in revision"));
}

#[test]
fn an_unknown_revision_or_a_directory_outside_git_cannot_run() {
    let (dir, base) = repository();
    review(dir.path(), &base, "no-such-branch")
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "revision `no-such-branch` does not name a commit",
        ));
    let plain = tempfile::tempdir().unwrap();
    review(plain.path(), "HEAD~1", "HEAD")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not inside a Git repository"));
}

#[test]
fn an_unreachable_federation_cannot_run() {
    let (dir, base) = repository();
    let kubeconfig = dir.path().join("unreachable.kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: x\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\n",
    )
    .unwrap();
    review(dir.path(), &base, &base)
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot read the federation"));
    review(dir.path(), &base, &base)
        .args(["--kubeconfig", "/nonexistent/kubeconfig"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("/nonexistent/kubeconfig"));
}
