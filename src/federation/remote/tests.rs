use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::*;
use crate::plan::live::{Applied, WorkRole};

fn key(namespace: &str, name: &str) -> ObjectKey {
    ObjectKey::new(namespace, name)
}

fn work(cluster: &str, mcs: ObjectKey, role: WorkRole) -> Arc<LiveWork> {
    Arc::new(LiveWork {
        cluster: cluster.to_owned(),
        mcs,
        role,
        applied: Applied::Yes,
    })
}

fn event(mcs: ObjectKey, at: &str) -> LiveEvent {
    LiveEvent {
        mcs,
        kind: "Normal".to_owned(),
        reason: "SyncServiceSucceed".to_owned(),
        message: "synced".to_owned(),
        last_seen: Some(at.to_owned()),
    }
}

/// Placement in namespaces `a` and `b`, as a full read finds it.
fn full_read() -> LiveState {
    let binding = LiveBinding {
        intended: BTreeSet::from(["c1".to_owned(), "c2".to_owned()]),
        scheduled: BTreeSet::from(["c1".to_owned()]),
        applied: BTreeMap::from([("c1".to_owned(), true)]),
    };
    LiveState {
        bindings: BTreeMap::from([
            (key("a", "web"), binding.clone()),
            (key("b", "cart"), binding),
        ]),
        works: vec![
            work("c1", key("a", "web"), WorkRole::Collected { endpoints: 2 }),
            work(
                "c2",
                key("a", "web"),
                WorkRole::Dispatched {
                    provider: "c1".to_owned(),
                    endpoints: 2,
                },
            ),
            work("c1", key("b", "cart"), WorkRole::Marker),
        ],
        events: vec![
            event(key("b", "cart"), "2026-12-01T10:00:00Z"),
            event(key("a", "web"), "2026-12-01T11:00:00Z"),
        ],
        ..LiveState::default()
    }
}

fn objects_only() -> LiveState {
    LiveState {
        objects_only: true,
        ..LiveState::default()
    }
}

fn through_json(document: &PlacementDocument) -> PlacementDocument {
    serde_json::from_slice(&serde_json::to_vec(document).unwrap()).unwrap()
}

#[test]
fn placement_served_by_a_daemon_fills_a_plan_as_a_full_read_does() {
    let full = full_read();
    let document = through_json(&PlacementDocument::of(&full, &Scope::AllNamespaces));
    let mut state = objects_only();
    document.fill(&mut state, &Scope::AllNamespaces).unwrap();
    assert_eq!(state, full);
    assert!(!state.objects_only, "the plan then reports placement");
}

#[test]
fn a_plan_of_some_namespaces_gets_their_bindings_and_events_and_every_work() {
    let document = PlacementDocument::of(&full_read(), &Scope::AllNamespaces);
    let mut state = objects_only();
    let scope = Scope::Namespaces(BTreeSet::from(["a".to_owned()]));
    document.fill(&mut state, &scope).unwrap();
    assert_eq!(
        state.bindings.keys().collect::<Vec<_>>(),
        [&key("a", "web")]
    );
    assert_eq!(state.events.len(), 1);
    assert_eq!(state.events[0].mcs, key("a", "web"));
    assert_eq!(
        state.works.len(),
        3,
        "Works live in the clusters' namespaces"
    );
}

#[test]
fn a_daemon_watching_fewer_namespaces_than_the_plan_reads_is_refused() {
    let watched = Scope::Namespaces(BTreeSet::from(["a".to_owned()]));
    let cases = [
        (Scope::AllNamespaces, "every namespace"),
        (
            Scope::Namespaces(BTreeSet::from(["a".to_owned(), "b".to_owned()])),
            "b",
        ),
    ];
    for (scope, missing) in cases {
        let document = PlacementDocument::of(&full_read(), &watched);
        let refused = document.fill(&mut objects_only(), &scope).unwrap_err();
        assert_eq!(
            refused,
            format!("the daemon watches only a; this plan reads {missing}")
        );
    }
}

#[test]
fn a_document_of_another_version_is_refused() {
    let mut document = PlacementDocument::of(&full_read(), &Scope::AllNamespaces);
    document.api_version = "mcs-gitops.io/placement/v2".to_owned();
    let refused = document
        .fill(&mut objects_only(), &Scope::AllNamespaces)
        .unwrap_err();
    assert_eq!(
        refused,
        "the daemon serves mcs-gitops.io/placement/v2, this plan reads mcs-gitops.io/placement/v1"
    );
}
