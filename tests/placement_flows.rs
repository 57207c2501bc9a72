//! Desired against live placement: each provider-to-consumer flow is in
//! place, pending (with Karmada's reason), missing or unexpected; and the
//! status reports that show it.

mod support;

use mcs_gitops::manifest::{Policy, Revision, load};
use mcs_gitops::plan::{ChangeOptions, FlowState, Plan, PruneGuard};
use mcs_gitops::report::status::{ReportInput, RevisionResult, build};
use serde_json::json;
use support::fixtures::{Mcs, Repo};
use support::live::{Live, healthy};

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

fn cart() -> Mcs {
    Mcs::new("shop", "cart")
        .providers(&["clustera"])
        .consumers(&["clusterb", "clusterc"])
}

fn plan(mcs: &Mcs, live: &Live) -> Plan {
    let desired = load(
        &Repo::new().mcs("shop/cart.yaml", mcs).files,
        &Policy::default(),
    );
    Plan::build(&desired, &live.state, &options())
}

fn states(plan: &Plan) -> Vec<(String, String, FlowState, Option<usize>)> {
    plan.placements[0]
        .flows
        .iter()
        .map(|f| (f.provider.clone(), f.consumer.clone(), f.state, f.endpoints))
        .collect()
}

fn live_cart(live: Live, consumers: &[&str]) -> Live {
    let spec = json!({"types": ["CrossCluster"], "providerClusters": [{"name": "clustera"}], "consumerClusters": consumers.iter().map(|c| json!({"name": c})).collect::<Vec<_>>()});
    live.service("shop", "cart")
        .mcs("shop", "cart", spec, healthy())
}

#[test]
fn dispatched_and_applied_slices_are_in_place_with_their_endpoint_counts() {
    let live = live_cart(Live::new(), &["clusterb", "clusterc"])
        .collected(("shop", "cart"), "clustera", 3)
        .dispatched(("shop", "cart"), "clustera", "clusterb", 3, true)
        .dispatched(("shop", "cart"), "clustera", "clusterc", 3, true);
    let plan = plan(&cart(), &live);
    assert_eq!(
        states(&plan),
        [
            (
                "clustera".into(),
                "clusterb".into(),
                FlowState::InPlace,
                Some(3)
            ),
            (
                "clustera".into(),
                "clusterc".into(),
                FlowState::InPlace,
                Some(3)
            ),
        ]
    );
}

#[test]
fn a_slice_not_yet_applied_in_the_consumer_is_pending_with_the_work_message() {
    let live = live_cart(Live::new(), &["clusterb", "clusterc"])
        .collected(("shop", "cart"), "clustera", 2)
        .dispatched(("shop", "cart"), "clustera", "clusterb", 2, true)
        .dispatched(("shop", "cart"), "clustera", "clusterc", 2, false);
    let plan = plan(&cart(), &live);
    let flow = &plan.placements[0].flows[1];
    assert_eq!(flow.state, FlowState::Pending);
    assert!(
        flow.reason
            .as_deref()
            .unwrap()
            .contains("namespaces \"shop\" not found")
    );
}

#[test]
fn a_provider_that_is_not_ready_leaves_its_flows_pending_with_the_reason() {
    let live = live_cart(
        Live::new().cluster("clustera", false, "v1.30.2"),
        &["clusterb", "clusterc"],
    );
    let plan = plan(&cart(), &live);
    let flow = &plan.placements[0].flows[0];
    assert_eq!(flow.state, FlowState::Pending);
    assert_eq!(
        flow.reason.as_deref(),
        Some(
            "provider clustera is not Ready since 2026-11-01T10:00:00Z (ClusterNotReachable: cluster is not reachable)"
        )
    );
}

#[test]
fn slices_in_a_consumer_that_git_dropped_are_unexpected() {
    let live = live_cart(Live::new(), &["clusterb", "clusterc", "clusterd"])
        .collected(("shop", "cart"), "clustera", 2)
        .dispatched(("shop", "cart"), "clustera", "clusterb", 2, true)
        .dispatched(("shop", "cart"), "clustera", "clusterc", 2, true)
        .dispatched(("shop", "cart"), "clustera", "clusterd", 2, true);
    let plan = plan(&cart(), &live);
    let unexpected: Vec<_> = plan.placements[0]
        .flows
        .iter()
        .filter(|f| f.state == FlowState::Unexpected)
        .collect();
    assert_eq!(unexpected.len(), 1);
    assert_eq!(unexpected[0].consumer, "clusterd");
    assert_eq!(
        unexpected[0].reason.as_deref(),
        Some("withdrawn once the change is applied")
    );
}

#[test]
fn a_false_condition_explains_pending_flows() {
    let conditions = json!([{"type": "ServiceApplied", "status": "False", "reason": "ServiceAppliedFailed", "message": "service shop/cart is not found", "lastTransitionTime": "2026-11-20T09:30:05Z"}]);
    let spec = json!({"types": ["CrossCluster"], "providerClusters": [{"name": "clustera"}], "consumerClusters": [{"name": "clusterb"}, {"name": "clusterc"}]});
    let live = Live::new()
        .service("shop", "cart")
        .mcs("shop", "cart", spec, conditions)
        .collected(("shop", "cart"), "clustera", 1);
    let plan = plan(&cart(), &live);
    assert_eq!(
        plan.placements[0].flows[0].reason.as_deref(),
        Some("ServiceApplied is False: service shop/cart is not found")
    );
}

#[test]
fn without_collected_slices_the_flow_waits_for_the_workload() {
    let live = live_cart(Live::new(), &["clusterb", "clusterc"]).collected(
        ("shop", "other"),
        "clustera",
        1,
    );
    let plan = plan(&cart(), &live);
    assert!(
        plan.placements[0].flows[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("no EndpointSlices collected from clustera")
    );
}

#[test]
fn an_unexplained_absence_is_missing_and_names_the_latest_warning() {
    let live = live_cart(Live::new(), &["clusterb", "clusterc"])
        .collected(("shop", "cart"), "clustera", 2)
        .dispatched(("shop", "cart"), "clustera", "clusterb", 2, true)
        .event(
            ("shop", "cart"),
            "Warning",
            "DispatchEndpointSliceFailed",
            "failed to dispatch to clusterc: timeout",
        );
    let plan = plan(&cart(), &live);
    let flow = &plan.placements[0].flows[1];
    assert_eq!(flow.state, FlowState::Missing);
    assert_eq!(
        flow.reason.as_deref(),
        Some("DispatchEndpointSliceFailed: failed to dispatch to clusterc: timeout")
    );
}

#[test]
fn status_reports_show_conditions_placement_and_problems() {
    let live = live_cart(
        Live::new().cluster("clusterd", false, "v1.30.2"),
        &["clusterb", "clusterc"],
    )
    .binding("shop", "cart", &["clustera", "clusterb", "clusterc"])
    .collected(("shop", "cart"), "clustera", 3)
    .dispatched(("shop", "cart"), "clustera", "clusterb", 3, true);
    let plan = plan(&cart(), &live);
    let input = ReportInput {
        branch: "main",
        revision: &Revision::new("0123456789abcdef0123456789abcdef01234567"),
        summary: "shop: expose cart to clusterc",
        result: RevisionResult::Applied,
        reason: None,
        stalled: None,
        last_applied: Some(&Revision::new("0123456789abcdef0123456789abcdef01234567")),
        plan: Some(&plan),
        apply: None,
        live: Some(&live.state),
        diagnostics: &plan.diagnostics,
        exposure_changes: &[],
    };
    let files = build(&input);
    let text = |path: &str| String::from_utf8(files[path].clone()).unwrap();
    insta::assert_snapshot!("status_md_applied", text("STATUS.md"));
    insta::assert_snapshot!("status_object_yaml", text("status/shop/cart.yaml"));
    insta::assert_snapshot!("status_revision_yaml", text("status/_revision.yaml"));
}

#[test]
fn the_report_of_an_invalid_revision_names_each_problem_and_the_last_applied_revision() {
    let repo = Repo::new().mcs("shop/cart.yaml", &cart().providers(&["clusterA"]));
    let desired = load(&repo.files, &Policy::default());
    let live = Live::new();
    let input = ReportInput {
        branch: "main",
        revision: &Revision::new("fedcba9876543210fedcba9876543210fedcba98"),
        summary: "shop: typo",
        result: RevisionResult::Invalid,
        reason: None,
        stalled: None,
        last_applied: Some(&Revision::new("0123456789abcdef0123456789abcdef01234567")),
        plan: None,
        apply: None,
        live: Some(&live.state),
        diagnostics: &desired.diagnostics,
        exposure_changes: &[],
    };
    let files = build(&input);
    insta::assert_snapshot!(
        "status_md_invalid",
        String::from_utf8(files["STATUS.md"].clone()).unwrap()
    );
}

#[test]
fn slices_from_a_provider_that_is_not_ready_are_stale_with_karmadas_reason() {
    let live = live_cart(
        Live::new().cluster("clustera", false, "v1.30.2"),
        &["clusterb", "clusterc"],
    )
    .collected(("shop", "cart"), "clustera", 2)
    .dispatched(("shop", "cart"), "clustera", "clusterb", 2, true)
    .event(
        ("shop", "cart"),
        "Warning",
        "SyncServiceFailed",
        "Provider cluster clustera is not ready, skip to propagate MultiClusterService",
    );
    let plan = plan(&cart(), &live);
    let flow = &plan.placements[0].flows[0];
    assert_eq!(flow.state, FlowState::Stale);
    assert_eq!(
        flow.endpoints,
        Some(2),
        "the stale slices are still counted"
    );
    assert_eq!(
        flow.reason.as_deref(),
        Some(
            "stale: provider clustera is not Ready since 2026-11-01T10:00:00Z (ClusterNotReachable: cluster is not reachable); Karmada: SyncServiceFailed: Provider cluster clustera is not ready, skip to propagate MultiClusterService; Karmada keeps serving its endpoints to clusterb"
        )
    );
}

#[test]
fn a_status_report_shows_html_and_markdown_from_git_as_text() {
    let repo = Repo::new().mcs("shop/cart.yaml", &cart().providers(&["clusterA"]));
    let desired = load(&repo.files, &Policy::default());
    let live = Live::new();
    let input = ReportInput {
        branch: "main",
        revision: &Revision::new("fedcba9876543210fedcba9876543210fedcba98"),
        summary: "<img src=x onerror=alert(1)> **urgent** [click](https://evil.example)",
        result: RevisionResult::Refused,
        reason: Some("<script>x</script> | cell"),
        stalled: None,
        last_applied: None,
        plan: None,
        apply: None,
        live: Some(&live.state),
        diagnostics: &desired.diagnostics,
        exposure_changes: &[],
    };
    let summary = String::from_utf8(build(&input)["STATUS.md"].clone()).unwrap();
    assert!(summary.contains("\\| cell"), "{summary}");
    for raw in ["<img", "<script>", "**urgent**", "[click]("] {
        assert!(!summary.contains(raw), "{raw} is rendered: {summary}");
    }
    assert!(
        summary.contains("&lt;img src=x onerror=alert\\(1\\)&gt;"),
        "{summary}"
    );
}

#[test]
fn a_status_file_changes_with_its_object_not_with_every_revision() {
    let live = live_cart(Live::new(), &["clusterb"])
        .binding("shop", "cart", &["clustera", "clusterb"])
        .collected(("shop", "cart"), "clustera", 3)
        .dispatched(("shop", "cart"), "clustera", "clusterb", 3, true);
    let report = |revision: &str| {
        let mut plan = plan(&cart(), &live);
        plan.revision = Some(Revision::new(revision));
        build(&ReportInput {
            branch: "main",
            revision: &Revision::new(revision),
            summary: "another object changed",
            result: RevisionResult::Applied,
            reason: None,
            stalled: None,
            last_applied: None,
            plan: Some(&plan),
            apply: None,
            live: Some(&live.state),
            diagnostics: &plan.diagnostics,
            exposure_changes: &[],
        })
    };
    let (first, second) = (report(&"a".repeat(40)), report(&"b".repeat(40)));
    assert_eq!(
        first["status/shop/cart.yaml"], second["status/shop/cart.yaml"],
        "the object's report is the same"
    );
    assert_ne!(
        first["status/_revision.yaml"], second["status/_revision.yaml"],
        "the revision file names the revision"
    );
}
