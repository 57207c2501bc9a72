//! Faults, each against real servers: the API server killed mid-apply, the
//! Git remote down, the daemon killed mid-reconcile, status pushes rejected,
//! the federation's token revoked. The daemon stays up, says what is wrong,
//! backs off, and converges once the fault is gone, touching nothing it does
//! not own.

mod support;

use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{WorkTree, git_daemon};
use support::sandbox::{Sandbox, sandbox, start, unique};

const STATUS: &str = "mcs-gitops/status";

/// `count` Services and a repository of `count` MCS objects in a fresh namespace.
fn many(sandbox: &Sandbox, work: &WorkTree, count: usize) -> String {
    let ns = sandbox.namespace_now("many");
    let services: String = (0..count)
        .map(|i| format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: {ns}\nspec:\n  ports: [{{port: 80}}]\n---\n"))
        .collect();
    sandbox.apply_yaml(&services);
    for i in 0..count {
        let name = format!("svc-{i}");
        work.write(
            &format!("{ns}/{name}.yaml"),
            &Mcs::new(&ns, &name)
                .providers(&["clustera"])
                .consumers(&["clusterb"])
                .yaml(),
        );
    }
    ns
}

fn instance_label(sandbox: &Sandbox, ns: &str) -> usize {
    let out = sandbox.kubectl(&[
        "get",
        "multiclusterservices.networking.karmada.io",
        "-n",
        ns,
        "-l",
        "app.kubernetes.io/managed-by=mcs-gitops",
        "-o",
        "name",
    ]);
    String::from_utf8_lossy(&out.stdout).lines().count()
}

#[test]
fn the_api_server_killed_mid_apply_of_1000_objects_converges_and_touches_nothing_else() {
    let own = start(&[]);
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let ns = many(&own, &work, 1000);
    own.service_now(&ns, "manual");
    own.apply_yaml(&format!("apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: manual\n  namespace: {ns}\nspec:\n  types: [CrossCluster]\n"));
    let manual_version = own.mcs(&ns, "manual").unwrap()["metadata"]["resourceVersion"].clone();
    work.commit_and_push("1000 services");

    let daemon = Daemon::start(&own, &url, &unique("faults"), &["--concurrency", "1"]);
    wait_until(
        "the apply to be under way",
        Duration::from_secs(120),
        || own.mcs_count(&ns) > 50,
    );
    let stopped = own.launcher("stop", &["--kill", "apiserver"]);
    assert!(
        stopped.status.success(),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    std::thread::sleep(Duration::from_secs(3));
    let started = own.launcher("start", &["apiserver"]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );

    wait_until("all 1000 objects", Duration::from_secs(240), || {
        instance_label(&own, &ns) == 1000
    });
    assert_eq!(
        own.mcs_count(&ns),
        1001,
        "nothing duplicated, nothing extra"
    );
    let manual = own.mcs(&ns, "manual").unwrap();
    assert_eq!(
        manual["metadata"]["resourceVersion"], manual_version,
        "an object we do not own is never touched"
    );
    let logs = daemon.logs();
    assert!(
        logs.contains("retrying with backoff"),
        "the outage was noticed:\n{}",
        &logs[logs.len().saturating_sub(3000)..]
    );
}

#[test]
fn a_git_remote_down_for_several_intervals_is_reported_and_recovered_from() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("down");
    sandbox.service_now(&ns, "web");
    let mut server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let web = Mcs::new(&ns, "web")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write("web.yaml", &web.yaml());
    work.commit_and_push("expose web");
    let daemon = Daemon::start(sandbox, &url, &unique("down"), &[]);
    // The other tests of this file apply thousands of objects at the same
    // time on two cores: the first live read can take a while.
    daemon.wait_for("readiness", Duration::from_secs(120), || {
        daemon.get("/readyz").0 == 200
    });

    server.kill();
    wait_until(
        "readiness to report the outage",
        Duration::from_secs(30),
        || {
            let (status, body) = daemon.get("/readyz");
            status == 503 && body.contains("Git source failing")
        },
    );
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(daemon.get("/healthz").0, 200, "the daemon stays up");
    assert_eq!(daemon.metric("mcs_gitops_source_up", ""), 0.0);

    server.restart_git_daemon();
    work.write("web.yaml", &web.consumers(&["clustera", "clusterc"]).yaml());
    work.commit_and_push("web: add clusterc");
    wait_until("recovery", Duration::from_secs(60), || {
        daemon.get("/readyz").0 == 200
            && sandbox.mcs(&ns, "web").is_some_and(|o| {
                o["spec"]["consumerClusters"]
                    .as_array()
                    .is_some_and(|c| c.len() == 2)
            })
    });
}

#[test]
fn a_daemon_killed_mid_reconcile_converges_after_a_restart() {
    let sandbox = sandbox();
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let ns = many(sandbox, &work, 300);
    work.commit_and_push("300 services");
    let instance = unique("killed");
    let mut first = Daemon::start(sandbox, &url, &instance, &["--concurrency", "1"]);
    wait_until(
        "the apply to be under way",
        Duration::from_secs(120),
        || sandbox.mcs_count(&ns) > 20,
    );
    first.kill();
    let partial = sandbox.mcs_count(&ns);
    assert!(
        partial < 300,
        "the kill came too late to test anything ({partial} applied)"
    );
    let _second = Daemon::start(sandbox, &url, &instance, &[]);
    wait_until("convergence", Duration::from_secs(120), || {
        instance_label(sandbox, &ns) == 300
    });
}

#[test]
fn rejected_status_pushes_are_retried_and_nothing_is_lost() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("hook");
    sandbox.service_now(&ns, "web");
    let server = git_daemon();
    let url = server.repository("config");
    let hook = server.root.join("config.git/hooks/pre-receive");
    let counter = server.root.join("rejections");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nwhile read old new ref; do\n  if [ \"$ref\" = refs/heads/{STATUS} ] && [ $(cat {c} 2>/dev/null | wc -c) -lt 2 ]; then\n    printf x >> {c}\n    echo 'status branch is frozen, try again' >&2\n    exit 1\n  fi\ndone\n",
            c = counter.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let work = WorkTree::new(&server, "config");
    work.write(
        "web.yaml",
        &Mcs::new(&ns, "web").providers(&["clusterb"]).yaml(),
    );
    let revision = work.commit_and_push("expose web");
    let daemon = Daemon::start(sandbox, &url, &unique("hook"), &[]);
    wait_until("the status report", Duration::from_secs(60), || {
        work.status_file(STATUS, "status/_revision.yaml")
            .is_some_and(|s| s.contains(&revision))
    });
    assert_eq!(
        std::fs::read_to_string(&counter).unwrap(),
        "xx",
        "two pushes were rejected first"
    );
    assert!(daemon.logs().contains("rebuilding on its new tip"));
}

#[test]
fn a_revoked_federation_token_is_reported_without_a_crash_loop() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("token");
    sandbox.service_now(&ns, "web");
    let account = unique("reconciler");
    assert!(
        sandbox
            .kubectl(&["create", "serviceaccount", &account, "-n", &ns])
            .status
            .success()
    );
    let binding = sandbox.kubectl(&[
        "create",
        "clusterrolebinding",
        &account,
        "--clusterrole=cluster-admin",
        &format!("--serviceaccount={ns}:{account}"),
    ]);
    assert!(binding.status.success());
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = sandbox.token_kubeconfig(&ns, &account, dir.path());

    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let web = Mcs::new(&ns, "web")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write("web.yaml", &web.yaml());
    work.commit_and_push("expose web");
    let daemon = Daemon::start(
        sandbox,
        &url,
        &unique("token"),
        &["--kubeconfig", kubeconfig.to_str().unwrap()],
    );
    wait_until("the first apply", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").is_some()
    });

    assert!(
        sandbox
            .kubectl(&["delete", "serviceaccount", &account, "-n", &ns])
            .status
            .success()
    );
    wait_until("the token to be refused", Duration::from_secs(30), || {
        let out = std::process::Command::new(&sandbox.kubectl)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["get", "namespaces"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).contains("Unauthorized")
    });
    work.write("web.yaml", &web.consumers(&["clustera", "clusterc"]).yaml());
    work.commit_and_push("web: add clusterc");
    daemon.wait_for(
        "readiness to report the refused credentials",
        Duration::from_secs(30),
        || {
            let (status, body) = daemon.get("/readyz");
            status == 503 && body.contains("unauthorized")
        },
    );
    let failures_then = daemon.logs().matches("reconcile failed").count();
    std::thread::sleep(Duration::from_secs(8));
    let failures_now = daemon.logs().matches("reconcile failed").count();
    assert!(
        failures_now - failures_then <= 4,
        "retries back off: {failures_then} -> {failures_now}"
    );
    assert_eq!(daemon.get("/healthz").0, 200, "the daemon stays up");
}
