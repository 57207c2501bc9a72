//! The container image of `deploy/image/build`, run as a pod runs it: its
//! root unpacked from the OCI archive and mounted read-only in a mount
//! namespace of its own, writable tmpfs at `/tmp` and at the Deployment's
//! emptyDirs, the process as UID/GID 65532 with no capabilities and
//! no_new_privs, the ServiceAccount's token where the kubelet mounts it, and
//! the Deployment's own args and environment from the kustomize build of
//! `deploy/kubernetes`. Only the repository URL (a loopback `git daemon`)
//! and the listen address are changed.
//!
//! How: `setpriv` makes this root test process UID/GID 65532 without
//! capabilities, then `bwrap` (bubblewrap) creates a user namespace mapping
//! 65532 to itself, new mount, PID, IPC and UTS namespaces, binds the root
//! read-only and execs the image's entrypoint. Unlike a pod, the network
//! namespace is the host's (the sandbox API server and the Git server listen
//! on loopback, hence the other listen address), there is no seccomp profile
//! and no cgroup limit, and kubelet's /etc/hosts and /etc/resolv.conf are not
//! mounted (nothing here resolves a name).
//!
//! Each run first brings the image up to date with `deploy/image/build
//! --output $HOME/.cache/mcs-gitops/image --no-sbom` (idempotent: seconds
//! when nothing changed) and fails with its output if it cannot;
//! `MCS_GITOPS_IMAGE_DIR` names another output directory.

mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::daemon::wait_until;
use support::fixtures::Mcs;
use support::git_servers::{WorkTree, free_port, git_daemon};
use support::image::*;
use support::repo::text;
use support::sandbox::{Sandbox, repo_root, sandbox, unique};

/// The sandbox with `deploy/kubernetes/rbac` applied for real.
fn installed() -> &'static Sandbox {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let sandbox = sandbox();
    INSTALLED.get_or_init(|| {
        let dir = repo_root().join("deploy/kubernetes/rbac");
        let output = sandbox.kubectl(&["apply", "--server-side", "-k", dir.to_str().unwrap()]);
        assert!(output.status.success(), "{}", text(&output));
    });
    sandbox
}

/// The objects of `kubectl kustomize deploy/kubernetes`.
fn kustomize_build(sandbox: &Sandbox) -> Vec<Value> {
    let dir = repo_root().join("deploy/kubernetes");
    let output = run_ok(Command::new(&sandbox.kubectl).arg("kustomize").arg(dir));
    serde_saphyr::from_multiple(&String::from_utf8(output.stdout).unwrap())
        .expect("kustomize build is YAML")
}

/// The container of the Deployment as the kubelet would start it: its args,
/// and its environment with `fieldRef` and `configMapRef` resolved.
struct PodSpec {
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Mount path -> what is mounted (`emptyDir` or an optional, absent `secret`).
    mounts: Vec<(String, Value)>,
}

fn deployment_container(objects: &[Value], pod_name: &str) -> PodSpec {
    let deployment = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment");
    let namespace = deployment["metadata"]["namespace"].as_str().unwrap();
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], ACCOUNT);
    assert_eq!(pod["automountServiceAccountToken"], true);
    let container = &pod["containers"][0];
    let mut env: Vec<(String, String)> = Vec::new();
    let mut set = |name: &str, value: String| {
        env.retain(|(k, _)| k != name);
        env.push((name.to_owned(), value));
    };
    for source in container["envFrom"].as_array().into_iter().flatten() {
        let name = source["configMapRef"]["name"]
            .as_str()
            .unwrap_or_else(|| panic!("only configMapRef is resolved: {source}"));
        let map = objects
            .iter()
            .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("ConfigMap {name} in the build"));
        for (key, value) in map["data"].as_object().unwrap() {
            set(key, value.as_str().unwrap().to_owned());
        }
    }
    for variable in container["env"].as_array().into_iter().flatten() {
        let name = variable["name"].as_str().unwrap();
        let value = match (
            &variable["value"],
            &variable["valueFrom"]["fieldRef"]["fieldPath"],
        ) {
            (Value::String(value), _) => value.clone(),
            (_, Value::String(field)) if field == "metadata.namespace" => namespace.to_owned(),
            (_, Value::String(field)) if field == "metadata.name" => pod_name.to_owned(),
            _ => panic!("cannot resolve {variable}"),
        };
        set(name, value);
    }
    let volumes: BTreeMap<&str, &Value> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v))
        .collect();
    let mounts = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap().to_owned(),
                volumes[m["name"].as_str().unwrap()].clone(),
            )
        })
        .collect();
    PodSpec {
        args: strings(&container["args"]),
        env,
        mounts,
    }
}

/// The admin kubeconfig's server (`https://127.0.0.1:<port>`) and CA (PEM).
fn api_server(sandbox: &Sandbox) -> (String, u16, Vec<u8>) {
    let view = run_ok(
        Command::new(&sandbox.kubectl)
            .arg("--kubeconfig")
            .arg(&sandbox.kubeconfig)
            .args(["config", "view", "--raw", "--minify", "-o", "json"]),
    );
    let view: Value = serde_json::from_slice(&view.stdout).unwrap();
    let cluster = &view["clusters"][0]["cluster"];
    let server = cluster["server"].as_str().unwrap();
    let authority = server
        .strip_prefix("https://")
        .unwrap()
        .trim_end_matches('/');
    let (host, port) = authority.rsplit_once(':').unwrap();
    let mut decode = Command::new("base64")
        .arg("-d")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    decode
        .stdin
        .take()
        .unwrap()
        .write_all(
            cluster["certificate-authority-data"]
                .as_str()
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
    let ca = decode.wait_with_output().unwrap();
    assert!(ca.status.success());
    (host.to_owned(), port.parse().unwrap(), ca.stdout)
}

/// The image's entrypoint in its sandbox; killed with everything below it on drop.
struct Container {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Container {
    /// The entrypoint's process (bwrap's descendant), once it runs.
    fn process(&self) -> Option<u32> {
        let mut pending = vec![self.child.id()];
        while let Some(pid) = pending.pop() {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "mcs-gitops" {
                return Some(pid);
            }
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap_or_default();
            pending.extend(
                children
                    .split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
        None
    }

    /// GET a path: (status, body); status 0 when unreachable.
    fn get(&self, path: &str) -> (u16, String) {
        support::daemon::http_request(self.port, "GET", path, &[], b"")
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM to the entrypoint, as the kubelet stops a container; its exit code.
    fn stop(&mut self) -> Option<i32> {
        let pid = self.process().unwrap_or_else(|| self.child.id());
        support::daemon::terminate(&mut self.child, pid)
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            if let Some(pid) = self.process() {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `/proc/<pid>/status` fields.
fn proc_status(pid: u32) -> BTreeMap<String, String> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

#[test]
fn the_image_runs_as_the_deployments_pod_reconciles_the_repository_and_reports_its_status() {
    let sandbox = installed();
    let unpacked = Unpacked::new(image());
    let rootfs = unpacked.rootfs();

    // The repository: one MCS in a fresh namespace.
    let ns = sandbox.namespace_now("image");
    sandbox.service_now(&ns, "web");
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    work.write(
        "web.yaml",
        &Mcs::new(&ns, "web")
            .providers(&["clusterb"])
            .consumers(&["clustera"])
            .yaml(),
    );
    let revision = work.commit_and_push("expose web");

    // What the kubelet mounts: the ServiceAccount's token, CA and namespace.
    let token = run_ok(Command::new(&sandbox.kubectl).args([
        "--kubeconfig",
        sandbox.kubeconfig.to_str().unwrap(),
        "create",
        "token",
        ACCOUNT,
        "-n",
        NAMESPACE,
        "--duration",
        "1h",
    ]));
    let (host, api_port, ca) = api_server(sandbox);
    let account = unpacked.scratch("serviceaccount");
    std::fs::write(
        account.join("token"),
        String::from_utf8_lossy(&token.stdout).trim(),
    )
    .unwrap();
    std::fs::write(account.join("ca.crt"), ca).unwrap();
    std::fs::write(account.join("namespace"), NAMESPACE).unwrap();
    for file in ["token", "ca.crt", "namespace"] {
        std::fs::set_permissions(account.join(file), std::fs::Permissions::from_mode(0o644))
            .unwrap();
    }
    let empty_secret = unpacked.scratch("absent-secret");

    // The Deployment's container, from the kustomize build.
    let pod_name = unique("mcs-gitops-image");
    let spec = deployment_container(&kustomize_build(sandbox), &pod_name);
    let port = free_port();
    let mut args = spec.args.clone();
    args.push(format!("--listen=127.0.0.1:{port}"));
    let mut env: Vec<(String, String)> = unpacked.env();
    for (key, value) in &spec.env {
        env.retain(|(k, _)| k != key);
        let value = if key == "MCS_GITOPS_REPO" {
            url.clone()
        } else {
            value.clone()
        };
        env.push((key.clone(), value));
    }
    assert!(env.iter().any(|(k, _)| k == "MCS_GITOPS_REPO"), "{env:?}");
    env.push(("KUBERNETES_SERVICE_HOST".into(), host));
    env.push(("KUBERNETES_SERVICE_PORT".into(), api_port.to_string()));

    // Mount points, as the runtime creates them in the root before making it
    // read-only.
    let mut mount_points = vec![
        "/proc".to_owned(),
        "/dev".to_owned(),
        SERVICE_ACCOUNT_DIR.to_owned(),
    ];
    mount_points.extend(spec.mounts.iter().map(|(path, _)| path.clone()));
    for path in &mount_points {
        std::fs::create_dir_all(rootfs.join(&path[1..])).unwrap();
    }

    let (uid, gid) = unpacked.user();
    let entrypoint = strings(&unpacked.config["Entrypoint"]);
    let mut command = Command::new("/usr/bin/setpriv");
    command
        .args(["--reuid", &uid.to_string(), "--regid", &gid.to_string()])
        .args(["--clear-groups", "--inh-caps=-all", "--no-new-privs"])
        .arg("/usr/bin/bwrap")
        .args([
            "--unshare-user",
            "--uid",
            &uid.to_string(),
            "--gid",
            &gid.to_string(),
        ])
        .args([
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--die-with-parent",
        ])
        .arg("--ro-bind")
        .arg(&rootfs)
        .arg("/")
        .args(["--proc", "/proc", "--dev", "/dev"])
        .arg("--ro-bind")
        .arg(&account)
        .arg(SERVICE_ACCOUNT_DIR);
    for (path, volume) in &spec.mounts {
        if volume["emptyDir"].is_object() {
            command.args(["--tmpfs", path]);
        } else if volume["secret"]["optional"] == true {
            // An optional Secret this test does not create: an empty directory.
            command.arg("--ro-bind").arg(&empty_secret).arg(path);
        } else {
            panic!("cannot mount {volume}");
        }
    }
    let working_dir = unpacked.config["WorkingDir"].as_str().unwrap_or("/");
    command
        .args([
            "--chdir",
            if working_dir.is_empty() {
                "/"
            } else {
                working_dir
            },
        ])
        .arg("--")
        .args(&entrypoint)
        .args(&args);
    let log = unpacked.scratch("logs").join("container.log");
    let output = std::fs::File::create(&log).unwrap();
    let child = command
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output)
        .spawn()
        .expect("start setpriv bwrap");
    let mut container = Container { child, port, log };

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = container.get("/readyz");
    while ready.0 != 200 {
        if let Ok(Some(status)) = container.child.try_wait() {
            panic!("the container exited ({status}):\n{}", container.logs());
        }
        assert!(
            Instant::now() < deadline,
            "/readyz answered {} {:?}; logs:\n{}",
            ready.0,
            ready.1,
            container.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
        ready = container.get("/readyz");
    }

    // Seen from outside: UID/GID 65532 in every slot, no capability, no
    // way to gain one, a read-only root.
    let pid = container.process().expect("the entrypoint's process");
    let status = proc_status(pid);
    for key in ["Uid", "Gid"] {
        let ids: Vec<&str> = status[key].split_whitespace().collect();
        let expected = if key == "Uid" { uid } else { gid }.to_string();
        assert_eq!(ids, vec![expected.as_str(); 4], "{key}");
    }
    for key in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(status[key], "0000000000000000", "{key}");
    }
    assert_eq!(status["NoNewPrivs"], "1");
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
    let root_mount = mounts
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))
        .expect("a root mount");
    assert!(
        root_mount
            .split_whitespace()
            .nth(5)
            .unwrap()
            .split(',')
            .any(|o| o == "ro"),
        "the root is read-only: {root_mount}"
    );

    wait_until(
        "the MCS applied from the image",
        Duration::from_secs(60),
        || sandbox.mcs(&ns, "web").is_some(),
    );
    let web = sandbox.mcs(&ns, "web").unwrap();
    let instance = env
        .iter()
        .find(|(k, _)| k == "MCS_GITOPS_INSTANCE")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(
        web["metadata"]["labels"]["mcs-gitops.io/instance"],
        instance.as_str()
    );
    wait_until("the status branch", Duration::from_secs(60), || {
        work.status_file(STATUS_BRANCH, "status/_revision.yaml")
            .is_some_and(|s| s.contains(&revision))
    });

    assert_eq!(
        container.stop(),
        Some(0),
        "a clean stop:\n{}",
        container.logs()
    );
    let logs = container.logs();
    assert!(
        logs.lines()
            .filter(|l| !l.trim().is_empty())
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "--log-format=json from the Deployment's args:\n{logs}"
    );
    assert!(
        !logs.contains("orbidden") && !logs.contains("Read-only file system"),
        "nothing was refused:\n{logs}"
    );
}
