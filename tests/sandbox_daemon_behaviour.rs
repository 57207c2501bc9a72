//! How the daemon behaves: webhooks, broken commits, a contended status
//! branch, leader election and graceful shutdown, against real Git servers
//! and the real sandbox apiserver.

mod support;

use std::time::Duration;

use mcs_gitops::daemon::webhook::sign;
use mcs_gitops::source::auth::Secret;
use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{GitServer, WorkTree, git_daemon};
use support::sandbox::{sandbox, unique};

const STATUS: &str = "mcs-gitops/status";

/// A fresh namespace with a Service `web`, and a repository on a real
/// `git daemon` whose first commit exposes it (clusterb provides, clustera
/// consumes).
struct WebRepo {
    ns: String,
    web: Mcs,
    url: String,
    work: WorkTree,
    /// The first commit.
    first: String,
    _server: GitServer,
}

fn web_repo(prefix: &str) -> WebRepo {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now(prefix);
    sandbox.service_now(&ns, "web");
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let web = Mcs::new(&ns, "web")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write("web.yaml", &web.yaml());
    let first = work.commit_and_push("expose web");
    WebRepo {
        ns,
        web,
        url,
        work,
        first,
        _server: server,
    }
}

fn consumers(object: &serde_json::Value) -> usize {
    object["spec"]["consumerClusters"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn a_signed_webhook_triggers_a_reconcile_long_before_the_interval_and_a_forged_one_nothing() {
    let sandbox = sandbox();
    let WebRepo {
        ns,
        web: base,
        url,
        work,
        _server: _git,
        ..
    } = web_repo("hook");
    let secrets = tempfile::tempdir().unwrap();
    std::fs::write(secrets.path().join("hook"), "hook-secret\n").unwrap();
    let hook_file = secrets.path().join("hook");
    let daemon = Daemon::start(
        sandbox,
        &url,
        &unique("hook"),
        &[
            "--interval",
            "1h",
            "--webhook-secret-file",
            hook_file.to_str().unwrap(),
        ],
    );
    wait_until("the first apply", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").is_some()
    });

    work.write(
        "web.yaml",
        &base.consumers(&["clustera", "clusterc"]).yaml(),
    );
    work.commit_and_push("web: add clusterc");
    let body = br#"{"ref":"refs/heads/main"}"#;
    let forged = sign(&Secret::new("guess"), body);
    let (status, _) = daemon.post(
        "/hooks/git",
        &[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", &forged)],
        body,
    );
    assert_eq!(status, 401);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        consumers(&sandbox.mcs(&ns, "web").unwrap()),
        1,
        "a forged webhook must not trigger a fetch:\n{}",
        daemon.logs()
    );

    let signature = sign(&Secret::new("hook-secret"), body);
    let (status, _) = daemon.post(
        "/hooks/git",
        &[
            ("X-GitHub-Event", "push"),
            ("X-Hub-Signature-256", &signature),
        ],
        body,
    );
    assert_eq!(status, 202);
    wait_until("the pushed change", Duration::from_secs(15), || {
        consumers(&sandbox.mcs(&ns, "web").unwrap()) == 2
    });
}

#[test]
fn a_broken_commit_applies_nothing_and_the_status_branch_names_the_file_and_line() {
    let sandbox = sandbox();
    let WebRepo {
        ns,
        web,
        url,
        work,
        first: good,
        _server: _git,
        ..
    } = web_repo("broken");
    sandbox.service_now(&ns, "api");
    let daemon = Daemon::start(sandbox, &url, &unique("broken"), &[]);
    wait_until("the first apply", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").is_some()
    });

    work.write(
        "web.yaml",
        &web.clone().consumers(&["clustera", "clusterc"]).yaml(),
    );
    work.write(
        "api.yaml",
        &Mcs::new(&ns, "api").providers(&["clusterA"]).yaml(),
    );
    let broken = work.commit_and_push("expose api (typo)");
    wait_until(
        "the invalid revision's report",
        Duration::from_secs(30),
        || {
            work.status_file(STATUS, "status/_revision.yaml")
                .is_some_and(|s| s.contains(&broken))
        },
    );
    let summary = work.status_file(STATUS, "STATUS.md").unwrap();
    assert!(summary.contains("is invalid"), "{summary}");
    assert!(summary.contains("`api.yaml:10:13`"), "{summary}");
    assert!(
        summary.contains(&good[..12]),
        "the last applied revision is named: {summary}"
    );
    assert_eq!(
        consumers(&sandbox.mcs(&ns, "web").unwrap()),
        1,
        "nothing of a broken revision is applied"
    );
    assert!(sandbox.mcs(&ns, "api").is_none());
    assert!(daemon.metric("mcs_gitops_reconciles_total", "invalid") >= 1.0);
}

#[test]
fn a_commit_pushed_to_the_status_branch_meanwhile_is_kept() {
    let sandbox = sandbox();
    let WebRepo {
        web,
        url,
        work,
        first,
        _server: _git,
        ..
    } = web_repo("race");
    let _daemon = Daemon::start(sandbox, &url, &unique("race"), &[]);
    wait_until("the first report", Duration::from_secs(60), || {
        work.status_file(STATUS, "status/_revision.yaml")
            .is_some_and(|s| s.contains(&first))
    });

    work.git(&[
        "checkout",
        "-q",
        "-b",
        "notes",
        "refs/remotes/origin/status",
    ]);
    work.write("NOTES.md", "reviewed by ops\n");
    work.git(&["add", "NOTES.md"]);
    work.git(&[
        "-c",
        "user.name=Ops",
        "-c",
        "user.email=ops@example.com",
        "commit",
        "-q",
        "-m",
        "ops notes",
    ]);
    let notes = work.git(&["rev-parse", "HEAD"]);
    work.git(&["push", "-q", "origin", &format!("HEAD:refs/heads/{STATUS}")]);
    work.git(&["checkout", "-q", "main"]);

    work.write("web.yaml", &web.consumers(&["clustera", "clusterc"]).yaml());
    let second = work.commit_and_push("web: add clusterc");
    wait_until(
        "the report of the second revision",
        Duration::from_secs(60),
        || {
            work.status_file(STATUS, "status/_revision.yaml")
                .is_some_and(|s| s.contains(&second))
        },
    );
    assert_eq!(
        work.status_file(STATUS, "NOTES.md").as_deref(),
        Some("reviewed by ops\n")
    );
    let history = work.git(&["log", "--format=%H", "refs/remotes/origin/status"]);
    assert!(
        history.contains(&notes),
        "the concurrent commit is in the history"
    );
}

#[test]
fn of_two_daemons_only_the_lease_holder_writes_and_the_other_takes_over() {
    let sandbox = sandbox();
    let WebRepo {
        ns,
        web,
        url,
        work,
        _server: _git,
        ..
    } = web_repo("lease");
    let instance = unique("lease");
    let args = |id: &'static str| {
        [
            "--leader-elect",
            "--lease-namespace",
            ns.as_str(),
            "--identity",
            id,
            "--no-status",
        ]
    };
    let mut one = Daemon::start(sandbox, &url, &instance, &args("one"));
    let mut two = Daemon::start(sandbox, &url, &instance, &args("two"));
    wait_until("a leader", Duration::from_secs(30), || {
        one.metric("mcs_gitops_leader", "") + two.metric("mcs_gitops_leader", "") == 1.0
    });
    wait_until("the leader's apply", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").is_some()
    });
    let (leader, follower) = if one.metric("mcs_gitops_leader", "") == 1.0 {
        (&mut one, &mut two)
    } else {
        (&mut two, &mut one)
    };
    let worked = |d: &Daemon| {
        ["applied", "unchanged", "invalid", "failed"]
            .iter()
            .map(|r| d.counter("mcs_gitops_reconciles_total", r))
            .sum::<f64>()
    };
    assert!(worked(leader) >= 1.0);
    assert_eq!(
        worked(follower),
        0.0,
        "the follower never reconciles:\n{}",
        follower.logs()
    );

    leader.kill();
    work.write("web.yaml", &web.consumers(&["clustera", "clusterc"]).yaml());
    work.commit_and_push("web: add clusterc");
    wait_until(
        "the follower to take over and apply",
        Duration::from_secs(60),
        || consumers(&sandbox.mcs(&ns, "web").unwrap()) == 2,
    );
    assert_eq!(follower.metric("mcs_gitops_leader", ""), 1.0);
}

#[test]
fn sigterm_stops_the_daemon_cleanly_and_readiness_follows_the_first_sync() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("term");
    sandbox.service_now(&ns, "web");
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    work.write(
        "web.yaml",
        &Mcs::new(&ns, "web").providers(&["clusterb"]).yaml(),
    );
    work.commit_and_push("expose web");
    let mut daemon = Daemon::start(sandbox, &url, &unique("term"), &[]);
    wait_until("readiness", Duration::from_secs(60), || {
        daemon.get("/readyz").0 == 200
    });
    assert_eq!(daemon.stop(), Some(0));
    assert!(daemon.logs().contains("SIGTERM"));
}

#[test]
fn with_signature_verification_an_unsigned_revision_is_refused_and_the_signed_one_stays() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("signed");
    sandbox.service_now(&ns, "web");
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("release");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let public = std::fs::read_to_string(keys.path().join("release.pub")).unwrap();
    let trusted = keys.path().join("trusted-keys");
    std::fs::write(
        &trusted,
        format!("test@example.com namespaces=\"git\" {public}"),
    )
    .unwrap();

    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let web = Mcs::new(&ns, "web")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write("web.yaml", &web.yaml());
    work.commit_signed_and_push("expose web", &key);
    let daemon = Daemon::start(
        sandbox,
        &url,
        &unique("signed"),
        &[
            "--verify-signatures",
            "--trusted-keys",
            trusted.to_str().unwrap(),
            "--lease-namespace",
            &ns,
        ],
    );
    wait_until(
        "the signed revision applied",
        Duration::from_secs(60),
        || sandbox.mcs(&ns, "web").is_some(),
    );

    work.write("web.yaml", &web.consumers(&["clustera", "clusterc"]).yaml());
    let unsigned = work.commit_and_push("web: add clusterc (unsigned)");
    wait_until("the refusal report", Duration::from_secs(30), || {
        work.status_file(STATUS, "status/_revision.yaml")
            .is_some_and(|s| s.contains(&unsigned) && s.contains("refused"))
    });
    let summary = work.status_file(STATUS, "STATUS.md").unwrap();
    assert!(summary.contains("is not signed"), "{summary}");
    assert_eq!(
        consumers(&sandbox.mcs(&ns, "web").unwrap()),
        1,
        "nothing of an unsigned revision is applied"
    );
    assert!(daemon.metric("mcs_gitops_reconciles_total", "refused") >= 1.0);
}

#[test]
fn a_revision_that_changes_one_file_of_many_reads_and_parses_one_file() {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now("incremental");
    let services: String = (0..40)
        .map(|i| format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: {ns}\nspec:\n  ports: [{{port: 80}}]\n---\n"))
        .collect();
    sandbox.apply_yaml(&services);
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let mcs = |i: usize| {
        Mcs::new(&ns, &format!("svc-{i}"))
            .providers(&["clusterb"])
            .consumers(&["clustera"])
    };
    for i in 0..40 {
        work.write(&format!("svc-{i}.yaml"), &mcs(i).yaml());
    }
    work.commit_and_push("forty services");
    let daemon = Daemon::start(sandbox, &url, &unique("incremental"), &[]);
    daemon.wait_for("the first apply", Duration::from_secs(60), || {
        sandbox.mcs_count(&ns) == 40
    });
    assert!(
        daemon.logs().contains("files=40 parsed=40"),
        "{}",
        daemon.logs()
    );

    work.write(
        "svc-7.yaml",
        &mcs(7).consumers(&["clustera", "clusterc"]).yaml(),
    );
    work.commit_and_push("svc-7: add clusterc");
    daemon.wait_for("the change applied", Duration::from_secs(60), || {
        consumers(&sandbox.mcs(&ns, "svc-7").unwrap()) == 2
    });
    assert!(
        daemon.logs().contains("files=40 parsed=1"),
        "only the changed file is parsed again"
    );
}

#[test]
fn a_full_run_with_nothing_changed_plans_nothing_and_drift_is_still_corrected() {
    let sandbox = sandbox();
    // The git daemon must outlive the test: keep it bound.
    let WebRepo {
        ns,
        url,
        _server: _git,
        ..
    } = web_repo("settled");
    let daemon = Daemon::start(sandbox, &url, &unique("settled"), &[]);
    daemon.wait_for("the first apply", Duration::from_secs(60), || {
        sandbox.mcs_count(&ns) == 1
    });

    // The run after the apply plans and finds nothing to write; a full run
    // after that has the same revision and the same live state to look at.
    let answered = || {
        daemon
            .logs()
            .matches("revision and live state unchanged since the last plan")
            .count()
    };
    daemon.wait_for(
        "a full run with nothing changed",
        Duration::from_secs(60),
        || {
            daemon.signal("HUP");
            std::thread::sleep(Duration::from_millis(500));
            answered() >= 1
        },
    );
    assert!(daemon.metric("mcs_gitops_reconciles_total", "unchanged") >= 1.0);

    // Drift changes the live state, so the next run plans and corrects it.
    let uid = |o: serde_json::Value| o["metadata"]["uid"].as_str().unwrap().to_owned();
    let before = uid(sandbox.mcs(&ns, "web").unwrap());
    let deleted = sandbox.kubectl(&["delete", "multiclusterservice", "web", "-n", &ns]);
    assert!(deleted.status.success(), "{deleted:?}");
    daemon.wait_for(
        "the deleted object recreated",
        Duration::from_secs(60),
        || {
            sandbox
                .mcs(&ns, "web")
                .map(uid)
                .is_some_and(|now| now != before)
        },
    );
}
