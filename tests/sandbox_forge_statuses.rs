//! The loop closed in a real forge, on a real Karmada federation: a push to
//! Gitea, Gitea's own webhook, the daemon applies it, and the commit shows
//! `pending` then `success` with the flow count once Karmada's controllers
//! put the flows in place; an invalid push ends as a failure naming the
//! file; a webhook signed with the wrong secret fetches nothing.

mod support;

use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::gitea::{Clone, Gitea, Status};
use support::sandbox::{Sandbox, start, unique};

const SECRET: &str = "a-webhook-secret-gitea-signs-with";

fn states(statuses: &[Status]) -> Vec<&str> {
    statuses.iter().map(|s| s.state.as_str()).collect()
}

/// A plain control plane with a forge, shared by the tests that need no
/// Karmada controllers.
fn plain_with_forge() -> &'static Sandbox {
    static SANDBOX: std::sync::OnceLock<Sandbox> = std::sync::OnceLock::new();
    SANDBOX.get_or_init(|| start(&["--forge"]))
}

/// Waits until `sha`'s status is final; returns every status of it.
fn settled(gitea: &Gitea, sha: &str, context: &str, daemon: &Daemon) -> Vec<Status> {
    daemon.wait_for("a final commit status", Duration::from_secs(90), || {
        gitea
            .statuses("config", sha, context)
            .iter()
            .any(|s| s.state != "pending")
    });
    gitea.statuses("config", sha, context)
}

#[test]
fn gitea_pushes_are_applied_and_each_commit_ends_with_one_true_status() {
    let federation = start(&["--karmada", "--clusters", "clustera,clusterb", "--forge"]);
    let gitea = Gitea::of(&federation);
    // default/foo's Service and clusterb's endpoints for it are in place
    // (the sandbox creates them for examples-repo), so its flow can settle.
    let url = gitea.create_repo("config");
    let work = Clone::new(&gitea.push_url("config"));
    let foo = Mcs::new("default", "foo")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write("foo.yaml", &foo.yaml());
    let first = work.commit_and_push("foo: clusterb serves clustera");

    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("webhook");
    std::fs::write(&secret, SECRET).unwrap();
    let instance = unique("forge");
    let context = format!("mcs-gitops/{instance}");
    let token = gitea.token_file.to_str().unwrap();
    let secret_path = secret.to_str().unwrap();
    let args = [
        "--interval",
        "1h",
        "--git-username",
        &gitea.user,
        "--git-token-file",
        token,
        "--forge",
        "gitea",
        "--forge-token-file",
        token,
        "--webhook-secret-file",
        secret_path,
    ];
    let daemon = Daemon::start(&federation, &url, &instance, &args);
    let statuses = settled(&gitea, &first, &context, &daemon);
    assert_eq!(states(&statuses), ["pending", "success"], "{statuses:?}");
    assert_eq!(
        statuses[1].description,
        "1 MCS applied, 1 of 1 flows in place"
    );
    assert_eq!(
        statuses[1].target_url,
        format!(
            "{}/{}/config/src/branch/mcs-gitops/status/STATUS.md",
            gitea.url, gitea.user
        )
    );

    let hooks = format!("http://127.0.0.1:{}/hooks/git", daemon.port);
    gitea.add_webhook("config", &hooks, SECRET);
    let labelled = foo.metadata_line("labels: {team: web}");
    work.write("foo.yaml", &labelled.yaml());
    let second = work.commit_and_push("foo: owned by team web");
    let statuses = settled(&gitea, &second, &context, &daemon);
    assert_eq!(states(&statuses), ["pending", "success"], "{statuses:?}");
    assert_eq!(
        statuses[1].description,
        "1 MCS applied, 1 of 1 flows in place"
    );
    // A run started by Karmada's status updates may see the push first;
    // Gitea's own delivery arrives either way.
    daemon.wait_for("Gitea's push webhook", Duration::from_secs(20), || {
        daemon
            .logs()
            .contains("verified push webhook: fetching now")
    });

    work.write(
        "foo.yaml",
        "kind: MultiClusterService\nmetadata: {name: foo\n",
    );
    let broken = work.commit_and_push("foo: broken");
    let statuses = settled(&gitea, &broken, &context, &daemon);
    assert_eq!(states(&statuses), ["pending", "failure"], "{statuses:?}");
    assert!(
        statuses[1].description.starts_with("invalid: "),
        "{statuses:?}"
    );
    assert!(
        statuses[1].description.ends_with(" in foo.yaml"),
        "{statuses:?}"
    );
    assert!(
        federation.mcs("default", "foo").is_some(),
        "the last good state stays"
    );

    let token_text = std::fs::read_to_string(token).unwrap();
    assert!(
        !daemon.logs().contains(token_text.trim()),
        "the token leaked into the log"
    );

    // A restarted daemon takes the same commit again, and leaves its final
    // status as it is rather than setting it back to pending.
    drop(daemon);
    let restarted = Daemon::start(&federation, &url, &instance, &args);
    restarted.wait_for(
        "the restarted daemon's first run",
        Duration::from_secs(30),
        || {
            restarted
                .logs()
                .contains("the commit already shows a final status")
        },
    );
    let statuses = gitea.statuses("config", &broken, &context);
    assert_eq!(states(&statuses), ["pending", "failure"], "{statuses:?}");
}

#[test]
fn a_webhook_gitea_signs_with_the_wrong_secret_fetches_nothing() {
    let sandbox = plain_with_forge();
    let gitea = Gitea::of(sandbox);
    let url = gitea.create_repo("config");
    let work = Clone::new(&gitea.push_url("config"));
    work.write("README.md", "config\n");
    work.commit_and_push("first");
    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("webhook");
    std::fs::write(&secret, SECRET).unwrap();
    let token = gitea.token_file.to_str().unwrap();
    let daemon = Daemon::start(
        sandbox,
        &url,
        &unique("wrong-secret"),
        &[
            "--interval",
            "1h",
            "--dry-run",
            "--no-status",
            "--git-username",
            &gitea.user,
            "--git-token-file",
            token,
            "--webhook-secret-file",
            secret.to_str().unwrap(),
        ],
    );
    let hooks = format!("http://127.0.0.1:{}/hooks/git", daemon.port);
    gitea.add_webhook("config", &hooks, "not-the-secret");
    work.write("README.md", "config, again\n");
    work.commit_and_push("second");
    wait_until(
        "the signed delivery rejected",
        Duration::from_secs(30),
        || {
            daemon
                .logs()
                .contains("webhook with a missing or invalid signature rejected")
        },
    );
    assert!(
        !daemon.logs().contains("verified push webhook"),
        "{}",
        daemon.logs()
    );
}

#[test]
fn an_unreachable_forge_delays_statuses_and_never_applying() {
    let sandbox = plain_with_forge();
    let gitea = Gitea::of(sandbox);
    let url = gitea.create_repo("outage");
    let work = Clone::new(&gitea.push_url("outage"));
    let ns = sandbox.namespace_now("outage");
    sandbox.service_now(&ns, "web");
    work.write(
        "web.yaml",
        &Mcs::new(&ns, "web").providers(&["clustera"]).yaml(),
    );
    work.commit_and_push("web");
    let token = gitea.token_file.to_str().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let daemon = Daemon::start(
        sandbox,
        &url,
        &unique("outage"),
        &[
            "--git-username",
            &gitea.user,
            "--git-token-file",
            token,
            "--forge",
            "gitea",
            "--forge-url",
            &dead,
            "--forge-token-file",
            token,
        ],
    );
    wait_until(
        "the MCS applied while the forge is down",
        Duration::from_secs(30),
        || sandbox.mcs(&ns, "web").is_some(),
    );
    daemon.wait_for("the status retried", Duration::from_secs(30), || {
        daemon.logs().contains("commit status not posted; retrying")
    });
    daemon.wait_for("readiness", Duration::from_secs(30), || {
        daemon.get("/readyz").0 == 200
    });
}
