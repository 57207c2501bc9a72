//! The `mcs-gitops run` daemon as a child process, with its logs in a file
//! and a tiny HTTP client for its endpoints.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::git_servers::free_port;
use super::sandbox::Sandbox;

/// A running daemon; stopped (SIGTERM) on drop.
pub struct Daemon {
    child: Child,
    /// Its HTTP port.
    pub port: u16,
    /// Its log file (stderr).
    pub log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Daemon {
    /// Starts `mcs-gitops run --repo <repo> --instance <instance> <args>` against the sandbox.
    pub fn start(sandbox: &Sandbox, repo: &str, instance: &str, args: &[&str]) -> Daemon {
        let dir = tempfile::Builder::new()
            .prefix("daemon-")
            .tempdir()
            .unwrap();
        let port = free_port();
        let log = dir.path().join("daemon.log");
        let child = Command::new(env!("CARGO_BIN_EXE_mcs-gitops"))
            .args([
                "run",
                "--repo",
                repo,
                "--branch",
                "main",
                "--instance",
                instance,
            ])
            .args(if args.contains(&"--kubeconfig") {
                vec![]
            } else {
                vec![
                    "--kubeconfig".into(),
                    sandbox.kubeconfig.clone().into_os_string(),
                ]
            })
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(if args.contains(&"--interval") {
                &[][..]
            } else {
                &["--interval", "1s"][..]
            })
            .arg("--cache-dir")
            .arg(dir.path().join("cache"))
            .args(args)
            .env("RUST_LOG", "mcs_gitops=debug,info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start mcs-gitops run");
        let mut daemon = Daemon {
            child,
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while daemon.get("/healthz").0 != 200 {
            if let Ok(Some(status)) = daemon.child.try_wait() {
                panic!(
                    "the daemon exited ({status}) before serving HTTP:\n{}",
                    daemon.logs()
                );
            }
            assert!(
                Instant::now() < deadline,
                "the daemon did not serve HTTP:\n{}",
                daemon.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    /// GET a path: (status, body); status 0 when unreachable.
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
        http_request(self.port, method, path, headers, body)
    }

    /// The sum of the samples of metric `name` whose line contains
    /// `filter`; fails the test when the daemon exports no such sample (a
    /// renamed metric or label must not read as zero).
    pub fn metric(&self, name: &str, filter: &str) -> f64 {
        let samples = self.samples(name, filter);
        assert!(
            !samples.is_empty(),
            "the daemon exports no sample of {name} matching {filter:?}:\n{}",
            self.get("/metrics").1
        );
        samples.iter().sum()
    }

    /// Like [`Daemon::metric`] for a labelled counter, where a label value
    /// not counted yet is zero; fails the test when the counter itself is
    /// not exported.
    pub fn counter(&self, name: &str, label: &str) -> f64 {
        let body = self.get("/metrics").1;
        let family = name.trim_end_matches("_total");
        assert!(
            body.lines()
                .any(|l| l == format!("# TYPE {family} counter")),
            "the daemon exports no counter {name}:\n{body}"
        );
        self.samples(name, label).iter().sum()
    }

    fn samples(&self, name: &str, filter: &str) -> Vec<f64> {
        let (_, body) = self.get("/metrics");
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter(|l| l.split(['{', ' ']).next() == Some(name) && l.contains(filter))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .collect()
    }

    /// Polls `condition` until it holds, or fails with the daemon's last logs.
    pub fn wait_for(&self, what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if condition() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let logs = self.logs();
        // Every trigger logs a line; what went wrong is in the others.
        let tail: Vec<&str> = logs
            .lines()
            .filter(|l| !l.contains("reconcile triggered"))
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let (status, readiness) = self.get("/readyz");
        panic!(
            "timed out after {timeout:?} waiting for {what}; /readyz answers {status}: {}; daemon log tail:\n{}",
            readiness.trim_end(),
            tail.join("\n")
        );
    }

    /// Everything logged so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM and waits for the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        let pid = self.child.id();
        terminate(&mut self.child, pid)
    }

    /// Sends a signal (`"HUP"`, `"TERM"`, ...) without waiting.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name}");
    }

    /// Kills the process at once (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// Polls `condition` until it holds, or fails the test after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out after {timeout:?} waiting for {what}");
}

/// One HTTP/1.1 request to `127.0.0.1:port`: (status, body); status 0 when
/// unreachable.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    if stream
        .write_all(request.as_bytes())
        .and_then(|_| stream.write_all(body))
        .is_err()
    {
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

/// SIGTERM to `pid` (the child itself, or the process it runs), then the
/// child's exit code within 30 s; killed after that.
pub fn terminate(child: &mut std::process::Child, pid: u32) -> Option<i32> {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait().ok().and_then(|s| s.code())
}
