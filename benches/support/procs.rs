//! Child processes of the suite: timed commands, `git daemon` with a working
//! copy that pushes to it, and `mcs-gitops run`, with readings of their
//! CPU time and memory from `/proc`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The release-built binary under test.
pub const MCS_GITOPS: &str = env!("CARGO_BIN_EXE_mcs-gitops");

/// The result of one timed command.
#[derive(Clone, Debug)]
pub struct Timed {
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// The end of stderr, for error messages.
    pub stderr_tail: String,
}

/// Runs a command with stdout discarded and stderr captured, timing it.
pub fn timed(mut command: Command) -> Timed {
    let stderr = tempfile::tempfile().expect("temp file");
    let started = Instant::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr.try_clone().expect("clone"))
        .status()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    let seconds = started.elapsed().as_secs_f64();
    let mut text = String::new();
    let mut file = stderr;
    use std::io::Seek;
    let _ = file.seek(std::io::SeekFrom::Start(0));
    let _ = file.read_to_string(&mut text);
    let tail: String = text
        .lines()
        .rev()
        .take(8)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    Timed {
        seconds,
        code: status.code().unwrap_or(-1),
        stderr_tail: tail,
    }
}

/// CPU time (user + system) of a process in seconds, from `/proc/<pid>/stat`
/// (clock ticks, so 10 ms resolution at the usual 100 Hz).
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / clock_ticks()
}

fn clock_ticks() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    out.ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// `VmHWM` and `VmRSS` of a process in KiB.
pub fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A free loopback port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on port {port}");
}

/// Runs git with a fixed identity; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Bench",
            "-c",
            "user.email=bench@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// `git daemon` on loopback, pushes enabled; killed on drop.
pub struct GitDaemon {
    child: Child,
    root: PathBuf,
    url: String,
    pid_file: PathBuf,
}

impl GitDaemon {
    /// Serves bare repositories under `root`.
    pub fn start(root: &Path) -> GitDaemon {
        std::fs::create_dir_all(root).expect("git root");
        let port = free_port();
        // `git daemon` runs the server as a child process of its own; its
        // pid file is what lets the drop stop the server itself.
        let pid_file = root.with_extension("pid");
        let child = Command::new("git")
            .args([
                "daemon",
                "--reuseaddr",
                "--export-all",
                "--enable=receive-pack",
                "--listen=127.0.0.1",
            ])
            .arg(format!("--port={port}"))
            .arg(format!("--pid-file={}", pid_file.display()))
            .arg(format!("--base-path={}", root.display()))
            .arg(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon");
        wait_for_port(port, "git daemon");
        GitDaemon {
            child,
            root: root.to_owned(),
            url: format!("git://127.0.0.1:{port}"),
            pid_file,
        }
    }

    /// Creates the bare repository `name.git`; returns its URL.
    pub fn repository(&self, name: &str) -> String {
        let bare = self.root.join(format!("{name}.git"));
        git(
            &self.root,
            &[
                "init",
                "-q",
                "--bare",
                "-b",
                "main",
                bare.to_str().expect("utf-8"),
            ],
        );
        format!("{}/{name}.git", self.url)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.pid_file) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes `dir` (a generated repository) a working copy pushing to `url`
/// (committing everything the first time) and pushes `main` there.
pub fn publish(dir: &Path, url: &str) {
    let committed = dir.join(".git").exists();
    if !committed {
        git(dir, &["init", "-q", "-b", "main"]);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "generated configuration"]);
    }
    // The same directory may be published to several servers; `origin`
    // is the last one, where later pushes go.
    let verb = if committed { "set-url" } else { "add" };
    git(dir, &["remote", verb, "origin", url]);
    git(dir, &["push", "-q", "origin", "main"]);
}

/// Options of a daemon run.
pub struct DaemonOptions<'a> {
    /// Repository URL.
    pub repo: &'a str,
    /// Kubeconfig of the sandbox.
    pub kubeconfig: &'a Path,
    /// Poll interval (e.g. "1s").
    pub interval: &'a str,
    /// Plan only.
    pub dry_run: bool,
    /// Publish status reports to the status branch.
    pub status: bool,
    /// Webhook secret file, if any.
    pub webhook_secret_file: Option<&'a Path>,
    /// Placement token file (serves `plan --daemon`), if any.
    pub placement_token_file: Option<&'a Path>,
    /// Working directory (cache, logs).
    pub work: &'a Path,
}

/// `mcs-gitops run` as a child process; SIGTERM on drop.
pub struct Daemon {
    child: Child,
    /// HTTP port.
    pub port: u16,
    /// Log file.
    pub log: PathBuf,
}

impl Daemon {
    /// Starts the daemon and waits for its HTTP server.
    pub fn start(options: &DaemonOptions<'_>) -> Daemon {
        std::fs::create_dir_all(options.work).expect("daemon dir");
        let port = free_port();
        let log = options.work.join("daemon.log");
        let mut command = Command::new(MCS_GITOPS);
        command
            .args(["run", "--repo", options.repo, "--branch", "main"])
            .args(["--instance", "bench"])
            .arg("--kubeconfig")
            .arg(options.kubeconfig)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--interval", options.interval, "--resync", "10h"])
            .arg("--cache-dir")
            .arg(options.work.join("cache"));
        if options.dry_run {
            command.arg("--dry-run");
        }
        if !options.status {
            command.arg("--no-status");
        }
        if let Some(file) = options.webhook_secret_file {
            command.arg("--webhook-secret-file").arg(file);
        }
        if let Some(file) = options.placement_token_file {
            command.arg("--placement-token-file").arg(file);
        }
        let child = command
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("daemon log"))
            .spawn()
            .expect("start mcs-gitops run");
        let daemon = Daemon { child, port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while daemon.get("/healthz").0 != 200 {
            assert!(Instant::now() < deadline, "daemon did not answer /healthz");
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// GET a path: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &[], b"")
    }

    /// POST a body with headers.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        self.request("POST", path, headers, body)
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return (0, String::new());
        };
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        if stream.write_all(&bytes).is_err() {
            return (0, String::new());
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// The daemon's metrics text.
    pub fn metrics(&self) -> String {
        self.get("/metrics").1
    }

    /// Sends a signal to the daemon.
    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status();
    }

    /// The log so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then wait (SIGKILL after 60 s).
    pub fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        self.signal("TERM");
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A metric's value summed over the series whose line starts with `name`
/// and contains `filter`.
pub fn metric(text: &str, name: &str, filter: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.split(['{', ' '])
                .next()
                .is_some_and(|series| series == name)
                && l.contains(filter)
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
