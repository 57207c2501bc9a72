//! Two daemons left at the default instance name, each tracking its own
//! repository, never prune each other's objects: each records its Git
//! source on what it writes and refuses to touch what another source wrote
//! under the same instance, naming that source.

mod support;

use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{WorkTree, git_daemon};
use support::sandbox::sandbox;

const STATUS: &str = "mcs-gitops/status";

#[test]
fn two_daemons_at_the_default_instance_leave_each_others_objects_alone() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("twins");
    sandbox.service_now(&ns, "alpha");
    sandbox.service_now(&ns, "beta");
    let server = git_daemon();
    let (url_a, url_b) = (server.repository("a"), server.repository("b"));
    let (work_a, work_b) = (WorkTree::new(&server, "a"), WorkTree::new(&server, "b"));
    work_a.write(
        "alpha.yaml",
        &Mcs::new(&ns, "alpha").providers(&["clustera"]).yaml(),
    );
    work_a.commit_and_push("alpha");
    work_b.write(
        "beta.yaml",
        &Mcs::new(&ns, "beta").providers(&["clusterb"]).yaml(),
    );
    work_b.commit_and_push("beta");

    let resync = ["--resync", "2s"];
    let a = Daemon::start(sandbox, &url_a, "default", &resync);
    wait_until("alpha applied", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "alpha").is_some()
    });
    let b = Daemon::start(sandbox, &url_b, "default", &resync);
    wait_until("beta applied", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "beta").is_some()
    });
    wait_until(
        "alpha's daemon names beta's source",
        Duration::from_secs(30),
        || {
            work_a
                .status_file(STATUS, "STATUS.md")
                .is_some_and(|s| s.contains("written by another daemon"))
        },
    );
    a.wait_for("two more resyncs of each", Duration::from_secs(30), || {
        a.counter("mcs_gitops_reconciles_total", "failed") >= 2.0
            && b.counter("mcs_gitops_reconciles_total", "failed") >= 2.0
    });
    assert!(
        sandbox.mcs(&ns, "alpha").is_some(),
        "beta's daemon left alpha alone"
    );
    assert!(
        sandbox.mcs(&ns, "beta").is_some(),
        "alpha's daemon left beta alone"
    );
    let beta = sandbox.mcs(&ns, "beta").unwrap();
    let source = beta["metadata"]["annotations"]["mcs-gitops.io/source"]
        .as_str()
        .unwrap_or_default();
    assert!(
        source.ends_with("/b.git@main") || source.contains("/b@main"),
        "{source}"
    );
}
