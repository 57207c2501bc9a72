//! A real kube-apiserver + etcd with Karmada's API, one per test binary.
//!
//! The first test that asks for the sandbox starts it with
//! `deploy/sandbox/sandbox up` (which builds the binaries on first use and
//! caches them). A watchdog process stops it when the test binary exits,
//! however it exits. Set `MCS_GITOPS_SANDBOX_DIR` to reuse a sandbox that is
//! already running (it is then left running).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use k8s_openapi::api::core::v1::{Namespace, Service};
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::json;

/// A running sandbox federation control plane.
pub struct Sandbox {
    /// Its directory (kubeconfig, state, logs).
    pub dir: PathBuf,
    /// Admin kubeconfig.
    pub kubeconfig: PathBuf,
    /// The kubectl built with the sandbox.
    pub kubectl: PathBuf,
    _keep: Option<tempfile::TempDir>,
}

static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
static NAMES: AtomicUsize = AtomicUsize::new(0);

/// The repository root.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The launcher script.
pub fn launcher() -> PathBuf {
    repo_root().join("deploy/sandbox/sandbox")
}

/// The sandbox of this test binary, started on first use.
pub fn sandbox() -> &'static Sandbox {
    SANDBOX.get_or_init(|| match std::env::var_os("MCS_GITOPS_SANDBOX_DIR") {
        Some(dir) => Sandbox::attach(PathBuf::from(dir), None),
        None => start(&[]),
    })
}

/// Starts a sandbox of one's own with extra `up` arguments; it stops when
/// the test binary exits.
pub fn start(extra: &[&str]) -> Sandbox {
    let temp = tempfile::Builder::new()
        .prefix("mcs-sandbox-")
        .tempdir()
        .expect("temp dir");
    let dir = temp.path().to_owned();
    let mut command = Command::new(launcher());
    command.args(["up", "--dir"]).arg(&dir).args(extra);
    command
        .args(["--services-for"])
        .arg(repo_root().join("examples-repo"));
    let mut output = command
        .stdin(Stdio::null())
        .output()
        .expect("run deploy/sandbox/sandbox up");
    if !output.status.success() {
        // A loaded machine can make a component miss its start deadline:
        // stop whatever started and try once more before giving up.
        down(&dir);
        output = command
            .stdin(Stdio::null())
            .output()
            .expect("run deploy/sandbox/sandbox up");
    }
    if !output.status.success() {
        down(&dir);
        panic!(
            "sandbox up failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    watchdog(&dir);
    Sandbox::attach(dir, Some(temp))
}

fn down(dir: &Path) {
    let _ = Command::new(launcher())
        .args(["down", "--dir"])
        .arg(dir)
        .output();
}

/// Stops the sandbox in `dir` once this process is gone.
fn watchdog(dir: &Path) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; '{launcher}' down --dir '{dir}' >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        launcher = launcher().display(),
        dir = dir.display()
    );
    let status = Command::new("setsid")
        .args(["-f", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start the sandbox watchdog");
    assert!(status.success(), "start the sandbox watchdog");
}

/// A sandbox of one's own stops when it goes out of use: its processes
/// first, then its directory (which holds their pids, so the order matters).
impl Drop for Sandbox {
    fn drop(&mut self) {
        if self._keep.is_some() {
            down(&self.dir);
        }
    }
}

impl Sandbox {
    fn attach(dir: PathBuf, keep: Option<tempfile::TempDir>) -> Sandbox {
        let env = Command::new(launcher())
            .args(["env", "--dir"])
            .arg(&dir)
            .output()
            .expect("sandbox env");
        let text = String::from_utf8_lossy(&env.stdout);
        let bin = text
            .lines()
            .find_map(|l| {
                l.strip_prefix("export PATH=")
                    .or_else(|| l.strip_prefix("export PATH=\""))
            })
            .and_then(|p| p.trim_matches('"').split(':').next().map(PathBuf::from))
            .expect("sandbox env prints PATH");
        Sandbox {
            kubeconfig: dir.join("kubeconfig"),
            kubectl: bin.join("kubectl"),
            dir,
            _keep: keep,
        }
    }

    /// A client with the admin identity.
    pub async fn client(&self) -> Client {
        let kubeconfig = Kubeconfig::read_from(&self.kubeconfig).expect("read kubeconfig");
        let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
            .await
            .expect("kubeconfig");
        Client::try_from(config).expect("client")
    }

    /// Runs the sandbox's kubectl against it.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new(&self.kubectl)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("run kubectl")
    }

    /// Runs the launcher on this sandbox (`stop`, `start`, `status`).
    pub fn launcher(&self, command: &str, args: &[&str]) -> Output {
        Command::new(launcher())
            .arg(command)
            .arg("--dir")
            .arg(&self.dir)
            .args(args)
            .output()
            .expect("run the sandbox launcher")
    }

    /// A fresh namespace for one test.
    pub async fn namespace(&self, prefix: &str) -> String {
        let name = unique(prefix);
        let api: Api<Namespace> = Api::all(self.client().await);
        let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
        api.create(&PostParams::default(), &ns)
            .await
            .expect("create namespace");
        name
    }

    /// Creates a Service `namespace/name` on the control plane.
    pub async fn service(&self, namespace: &str, name: &str) {
        let api: Api<Service> = Api::namespaced(self.client().await, namespace);
        let svc: Service = serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"ports": [{"name": "http", "port": 80}]}
        }))
        .unwrap();
        api.create(&PostParams::default(), &svc)
            .await
            .expect("create service");
    }

    /// A fresh namespace, created with kubectl (for synchronous tests).
    pub fn namespace_now(&self, prefix: &str) -> String {
        let name = unique(prefix);
        let out = self.kubectl(&["create", "namespace", &name]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        name
    }

    /// Creates a Service with kubectl (for synchronous tests).
    pub fn service_now(&self, namespace: &str, name: &str) {
        let out = self.kubectl(&[
            "create",
            "service",
            "clusterip",
            name,
            "--tcp=80:80",
            "-n",
            namespace,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A live MultiClusterService as JSON, read with kubectl.
    pub fn mcs(&self, namespace: &str, name: &str) -> Option<serde_json::Value> {
        let out = self.kubectl(&[
            "get",
            "multiclusterservices.networking.karmada.io",
            name,
            "-n",
            namespace,
            "-o",
            "json",
        ]);
        out.status
            .success()
            .then(|| serde_json::from_slice(&out.stdout).unwrap())
    }

    /// A kubeconfig for ServiceAccount `namespace/name` with a fresh token
    /// (same server and CA as the admin kubeconfig), written under `dir`.
    pub fn token_kubeconfig(&self, namespace: &str, name: &str, dir: &Path) -> PathBuf {
        let out = self.kubectl(&["create", "token", name, "-n", namespace, "--duration", "1h"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let admin = std::fs::read_to_string(&self.kubeconfig).unwrap();
        let field = |key: &str| {
            admin
                .lines()
                .find_map(|l| {
                    l.trim()
                        .strip_prefix(key)
                        .map(|v| v.trim().trim_matches('"').to_owned())
                })
                .unwrap_or_else(|| panic!("{key} in the admin kubeconfig"))
        };
        let (server, ca) = (field("server:"), field("certificate-authority-data:"));
        let config = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: {name}\n  user:\n    token: {token}\ncontexts:\n- name: {name}\n  context:\n    cluster: sandbox\n    user: {name}\ncurrent-context: {name}\n"
        );
        let path = dir.join(format!("{name}.kubeconfig"));
        std::fs::write(&path, config).unwrap();
        path
    }

    /// Applies YAML with kubectl (server-side).
    pub fn apply_yaml(&self, yaml: &str) {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), yaml).unwrap();
        let out = self.kubectl(&[
            "apply",
            "--server-side",
            "--field-manager=test-setup",
            "-f",
            file.path().to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// How many MultiClusterServices a namespace holds.
    pub fn mcs_count(&self, namespace: &str) -> usize {
        let out = self.kubectl(&[
            "get",
            "multiclusterservices.networking.karmada.io",
            "-n",
            namespace,
            "-o",
            "name",
        ]);
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    /// `apiserver_request_total` summed by verb for a resource, from the
    /// apiserver's own metrics.
    pub fn request_counts(&self, resource: &str) -> std::collections::BTreeMap<String, u64> {
        let output = self.kubectl(&["get", "--raw", "/metrics"]);
        assert!(output.status.success(), "read /metrics");
        let text = String::from_utf8_lossy(&output.stdout);
        let mut counts = std::collections::BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| l.starts_with("apiserver_request_total{"))
        {
            let labels = &line[line.find('{').unwrap() + 1..line.rfind('}').unwrap()];
            let label = |key: &str| {
                labels
                    .split(',')
                    .find_map(|kv| kv.strip_prefix(&format!("{key}=\"")))
                    .map(|v| v.trim_end_matches('"').to_owned())
            };
            if label("resource").as_deref() != Some(resource) {
                continue;
            }
            let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
            *counts.entry(label("verb").unwrap_or_default()).or_insert(0) += value as u64;
        }
        counts
    }
}

/// A name unique within this test run.
pub fn unique(prefix: &str) -> String {
    let n = NAMES.fetch_add(1, Ordering::SeqCst);
    format!("{prefix}-{}-{n}", std::process::id() % 100_000)
}
