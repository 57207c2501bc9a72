//! Exposure policies judge the *resolved* exposure: an empty consumer list
//! is every cluster of the inventory, so a policy forbidding a consumer
//! refuses it as surely as a list naming that consumer. Operator policies
//! hold whatever the repository's own policies say.

mod support;

use mcs_gitops::manifest::{self, Desired, Policy, RepoFile};
use mcs_gitops::policy::{self, PolicySet};
use support::fixtures::{Mcs, Repo, exposure_policy, operator_policies, rendered};

const NO_CLUSTERD: &str = "!('clusterd' in exposure.consumers)";

/// The operator's policy of the README: payments never reachable from
/// clusterd.
fn payments_private() -> PolicySet {
    operator_policies(&exposure_policy(
        "payments-stay-private",
        &["payments"],
        &[(NO_CLUSTERD, "payments may never be reachable from clusterd")],
    ))
}

fn ledger(consumers: &[&str]) -> Mcs {
    Mcs::new("payments", "ledger")
        .providers(&["clustera"])
        .consumers(consumers)
}

/// A revision checked offline as `validate` does: against the
/// repository's own cluster list.
fn check(files: &[RepoFile], operator: &PolicySet) -> Desired {
    let mut desired = manifest::load(files, &Policy::default());
    let inventory = desired.inventory.clone();
    policy::enforce(&mut desired, operator, files, inventory.as_ref());
    desired
}

/// The messages of the exposure-policy and policy-file errors.
fn refusals(files: &[RepoFile], operator: &PolicySet) -> Vec<String> {
    check(files, operator)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.rule.name(), d.message))
        .collect()
}

#[test]
fn a_policy_refuses_a_named_consumer_and_an_empty_list_when_the_cluster_exists() {
    let operator = payments_private();
    let refused = "exposure-policy: payments/ledger breaks operator policy \"payments-stay-private\": payments may never be reachable from clusterd";
    let cases: [(&str, Repo, Vec<&str>); 5] = [
        (
            "names clusterd",
            Repo::new()
                .with_inventory()
                .mcs("p/ledger.yaml", &ledger(&["clusterb", "clusterd"])),
            vec![refused],
        ),
        (
            "empty consumers, clusterd in the inventory",
            Repo::new()
                .with_inventory()
                .mcs("p/ledger.yaml", &ledger(&[])),
            vec![refused],
        ),
        (
            "empty consumers, no clusterd in the inventory",
            Repo::new()
                .file(
                    "mcs-gitops.yaml",
                    "clusters:\n  - name: clustera\n  - name: clusterb\n",
                )
                .mcs("p/ledger.yaml", &ledger(&[])),
            vec![],
        ),
        (
            "names other clusters only",
            Repo::new()
                .with_inventory()
                .mcs("p/ledger.yaml", &ledger(&["clusterb"])),
            vec![],
        ),
        (
            "another namespace may name clusterd",
            Repo::new().with_inventory().mcs(
                "shop/cart.yaml",
                &Mcs::new("shop", "cart")
                    .providers(&["clustera"])
                    .consumers(&["clusterd"]),
            ),
            vec![],
        ),
    ];
    for (case, repo, expected) in cases {
        assert_eq!(refusals(&repo.files, &operator), expected, "{case}");
    }
}

#[test]
fn a_repository_policy_cannot_loosen_an_operator_one_even_under_its_name() {
    let loosening = exposure_policy("payments-stay-private", &[], &[("true", "anything goes")]);
    let repo = Repo::new()
        .with_inventory()
        .file("policies/loose.yaml", loosening)
        .mcs("p/ledger.yaml", &ledger(&["clusterd"]));
    let found = refusals(&repo.files, &payments_private());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("operator policy"), "{found:?}");
}

#[test]
fn a_repository_policy_adds_restrictions_of_its_own() {
    let own = exposure_policy(
        "name-your-consumers",
        &[],
        &[(
            "!exposure.consumersAreAll",
            "every Service names its consumers",
        )],
    );
    let repo = Repo::new()
        .with_inventory()
        .file("policies/own.yaml", own)
        .mcs("p/ledger.yaml", &ledger(&[]))
        .mcs(
            "p/audit.yaml",
            &Mcs::new("payments", "audit").consumers(&["clusterb"]),
        );
    assert_eq!(
        refusals(&repo.files, &PolicySet::default()),
        [
            "exposure-policy: payments/ledger breaks repository policy \"name-your-consumers\": every Service names its consumers"
        ]
    );
}

#[test]
fn cluster_labels_delivery_and_the_written_object_are_policy_variables() {
    let rules = [
        (
            "exposure.delivery.all(c, c != 'clusterc')",
            "never delivered to clusterc",
        ),
        (
            "object.metadata.labels['team'] == 'ledger'",
            "labelled with its team",
        ),
        (
            "exposure.providersAreAll || exposure.providersNamed.size() == 1",
            "one provider",
        ),
    ];
    let operator = operator_policies(&exposure_policy("house-rules", &[], &rules));
    let repo = Repo::new().with_inventory().mcs(
        "p/ledger.yaml",
        &ledger(&["clusterc"]).metadata_line("labels: {team: payments}"),
    );
    let found = refusals(&repo.files, &operator);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .any(|f| f.ends_with("never delivered to clusterc")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| f.ends_with("labelled with its team")),
        "{found:?}"
    );
}

#[test]
fn a_broken_expression_is_an_error_at_its_file_and_line() {
    let broken = exposure_policy("broken", &[], &[("exposure.consumers.size() <", "x")]);
    let repo = Repo::new()
        .file("policies/broken.yaml", broken)
        .mcs("p/ledger.yaml", &ledger(&["clusterb"]));
    let desired = check(&repo.files, &PolicySet::default());
    assert!(
        !desired.is_valid(),
        "a broken policy makes the revision invalid"
    );
    insta::assert_snapshot!(rendered(&repo, &desired));
}

#[test]
fn an_expression_that_is_not_a_bool_or_cannot_be_evaluated_refuses_the_object() {
    let rules = [
        ("exposure.consumers.size()", "a number"),
        ("exposure.nosuchfield", "a missing field"),
    ];
    let operator = operator_policies(&exposure_policy("odd", &[], &rules));
    let repo = Repo::new().mcs("p/ledger.yaml", &ledger(&["clusterb"]));
    let found = refusals(&repo.files, &operator);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .any(|f| f.ends_with("a number (it evaluated to a value of type int, not a bool)")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f
                .contains("a missing field (it could not be evaluated: No such key: nosuchfield)")),
        "{found:?}"
    );
}

#[test]
fn a_policy_violation_renders_at_the_object_with_the_rule_it_breaks() {
    let repo = Repo::new()
        .with_inventory()
        .mcs("p/ledger.yaml", &ledger(&[]));
    let desired = check(&repo.files, &payments_private());
    insta::assert_snapshot!(rendered(&repo, &desired));
}

#[test]
fn hostile_expressions_are_judged_or_refused_without_overflowing_a_stack() {
    let cases = [
        ("!".repeat(4_990) + "true", vec![]),
        ("1 + ".repeat(1_240) + "1 == 0", vec!["exposure-policy"]),
        (
            format!("{}true{}", "[".repeat(33), "]".repeat(33)),
            vec!["policy-file"],
        ),
        ("'a' + ".repeat(1_300) + "'a' == ''", vec!["policy-file"]),
    ];
    for (expression, expected) in cases {
        let policy = exposure_policy("hostile", &[], &[(&expression, "x")]);
        let repo = Repo::new()
            .file("policies/hostile.yaml", policy)
            .mcs("p/ledger.yaml", &ledger(&["clusterb"]));
        let found = refusals(&repo.files, &PolicySet::default());
        let rules: Vec<&str> = found.iter().map(|f| f.split(':').next().unwrap()).collect();
        assert_eq!(rules, expected, "{}…: {found:?}", &expression[..20]);
    }
}

#[test]
fn validate_applies_the_operator_policies_and_stops_on_a_broken_one() {
    let repo = support::repo::DiskRepo::new()
        .file(
            "mcs-gitops.yaml",
            "clusters:\n  - name: clustera\n  - name: clusterd\n",
        )
        .mcs("payments/ledger.yaml", &ledger(&[]));
    let policies = tempfile::tempdir().unwrap();
    let good = policies.path().join("good.yaml");
    std::fs::write(
        &good,
        exposure_policy(
            "payments-stay-private",
            &["payments"],
            &[(NO_CLUSTERD, "never clusterd")],
        ),
    )
    .unwrap();
    let refused = assert_cmd::cargo::cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--policy"])
        .arg(policies.path())
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let out = String::from_utf8_lossy(&refused.stdout);
    assert!(out.contains("error[exposure-policy]: payments/ledger breaks operator policy \"payments-stay-private\": never clusterd"), "{out}");

    std::fs::write(
        policies.path().join("broken.yaml"),
        exposure_policy("broken", &[], &[("exposure.consumers.", "x")]),
    )
    .unwrap();
    let stopped = assert_cmd::cargo::cargo_bin_cmd!("mcs-gitops")
        .args(["validate", "--policy"])
        .arg(policies.path())
        .arg(repo.path())
        .output()
        .unwrap();
    assert_eq!(stopped.status.code(), Some(3));
    let err = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        err.contains("--policy: ")
            && err.contains("broken.yaml:7:19: the expression does not compile"),
        "{err}"
    );
}

#[test]
fn a_review_names_the_policy_a_change_breaks_even_if_it_drops_the_cluster_from_the_list() {
    let policies = tempfile::tempdir().unwrap();
    std::fs::write(
        policies.path().join("private.yaml"),
        exposure_policy(
            "payments-stay-private",
            &["payments"],
            &[(NO_CLUSTERD, "never clusterd")],
        ),
    )
    .unwrap();
    let repo = support::repo::DiskRepo::new()
        .file(
            "mcs-gitops.yaml",
            "clusters:\n  - name: clustera\n  - name: clusterd\n",
        )
        .mcs("payments/ledger.yaml", &ledger(&["clustera"]));
    let base = repo.commit("base");
    let repo = repo
        .file("mcs-gitops.yaml", "clusters:\n  - name: clustera\n")
        .mcs("payments/ledger.yaml", &ledger(&[]));
    let head = repo.commit("ledger for every cluster, and clusterd out of the list");
    let output = assert_cmd::cargo::cargo_bin_cmd!("mcs-gitops")
        .args([
            "review", "-o", "markdown", "--base", &base, "--head", &head, "--policy",
        ])
        .arg(policies.path())
        .arg(repo.path())
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{markdown}");
    assert!(
        markdown.contains("| ❌ | `exposure-policy` | `payments/ledger.yaml:1:1` | payments/ledger breaks operator policy \"payments-stay-private\": never clusterd"),
        "{markdown}"
    );
}
