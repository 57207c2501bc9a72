//! A sandbox federation of the suite's own: started with
//! `deploy/sandbox/sandbox up` in a fresh directory, stopped with `down` on
//! drop, and by a watchdog if the suite dies. Other sandboxes on the machine
//! are never touched: everything goes through this directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// The repository root.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn launcher() -> PathBuf {
    repo_root().join("deploy/sandbox/sandbox")
}

/// A running sandbox.
pub struct Sandbox {
    /// Its directory.
    pub dir: PathBuf,
    /// Admin kubeconfig.
    pub kubeconfig: PathBuf,
    /// The kubectl built with it.
    pub kubectl: PathBuf,
    /// The aggregated apiserver's URL (serves Clusters).
    pub aggregated_url: String,
    /// How long `up` took.
    pub up_seconds: f64,
    watchdog: Option<u32>,
    stopped: bool,
}

impl Sandbox {
    /// Starts a sandbox in `dir` (which must not hold one) with these clusters.
    pub fn up(dir: &Path, clusters: &[String]) -> Sandbox {
        std::fs::create_dir_all(dir).expect("sandbox dir");
        // Before `up`, so that processes started by an interrupted `up` go too.
        let watchdog = watchdog(dir);
        let started = Instant::now();
        let output = Command::new(launcher())
            .args(["up", "--dir"])
            .arg(dir)
            .args(["--clusters", &clusters.join(",")])
            .args(["--timeout", "5m"])
            .stdin(Stdio::null())
            .output()
            .expect("run deploy/sandbox/sandbox up");
        let up_seconds = started.elapsed().as_secs_f64();
        if !output.status.success() {
            let _ = Command::new(launcher())
                .args(["down", "--dir"])
                .arg(dir)
                .output();
            panic!(
                "sandbox up failed ({}):\n{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("state.json")).expect("state.json"))
                .expect("state.json is JSON");
        let bin = PathBuf::from(state["binDir"].as_str().expect("binDir"));
        let aggregated_url = state["components"]
            .as_array()
            .and_then(|c| {
                c.iter()
                    .find(|c| c["name"] == "aggregated-apiserver")
                    .and_then(|c| c["url"].as_str())
            })
            .unwrap_or_default()
            .to_owned();
        Sandbox {
            dir: dir.to_owned(),
            kubeconfig: dir.join("kubeconfig"),
            kubectl: bin.join("kubectl"),
            aggregated_url,
            up_seconds,
            watchdog,
            stopped: false,
        }
    }

    /// A client with the admin identity, tuned for many requests in flight.
    pub async fn client(&self) -> Client {
        let kubeconfig = Kubeconfig::read_from(&self.kubeconfig).expect("read kubeconfig");
        let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .expect("kubeconfig");
        config.read_timeout = Some(Duration::from_secs(300));
        Client::try_from(config).expect("client")
    }

    /// A kubectl command against this sandbox.
    pub fn kubectl(&self) -> Command {
        let mut command = Command::new(&self.kubectl);
        command.arg("--kubeconfig").arg(&self.kubeconfig);
        command
    }

    /// `kubectl version` of the sandbox's kubectl (client only).
    pub fn kubectl_version(&self) -> String {
        let out = self
            .kubectl()
            .args(["version", "--client"])
            .output()
            .expect("kubectl version");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// The text of `/metrics` of kube-apiserver.
    pub fn apiserver_metrics(&self) -> String {
        let out = self
            .kubectl()
            .args(["get", "--raw", "/metrics"])
            .output()
            .expect("kubectl get --raw /metrics");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The text of `/metrics` of the aggregated apiserver, which serves
    /// Clusters: requests proxied to it are counted there, not in
    /// kube-apiserver.
    pub fn aggregated_metrics(&self) -> String {
        let out = self
            .kubectl()
            .args(["--server", &self.aggregated_url])
            .args([
                "--tls-server-name",
                "karmada-aggregated-apiserver.karmada-system.svc",
            ])
            .args(["get", "--raw", "/metrics"])
            .output()
            .expect("kubectl get --raw /metrics (aggregated)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Leaves the sandbox running when this handle goes (no watchdog either).
    pub fn keep(&mut self) {
        self.stopped = true;
        if let Some(pid) = self.watchdog.take() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
    }

    /// Stops the sandbox (idempotent).
    pub fn down(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let _ = Command::new(launcher())
            .args(["down", "--dir"])
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(pid) = self.watchdog.take() {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.down();
    }
}

/// A detached shell that brings the sandbox down once this process is gone,
/// however it ends. Returns its pid.
fn watchdog(dir: &Path) -> Option<u32> {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; '{launcher}' down --dir '{dir}' >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        launcher = launcher().display(),
        dir = dir.display()
    );
    let child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()?;
    Some(child.id())
}

use std::os::unix::process::CommandExt as _;

/// `apiserver_request_total` summed by (resource, verb), only for the
/// resources listed (requests without a resource, such as `/metrics`, are
/// never counted).
pub fn request_counts(
    text: &str,
    resources: &[&str],
) -> std::collections::BTreeMap<(String, String), f64> {
    let mut counts = std::collections::BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| l.starts_with("apiserver_request_total{"))
    {
        let (Some(open), Some(close)) = (line.find('{'), line.rfind('}')) else {
            continue;
        };
        let labels = &line[open + 1..close];
        let label = |key: &str| {
            labels
                .split(',')
                .find_map(|kv| kv.strip_prefix(&format!("{key}=\"")))
                .map(|v| v.trim_end_matches('"').to_owned())
                .unwrap_or_default()
        };
        let resource = label("resource");
        if !resources.contains(&resource.as_str()) {
            continue;
        }
        let value: f64 = line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        *counts.entry((resource, label("verb"))).or_insert(0.0) += value;
    }
    counts
}
