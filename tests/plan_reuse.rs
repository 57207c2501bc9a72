//! Planning again from the previous plan: an object whose desired form and
//! live inputs did not change is taken over from it, every other object is
//! planned anew, and the result is the plan a full build gives.

mod support;

use std::collections::BTreeSet;

use mcs_gitops::manifest::{Desired, ObjectKey, Policy, Revision, load};
use mcs_gitops::plan::{Action, ChangeOptions, LiveChanges, Plan, Previous, PruneGuard};
use serde_json::{Value, json};
use support::fixtures::{Mcs, Repo};
use support::live::{Live, healthy};

const MARK: &str = "taken over from the previous plan";

fn options() -> ChangeOptions {
    ChangeOptions {
        instance: "default".to_owned(),
        source: None,
        revision: Some(Revision::new("0123456789abcdef0123456789abcdef01234567")),
        adopt: false,
        recreate: false,
        prune: PruneGuard::default(),
    }
}

fn mcs(name: &str, consumers: &[&str]) -> Mcs {
    Mcs::new("shop", name)
        .providers(&["clustera"])
        .consumers(consumers)
}

fn desired(cart_consumers: &[&str]) -> Desired {
    let files = Repo::new()
        .mcs("shop/cart.yaml", &mcs("cart", cart_consumers))
        .mcs("shop/web.yaml", &mcs("web", &["clusterb"]))
        .files;
    load(&files, &Policy::default())
}

fn spec(consumers: &[&str]) -> Value {
    let consumers: Vec<Value> = consumers.iter().map(|c| json!({"name": c})).collect();
    json!({"types": ["CrossCluster"], "providerClusters": [{"name": "clustera"}], "consumerClusters": consumers})
}

/// Both objects applied as Git has them, cart's slices partly dispatched.
fn live() -> Live {
    Live::new()
        .service("shop", "cart")
        .service("shop", "web")
        .mcs("shop", "cart", spec(&["clusterb", "clusterc"]), healthy())
        .mcs("shop", "web", spec(&["clusterb"]), healthy())
        .collected(("shop", "cart"), "clustera", 2)
        .dispatched(("shop", "cart"), "clustera", "clusterb", 2, true)
        .collected(("shop", "web"), "clustera", 1)
}

/// A previous plan with every placement marked, to tell what was taken over.
fn marked(plan: &Plan) -> Plan {
    let mut plan = plan.clone();
    for placement in &mut plan.placements {
        for flow in &mut placement.flows {
            flow.reason = Some(MARK.to_owned());
        }
    }
    plan
}

fn taken_over(plan: &Plan, name: &str) -> bool {
    let key = ObjectKey::new("shop", name);
    let placement = plan.placements.iter().find(|p| p.key == key).unwrap();
    placement
        .flows
        .iter()
        .all(|f| f.reason.as_deref() == Some(MARK))
}

fn only(names: &[&str]) -> LiveChanges {
    let keys: BTreeSet<ObjectKey> = names.iter().map(|n| ObjectKey::new("shop", *n)).collect();
    LiveChanges::Only(keys)
}

fn same(a: &Plan, b: &Plan) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

#[test]
fn an_unchanged_revision_against_an_unchanged_live_state_takes_every_object_over() {
    let (desired, live) = (desired(&["clusterb", "clusterc"]), live().state);
    let full = Plan::build(&desired, &live, &options());
    assert!(full.changes.iter().all(|c| c.action == Action::Unchanged));
    let previous = Previous {
        plan: marked(&full),
        desired: &desired,
        live: only(&[]),
    };
    let again = Plan::build_reusing(&desired, &live, &options(), Some(previous));
    assert!(taken_over(&again, "cart"));
    assert!(taken_over(&again, "web"));
}

#[test]
fn an_object_whose_live_inputs_changed_is_planned_anew() {
    let (desired, live) = (desired(&["clusterb", "clusterc"]), live().state);
    let full = Plan::build(&desired, &live, &options());
    let previous = Previous {
        plan: marked(&full),
        desired: &desired,
        live: only(&["cart"]),
    };
    let again = Plan::build_reusing(&desired, &live, &options(), Some(previous));
    assert!(!taken_over(&again, "cart"));
    assert!(taken_over(&again, "web"));
    assert_eq!(again.placements[0], full.placements[0]);
}

#[test]
fn an_object_changed_in_git_is_planned_anew_and_the_plan_equals_a_full_build() {
    let live = live().state;
    let before = desired(&["clusterb", "clusterc"]);
    let after = desired(&["clusterb"]);
    // What a daemon keeps between cycles: only the parts that can be reused.
    let previous = Previous {
        plan: Plan::build(&before, &live, &options()).into_reusable(),
        desired: &before,
        live: only(&[]),
    };
    let again = Plan::build_reusing(&after, &live, &options(), Some(previous));
    let full = Plan::build(&after, &live, &options());
    assert!(same(&again, &full), "{again:#?}\n{full:#?}");
    assert_eq!(again.changes[0].action, Action::Update);
}

#[test]
fn a_change_every_object_depends_on_plans_everything_anew() {
    let (desired, live) = (desired(&["clusterb", "clusterc"]), live().state);
    let full = Plan::build(&desired, &live, &options());
    let previous = Previous {
        plan: marked(&full),
        desired: &desired,
        live: LiveChanges::Everything,
    };
    let again = Plan::build_reusing(&desired, &live, &options(), Some(previous));
    assert!(same(&again, &full));
}

#[test]
fn a_dropped_object_is_pruned_even_when_everything_else_is_taken_over() {
    let live = live().state;
    let before = desired(&["clusterb", "clusterc"]);
    let files = Repo::new()
        .mcs("shop/web.yaml", &mcs("web", &["clusterb"]))
        .files;
    let after = load(&files, &Policy::default());
    let previous = Previous {
        plan: marked(&Plan::build(&before, &live, &options())),
        desired: &before,
        live: only(&[]),
    };
    let again = Plan::build_reusing(&after, &live, &options(), Some(previous));
    let actions: Vec<(String, Action)> = again
        .changes
        .iter()
        .map(|c| (c.key.to_string(), c.action))
        .collect();
    assert_eq!(
        actions,
        [
            ("shop/cart".to_owned(), Action::Prune),
            ("shop/web".to_owned(), Action::Unchanged)
        ]
    );
    assert!(taken_over(&again, "web"));
}
