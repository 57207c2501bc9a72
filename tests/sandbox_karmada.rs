//! End to end on a real Karmada federation (karmada-controller-manager with
//! the MultiClusterService gate, scheduler, webhook, four member clusters):
//! the daemon applies an MCS, Karmada dispatches the provider's
//! EndpointSlices to the consumers, and the status branch reports each flow
//! in place with its endpoint count and Karmada's conditions; dropping a
//! consumer withdraws its slices; a provider that goes down shows its flows
//! as stale (Karmada keeps serving a NotReady provider's endpoints),
//! with Karmada's reason; pruning the MCS is reported with the clusters
//! where Karmada keeps the Service.

mod support;

use std::path::Path;
use std::time::Duration;

use support::daemon::Daemon;
use support::git_servers::{WorkTree, git_daemon};
use support::sandbox::{Sandbox, repo_root, start};

const STATUS: &str = "mcs-gitops/status";

fn member_slice(federation: &Sandbox, cluster: &str, name: &str) -> Option<serde_json::Value> {
    let kubeconfig = federation.dir.join(format!("members/{cluster}.kubeconfig"));
    let out = federation.kubectl(&[
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "get",
        "endpointslices.discovery.k8s.io",
        name,
        "-n",
        "default",
        "-o",
        "json",
    ]);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).unwrap())
}

fn copy_examples(work: &WorkTree) {
    fn walk(dir: &Path, base: &Path, work: &WorkTree) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(&path, base, work);
            } else {
                let relative = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                work.write(&relative, &std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let examples = repo_root().join("examples-repo");
    walk(&examples, &examples, work);
}

fn foo(consumer: &str) -> String {
    format!(
        "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: foo\n  namespace: default\nspec:\n  types:\n    - CrossCluster\n  providerClusters:\n    - name: clusterb\n  consumerClusters:\n    - name: {consumer}\n"
    )
}

#[test]
fn karmada_dispatches_slices_and_the_status_branch_follows_every_flow() {
    let federation = start(&["--karmada"]);
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    copy_examples(&work);
    work.commit_and_push("examples");
    let daemon = Daemon::start(&federation, &url, "e2e", &["--resync", "5s"]);
    let report = || {
        work.status_file(STATUS, "status/default/foo.yaml")
            .unwrap_or_default()
    };

    daemon.wait_for(
        "the dispatched slice in clustera",
        Duration::from_secs(120),
        || member_slice(&federation, "clustera", "clusterb-foo-clusterb").is_some(),
    );
    let slice = member_slice(&federation, "clustera", "clusterb-foo-clusterb").unwrap();
    assert_eq!(slice["endpoints"].as_array().unwrap().len(), 2);
    let works = federation.kubectl(&[
        "get",
        "works.work.karmada.io",
        "-A",
        "-l",
        "multiclusterservice.karmada.io/name=foo",
        "-o",
        "name",
    ]);
    let works = String::from_utf8_lossy(&works.stdout).lines().count();
    assert!(
        works >= 3,
        "marker, collected and dispatched Works: {works}"
    );
    daemon.wait_for(
        "the flow in place on the status branch",
        Duration::from_secs(90),
        || {
            let report = report();
            report.contains("state: in-place")
                && report.contains("endpoints: 2")
                && report.contains("EndpointSliceDispatchedSucceed")
        },
    );
    let summary = work.status_file(STATUS, "STATUS.md").unwrap();
    assert!(
        summary.contains("| `default/foo` | C ✅ | P |"),
        "{summary}"
    );

    work.write("default/foo.yaml", &foo("clusterc"));
    work.commit_and_push("foo: serve clusterc instead of clustera");
    daemon.wait_for(
        "the slices withdrawn from clustera and dispatched to clusterc",
        Duration::from_secs(120),
        || {
            member_slice(&federation, "clustera", "clusterb-foo-clusterb").is_none()
                && member_slice(&federation, "clusterc", "clusterb-foo-clusterb").is_some()
        },
    );
    daemon.wait_for(
        "the report of the new consumer",
        Duration::from_secs(90),
        || {
            let report = report();
            report.contains("consumer: clusterc")
                && !report.contains("consumer: clustera")
                && report.contains("state: in-place")
        },
    );

    let stopped = federation.launcher("stop", &["--kill", "member-clusterb"]);
    assert!(
        stopped.status.success(),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    daemon.wait_for(
        "the provider reported not Ready",
        Duration::from_secs(120),
        || {
            let report = report();
            report.contains("state: stale")
                && report.contains("provider clusterb is not Ready since")
                && report.contains("Karmada keeps serving its endpoints")
        },
    );

    work.remove("default/foo.yaml");
    work.commit_and_push("foo: no longer exposed");
    daemon.wait_for(
        "the prune reported with the Service copies Karmada keeps",
        Duration::from_secs(90),
        || {
            // Fetches the status branch.
            let _ = work.status_file(STATUS, "STATUS.md");
            let history = work.git(&["log", "-p", "refs/remotes/origin/status", "--", "STATUS.md"]);
            history.contains("`service-left-behind`")
                && history.contains(
                    "pruning default/foo stops its endpoint sync, but Karmada keeps the Service in",
                )
        },
    );
}
