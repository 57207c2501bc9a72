//! `apply` and `plan` against a real kube-apiserver with Karmada's API:
//! create, update, no-op, prune, dry run, conflicts, live checks, types
//! changes and the mass-prune guard.

mod support;

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use mcs_gitops::federation::resources::{CLUSTER, MULTI_CLUSTER_SERVICE};
use serde_json::{Value, json};
use support::fixtures::Mcs;
use support::repo::{DiskRepo, run, text};
use support::sandbox::{Sandbox, sandbox, unique};

async fn live(sandbox: &Sandbox, namespace: &str, name: &str) -> Option<Value> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        sandbox.client().await,
        namespace,
        &MULTI_CLUSTER_SERVICE.api_resource(),
    );
    api.get_opt(name)
        .await
        .unwrap()
        .map(|o| serde_json::to_value(o).unwrap())
}

/// A namespace with Services `names`, and an instance name of its own.
async fn setup(names: &[&str]) -> (&'static Sandbox, String, String) {
    let sandbox = sandbox();
    let ns = sandbox.namespace("apply").await;
    for name in names {
        sandbox.service(&ns, name).await;
    }
    (sandbox, ns.clone(), unique("inst"))
}

fn mcs(ns: &str, name: &str) -> Mcs {
    Mcs::new(ns, name)
        .providers(&["clusterb"])
        .consumers(&["clustera"])
}

#[tokio::test]
async fn creating_an_mcs_applies_it_with_ownership_labels_and_source_annotations() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let repo = DiskRepo::new();
    let repo = repo.mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"));
    let output = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("created {ns}/foo")));

    let object = live(sandbox, &ns, "foo").await.expect("created");
    assert_eq!(
        object["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "mcs-gitops"
    );
    assert_eq!(
        object["metadata"]["labels"]["mcs-gitops.io/instance"],
        instance.as_str()
    );
    assert_eq!(
        object["metadata"]["annotations"]["mcs-gitops.io/source-file"],
        format!("{ns}/foo.yaml")
    );
    let managers: Vec<&str> = object["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["operation"] == "Apply")
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(managers, ["mcs-gitops"]);
}

#[tokio::test]
async fn an_update_is_planned_as_a_field_diff_then_applied() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let repo = DiskRepo::new();
    let repo = repo.mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"));
    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let repo = repo.mcs(
        &format!("{}/foo.yaml", ns),
        &mcs(&ns, "foo").consumers(&["clustera", "clusterc"]),
    );

    let plan = run(sandbox, "plan", repo.path(), &instance, &["-o", "json"]);
    assert_eq!(plan.status.code(), Some(2), "{}", text(&plan));
    let json: Value = serde_json::from_slice(&plan.stdout).unwrap();
    let change = &json["changes"][0];
    assert_eq!(change["action"], "update");
    let paths: Vec<&str> = change["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["spec.consumerClusters"]);

    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let object = live(sandbox, &ns, "foo").await.unwrap();
    assert_eq!(
        object["spec"]["consumerClusters"],
        json!([{"name": "clustera"}, {"name": "clusterc"}])
    );
}

#[tokio::test]
async fn a_second_apply_of_the_same_revision_changes_nothing() {
    let (sandbox, ns, instance) = setup(&["foo", "bar"]).await;
    let repo = DiskRepo::new();
    let repo = repo
        .mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"))
        .mcs(&format!("{}/bar.yaml", ns), &mcs(&ns, "bar"));
    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let before = live(sandbox, &ns, "foo").await.unwrap()["metadata"]["resourceVersion"].clone();
    let again = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("0 written, 2 unchanged"),
        "{}",
        text(&again)
    );
    let plan = run(sandbox, "plan", repo.path(), &instance, &[]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let after = live(sandbox, &ns, "foo").await.unwrap()["metadata"]["resourceVersion"].clone();
    assert_eq!(before, after);
}

#[tokio::test]
async fn objects_dropped_from_git_are_pruned_and_nothing_else_is_touched() {
    let (sandbox, ns, instance) = setup(&["a", "b", "c", "d", "manual"]).await;
    let mut repo = DiskRepo::new();
    for name in ["a", "b", "c", "d"] {
        repo = repo.mcs(&format!("{}/{}.yaml", ns, name), &mcs(&ns, name));
    }
    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let manual = mcs(&ns, "manual").yaml();
    std::fs::write(repo.join("manual.yaml"), &manual).unwrap();
    let out = sandbox.kubectl(&[
        "apply",
        "--server-side",
        "--field-manager=ops",
        "-f",
        repo.join("manual.yaml").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::remove_file(repo.join("manual.yaml")).unwrap();
    let keep: Api<DynamicObject> = Api::namespaced_with(
        sandbox.client().await,
        &ns,
        &MULTI_CLUSTER_SERVICE.api_resource(),
    );
    keep.patch(
        "d",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"annotations": {"mcs-gitops.io/prune": "disabled"}}})),
    )
    .await
    .unwrap();

    let repo = repo
        .remove(&format!("{ns}/b.yaml"))
        .remove(&format!("{ns}/d.yaml"));
    let output = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("pruned {ns}/b")), "{stdout}");
    assert!(live(sandbox, &ns, "b").await.is_none());
    assert!(
        live(sandbox, &ns, "d").await.is_some(),
        "prune-disabled object stays"
    );
    assert!(
        live(sandbox, &ns, "manual").await.is_some(),
        "unmanaged object stays"
    );
    assert!(live(sandbox, &ns, "a").await.is_some());
}

#[tokio::test]
async fn a_dry_run_reports_the_changes_and_persists_nothing() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let repo = DiskRepo::new();
    let repo = repo.mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"));
    let output = run(sandbox, "apply", repo.path(), &instance, &["--dry-run"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(&format!("(dry run) created {ns}/foo"))
    );
    assert!(live(sandbox, &ns, "foo").await.is_none());
}

#[tokio::test]
async fn a_field_owned_by_another_manager_is_a_conflict_naming_it() {
    let (sandbox, ns, instance) = setup(&["foo", "bar"]).await;
    let repo = DiskRepo::new();
    let repo = repo
        .mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"))
        .mcs(&format!("{}/bar.yaml", ns), &mcs(&ns, "bar"));
    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let takeover = DiskRepo::new();
    let yaml = format!(
        "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: foo\n  namespace: {ns}\nspec:\n  types: [CrossCluster]\n  consumerClusters: [{{name: clusterd}}]\n"
    );
    let takeover = takeover.file("foo.yaml", &yaml);
    let out = sandbox.kubectl(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=ops-script",
        "-f",
        takeover.join("foo.yaml").to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));

    let repo = repo.mcs(
        &format!("{}/foo.yaml", ns),
        &mcs(&ns, "foo").consumers(&["clusterc"]),
    );
    let repo = repo.mcs(
        &format!("{}/bar.yaml", ns),
        &mcs(&ns, "bar").consumers(&["clusterc"]),
    );
    let output = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ops-script"), "{stdout}");
    assert!(
        stdout.contains(&format!("updated {ns}/bar")),
        "the other object still applies: {stdout}"
    );

    let forced = run(
        sandbox,
        "apply",
        repo.path(),
        &instance,
        &["--force-conflicts"],
    );
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced));
    let object = live(sandbox, &ns, "foo").await.unwrap();
    assert_eq!(
        object["spec"]["consumerClusters"],
        json!([{"name": "clusterc"}])
    );
}

#[tokio::test]
async fn an_mcs_whose_service_is_missing_is_refused_and_nothing_is_applied() {
    let (sandbox, ns, instance) = setup(&["present"]).await;
    let repo = DiskRepo::new();
    let repo = repo
        .mcs(&format!("{}/present.yaml", ns), &mcs(&ns, "present"))
        .mcs(&format!("{}/absent.yaml", ns), &mcs(&ns, "absent"));
    let output = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("error[service-missing]"));
    assert!(
        live(sandbox, &ns, "present").await.is_none(),
        "an invalid revision applies nothing"
    );
}

#[tokio::test]
async fn a_cluster_unknown_to_the_federation_is_refused() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let repo = DiskRepo::new();
    let repo = repo.mcs(
        &format!("{}/foo.yaml", ns),
        &mcs(&ns, "foo").consumers(&["clusterz"]),
    );
    let output = run(sandbox, "plan", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("error[unknown-cluster]: cluster `clusterz` is not in the federation"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_cluster_older_than_kubernetes_1_21_is_refused() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let old = unique("old");
    let clusters: Api<DynamicObject> =
        Api::all_with(sandbox.client().await, &CLUSTER.api_resource());
    let cluster: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
        "metadata": {"name": old},
        "spec": {"syncMode": "Push", "apiEndpoint": "https://127.0.0.1:1"}
    }))
    .unwrap();
    clusters
        .create(&Default::default(), &cluster)
        .await
        .unwrap();
    let status = json!({"status": {"kubernetesVersion": "v1.20.15", "conditions": [{"type": "Ready", "status": "True", "reason": "ClusterReady", "message": "ok", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}});
    clusters
        .patch_status(&old, &PatchParams::default(), &Patch::Merge(status))
        .await
        .unwrap();

    let repo = DiskRepo::new();
    let repo = repo.mcs(
        &format!("{}/foo.yaml", ns),
        &mcs(&ns, "foo").providers(&[&old]),
    );
    let output = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("runs Kubernetes 1.20"));
    clusters.delete(&old, &Default::default()).await.unwrap();
}

#[tokio::test]
async fn changing_types_is_refused_unless_recreate_allows_it() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let repo = DiskRepo::new();
    let repo = repo.mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"));
    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let repo = repo.mcs(
        &format!("{}/foo.yaml", ns),
        &mcs(&ns, "foo").types(&["LoadBalancer"]),
    );
    let refused = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("--recreate"));
    assert_eq!(
        live(sandbox, &ns, "foo").await.unwrap()["spec"]["types"],
        json!(["CrossCluster"])
    );

    let recreated = run(sandbox, "apply", repo.path(), &instance, &["--recreate"]);
    assert_eq!(recreated.status.code(), Some(0), "{}", text(&recreated));
    assert_eq!(
        live(sandbox, &ns, "foo").await.unwrap()["spec"]["types"],
        json!(["LoadBalancer"])
    );
}

#[tokio::test]
async fn pruning_most_managed_objects_at_once_is_refused_without_the_flag() {
    let (sandbox, ns, instance) = setup(&["a", "b", "c"]).await;
    let mut repo = DiskRepo::new();
    for name in ["a", "b", "c"] {
        repo = repo.mcs(&format!("{}/{}.yaml", ns, name), &mcs(&ns, name));
    }
    assert_eq!(
        run(sandbox, "apply", repo.path(), &instance, &[])
            .status
            .code(),
        Some(0)
    );
    let empty = DiskRepo::new();
    let refused = run(sandbox, "apply", empty.path(), &instance, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("--allow-mass-prune"));
    assert!(live(sandbox, &ns, "a").await.is_some());

    let allowed = run(
        sandbox,
        "apply",
        empty.path(),
        &instance,
        &["--allow-mass-prune"],
    );
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed));
    assert!(live(sandbox, &ns, "a").await.is_none());
}

#[tokio::test]
async fn an_existing_unmanaged_object_is_only_taken_over_with_adopt() {
    let (sandbox, ns, instance) = setup(&["foo"]).await;
    let repo = DiskRepo::new();
    let repo = repo.mcs(&format!("{}/foo.yaml", ns), &mcs(&ns, "foo"));
    let out = sandbox.kubectl(&[
        "create",
        "-f",
        repo.join(&format!("{ns}/foo.yaml")).to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let refused = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("--adopt"));
    let adopted = run(sandbox, "apply", repo.path(), &instance, &["--adopt"]);
    assert_eq!(adopted.status.code(), Some(0), "{}", text(&adopted));
    let object = live(sandbox, &ns, "foo").await.unwrap();
    assert_eq!(
        object["metadata"]["labels"]["mcs-gitops.io/instance"],
        instance.as_str()
    );
}

#[tokio::test]
async fn the_server_rejects_what_its_schema_forbids() {
    let sandbox = sandbox();
    let ns = sandbox.namespace("crd").await;
    let repo = DiskRepo::new();
    let repo = repo.file("bad.yaml", format!("apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: nospec\n  namespace: {ns}\nspec:\n  consumerClusters: []\n"));
    let out = sandbox.kubectl(&[
        "apply",
        "--server-side",
        "-f",
        repo.join("bad.yaml").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("spec.types: Required value"),
        "{}",
        text(&out)
    );
}
