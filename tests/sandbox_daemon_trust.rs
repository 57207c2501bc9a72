//! Signed commits, against an attacker with push access: moving the branch
//! back to an older signed commit is refused as a rollback, and what the
//! daemon verified survives a restart (the record is a Lease in the
//! cluster, out of Git's reach), so an unsigned commit stays refused.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::daemon::{Daemon, wait_until};
use support::fixtures::Mcs;
use support::git_servers::{GitServer, WorkTree, git_daemon};
use support::sandbox::{sandbox, unique};

const STATUS: &str = "mcs-gitops/status";

struct Signed {
    ns: String,
    instance: String,
    key: PathBuf,
    trusted: PathBuf,
    url: String,
    work: WorkTree,
    _keys: tempfile::TempDir,
    _server: GitServer,
}

fn signed(prefix: &str) -> Signed {
    let sandbox = sandbox();
    let ns = sandbox.namespace_now(prefix);
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
    Signed {
        instance: unique(prefix),
        ns,
        key,
        trusted,
        url,
        work,
        _keys: keys,
        _server: server,
    }
}

impl Signed {
    fn daemon(&self) -> Daemon {
        let args = [
            "--verify-signatures",
            "--trusted-keys",
            self.trusted.to_str().unwrap(),
            "--lease-namespace",
            &self.ns,
        ];
        Daemon::start(sandbox(), &self.url, &self.instance, &args)
    }

    fn expose(&self, consumers: &[&str], key: Option<&Path>) -> String {
        let web = Mcs::new(&self.ns, "web")
            .providers(&["clusterb"])
            .consumers(consumers);
        self.work.write("web.yaml", &web.yaml());
        match key {
            Some(key) => self
                .work
                .commit_signed_and_push(&format!("web to {consumers:?}"), key),
            None => self
                .work
                .commit_and_push(&format!("web to {consumers:?} (unsigned)")),
        }
    }

    fn consumers(&self) -> usize {
        sandbox()
            .mcs(&self.ns, "web")
            .and_then(|o| o["spec"]["consumerClusters"].as_array().map(Vec::len))
            .unwrap_or(0)
    }

    fn refused(&self, commit: &str, reason: &str) {
        wait_until("the refusal report", Duration::from_secs(30), || {
            self.work
                .status_file(STATUS, "status/_revision.yaml")
                .is_some_and(|s| s.contains(commit) && s.contains(reason))
        });
    }
}

#[test]
fn moving_the_branch_back_to_an_older_signed_commit_is_refused_as_a_rollback() {
    let repo = signed("rollback");
    let old = repo.expose(&["clustera"], Some(&repo.key));
    let _daemon = repo.daemon();
    wait_until("the first revision", Duration::from_secs(60), || {
        repo.consumers() == 1
    });
    repo.expose(&["clustera", "clusterc"], Some(&repo.key));
    wait_until("the second revision", Duration::from_secs(30), || {
        repo.consumers() == 2
    });
    repo.work.git(&[
        "push",
        "-q",
        "-f",
        "origin",
        &format!("{old}:refs/heads/main"),
    ]);
    repo.refused(&old, "does not descend from");
    assert_eq!(
        repo.consumers(),
        2,
        "the withdrawn exposure is not restored"
    );
}

#[test]
fn an_unsigned_commit_stays_refused_after_the_daemon_restarts() {
    let repo = signed("restart");
    repo.expose(&["clustera"], Some(&repo.key));
    let mut daemon = repo.daemon();
    wait_until("the signed revision", Duration::from_secs(60), || {
        repo.consumers() == 1
    });
    let unsigned = repo.expose(&["clustera", "clusterc"], None);
    repo.refused(&unsigned, "is not signed");
    daemon.stop();
    let _restarted = repo.daemon();
    let signed_on_top = repo.expose(&["clustera", "clusterc", "clusterd"], Some(&repo.key));
    repo.refused(&signed_on_top, &format!("{unsigned} is not signed"));
    assert_eq!(
        repo.consumers(),
        1,
        "nothing past the unsigned commit is applied"
    );
}
