//! `plan --daemon`: with placement taken from a running daemon's watches,
//! on a real Karmada federation whose controllers dispatch the slices, the
//! plan is the plan a full read of the API gives, byte for byte; a wrong
//! token is refused with the daemon's answer and never logged.

mod support;

use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{WorkTree, git_daemon};
use support::repo::{DiskRepo, run, text};
use support::sandbox::{start, unique};

const TOKEN: &str = "placement-token-of-the-test";

#[test]
fn a_plan_with_placement_from_the_daemon_is_the_plan_a_full_read_gives() {
    let federation = start(&["--karmada", "--clusters", "clustera,clusterb,clusterc"]);
    // default/foo's Service and clusterb's endpoints for it are in place
    // (the sandbox creates them for examples-repo), so its flow can settle.
    let foo = Mcs::new("default", "foo")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    work.write("foo.yaml", &foo.yaml());
    work.commit_and_push("foo: clusterb serves clustera");
    let secrets = tempfile::tempdir().unwrap();
    let token = secrets.path().join("placement");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    let token = token.to_str().unwrap();
    let instance = unique("remote");
    let daemon = Daemon::start(
        &federation,
        &url,
        &instance,
        &["--placement-token-file", token],
    );

    let proposed = DiskRepo::new().mcs(
        "foo.yaml",
        &foo.clone().consumers(&["clustera", "clusterc"]),
    );
    let base = format!("http://127.0.0.1:{}", daemon.port);
    let via_daemon = ["--daemon", base.as_str(), "--daemon-token-file", token];
    let plan = |format: &str, extra: &[&str]| {
        let args = [&["-o", format][..], extra].concat();
        run(&federation, "plan", proposed.path(), &instance, &args)
    };
    wait_until(
        "Karmada to put the flow in place",
        Duration::from_secs(120),
        || String::from_utf8_lossy(&plan("json", &[]).stdout).contains("\"in-place\""),
    );
    // The daemon's watches follow the API within moments.
    wait_until("the daemon's placement", Duration::from_secs(30), || {
        plan("json", &[]).stdout == plan("json", &via_daemon).stdout
    });

    for format in ["json", "text", "markdown"] {
        let full = plan(format, &[]);
        let remote = plan(format, &via_daemon);
        assert_eq!(full.status.code(), Some(2), "{}", text(&full));
        assert_eq!(remote.status.code(), Some(2), "{}", text(&remote));
        assert_eq!(
            String::from_utf8_lossy(&remote.stdout),
            String::from_utf8_lossy(&full.stdout),
            "{format}: the daemon's placement gives the full read's plan"
        );
    }
    let shown = String::from_utf8_lossy(&plan("text", &via_daemon).stdout).into_owned();
    assert!(shown.contains("clusterc"), "the change is shown:\n{shown}");
}

#[test]
fn a_wrong_token_is_refused_with_the_daemons_answer_and_never_logged() {
    let federation = start(&["--clusters", "clustera,clusterb"]);
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let web = Mcs::new("default", "foo").providers(&["clusterb"]);
    work.write("foo.yaml", &web.yaml());
    work.commit_and_push("foo");
    let secrets = tempfile::tempdir().unwrap();
    let (good, wrong) = (secrets.path().join("good"), secrets.path().join("wrong"));
    std::fs::write(&good, TOKEN).unwrap();
    std::fs::write(&wrong, "a-guess").unwrap();
    let instance = unique("refused");
    let daemon = Daemon::start(
        &federation,
        &url,
        &instance,
        &["--placement-token-file", good.to_str().unwrap()],
    );
    let repo = DiskRepo::new().mcs("foo.yaml", &web);
    let base = format!("http://127.0.0.1:{}", daemon.port);
    let refused = run(
        &federation,
        "plan",
        repo.path(),
        &instance,
        &[
            "--daemon",
            &base,
            "--daemon-token-file",
            wrong.to_str().unwrap(),
        ],
    );
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "reading placement from the daemon at {base}/v1/placement: HTTP 401: missing or wrong token"
        )),
        "{stderr}"
    );
    let logs = daemon.logs();
    assert!(logs.contains("placement request with a missing or wrong token rejected"));
    assert!(!logs.contains(TOKEN) && !logs.contains("a-guess"), "{logs}");
}
