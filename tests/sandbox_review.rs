//! `review --kubeconfig` against a real kube-apiserver with Karmada's API:
//! the live cluster list replaces the repository's, where each Service runs
//! today comes from its ResourceBinding, and the head is dry-run by the
//! server, which accepts some changes and refuses one.

mod support;

use std::path::Path;
use std::process::Output;

use assert_cmd::cargo::cargo_bin_cmd;
use kube::api::{Api, DynamicObject, PostParams};
use mcs_gitops::federation::resources::RESOURCE_BINDING;
use serde_json::{Value, json};
use support::fixtures::Mcs;
use support::git::{git, write};
use support::repo::{run, text};
use support::sandbox::{Sandbox, sandbox};

/// Three of the sandbox's four clusters: the repository's own list is
/// out of date, as it often is.
const INVENTORY: &str = "clusters:\n  - name: clustera\n  - name: clusterb\n  - name: clusterc\n";

fn commit(repo: &Path, message: &str) -> String {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["rev-parse", "HEAD"])
}

fn mcs(ns: &str, name: &str, consumers: &[&str]) -> Mcs {
    Mcs::new(ns, name)
        .providers(&["clusterb"])
        .consumers(consumers)
}

/// Records that the control plane placed Service `ns/name` on `clusters`,
/// as Karmada's scheduler would in the binding's `spec.clusters`.
async fn binding(sandbox: &Sandbox, ns: &str, name: &str, clusters: &[&str]) {
    let api: Api<DynamicObject> =
        Api::namespaced_with(sandbox.client().await, ns, &RESOURCE_BINDING.api_resource());
    let clusters: Vec<Value> = clusters.iter().map(|c| json!({"name": c})).collect();
    let object: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "work.karmada.io/v1alpha2",
        "kind": "ResourceBinding",
        "metadata": {"name": format!("{name}-service"), "namespace": ns},
        "spec": {
            "resource": {"apiVersion": "v1", "kind": "Service", "namespace": ns, "name": name},
            "clusters": clusters
        }
    }))
    .unwrap();
    api.create(&PostParams::default(), &object).await.unwrap();
}

/// Another operator takes `spec.consumerClusters` of `ns/name` with their
/// own field manager.
fn take_over(sandbox: &Sandbox, repo: &Path, ns: &str, name: &str) {
    let file = repo.join("takeover.yaml");
    std::fs::write(&file, mcs(ns, name, &["clusterd"]).yaml()).unwrap();
    let out = sandbox.kubectl(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=ops-script",
        "-f",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::remove_file(file).unwrap();
}

fn review(repo: &Path, base: &str, head: &str, args: &[&str]) -> Output {
    cargo_bin_cmd!("mcs-gitops")
        .args(["review", "--color", "never", "--base", base, "--head", head])
        .arg(repo)
        .args(args)
        .output()
        .unwrap()
}

fn filtered(ns: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&ns.replace('-', "\\-"), "NS");
    // The text matrix pads Service names to the longest one, whose length
    // depends on the namespace's generated name.
    settings.add_filter(r"(?m)^(Service|NS/\w+) +", "$1 ");
    settings.add_filter("[0-9a-f]{40}", "COMMIT");
    settings.add_filter("[0-9a-f]{12}", "SHORT");
    settings
}

/// A two-commit history in namespace `ns` of the sandbox: the base is
/// applied (instance `default`), web already runs in clusterc, and another
/// operator owns api's consumers. The head widens web, moves api's
/// consumer, and adds db with empty lists. Returns (repo, base, head).
async fn history(sandbox: &Sandbox, ns: &str) -> (tempfile::TempDir, String, String) {
    for name in ["web", "api", "db"] {
        sandbox.service(ns, name).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "-q", "-b", "main"]);
    write(repo, "mcs-gitops.yaml", INVENTORY);
    write(
        repo,
        &format!("{ns}/web.yaml"),
        &mcs(ns, "web", &["clustera"]).yaml(),
    );
    write(
        repo,
        &format!("{ns}/api.yaml"),
        &mcs(ns, "api", &["clustera"]).yaml(),
    );
    let base = commit(repo, "base");
    let applied = run(
        sandbox,
        "apply",
        repo,
        "default",
        &["--allowed-namespaces", ns],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied));
    binding(sandbox, ns, "web", &["clustera", "clusterb", "clusterc"]).await;
    take_over(sandbox, repo, ns, "api");

    let web = mcs(ns, "web", &["clustera", "clusterc"]);
    write(repo, &format!("{ns}/web.yaml"), &web.yaml());
    write(
        repo,
        &format!("{ns}/api.yaml"),
        &mcs(ns, "api", &["clusterc"]).yaml(),
    );
    write(repo, &format!("{ns}/db.yaml"), &Mcs::new(ns, "db").yaml());
    let head = commit(repo, "head");
    (dir, base, head)
}

#[tokio::test]
async fn a_live_review_uses_the_real_clusters_the_live_placement_and_a_server_dry_run() {
    let sandbox = sandbox();
    let ns = sandbox.namespace("review").await;
    let (dir, base, head) = history(sandbox, &ns).await;
    let repo = dir.path();
    let kubeconfig = sandbox.kubeconfig.to_str().unwrap();
    let live = ["--allowed-namespaces", &ns, "--kubeconfig", kubeconfig];
    let settings = filtered(&ns);
    for (format, name) in [("markdown", "live_markdown"), ("text", "live_text")] {
        let output = review(repo, &base, &head, &[&live[..], &["-o", format]].concat());
        assert_eq!(
            output.status.code(),
            Some(1),
            "api is refused: {}",
            text(&output)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        settings.bind(|| insta::assert_snapshot!(name, stdout));
    }

    let output = review(repo, &base, &head, &[&live[..], &["-o", "json"]].concat());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["clusters"]["source"], "federation");
    assert_eq!(json["live"]["clusters"], 4);
    let service = |name: &str| {
        json["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(service("api")["live"]["outcome"], "rejected");
    assert_eq!(service("web")["live"]["outcome"], "accepted");
    assert_eq!(service("db")["live"]["outcome"], "accepted");
    assert_eq!(
        service("web")["running"],
        json!(["clustera", "clusterb", "clusterc"])
    );
}

#[tokio::test]
async fn offline_the_same_change_counts_the_clusters_of_the_repository() {
    let sandbox = sandbox();
    let ns = sandbox.namespace("offline").await;
    let (dir, base, head) = history(sandbox, &ns).await;
    let offline = review(dir.path(), &base, &head, &["-o", "text"]);
    assert_eq!(offline.status.code(), Some(2), "{}", text(&offline));
    let stdout = String::from_utf8_lossy(&offline.stdout);
    assert!(
        stdout.contains("exposed to ALL current and future clusters (3 today)"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("live:"),
        "nothing live without --kubeconfig: {stdout}"
    );
}
