//! A revision the API server refuses for a reason retrying does not cure
//! stalls the daemon: the refused object is sent once, not in a loop, and
//! `/readyz`, the metrics and the status branch say what is stalled and why.
//! The refusal comes from a real ValidatingAdmissionPolicy in the sandbox
//! apiserver, which names the field as admission webhooks do (`metadata.labels:
//! ...`), and that field is pointed at in the file.

mod support;

use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{WorkTree, git_daemon};
use support::sandbox::{sandbox, unique};

const STATUS: &str = "mcs-gitops/status";

/// Denies every MultiClusterService labelled `frozen` in `ns`.
fn deny_frozen(ns: &str) -> String {
    format!(
        "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-frozen-{ns}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
      - apiGroups: [networking.karmada.io]
        apiVersions: ['*']
        operations: [CREATE, UPDATE]
        resources: [multiclusterservices]
  validations:
    - expression: \"!has(object.metadata.labels) || !('frozen' in object.metadata.labels)\"
      message: \"metadata.labels: frozen services may not be exposed\"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-frozen-{ns}
spec:
  policyName: no-frozen-{ns}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: {ns}
"
    )
}

#[test]
fn a_terminal_refusal_stalls_once_and_readiness_metrics_and_status_say_why() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("stall");
    sandbox.service_now(&ns, "web");
    sandbox.service_now(&ns, "frozen");
    sandbox.apply_yaml(&deny_frozen(&ns));
    // The apiserver enforces a new policy once its informers have it: probe
    // with a server-side dry run until a frozen MCS is refused.
    let probe = tempfile::NamedTempFile::new().unwrap();
    let frozen = Mcs::new(&ns, "frozen").metadata_line("labels: {frozen: \"yes\"}");
    std::fs::write(probe.path(), frozen.yaml()).unwrap();
    wait_until("the policy enforced", Duration::from_secs(30), || {
        let out = sandbox.kubectl(&[
            "create",
            "--dry-run=server",
            "-f",
            probe.path().to_str().unwrap(),
        ]);
        String::from_utf8_lossy(&out.stderr).contains("frozen services may not be exposed")
    });
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    work.write(
        "web.yaml",
        &Mcs::new(&ns, "web").providers(&["clusterb"]).yaml(),
    );
    work.write(
        "frozen.yaml",
        &Mcs::new(&ns, "frozen")
            .metadata_line("labels: {frozen: \"yes\"}")
            .yaml(),
    );
    let head = work.commit_and_push("expose web and frozen");
    let daemon = Daemon::start(sandbox, &url, &unique("stall"), &["--resync", "2s"]);

    wait_until("the stalled report", Duration::from_secs(60), || {
        work.status_file(STATUS, "status/_revision.yaml")
            .is_some_and(|s| s.contains(&head) && s.contains("stalled:"))
    });
    assert!(
        sandbox.mcs(&ns, "web").is_some(),
        "the other object is applied"
    );
    assert!(sandbox.mcs(&ns, "frozen").is_none());
    let revision = work.status_file(STATUS, "status/_revision.yaml").unwrap();
    assert!(
        revision.contains("frozen services may not be exposed"),
        "{revision}"
    );
    let summary = work.status_file(STATUS, "STATUS.md").unwrap();
    assert!(summary.contains("| Stalled |"), "{summary}");
    assert!(
        summary.contains(r"\(at frozen.yaml:6:11\)"),
        "the refusal points at the field in Git: {summary}"
    );
    assert!(
        summary.contains(&format!("{ns}/frozen was refused")),
        "{summary}"
    );

    let (code, ready) = daemon.get("/readyz");
    assert_eq!(code, 200, "a stalled daemon still takes webhooks: {ready}");
    assert!(
        ready.contains("stalled:") && ready.contains("frozen"),
        "{ready}"
    );
    assert_eq!(daemon.metric("mcs_gitops_stalled", ""), 1.0);

    // Server-side apply counts as APPLY in the apiserver's own metrics.
    let patches = || {
        let counts = sandbox.request_counts("multiclusterservices");
        ["APPLY", "PATCH"]
            .iter()
            .filter_map(|v| counts.get(*v))
            .sum::<u64>()
    };
    let before = patches();
    assert!(before >= 2, "web and frozen were each sent once: {before}");
    let resyncs = daemon.counter("mcs_gitops_reconciles_total", "failed");
    daemon.wait_for("three more resyncs", Duration::from_secs(30), || {
        daemon.counter("mcs_gitops_reconciles_total", "failed") >= resyncs + 3.0
    });
    assert_eq!(
        patches(),
        before,
        "the refused object is not sent again while nothing changed"
    );
    daemon.signal("HUP");
    daemon.wait_for("the operator's retry", Duration::from_secs(30), || {
        patches() > before
    });
}
