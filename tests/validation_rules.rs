//! Every validation rule, each shown to fire on the input it exists for and
//! to stay quiet on valid input.

mod support;

use std::collections::BTreeSet;

use mcs_gitops::manifest::{Policy, Severity};
use support::fixtures::{Mcs, Repo, rendered, rules};

fn foo() -> Mcs {
    Mcs::new("default", "foo")
        .providers(&["clusterb"])
        .consumers(&["clustera"])
}

fn only(repo: &Repo) -> Vec<&'static str> {
    rules(&repo.load())
}

#[test]
fn the_example_mcs_in_lowercase_is_valid() {
    let repo = Repo::new().with_inventory().mcs("default/foo.yaml", &foo());
    let desired = repo.load();
    assert!(desired.is_valid(), "{}", rendered(&repo, &desired));
    assert!(desired.diagnostics.is_empty());
    assert_eq!(desired.objects.len(), 1);
}

#[test]
fn the_ucs_page_example_with_cluster_a_fails_with_a_lowercase_hint() {
    let mcs = Mcs::new("default", "foo")
        .providers(&["clusterB"])
        .consumers(&["clusterA"]);
    let repo = Repo::new().mcs("default/foo.yaml", &mcs);
    let desired = repo.load();
    assert_eq!(rules(&desired), ["cluster-name", "cluster-name"]);
    let hint = desired.diagnostics[1].hint.as_deref().unwrap();
    assert!(
        hint.contains("lowercase") && hint.contains("`clustera`"),
        "{hint}"
    );
    insta::assert_snapshot!(rendered(&repo, &desired));
}

#[test]
fn api_version_must_be_networking_karmada_io_v1alpha1() {
    let yaml = foo()
        .yaml()
        .replace("networking.karmada.io/v1alpha1", "networking.karmada.io/v1");
    assert_eq!(only(&Repo::new().file("a.yaml", yaml)), ["api-version"]);
}

#[test]
fn documents_of_other_kinds_are_errors_that_say_how_to_exclude_them() {
    let repo = Repo::new().file(
        "ci/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  replicas: 1\n",
    );
    let desired = repo.load();
    assert_eq!(rules(&desired), ["foreign-kind"]);
    assert!(
        desired.diagnostics[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("exclude: [\"ci/deploy.yaml\"]")
    );
}

#[test]
fn excluded_paths_are_not_read() {
    let repo = Repo::new()
        .file("mcs-gitops.yaml", "exclude: [ci/]\n")
        .file("ci/deploy.yaml", "kind: Deployment\n");
    let desired = repo.load();
    assert!(desired.diagnostics.is_empty());
    assert_eq!(desired.files_read, 0);
}

#[test]
fn hidden_directories_such_as_github_workflows_are_not_read() {
    let repo = Repo::new().file(".github/workflows/ci.yml", "on: push\n");
    assert_eq!(repo.load().files_read, 0);
}

#[test]
fn object_names_must_be_dns_1035_labels() {
    for bad in ["1foo", "foo_bar", &"a".repeat(64)] {
        let repo = Repo::new().mcs("a.yaml", &Mcs::new("default", bad));
        assert_eq!(only(&repo), ["object-name"], "{bad}");
    }
    let at_limit = "a".repeat(63);
    assert!(
        Repo::new()
            .mcs("a.yaml", &Mcs::new("default", &at_limit))
            .load()
            .is_valid()
    );
}

#[test]
fn a_missing_name_is_an_error() {
    let yaml = foo().yaml().replace("  name: foo\n", "");
    assert_eq!(only(&Repo::new().file("a.yaml", yaml)), ["object-name"]);
}

#[test]
fn namespaces_must_be_dns_1123_labels() {
    let repo = Repo::new().mcs("a.yaml", &Mcs::new("Shop", "foo"));
    assert_eq!(only(&repo), ["namespace"]);
}

#[test]
fn a_blank_namespace_means_default() {
    let repo = Repo::new().mcs("a.yaml", &Mcs::new("default", "foo").without_namespace());
    let desired = repo.load();
    assert!(desired.is_valid());
    assert_eq!(desired.objects[0].key.namespace, "default");
}

#[test]
fn server_owned_metadata_and_status_are_errors() {
    for line in [
        "uid: 0a1b",
        "resourceVersion: \"12\"",
        "generation: 3",
        "creationTimestamp: \"2024-01-01T00:00:00Z\"",
        "managedFields: []",
    ] {
        let repo = Repo::new().mcs("a.yaml", &foo().metadata_line(line));
        assert_eq!(only(&repo), ["server-owned-field"], "{line}");
    }
    let yaml = foo().yaml() + "status:\n  conditions: []\n";
    assert_eq!(
        only(&Repo::new().file("a.yaml", yaml)),
        ["server-owned-field"]
    );
}

#[test]
fn types_must_not_be_empty() {
    let repo = Repo::new().mcs("a.yaml", &foo().types(&[]));
    assert_eq!(only(&repo), ["types"]);
    let yaml = foo().yaml().replace("  types:\n    - CrossCluster\n", "");
    assert_eq!(only(&Repo::new().file("b.yaml", yaml)), ["types"]);
}

#[test]
fn types_must_be_cross_cluster_or_load_balancer() {
    let repo = Repo::new().mcs("a.yaml", &foo().types(&["crosscluster"]));
    let desired = repo.load();
    assert_eq!(rules(&desired), ["types"]);
    assert!(
        desired.diagnostics[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("`CrossCluster`")
    );
}

#[test]
fn types_must_hold_one_distinct_type() {
    let repo = Repo::new().mcs("a.yaml", &foo().types(&["CrossCluster", "LoadBalancer"]));
    assert_eq!(only(&repo), ["types"]);
    let repeated = Repo::new().mcs("a.yaml", &foo().types(&["CrossCluster", "CrossCluster"]));
    let desired = repeated.load();
    assert!(desired.is_valid());
    assert_eq!(rules(&desired), ["types"]);
}

#[test]
fn port_numbers_must_be_within_1_and_65535() {
    for port in ["0", "65536", "-1"] {
        let repo = Repo::new().mcs(
            "a.yaml",
            &foo()
                .types(&["LoadBalancer"])
                .spec_line(&format!("ports: [{{port: {port}}}]")),
        );
        assert_eq!(only(&repo), ["ports"], "{port}");
    }
    let ok = Repo::new().mcs(
        "a.yaml",
        &foo()
            .types(&["LoadBalancer"])
            .spec_line("ports: [{port: 65535}, {port: 1}]"),
    );
    assert!(ok.load().diagnostics.is_empty());
}

#[test]
fn port_names_must_be_unique_dns_1123_labels() {
    let bad_name = Repo::new().mcs(
        "a.yaml",
        &foo()
            .types(&["LoadBalancer"])
            .spec_line("ports: [{name: http_alt, port: 80}]"),
    );
    assert_eq!(only(&bad_name), ["ports"]);
    let twice = Repo::new().mcs(
        "a.yaml",
        &foo()
            .types(&["LoadBalancer"])
            .spec_line("ports: [{name: http, port: 80}, {name: http, port: 81}]"),
    );
    assert_eq!(only(&twice), ["ports"]);
}

#[test]
fn ports_on_cross_cluster_have_no_effect_and_warn() {
    let repo = Repo::new().mcs(
        "a.yaml",
        &foo().spec_line("ports: [{name: http, port: 80}]"),
    );
    let desired = repo.load();
    assert!(desired.is_valid());
    assert_eq!(rules(&desired), ["no-effect"]);
}

#[test]
fn cluster_names_are_dns_1123_labels_of_at_most_48_characters() {
    let at_limit = "c".repeat(48);
    let over = "c".repeat(49);
    assert!(
        Repo::new()
            .mcs("a.yaml", &foo().providers(&[&at_limit]))
            .load()
            .is_valid()
    );
    assert_eq!(
        only(&Repo::new().mcs("a.yaml", &foo().providers(&[&over]))),
        ["cluster-name"]
    );
    assert_eq!(
        only(&Repo::new().mcs("a.yaml", &foo().consumers(&["edge_1"]))),
        ["cluster-name"]
    );
}

#[test]
fn look_alike_unicode_cluster_names_are_named_and_corrected() {
    let repo = Repo::new().mcs("a.yaml", &foo().providers(&["clustеrb"]));
    let desired = repo.load();
    assert_eq!(rules(&desired), ["cluster-name"]);
    assert!(desired.diagnostics[0].message.contains("U+0435"));
    assert_eq!(
        desired.diagnostics[0].hint.as_deref(),
        Some("did you mean `clusterb`?")
    );
}

#[test]
fn a_cluster_listed_twice_in_one_list_is_an_error() {
    let repo = Repo::new().mcs("a.yaml", &foo().consumers(&["clustera", "clustera"]));
    assert_eq!(only(&repo), ["duplicate-cluster"]);
    let both_lists = Repo::new().mcs(
        "a.yaml",
        &foo().providers(&["clustera"]).consumers(&["clustera"]),
    );
    assert!(both_lists.load().is_valid());
}

#[test]
fn deprecated_fields_warn_that_karmada_ignores_them() {
    for line in [
        "range: {clusterNames: [clustera]}",
        "serviceProvisionClusters: [clustera]",
        "serviceConsumptionClusters: [clusterb]",
    ] {
        let repo = Repo::new().mcs("a.yaml", &Mcs::new("default", "foo").spec_line(line));
        let desired = repo.load();
        assert!(desired.is_valid(), "{line}");
        assert_eq!(rules(&desired), ["deprecated-field"], "{line}");
        assert_eq!(desired.diagnostics[0].severity, Severity::Warning);
        assert!(
            desired.diagnostics[0]
                .message
                .contains("ALL clusters to ALL clusters")
        );
    }
}

#[test]
fn the_same_namespace_and_name_twice_names_both_places() {
    let repo = Repo::new().mcs("a.yaml", &foo()).mcs("b.yaml", &foo());
    let desired = repo.load();
    assert_eq!(rules(&desired), ["duplicate-object"]);
    let d = &desired.diagnostics[0];
    assert_eq!(d.location.as_ref().unwrap().file, "b.yaml");
    assert_eq!(d.related[0].location.file, "a.yaml");
}

#[test]
fn clusters_missing_from_the_inventory_are_errors() {
    let repo = Repo::new()
        .with_inventory()
        .mcs("a.yaml", &foo().consumers(&["clustre"]));
    let desired = repo.load();
    assert_eq!(rules(&desired), ["unknown-cluster"]);
    assert_eq!(
        desired.diagnostics[0].hint.as_deref(),
        Some("did you mean `clustera`?")
    );
}

#[test]
fn without_an_inventory_any_cluster_name_is_accepted() {
    let repo = Repo::new().mcs("a.yaml", &foo().consumers(&["anywhere"]));
    assert!(repo.load().diagnostics.is_empty());
}

#[test]
fn clusters_below_kubernetes_1_21_are_errors() {
    let repo = Repo::new()
        .file(
            "mcs-gitops.yaml",
            "clusters:\n  - name: old\n    kubernetesVersion: v1.20.15\n  - name: clustera\n",
        )
        .mcs(
            "a.yaml",
            &foo().providers(&["old"]).consumers(&["clustera"]),
        );
    let desired = repo.load();
    assert_eq!(rules(&desired), ["cluster-version"]);
    assert!(desired.diagnostics[0].message.contains("1.20"));
}

#[test]
fn unknown_fields_are_rejected_with_a_suggestion() {
    let repo = Repo::new().mcs("a.yaml", &foo().spec_line("consumerCluster: []"));
    let desired = repo.load();
    assert_eq!(rules(&desired), ["schema"]);
    assert_eq!(
        desired.diagnostics[0].hint.as_deref(),
        Some("did you mean `consumerClusters`?")
    );
}

#[test]
fn duplicate_keys_are_rejected() {
    let yaml = foo()
        .yaml()
        .replace("  name: foo\n", "  name: foo\n  name: bar\n");
    assert_eq!(only(&Repo::new().file("a.yaml", yaml)), ["yaml-syntax"]);
}

#[test]
fn every_document_of_a_multi_document_file_is_checked() {
    let yaml = format!(
        "{}---\n{}",
        Mcs::new("default", "Bad").yaml(),
        foo().consumers(&["x_y"]).yaml()
    );
    let desired = Repo::new().file("a.yaml", yaml).load();
    assert_eq!(rules(&desired), ["object-name", "cluster-name"]);
}

#[test]
fn every_problem_of_a_revision_is_reported_in_one_run() {
    let repo = Repo::new()
        .with_inventory()
        .mcs(
            "default/foo.yaml",
            &foo()
                .providers(&["clusterB", "clusterz"])
                .types(&["CrossCluster", "LoadBalancer"]),
        )
        .file("shop/broken.yaml", "kind: [\n")
        .file("shop/cm.yaml", "apiVersion: v1\nkind: ConfigMap\n")
        .mcs(
            "shop/ok.yaml",
            &Mcs::new("shop", "ok").spec_line("range: {clusterNames: []}"),
        );
    let desired = repo.load();
    assert!(!desired.is_valid());
    insta::assert_snapshot!(rendered(&repo, &desired));
}

#[test]
fn tenancy_limits_namespaces_and_clusters() {
    let policy = Policy {
        allowed_namespaces: Some(BTreeSet::from(["shop".to_owned()])),
        allowed_clusters: Some(BTreeSet::from([
            "clustera".to_owned(),
            "clusterb".to_owned(),
        ])),
    };
    let repo = Repo::new()
        .mcs("a.yaml", &foo())
        .mcs(
            "b.yaml",
            &Mcs::new("shop", "cart")
                .providers(&["clustera"])
                .consumers(&["clusterc"]),
        )
        .mcs("c.yaml", &Mcs::new("shop", "catalog"));
    let desired = repo.load_with(&policy);
    assert_eq!(
        rules(&desired),
        [
            "namespace-not-allowed",
            "cluster-not-allowed",
            "cluster-not-allowed"
        ]
    );
}

#[test]
fn deprecated_cluster_fields_are_held_to_the_tenancy_limits_too() {
    let policy = Policy {
        allowed_namespaces: None,
        allowed_clusters: Some(BTreeSet::from([
            "clustera".to_owned(),
            "clusterb".to_owned(),
        ])),
    };
    let named = Mcs::new("shop", "cart")
        .providers(&["clustera"])
        .consumers(&["clusterb"])
        .spec_line("serviceConsumptionClusters: [clusterd]");
    let empty = Mcs::new("shop", "web")
        .providers(&["clustera"])
        .consumers(&["clusterb"])
        .spec_line("range: {clusterNames: []}");
    let repo = Repo::new().mcs("a.yaml", &named).mcs("b.yaml", &empty);
    let desired = repo.load_with(&policy);
    let errors: Vec<(&str, &str)> = desired
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.rule.name(), d.message.as_str()))
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].1.contains("cluster `clusterd` is outside"),
        "{errors:#?}"
    );
    assert!(
        errors[1].1.contains("spec.range.clusterNames is empty"),
        "{errors:#?}"
    );
}
