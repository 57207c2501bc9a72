//! Pruning a MultiClusterService stops its endpoint sync but leaves the
//! Service where Karmada delivered it (Karmada keeps the ResourceBinding):
//! the plan says so, and names the clusters.

mod support;

use mcs_gitops::manifest::{Policy, load};
use mcs_gitops::plan::{Action, ChangeOptions, Plan, PruneGuard};
use serde_json::json;
use support::fixtures::Repo;
use support::live::{Live, healthy};

#[test]
fn a_pruned_mcs_says_which_clusters_keep_the_service() {
    let live = Live::new()
        .service("shop", "cart")
        .mcs(
            "shop",
            "cart",
            json!({"types": ["CrossCluster"]}),
            healthy(),
        )
        .binding("shop", "cart", &["clustera", "clusterb"]);
    let desired = load(&Repo::new().files, &Policy::default());
    let options = ChangeOptions {
        instance: "default".to_owned(),
        source: None,
        revision: None,
        adopt: false,
        recreate: false,
        prune: PruneGuard {
            max_fraction: 1.0,
            allow_mass_prune: true,
        },
    };
    let plan = Plan::build(&desired, &live.state, &options);
    assert_eq!(plan.changes[0].action, Action::Prune);
    let warning = plan
        .diagnostics
        .iter()
        .find(|d| d.rule.name() == "service-left-behind")
        .expect("a warning about the Service copies");
    assert!(
        warning
            .message
            .contains("Karmada keeps the Service in clustera, clusterb"),
        "{}",
        warning.message
    );
    assert_eq!(warning.location.as_ref().unwrap().file, "shop/cart.yaml");
}
