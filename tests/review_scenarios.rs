//! What `review` says about realistic changes, rendered as Markdown, text
//! and JSON and snapshot-tested. Pure: repositories are built in memory and
//! the live federation, where one is needed, is plain data.

mod support;

use std::collections::BTreeMap;

use mcs_gitops::manifest::{self, FileContent, ObjectKey, Policy};
use mcs_gitops::plan::checks::live_inventory;
use mcs_gitops::plan::live::{LiveBinding, LiveCluster};
use mcs_gitops::plan::{Blocker, ChangeOptions, LiveState, Plan, PruneGuard, Retry};
use mcs_gitops::report::{Color, review_json, review_markdown, review_text};
use mcs_gitops::review::{self, Change, Finding, Live, Review, Revision, Verdict};
use proptest::prelude::*;
use serde_json::json;
use support::fixtures::{Mcs, Repo};

fn checkout() -> Mcs {
    Mcs::new("shop", "checkout")
        .providers(&["clustera", "clusterb"])
        .consumers(&["clusterc"])
}

fn foo() -> Mcs {
    Mcs::new("default", "foo")
        .providers(&["clusterb"])
        .consumers(&["clustera"])
}

/// The base revision of most scenarios: the inventory, checkout and foo.
fn base() -> Repo {
    Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout())
        .mcs("default/foo.yaml", &foo())
}

fn revisions() -> (Revision, Revision) {
    (Revision::new("main", None), Revision::new("feature", None))
}

fn review(base: &Repo, head: &Repo) -> Review {
    let (from, to) = revisions();
    review::compare(from, to, &base.load(), &head.load(), None)
}

fn text(head: &Repo, review: &Review) -> String {
    let sources: BTreeMap<&str, &str> = head
        .files
        .iter()
        .filter_map(|f| match &f.content {
            FileContent::Bytes(b) => std::str::from_utf8(b).ok().map(|t| (f.path.as_str(), t)),
            _ => None,
        })
        .collect();
    review_text::render(review, &sources, Color::Off)
}

/// Snapshots the Markdown and text of a review as `<name>_markdown` and
/// `<name>_text`.
fn snapshot(name: &str, head: &Repo, review: &Review) {
    insta::assert_snapshot!(format!("{name}_markdown"), review_markdown::render(review));
    insta::assert_snapshot!(format!("{name}_text"), text(head, review));
}

fn kinds(review: &Review) -> Vec<String> {
    review
        .services
        .iter()
        .flat_map(|s| &s.findings)
        .map(|f| {
            serde_json::to_value(f).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[test]
fn adding_a_consumer_makes_the_service_reachable_from_it_and_may_overwrite_there() {
    let head = Repo::new()
        .with_inventory()
        .mcs(
            "shop/checkout.yaml",
            &checkout().consumers(&["clusterc", "clusterd"]),
        )
        .mcs("default/foo.yaml", &foo());
    let review = review(&base(), &head);
    assert_eq!(review.verdict(), Verdict::Changes);
    assert_eq!(kinds(&review), ["new-consumer", "delivered"]);
    let summary = review.summary();
    assert_eq!((summary.gain_access, summary.lose_access), (1, 0));
    snapshot("add_consumer", &head, &review);
    let json = serde_json::to_string_pretty(&review_json::to_json(&review)).unwrap();
    insta::assert_snapshot!("add_consumer_json", json);
}

#[test]
fn dropping_a_provider_withdraws_its_endpoints_from_every_consumer() {
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout().providers(&["clustera"]))
        .mcs("default/foo.yaml", &foo());
    let review = review(&base(), &head);
    assert_eq!(kinds(&review), ["lost-provider", "withdrawn"]);
    let message = review.services[0].findings[0].message(&review.services[0].key);
    assert_eq!(
        message,
        "clusterb stops providing endpoints for shop/checkout: they are withdrawn from clusterc"
    );
    snapshot("drop_provider", &head, &review);
}

#[test]
fn empty_cluster_lists_expose_the_service_to_all_current_and_future_clusters() {
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &Mcs::new("shop", "checkout"))
        .mcs("default/foo.yaml", &foo());
    let review = review(&base(), &head);
    let messages: Vec<String> = review.services[0]
        .findings
        .iter()
        .map(|f| f.message(&review.services[0].key))
        .collect();
    assert!(
        messages.contains(&"consumerClusters is empty: shop/checkout is exposed to ALL current and future clusters (4 today)".to_owned()),
        "{messages:#?}"
    );
    snapshot("all_clusters", &head, &review);
}

#[test]
fn empty_lists_without_a_cluster_inventory_say_the_count_is_unknown() {
    let base = Repo::new().mcs("shop/checkout.yaml", &checkout());
    let head = Repo::new().mcs("shop/checkout.yaml", &Mcs::new("shop", "checkout"));
    let review = review(&base, &head);
    assert!(kinds(&review).contains(&"delivered".to_owned()));
    snapshot("all_clusters_offline_without_inventory", &head, &review);
}

#[test]
fn deleting_an_mcs_stops_endpoint_sync_but_leaves_the_service_deployed() {
    let head = Repo::new().with_inventory().mcs("default/foo.yaml", &foo());
    let review = review(&base(), &head);
    assert_eq!(review.services[0].change, Change::Removed);
    assert_eq!(kinds(&review), ["deleted"]);
    snapshot("delete_mcs", &head, &review);
}

#[test]
fn changing_types_needs_delete_and_recreate() {
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout())
        .mcs("default/foo.yaml", &foo().types(&["LoadBalancer"]));
    let review = review(&base(), &head);
    assert_eq!(kinds(&review), ["types-changed"]);
    let message = review.services[0].findings[0].message(&review.services[0].key);
    assert!(message.contains("mcs-gitops apply --recreate"), "{message}");
    snapshot("types_change", &head, &review);
}

#[test]
fn an_invalid_head_shows_its_diagnostics_and_removes_nothing() {
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout().consumers(&["clusterC"]))
        .mcs(
            "default/foo.yaml",
            &foo().consumers(&["clustera", "clustere"]),
        );
    let review = review(&base(), &head);
    assert_eq!(review.verdict(), Verdict::Invalid);
    let changes: Vec<Change> = review.services.iter().map(|s| s.change).collect();
    assert_eq!(
        changes,
        [Change::Changed, Change::NotComparable],
        "an unknown cluster still parses; a malformed name does not"
    );
    snapshot("invalid_head", &head, &review);
}

#[test]
fn a_renamed_mcs_is_recognised_and_explained() {
    let renamed = Mcs::new("default", "foo-v2")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout())
        .mcs("default/foo-v2.yaml", &renamed);
    let review = review(&base(), &head);
    assert_eq!(review.services.len(), 1);
    assert_eq!(review.services[0].change, Change::Renamed);
    assert!(matches!(
        &review.services[0].findings[0],
        Finding::Renamed { from, .. } if from == &ObjectKey::new("default", "foo")
    ));
    assert_eq!(review.services[0].access.len(), 2, "old and new Service");
    snapshot("rename", &head, &review);
}

#[test]
fn a_moved_file_changes_nothing_but_its_source_annotation() {
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout())
        .mcs("default/services/foo.yaml", &foo());
    let review = review(&base(), &head);
    assert_eq!(review.services[0].change, Change::Moved);
    assert_eq!(kinds(&review), ["moved"]);
    snapshot("move", &head, &review);
}

#[test]
fn a_new_mcs_with_only_deprecated_fields_is_flagged_and_exposed_everywhere() {
    let legacy = Mcs::new("payments", "ledger")
        .spec_line("serviceProvisionClusters: [clusterb]")
        .spec_line("serviceConsumptionClusters: [clustera]");
    let head = base().mcs("payments/ledger.yaml", &legacy);
    let review = review(&base(), &head);
    assert_eq!(review.services[0].change, Change::Added);
    assert!(kinds(&review).contains(&"deprecated".to_owned()));
    snapshot("deprecated_fields", &head, &review);
}

#[test]
fn comments_and_formatting_alone_are_no_change() {
    let mut head = base();
    head.files.retain(|f| f.path != "default/foo.yaml");
    let head = head.file(
        "default/foo.yaml",
        format!("# The UCS example, lowercased.\n{}", foo().yaml()),
    );
    let review = review(&base(), &head);
    assert_eq!(review.verdict(), Verdict::NoChanges);
    snapshot("no_change", &head, &review);
}

#[test]
fn content_from_the_pull_request_cannot_break_out_of_the_comment() {
    let sneaky = foo().metadata_line("annotations: {note: \"```\\n**approved**\"}");
    let head = Repo::new()
        .with_inventory()
        .mcs("shop/checkout.yaml", &checkout())
        .mcs("default/<!-- hide.yaml", &sneaky);
    let markdown = review_markdown::render(&review(&base(), &head));
    assert!(markdown.contains("````diff"), "a longer fence: {markdown}");
    assert!(markdown.contains("&lt;!-- hide"), "free text is escaped");
    let raw: Vec<&str> = markdown
        .lines()
        .skip(1)
        .filter(|l| l.contains("<!--"))
        .collect();
    assert_eq!(
        raw,
        [
            "**`default/foo`** — changed · `default/foo.yaml → default/<!-- hide.yaml` · fields: `metadata.annotations.note`",
            "+++ head/default/<!-- hide.yaml",
        ],
        "only inside a code span and a fence"
    );
}

fn cluster(name: &str) -> LiveCluster {
    LiveCluster::from_object(&json!({
        "metadata": {"name": name},
        "status": {"kubernetesVersion": "v1.31.0", "conditions": [{"type": "Ready", "status": "True"}]}
    }))
    .unwrap()
}

/// A federation of five clusters where shop/checkout runs in clusterc and
/// clusterd, and the head is planned against it.
fn live_state() -> LiveState {
    let mut live = LiveState::default();
    for name in ["clustera", "clusterb", "clusterc", "clusterd", "clustere"] {
        live.clusters.insert(name.to_owned(), cluster(name));
    }
    for (ns, name) in [("shop", "checkout"), ("default", "foo"), ("shop", "cart")] {
        live.services.insert(ObjectKey::new(ns, name));
    }
    let running = LiveBinding {
        scheduled: ["clustera", "clusterb", "clusterc", "clusterd"]
            .map(str::to_owned)
            .into(),
        ..LiveBinding::default()
    };
    live.bindings
        .insert(ObjectKey::new("shop", "checkout"), running);
    live
}

/// Plans `head` against `live` as `review --kubeconfig` does, with the
/// server's dry-run answers given: checkout and cart accepted, foo refused.
fn planned(head: &Repo, live: &LiveState) -> (manifest::Desired, Plan) {
    let after =
        manifest::load_against(&head.files, &Policy::default(), Some(&live_inventory(live)));
    let options = ChangeOptions {
        instance: "default".to_owned(),
        source: None,
        revision: None,
        adopt: false,
        recreate: false,
        prune: PruneGuard::default(),
    };
    let mut plan = Plan::build(&after, live, &options);
    let key = |ns: &str, name: &str| ObjectKey::new(ns, name);
    plan.record_server_view(&key("shop", "checkout"), Ok(json!({})));
    plan.record_server_view(&key("shop", "cart"), Ok(json!({})));
    plan.record_server_view(
        &key("default", "foo"),
        Err(Blocker::Rejected {
            api_reason: "Conflict".to_owned(),
            message:
                "Apply failed with 1 conflict: conflict with \"ops-script\": .spec.consumerClusters"
                    .to_owned(),
            managers: vec!["ops-script".to_owned()],
            code: Some(409),
            retry: Retry::Terminal,
            fields: Vec::new(),
            at: None,
        }),
    );
    (after, plan)
}

#[test]
fn with_a_live_federation_the_review_knows_where_the_service_runs_and_what_the_server_said() {
    let head = Repo::new()
        .with_inventory()
        .mcs(
            "shop/checkout.yaml",
            &checkout().consumers(&["clusterc", "clusterd", "clustere"]),
        )
        .mcs(
            "default/foo.yaml",
            &foo().consumers(&["clustera", "clusterc"]),
        )
        .mcs("shop/cart.yaml", &Mcs::new("shop", "cart"));
    let live = live_state();
    let (after, plan) = planned(&head, &live);
    let (from, to) = revisions();
    let live_view = Live {
        state: &live,
        plan: &plan,
    };
    let review = review::compare(from, to, &base().load(), &after, Some(live_view));
    assert_eq!(review.verdict(), Verdict::Invalid, "the server refused foo");
    let checkout = &review.services[2];
    assert!(checkout.findings.contains(&Finding::AlreadyRunning {
        clusters: vec!["clusterd".to_owned()]
    }));
    assert!(checkout.findings.iter().any(|f| matches!(
        f,
        Finding::Delivered { clusters, checked_live: true, .. } if clusters == &["clustere"]
    )));
    snapshot("live_federation", &head, &review);
}

#[test]
fn a_review_too_long_for_a_comment_is_shortened_with_a_note() {
    let mut head = base();
    for i in 0..400 {
        let mcs = Mcs::new("bulk", &format!("service-{i:03}"))
            .providers(&["clustera", "clusterb"])
            .consumers(&["clusterc", "clusterd"]);
        head = head.mcs(&format!("bulk/service-{i:03}.yaml"), &mcs);
    }
    let review = review(&base(), &head);
    assert_eq!(review.services.len(), 400);
    let markdown = review_markdown::render(&review);
    assert!(markdown.len() <= review_markdown::COMMENT_LIMIT);
    assert!(markdown.starts_with("<!-- mcs-gitops-review -->\n**⚠️ mcs-gitops review: 400"));
    assert!(
        markdown.contains("the YAML diffs are left out"),
        "diffs go first"
    );
    assert!(markdown.contains("only the first"), "then rows");

    let small = review_markdown::render_within(&review, 2_000);
    assert!(small.len() <= 2_000, "{}", small.len());
    assert!(small.starts_with("<!-- mcs-gitops-review -->"));
}

fn any_repo() -> impl Strategy<Value = Repo> {
    let clusters = prop::sample::subsequence(vec!["clustera", "clusterb", "clusterc"], 0..=3);
    prop::collection::btree_map("[a-e]", (clusters.clone(), clusters), 0..5).prop_map(|objects| {
        objects
            .into_iter()
            .fold(Repo::new().with_inventory(), |repo, (name, (p, c))| {
                let mcs = Mcs::new("default", &name).providers(&p).consumers(&c);
                repo.mcs(&format!("default/{name}.yaml"), &mcs)
            })
    })
}

proptest! {
    #[test]
    fn a_revision_compared_with_itself_has_no_changes(repo in any_repo()) {
        prop_assert_eq!(review(&repo, &repo).verdict(), Verdict::NoChanges);
    }

    #[test]
    fn what_one_direction_gains_the_other_loses(a in any_repo(), b in any_repo()) {
        let forward = review(&a, &b).summary();
        let backward = review(&b, &a).summary();
        prop_assert_eq!(forward.added, backward.removed);
        prop_assert_eq!(forward.renamed, backward.renamed);
        prop_assert_eq!(forward.gain_access, backward.lose_access);
    }
}
