//! Real Git servers on loopback: `git daemon`, `git http-backend` behind an
//! HTTP server with basic auth, and `sshd` with key authentication. Each
//! serves bare repositories from a directory of its own and stops on drop.

#![allow(dead_code)]

use super::git::git_env;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (released before use; servers retry on a race).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_for_port(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port}");
}

/// A running Git server.
pub struct GitServer {
    child: Child,
    /// Directory of the bare repositories.
    pub root: PathBuf,
    /// URL prefix for the daemon (`<prefix>/<name>.git`).
    pub url_prefix: String,
    /// URL prefix for the test's own pushes (may carry credentials).
    pub push_prefix: String,
    /// Environment for git commands of the test (SSH settings).
    pub env: Vec<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl GitServer {
    /// Creates a bare repository `name.git` and returns its daemon URL.
    pub fn repository(&self, name: &str) -> String {
        let bare = self.root.join(format!("{name}.git"));
        git_env(
            &self.root,
            &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
            &[],
        );
        git_env(&bare, &["config", "http.receivepack", "true"], &[]);
        format!("{}/{name}.git", self.url_prefix)
    }

    /// The URL the test itself pushes to.
    pub fn push_url(&self, name: &str) -> String {
        format!("{}/{name}.git", self.push_prefix)
    }

    /// Stops the server (for outage tests).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts a killed `git daemon` again on the same port and repositories.
    pub fn restart_git_daemon(&mut self) {
        let port: u16 = self.url_prefix.rsplit(':').next().unwrap().parse().unwrap();
        self.child = spawn_git_daemon(port, &self.root);
    }
}

fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("git-server-")
        .tempdir()
        .unwrap();
    let root = dir.path().join("repos");
    std::fs::create_dir_all(&root).unwrap();
    (dir, root)
}

/// git-daemon itself: `git daemon` would run it as a child process that
/// outlives a kill of the `git` wrapper.
fn git_daemon_binary() -> PathBuf {
    let exec_path = Command::new("git")
        .arg("--exec-path")
        .output()
        .expect("git --exec-path");
    PathBuf::from(String::from_utf8_lossy(&exec_path.stdout).trim()).join("git-daemon")
}

fn spawn_git_daemon(port: u16, root: &Path) -> Child {
    let mut child = Command::new(git_daemon_binary())
        .args([
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
        ])
        .arg(format!("--port={port}"))
        .arg(format!("--base-path={}", root.display()))
        .arg(root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon");
    wait_for_port(port, &mut child, "git daemon");
    child
}

/// `git daemon` serving `git://127.0.0.1:<port>/`, pushes enabled.
pub fn git_daemon() -> GitServer {
    let (dir, root) = temp();
    let port = free_port();
    let child = spawn_git_daemon(port, &root);
    let url = format!("git://127.0.0.1:{port}");
    GitServer {
        child,
        root,
        url_prefix: url.clone(),
        push_prefix: url,
        env: Vec::new(),
        _dir: dir,
    }
}

/// `git http-backend` behind a Python HTTP server requiring basic auth.
pub fn git_http(user: &str, password: &str) -> GitServer {
    let (dir, root) = temp();
    let port = free_port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/git_http.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(&root)
        .args([user, password])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 git_http.py");
    wait_for_port(port, &mut child, "git http server");
    GitServer {
        child,
        root,
        url_prefix: format!("http://127.0.0.1:{port}"),
        push_prefix: format!("http://{user}:{password}@127.0.0.1:{port}"),
        env: Vec::new(),
        _dir: dir,
    }
}

/// Keys and files of an sshd instance.
pub struct SshKeys {
    /// The client's private key.
    pub client_key: PathBuf,
    /// A known_hosts file pinning the server's key.
    pub known_hosts: PathBuf,
    /// A known_hosts file with some other key.
    pub wrong_known_hosts: PathBuf,
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
}

fn sshd_binary() -> PathBuf {
    ["/usr/sbin/sshd", "/usr/bin/sshd"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("sshd is needed for SSH transport tests (apt-get install openssh-server)")
}

/// `sshd` with key authentication only, serving `ssh://<user>@127.0.0.1:<port>/<root>/`.
pub fn sshd() -> (GitServer, SshKeys) {
    let (dir, root) = temp();
    let base = dir.path();
    for name in ["host_key", "client_key", "other_key"] {
        keygen(&base.join(name));
    }
    std::fs::copy(base.join("client_key.pub"), base.join("authorized_keys")).unwrap();
    let port = free_port();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".to_owned());
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {b}/host_key\nAuthorizedKeysFile {b}/authorized_keys\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nPidFile {b}/sshd.pid\n",
        b = base.display()
    );
    std::fs::write(base.join("sshd_config"), config).unwrap();
    std::fs::create_dir_all("/run/sshd").ok();
    let mut child = Command::new(sshd_binary())
        .args(["-D", "-e", "-f"])
        .arg(base.join("sshd_config"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(base.join("sshd.log")).unwrap())
        .spawn()
        .expect("sshd");
    wait_for_port(port, &mut child, "sshd");
    let host_pub = std::fs::read_to_string(base.join("host_key.pub")).unwrap();
    let other_pub = std::fs::read_to_string(base.join("other_key.pub")).unwrap();
    let pin = |key: &str| {
        format!(
            "[127.0.0.1]:{port} {}\n",
            key.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
        )
    };
    std::fs::write(base.join("known_hosts"), pin(&host_pub)).unwrap();
    std::fs::write(base.join("wrong_known_hosts"), pin(&other_pub)).unwrap();
    let ssh = format!(
        "ssh -i {b}/client_key -o UserKnownHostsFile={b}/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes",
        b = base.display()
    );
    let url = format!("ssh://{user}@127.0.0.1:{port}{}", root.display());
    let keys = SshKeys {
        client_key: base.join("client_key"),
        known_hosts: base.join("known_hosts"),
        wrong_known_hosts: base.join("wrong_known_hosts"),
    };
    let server = GitServer {
        child,
        root,
        url_prefix: url.clone(),
        push_prefix: url,
        env: vec![("GIT_SSH_COMMAND".to_owned(), ssh)],
        _dir: dir,
    };
    (server, keys)
}

/// A working copy that commits and pushes to a server's repository.
pub struct WorkTree {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl WorkTree {
    /// A new working copy whose `origin` is `push_url`.
    pub fn new(server: &GitServer, name: &str) -> WorkTree {
        let dir = tempfile::Builder::new().prefix("work-").tempdir().unwrap();
        git_env(dir.path(), &["init", "-q", "-b", "main"], &[]);
        git_env(
            dir.path(),
            &["remote", "add", "origin", &server.push_url(name)],
            &[],
        );
        WorkTree {
            dir,
            env: server.env.clone(),
        }
    }

    /// Its directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file.
    pub fn write(&self, path: &str, content: &str) -> &Self {
        let full = self.dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    /// Deletes a file.
    pub fn remove(&self, path: &str) -> &Self {
        std::fs::remove_file(self.dir.path().join(path)).unwrap();
        self
    }

    /// Commits everything and pushes `main`; returns the commit id.
    pub fn commit_and_push(&self, message: &str) -> String {
        git_env(self.path(), &["add", "-A"], &[]);
        git_env(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", message],
            &[],
        );
        git_env(self.path(), &["push", "-q", "origin", "main"], &self.env);
        git_env(self.path(), &["rev-parse", "HEAD"], &[])
    }

    /// Commits everything signed with an SSH key (`key` is the private key;
    /// its `.pub` sits next to it) and pushes `main`; returns the commit id.
    pub fn commit_signed_and_push(&self, message: &str, key: &Path) -> String {
        let public = format!("{}.pub", key.display());
        git_env(self.path(), &["add", "-A"], &[]);
        git_env(
            self.path(),
            &[
                "-c",
                "gpg.format=ssh",
                "-c",
                &format!("user.signingkey={public}"),
                "commit",
                "-q",
                "-S",
                "--allow-empty",
                "-m",
                message,
            ],
            &[],
        );
        git_env(self.path(), &["push", "-q", "origin", "main"], &self.env);
        git_env(self.path(), &["rev-parse", "HEAD"], &[])
    }

    /// Runs git in the working copy with the server's environment.
    pub fn git(&self, args: &[&str]) -> String {
        git_env(self.path(), args, &self.env)
    }

    /// A file of the remote's status branch, fetched now.
    pub fn status_file(&self, branch: &str, path: &str) -> Option<String> {
        let fetch = Command::new("git")
            .args([
                "fetch",
                "-q",
                "origin",
                &format!("+refs/heads/{branch}:refs/remotes/origin/status"),
            ])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.path())
            .output()
            .ok()?;
        if !fetch.status.success() {
            return None;
        }
        let show = Command::new("git")
            .args(["show", &format!("refs/remotes/origin/status:{path}")])
            .current_dir(self.path())
            .output()
            .ok()?;
        show.status
            .success()
            .then(|| String::from_utf8_lossy(&show.stdout).into_owned())
    }
}
