//! The daemon follows a branch on real Git servers (git daemon, smart HTTP
//! with basic auth, SSH with a pinned host key): each pushed change reaches
//! the federation and the status branch, and no credential reaches the logs.

mod support;

use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{GitServer, WorkTree, git_daemon, git_http, sshd};
use support::sandbox::{Sandbox, sandbox, unique};

const STATUS: &str = "mcs-gitops/status";

/// Pushes an MCS, waits for it and its status report, then pushes a change
/// and waits for that too.
fn follows_pushes(sandbox: &Sandbox, server: &GitServer, daemon_args: &[&str]) -> Daemon {
    let ns = sandbox.namespace_now("daemon");
    sandbox.service_now(&ns, "web");
    let instance = unique("d");
    let url = server.repository("config");
    let work = WorkTree::new(server, "config");
    let base = Mcs::new(&ns, "web")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write(&format!("{ns}/web.yaml"), &base.yaml());
    let first = work.commit_and_push("expose web");

    let daemon = Daemon::start(sandbox, &url, &instance, daemon_args);
    wait_until("the MCS in the federation", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").is_some()
    });
    let status_path = format!("status/{ns}/web.yaml");
    let reported = |revision: &str, consumers: &str| {
        work.status_file(STATUS, "status/_revision.yaml")
            .is_some_and(|s| s.contains(revision))
            && work
                .status_file(STATUS, &status_path)
                .is_some_and(|s| s.contains(&format!("consumers: {consumers}")))
    };
    wait_until("the status report", Duration::from_secs(30), || {
        reported(&first, "clustera")
    });

    work.write(
        &format!("{ns}/web.yaml"),
        &base.consumers(&["clustera", "clusterc"]).yaml(),
    );
    let second = work.commit_and_push("web: add clusterc");
    wait_until(
        "the change in the federation",
        Duration::from_secs(60),
        || {
            sandbox.mcs(&ns, "web").is_some_and(|o| {
                o["spec"]["consumerClusters"]
                    .as_array()
                    .is_some_and(|c| c.len() == 2)
            })
        },
    );
    wait_until(
        "the status report of the change",
        Duration::from_secs(30),
        || reported(&second, "clustera, clusterc"),
    );
    let summary = work.status_file(STATUS, "STATUS.md").unwrap();
    assert!(summary.contains(&format!("`{ns}/web`")), "{summary}");
    daemon
}

#[test]
fn changes_pushed_to_a_git_daemon_reach_the_federation_and_the_status_branch() {
    let server = git_daemon();
    follows_pushes(sandbox(), &server, &[]);
}

#[test]
fn changes_pushed_over_smart_http_with_a_token_are_applied_and_the_token_never_logged() {
    let token = "tok-3f9a1c77e2b94d";
    let server = git_http("bot", token);
    let secrets = tempfile::tempdir().unwrap();
    let token_file = secrets.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let daemon = follows_pushes(
        sandbox(),
        &server,
        &[
            "--git-username",
            "bot",
            "--git-token-file",
            token_file.to_str().unwrap(),
        ],
    );
    let logs = daemon.logs();
    assert!(!logs.is_empty());
    assert!(
        !logs.contains(token),
        "the token appears in the logs:\n{logs}"
    );
}

#[test]
fn changes_pushed_over_ssh_with_a_pinned_host_key_are_applied_and_the_key_never_logged() {
    let (server, keys) = sshd();
    let daemon = follows_pushes(
        sandbox(),
        &server,
        &[
            "--ssh-key-file",
            keys.client_key.to_str().unwrap(),
            "--ssh-known-hosts",
            keys.known_hosts.to_str().unwrap(),
        ],
    );
    let logs = daemon.logs();
    let key = std::fs::read_to_string(&keys.client_key).unwrap();
    let key_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    for chunk in key_body
        .as_bytes()
        .chunks(24)
        .map(|c| String::from_utf8_lossy(c).into_owned())
    {
        assert!(
            !logs.contains(&chunk),
            "private key material appears in the logs"
        );
    }
}

#[test]
fn an_ssh_server_whose_host_key_is_not_pinned_is_refused() {
    let sandbox = sandbox();
    let (server, keys) = sshd();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    work.write("x.yaml", "");
    work.commit_and_push("init");
    let daemon = Daemon::start(
        sandbox,
        &url,
        &unique("d"),
        &[
            "--ssh-key-file",
            keys.client_key.to_str().unwrap(),
            "--ssh-known-hosts",
            keys.wrong_known_hosts.to_str().unwrap(),
        ],
    );
    wait_until("a host key refusal", Duration::from_secs(30), || {
        daemon.logs().contains("not pinned in --ssh-known-hosts") && daemon.get("/readyz").0 == 503
    });
    assert!(daemon.get("/readyz").1.contains("Git source failing"));
}
