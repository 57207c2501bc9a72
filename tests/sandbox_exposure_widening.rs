//! On a real Karmada federation, a member that joins widens every MCS with
//! an empty consumer list without any commit: the daemon, watching
//! Clusters, reports it on the status branch within seconds, counts it, and
//! says which exposure policy the widening breaks; the revision that keeps
//! the violation is refused and what is applied stays.

mod support;

use std::time::{Duration, Instant};

use support::daemon::{Daemon, wait_until};
use support::fixtures::{Mcs, exposure_policy};
use support::git_servers::{WorkTree, git_daemon};
use support::sandbox::{start, unique};

const STATUS: &str = "mcs-gitops/status";

#[test]
fn a_joining_member_is_reported_as_a_widening_that_breaks_the_policy() {
    let federation = start(&["--karmada", "--clusters", "clustera,clusterb"]);
    let ns = federation.namespace_now("payments");
    federation.service_now(&ns, "ledger");
    let policies = tempfile::tempdir().unwrap();
    let policy = policies.path().join("no-clustere.yaml");
    std::fs::write(
        &policy,
        exposure_policy(
            "no-clustere",
            &[&ns],
            &[(
                "!('clustere' in exposure.consumers)",
                "ledger is never reachable from clustere",
            )],
        ),
    )
    .unwrap();

    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    work.write(
        "ledger.yaml",
        &Mcs::new(&ns, "ledger").providers(&["clustera"]).yaml(),
    );
    work.commit_and_push("ledger: every cluster may reach it");
    let daemon = Daemon::start(
        &federation,
        &url,
        &unique("widening"),
        &["--policy", policy.to_str().unwrap()],
    );
    wait_until("the MCS applied", Duration::from_secs(60), || {
        federation.mcs(&ns, "ledger").is_some()
    });
    let applied = federation.mcs(&ns, "ledger").unwrap();

    let joined = federation.launcher(
        "up",
        &["--karmada", "--clusters", "clustera,clusterb,clustere"],
    );
    assert!(
        joined.status.success(),
        "{}",
        String::from_utf8_lossy(&joined.stderr)
    );
    let after_join = Instant::now();
    let widened = format!("{ns}/ledger became reachable from cluster clustere");
    wait_until("the widening reported", Duration::from_secs(30), || {
        work.status_file(STATUS, "STATUS.md")
            .is_some_and(|s| s.contains(&widened))
    });
    eprintln!(
        "widening on the status branch {:.1}s after the member was Ready",
        after_join.elapsed().as_secs_f64()
    );
    let summary = work.status_file(STATUS, "STATUS.md").unwrap();
    assert!(summary.contains("consumerClusters is empty"), "{summary}");
    assert!(
        summary.contains(
            "breaks operator policy \"no-clustere\": ledger is never reachable from clustere"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("is invalid"),
        "the revision is refused now: {summary}"
    );
    assert!(daemon.counter("mcs_gitops_exposure_changes_total", "widened") >= 1.0);
    let still = federation.mcs(&ns, "ledger").unwrap();
    assert_eq!(
        (
            still.pointer("/metadata/generation"),
            still.pointer("/spec")
        ),
        (
            applied.pointer("/metadata/generation"),
            applied.pointer("/spec")
        ),
        "nothing was written after the widening"
    );
}
