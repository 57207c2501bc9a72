//! A Cluster that joins or leaves changes the exposure of every object with
//! an empty list, without a commit: the comparison of two live states says
//! who gained or lost which cluster, and when it joined; objects a commit
//! changed are left to the plan.

mod support;

use std::collections::BTreeMap;

use mcs_gitops::plan::live::LiveCluster;
use mcs_gitops::plan::widening::{changes, resolve_all};
use mcs_gitops::report::status_exposure;
use mcs_gitops::report::status_input::RecordedChange;
use serde_json::json;
use support::fixtures::{Mcs, Repo};

fn clusters(names: &[&str]) -> BTreeMap<String, LiveCluster> {
    names
        .iter()
        .map(|name| {
            let cluster = LiveCluster::from_object(&json!({
                "metadata": {"name": name, "creationTimestamp": "2026-12-02T12:03:00Z"},
            }))
            .unwrap();
            (name.to_string(), cluster)
        })
        .collect()
}

/// `payments/ledger` reachable from every cluster, `shop/cart` from clusterb.
fn repo() -> Repo {
    Repo::new()
        .mcs(
            "payments/ledger.yaml",
            &Mcs::new("payments", "ledger").providers(&["clustera"]),
        )
        .mcs(
            "shop/cart.yaml",
            &Mcs::new("shop", "cart")
                .providers(&["clustera"])
                .consumers(&["clusterb"]),
        )
}

fn said(before: &[&str], after: &[&str], repo: &Repo) -> Vec<String> {
    let objects = repo.load().objects;
    let (old, new) = (clusters(before), clusters(after));
    changes(
        &resolve_all(&objects, &old),
        &resolve_all(&objects, &new),
        &new,
    )
    .iter()
    .map(ToString::to_string)
    .collect()
}

#[test]
fn a_joining_cluster_makes_every_object_with_an_empty_list_reachable_from_it() {
    assert_eq!(
        said(
            &["clustera", "clusterb"],
            &["clustera", "clusterb", "clustere"],
            &repo()
        ),
        [
            "payments/ledger became reachable from cluster clustere (joined 2026-12-02T12:03:00Z; consumerClusters is empty)"
        ]
    );
}

#[test]
fn an_empty_provider_list_gains_the_joining_cluster_as_a_provider() {
    let repo = Repo::new().mcs(
        "shop/web.yaml",
        &Mcs::new("shop", "web").consumers(&["clusterb"]),
    );
    assert_eq!(
        said(
            &["clustera", "clusterb"],
            &["clustera", "clusterb", "clusterf"],
            &repo
        ),
        [
            "shop/web gained provider cluster clusterf: its endpoints now flow to the consumers (joined 2026-12-02T12:03:00Z; providerClusters is empty)"
        ]
    );
}

#[test]
fn a_leaving_cluster_narrows_the_exposure() {
    assert_eq!(
        said(
            &["clustera", "clusterb", "clusterc"],
            &["clustera", "clusterb"],
            &repo()
        ),
        [
            "payments/ledger is no longer reachable from cluster clusterc (the cluster left; consumerClusters is empty)"
        ]
    );
}

#[test]
fn an_object_a_commit_changed_is_left_to_the_plan() {
    let before = repo().load().objects;
    let after = Repo::new()
        .mcs(
            "payments/ledger.yaml",
            &Mcs::new("payments", "ledger").providers(&["clusterb"]),
        )
        .load()
        .objects;
    let (old, new) = (clusters(&["clustera"]), clusters(&["clustera", "clustere"]));
    assert_eq!(
        changes(
            &resolve_all(&before, &old),
            &resolve_all(&after, &new),
            &new
        ),
        []
    );
}

#[test]
fn the_status_report_lists_changes_newest_first_with_the_policies_they_break() {
    let objects = repo().load().objects;
    let (old, new) = (
        clusters(&["clustera"]),
        clusters(&["clustera", "clusterc", "clustere"]),
    );
    let found = changes(
        &resolve_all(&objects, &old),
        &resolve_all(&objects, &new),
        &new,
    );
    let recorded: Vec<RecordedChange> = found
        .into_iter()
        .enumerate()
        .map(|(i, change)| RecordedChange {
            at: format!("2026-12-02T12:03:0{i}Z"),
            breaks: if change.cluster == "clustere" {
                vec![
                    "payments/ledger breaks operator policy \"no-clustere\": never *clustere*"
                        .to_owned(),
                ]
            } else {
                vec![]
            },
            change,
        })
        .collect();
    let mut out = String::new();
    status_exposure::render(&recorded, &mut out);
    insta::assert_snapshot!(out);
}
