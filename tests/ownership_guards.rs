//! mcs-gitops never deletes what it does not own: an unmanaged object whose
//! types differ from Git is not taken over by delete-and-create, even with
//! `--adopt --recreate`; its own objects still are.

mod support;

use mcs_gitops::manifest::{Policy, load};
use mcs_gitops::plan::live::LiveObject;
use mcs_gitops::plan::{Action, Blocker, ChangeOptions, Plan, PruneGuard};
use serde_json::json;
use support::fixtures::{Mcs, Repo};
use support::live::{Live, healthy};

fn options() -> ChangeOptions {
    ChangeOptions {
        instance: "default".to_owned(),
        source: None,
        revision: None,
        adopt: true,
        recreate: true,
        prune: PruneGuard::default(),
    }
}

fn plan(live: Live) -> Plan {
    let repo = Repo::new().mcs("shop/cart.yaml", &Mcs::new("shop", "cart"));
    let desired = load(&repo.files, &Policy::default());
    Plan::build(&desired, &live.state, &options())
}

#[test]
fn adopting_an_unmanaged_object_of_other_types_is_blocked_not_recreated() {
    let mut live = Live::new().service("shop", "cart");
    let unmanaged = LiveObject::from_object(
        json!({
            "apiVersion": "networking.karmada.io/v1alpha1",
            "kind": "MultiClusterService",
            "metadata": {"name": "cart", "namespace": "shop", "uid": "u1", "resourceVersion": "7"},
            "spec": {"types": ["LoadBalancer"]},
        }),
        "default",
    )
    .unwrap();
    live.state.objects.insert(unmanaged.key.clone(), unmanaged);
    let plan = plan(live);
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Adopt);
    assert!(
        matches!(change.blocked, Some(Blocker::AdoptWouldDelete { .. })),
        "{change:?}"
    );
}

#[test]
fn its_own_object_of_other_types_is_recreated_with_recreate() {
    let live = Live::new().service("shop", "cart").mcs(
        "shop",
        "cart",
        json!({"types": ["LoadBalancer"]}),
        healthy(),
    );
    let plan = plan(live);
    assert_eq!(plan.changes[0].action, Action::Recreate);
    assert_eq!(plan.changes[0].blocked, None);
}

#[test]
fn objects_another_daemon_wrote_under_the_same_instance_are_never_touched() {
    let mut live = Live::new()
        .service("shop", "cart")
        .service("shop", "web")
        .mcs(
            "shop",
            "cart",
            json!({"types": ["LoadBalancer"]}),
            healthy(),
        )
        .mcs("shop", "web", json!({"types": ["CrossCluster"]}), healthy());
    for object in live.state.objects.values_mut() {
        object.source = Some("git://other.example/config.git@main".to_owned());
    }
    let repo = Repo::new().mcs("shop/cart.yaml", &Mcs::new("shop", "cart"));
    let desired = load(&repo.files, &Policy::default());
    let options = ChangeOptions {
        source: Some("git://mine.example/config.git@main".to_owned()),
        ..options()
    };
    let plan = Plan::build(&desired, &live.state, &options);
    for change in &plan.changes {
        assert!(
            matches!(&change.blocked, Some(Blocker::OtherSource { source, .. }) if source.contains("other.example")),
            "{change:?}"
        );
    }
    assert_eq!(
        plan.changes[1].action,
        Action::Prune,
        "web: a blocked prune"
    );
}
