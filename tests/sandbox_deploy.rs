//! The in-cluster deployment (`deploy/kubernetes`) against the real sandbox
//! apiserver: every kustomization passes a server-side dry run (including the
//! "restricted" Pod Security level of its namespace), the ServiceAccount's
//! RBAC is enough for `apply` and for the daemon with leader election,
//! requests outside it are Forbidden by the real authorizer, and what it
//! grants is exactly the permission table of `deploy/README.md`.
//!
//! The rbac kustomization is applied for real, once per test binary, with
//! its real (cluster-scoped) names: each test binary owns its sandbox.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::daemon::wait_until;
use support::fixtures::Mcs;
use support::git_servers::{WorkTree, free_port, git_daemon};
use support::repo::{DiskRepo, text};
use support::sandbox::{Sandbox, repo_root, sandbox, unique};

/// Namespace of the install, and of the ServiceAccount and its Lease.
const NAMESPACE: &str = "mcs-gitops";
/// The ServiceAccount the daemon runs as.
const ACCOUNT: &str = "mcs-gitops";

fn kustomization(dir: &str) -> PathBuf {
    repo_root().join("deploy/kubernetes").join(dir)
}

/// Runs the sandbox's kubectl with a kubeconfig, failing the test on error.
fn kubectl_ok(sandbox: &Sandbox, kubeconfig: &Path, args: &[&str]) -> String {
    let output = kubectl(sandbox, kubeconfig, args);
    assert!(
        output.status.success(),
        "kubectl {args:?}: {}",
        text(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn kubectl(sandbox: &Sandbox, kubeconfig: &Path, args: &[&str]) -> Output {
    Command::new(&sandbox.kubectl)
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run kubectl")
}

/// The sandbox with `deploy/kubernetes/rbac` applied for real (once).
fn installed() -> &'static Sandbox {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    let sandbox = sandbox();
    INSTALLED.get_or_init(|| {
        let dir = kustomization("rbac");
        kubectl_ok(
            sandbox,
            &sandbox.kubeconfig,
            &["apply", "--server-side", "-k", dir.to_str().unwrap()],
        );
    });
    sandbox
}

/// A kubeconfig that authenticates as the ServiceAccount with a fresh token,
/// with the admin kubeconfig's server and CA.
fn account_kubeconfig() -> &'static Path {
    static KUBECONFIG: OnceLock<PathBuf> = OnceLock::new();
    KUBECONFIG.get_or_init(|| {
        let sandbox = installed();
        let admin = &sandbox.kubeconfig;
        let token = kubectl_ok(
            sandbox,
            admin,
            &[
                "create",
                "token",
                ACCOUNT,
                "-n",
                NAMESPACE,
                "--duration",
                "1h",
            ],
        );
        let view: Value = serde_json::from_str(&kubectl_ok(
            sandbox,
            admin,
            &["config", "view", "--raw", "--minify", "-o", "json"],
        ))
        .unwrap();
        let cluster = &view["clusters"][0]["cluster"];
        let config = json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sandbox", "cluster": {
                "server": cluster["server"],
                "certificate-authority-data": cluster["certificate-authority-data"],
            }}],
            "users": [{"name": ACCOUNT, "user": {"token": token.trim()}}],
            "contexts": [{"name": ACCOUNT, "context": {"cluster": "sandbox", "user": ACCOUNT}}],
            "current-context": ACCOUNT,
        });
        // Inside the sandbox's directory, which is removed with the sandbox.
        let path = sandbox
            .dir
            .join(format!("{ACCOUNT}-serviceaccount.kubeconfig"));
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        path
    })
}

/// `kubectl apply --server-side --dry-run=server -k <dir>`: the objects as
/// the server would store them, and kubectl's stderr (warnings).
fn server_dry_run(dir: &str) -> (Vec<Value>, String) {
    let sandbox = installed();
    let dir = kustomization(dir);
    let output = kubectl(
        sandbox,
        &sandbox.kubeconfig,
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "-k",
            dir.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert!(output.status.success(), "{}", text(&output));
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    let items = list["items"].as_array().cloned().unwrap_or_default();
    (items, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn kinds(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn object<'a>(items: &'a [Value], kind: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", kinds(items)))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const RBAC_KINDS: [&str; 6] = [
    "Namespace",
    "ServiceAccount",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
];

#[test]
fn the_in_cluster_install_passes_a_server_side_dry_run_and_the_restricted_pod_security_level() {
    let (items, stderr) = server_dry_run(".");
    let mut expected = set(&RBAC_KINDS);
    expected.extend(set(&["ConfigMap", "Deployment", "Service"]));
    assert_eq!(kinds(&items), expected);
    assert!(
        !stderr.contains("Warning"),
        "no warning, in particular none from Pod Security (restricted):\n{stderr}"
    );
    let namespace = object(&items, "Namespace");
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
    for item in &items {
        if item["kind"] != "Namespace" && !item["kind"].as_str().unwrap().starts_with("Cluster") {
            assert_eq!(item["metadata"]["namespace"], NAMESPACE, "{}", item["kind"]);
        }
    }
}

#[test]
fn the_rbac_kustomization_holds_only_the_namespace_the_service_account_and_rbac() {
    let (items, stderr) = server_dry_run("rbac");
    assert_eq!(kinds(&items), set(&RBAC_KINDS));
    assert!(!stderr.contains("Warning"), "{stderr}");
    let account = object(&items, "ServiceAccount");
    assert_eq!(
        account["automountServiceAccountToken"], false,
        "no token unless a pod asks for one"
    );
}

#[test]
fn the_karmada_host_overlay_points_the_daemon_at_the_karmada_api_server_and_grants_nothing_on_the_host()
 {
    let (items, stderr) = server_dry_run("overlays/karmada-host");
    assert_eq!(
        kinds(&items),
        set(&[
            "Namespace",
            "ServiceAccount",
            "ConfigMap",
            "Deployment",
            "Service"
        ]),
        "no RBAC on the host: it belongs on the Karmada API server"
    );
    assert!(!stderr.contains("Warning"), "{stderr}");
    let pod = &object(&items, "Deployment")["spec"]["template"]["spec"];
    assert_eq!(
        pod["automountServiceAccountToken"], false,
        "no host token in the pods"
    );
    let container = &pod["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let kubeconfig = args
        .iter()
        .find_map(|a| a.strip_prefix("--kubeconfig="))
        .expect("--kubeconfig is passed");
    let mount = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| kubeconfig.starts_with(m["mountPath"].as_str().unwrap()))
        .expect("the kubeconfig is on a mounted volume");
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    assert_eq!(
        volume["secret"]["secretName"],
        "mcs-gitops-karmada-kubeconfig"
    );
    assert_eq!(
        kubeconfig,
        format!(
            "{}/kubeconfig",
            mount["mountPath"].as_str().unwrap().trim_end_matches('/')
        )
    );
}

#[test]
fn the_deployment_runs_two_hardened_replicas_with_leader_election_and_secrets_as_files() {
    let (items, _) = server_dry_run(".");
    let deployment = object(&items, "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    assert_eq!(container["image"], "ghcr.io/mcs-gitops/mcs-gitops:0.1.0");
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(args[0], "run");
    assert!(args.contains(&"--leader-elect"), "{args:?}");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    for kind in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(
                container["resources"][kind][resource].is_string(),
                "{kind}.{resource}"
            );
        }
    }

    let pod_security = &pod["securityContext"];
    assert_eq!(pod_security["runAsNonRoot"], true);
    assert!(pod_security["runAsUser"].as_i64().unwrap() > 0);
    assert_eq!(pod_security["seccompProfile"]["type"], "RuntimeDefault");
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(
        pod["automountServiceAccountToken"], true,
        "in-cluster, the daemon authenticates with its token"
    );

    let volumes: BTreeMap<&str, &Value> = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v))
        .collect();
    let mounted_at = |path: &str| -> &Value {
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mountPath"] == path)
            .unwrap_or_else(|| panic!("nothing mounted at {path}"));
        volumes[mount["name"].as_str().unwrap()]
    };
    let cache_dir = args
        .iter()
        .find_map(|a| a.strip_prefix("--cache-dir="))
        .expect("--cache-dir");
    assert!(mounted_at(cache_dir)["emptyDir"].is_object());
    assert!(mounted_at("/tmp")["emptyDir"].is_object());
    for (path, secret) in [
        ("/etc/mcs-gitops/git", "mcs-gitops-git"),
        ("/etc/mcs-gitops/webhook", "mcs-gitops-webhook"),
        ("/etc/mcs-gitops/forge", "mcs-gitops-forge"),
        ("/etc/mcs-gitops/placement", "mcs-gitops-placement"),
    ] {
        let volume = mounted_at(path);
        assert_eq!(volume["secret"]["secretName"], secret);
        assert_eq!(volume["secret"]["optional"], true);
    }

    let env = container["env"].as_array().unwrap();
    let field = |name: &str| {
        env.iter().find(|e| e["name"] == name).unwrap()["valueFrom"]["fieldRef"]["fieldPath"]
            .clone()
    };
    assert_eq!(field("POD_NAMESPACE"), "metadata.namespace");
    assert_eq!(field("POD_NAME"), "metadata.name");
    let container_text = container.to_string();
    assert!(
        !container_text.contains("secretKeyRef") && !container_text.contains("secretRef"),
        "secrets are files, never environment values"
    );
}

/// `mcs-gitops <args>` with the ServiceAccount's kubeconfig.
fn mcs_gitops_as_account(command: &str, repo: &Path, instance: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcs-gitops"))
        .arg(command)
        .arg(repo)
        .arg("--kubeconfig")
        .arg(account_kubeconfig())
        .args(["--instance", instance, "--color", "never"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn apply_creates_and_prunes_with_nothing_but_the_service_accounts_permissions() {
    let sandbox = installed();
    let ns = sandbox.namespace_now("deploy-apply");
    sandbox.service_now(&ns, "web");
    sandbox.service_now(&ns, "api");
    let instance = unique("deploy");
    let repo = DiskRepo::new();
    let repo = repo.mcs(
        &format!("{}/web.yaml", ns),
        &Mcs::new(&ns, "web")
            .providers(&["clusterb"])
            .consumers(&["clustera"]),
    );
    let repo = repo.mcs(
        &format!("{}/api.yaml", ns),
        &Mcs::new(&ns, "api").providers(&["clustera"]),
    );

    let output = mcs_gitops_as_account("apply", repo.path(), &instance, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let web = sandbox
        .mcs(&ns, "web")
        .expect("created under the ServiceAccount");
    assert_eq!(
        web["metadata"]["labels"]["mcs-gitops.io/instance"],
        instance.as_str()
    );
    assert!(sandbox.mcs(&ns, "api").is_some());

    let repo = repo.remove(&format!("{ns}/api.yaml"));
    let output = mcs_gitops_as_account("apply", repo.path(), &instance, &["--allow-mass-prune"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        sandbox.mcs(&ns, "api").is_none(),
        "pruned under the ServiceAccount"
    );
    assert!(sandbox.mcs(&ns, "web").is_some());
}

/// One `mcs-gitops run` replica under the ServiceAccount; SIGTERM on drop.
struct Replica {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Replica {
    fn start(repo: &str, instance: &str, identity: &str) -> Replica {
        let dir = tempfile::Builder::new()
            .prefix("replica-")
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
            .arg("--kubeconfig")
            .arg(account_kubeconfig())
            .args([
                "--leader-elect",
                "--lease-namespace",
                NAMESPACE,
                "--identity",
                identity,
            ])
            .args(["--listen", &format!("127.0.0.1:{port}"), "--interval", "1s"])
            .arg("--cache-dir")
            .arg(dir.path().join("cache"))
            .env("RUST_LOG", "mcs_gitops=debug,info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start mcs-gitops run");
        let replica = Replica {
            child,
            port,
            log,
            _dir: dir,
        };
        wait_until("the replica's HTTP server", Duration::from_secs(30), || {
            replica.get("/healthz").0 == 200
        });
        replica
    }

    /// GET a path: (status, body); status 0 when unreachable.
    fn get(&self, path: &str) -> (u16, String) {
        support::daemon::http_request(self.port, "GET", path, &[], b"")
    }

    /// `mcs_gitops_leader` from /metrics (None when unreadable).
    fn leader(&self) -> Option<bool> {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find_map(|l| l.strip_prefix("mcs_gitops_leader "))
            .map(|v| v.trim() == "1")
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then waits for the exit code.
    fn stop(&mut self) -> Option<i32> {
        let pid = self.child.id();
        support::daemon::terminate(&mut self.child, pid)
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

fn lease_holder(sandbox: &Sandbox, name: &str) -> String {
    kubectl_ok(
        sandbox,
        &sandbox.kubeconfig,
        &[
            "get",
            "leases.coordination.k8s.io",
            name,
            "-n",
            NAMESPACE,
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    )
}

#[test]
fn two_replicas_elect_a_leader_that_applies_and_hand_over_under_the_service_account() {
    let sandbox = installed();
    let ns = sandbox.namespace_now("deploy-run");
    sandbox.service_now(&ns, "web");
    let server = git_daemon();
    let url = server.repository("config");
    let work = WorkTree::new(&server, "config");
    let web = Mcs::new(&ns, "web")
        .providers(&["clusterb"])
        .consumers(&["clustera"]);
    work.write("web.yaml", &web.yaml());
    work.commit_and_push("expose web");
    let instance = unique("deploy");
    let lease = format!("mcs-gitops-{instance}");

    let mut one = Replica::start(&url, &instance, "replica-one");
    let mut two = Replica::start(&url, &instance, "replica-two");
    let logs = |one: &Replica, two: &Replica| {
        format!(
            "--- replica-one\n{}\n--- replica-two\n{}",
            one.logs(),
            two.logs()
        )
    };
    wait_until("one leader of two", Duration::from_secs(30), || {
        matches!(
            (one.leader(), two.leader()),
            (Some(true), Some(false)) | (Some(false), Some(true))
        )
    });
    wait_until("the leader's apply", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").is_some()
    });
    let (leader, follower, leader_id, follower_id) = if one.leader() == Some(true) {
        (&mut one, &mut two, "replica-one", "replica-two")
    } else {
        (&mut two, &mut one, "replica-two", "replica-one")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut readiness = leader.get("/readyz");
    while readiness.0 != 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        readiness = leader.get("/readyz");
    }
    assert_eq!(
        readiness.0,
        200,
        "the leader becomes ready once it has synced: {}\n{}",
        readiness.1,
        leader.logs()
    );
    assert_eq!(lease_holder(sandbox, &lease), leader_id);

    assert_eq!(leader.stop(), Some(0), "a clean stop releases the Lease");
    wait_until(
        "the other replica to take over",
        Duration::from_secs(30),
        || follower.leader() == Some(true),
    );
    assert_eq!(lease_holder(sandbox, &lease), follower_id);
    work.write("web.yaml", &web.consumers(&["clustera", "clusterc"]).yaml());
    work.commit_and_push("web: add clusterc");
    wait_until("the new leader's apply", Duration::from_secs(60), || {
        sandbox.mcs(&ns, "web").unwrap()["spec"]["consumerClusters"]
            .as_array()
            .map_or(0, Vec::len)
            == 2
    });
    let all_logs = logs(&one, &two);
    assert!(
        !all_logs.contains("forbidden") && !all_logs.contains("Forbidden"),
        "no request was refused:\n{all_logs}"
    );
}

#[test]
fn requests_outside_the_role_are_forbidden_by_the_real_rbac() {
    let sandbox = installed();
    let ns = sandbox.namespace_now("deploy-deny");
    sandbox.service_now(&ns, "web");
    let account = account_kubeconfig();
    let forbidden = |args: &[&str]| {
        let output = kubectl(sandbox, account, args);
        assert!(!output.status.success(), "kubectl {args:?} must fail");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("(Forbidden)"),
            "kubectl {args:?} must be Forbidden: {}",
            text(&output)
        );
    };

    forbidden(&["delete", "service", "web", "-n", &ns]);
    let work = json!({
        "apiVersion": "work.karmada.io/v1alpha1",
        "kind": "Work",
        "metadata": {"name": unique("probe"), "namespace": "karmada-es-clustera"},
        "spec": {"workload": {"manifests": []}},
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("work.json");
    std::fs::write(&file, work.to_string()).unwrap();
    forbidden(&["create", "-f", file.to_str().unwrap()]);
    forbidden(&["get", "secrets", "-n", NAMESPACE]);
    forbidden(&["get", "leases.coordination.k8s.io", "-n", NAMESPACE]);
    forbidden(&["create", "namespace", &unique("probe")]);

    let admin = &sandbox.kubeconfig;
    kubectl_ok(sandbox, admin, &["get", "service", "web", "-n", &ns]);
    // Reading is allowed: the denials above are RBAC, not a broken identity.
    kubectl_ok(sandbox, account, &["get", "services", "-n", &ns]);
}

/// Which namespaces a row of the permission table applies to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Cluster,
    Namespace(String),
}

/// (resource, API group) -> (verbs, scope), from the table in deploy/README.md.
type Permissions = BTreeMap<(String, String), (BTreeSet<String>, Scope)>;

/// Reads the table between `<!-- permissions:begin -->` and
/// `<!-- permissions:end -->`: `| resource | API group | verbs | scope | why |`.
fn permission_table() -> Permissions {
    let readme = std::fs::read_to_string(repo_root().join("deploy/README.md")).unwrap();
    let start = readme
        .find("<!-- permissions:begin -->")
        .expect("deploy/README.md marks the permission table");
    let end = readme[start..].find("<!-- permissions:end -->").unwrap() + start;
    let mut table = Permissions::new();
    for line in readme[start..end]
        .lines()
        .filter(|l| l.starts_with('|'))
        .skip(2)
    {
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.replace('`', "").trim().to_owned())
            .collect();
        assert_eq!(cells.len(), 5, "five cells: {line}");
        let group = if cells[1] == "core" {
            String::new()
        } else {
            cells[1].clone()
        };
        let verbs = cells[2].split(',').map(|v| v.trim().to_owned()).collect();
        let scope = match cells[3].strip_prefix("namespace ") {
            Some(namespace) => Scope::Namespace(namespace.trim().to_owned()),
            None if cells[3] == "cluster" => Scope::Cluster,
            None => panic!("scope is `cluster` or `namespace <name>`: {line}"),
        };
        let previous = table.insert((cells[0].clone(), group), (verbs, scope));
        assert!(previous.is_none(), "one row per resource: {line}");
    }
    assert!(!table.is_empty());
    table
}

/// One row of `kubectl auth can-i --list`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rule {
    resource: String,
    non_resource_url: String,
    names: String,
    verbs: BTreeSet<String>,
}

/// `kubectl auth can-i --list --as=<user> -n <namespace>`, as the admin.
fn can_i_list(sandbox: &Sandbox, user: &str, namespace: &str) -> BTreeSet<Rule> {
    let out = kubectl_ok(
        sandbox,
        &sandbox.kubeconfig,
        &[
            "auth",
            "can-i",
            "--list",
            &format!("--as={user}"),
            "-n",
            namespace,
        ],
    );
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    let columns: Vec<usize> = ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]
        .iter()
        .map(|c| {
            header
                .find(c)
                .unwrap_or_else(|| panic!("column {c}: {header}"))
        })
        .collect();
    let cell = |line: &str, i: usize| -> String {
        let end = columns
            .get(i + 1)
            .copied()
            .unwrap_or(line.len())
            .min(line.len());
        line.get(columns[i]..end).unwrap_or("").trim().to_owned()
    };
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| Rule {
            resource: cell(line, 0),
            non_resource_url: cell(line, 1).trim_matches(['[', ']']).to_owned(),
            names: cell(line, 2).trim_matches(['[', ']']).to_owned(),
            verbs: cell(line, 3)
                .trim_matches(['[', ']'])
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        })
        .collect()
}

/// What every authenticated account may do, whatever its bindings: the
/// discovery, health, version and OpenID non-resource URLs
/// (system:discovery, system:public-info-viewer,
/// system:service-account-issuer-discovery) and the self-reviews
/// (system:basic-user). These rows are left out of the comparison.
fn is_standard(rule: &Rule) -> bool {
    const SELF_REVIEWS: [&str; 3] = [
        "selfsubjectreviews.authentication.k8s.io",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectrulesreviews.authorization.k8s.io",
    ];
    (rule.resource.is_empty() && !rule.non_resource_url.is_empty())
        || SELF_REVIEWS.contains(&rule.resource.as_str())
}

/// `services` -> (services, ""), `leases.coordination.k8s.io` -> (leases, coordination.k8s.io).
fn resource_and_group(resource: &str) -> (String, String) {
    match resource.split_once('.') {
        Some((plural, group)) => (plural.to_owned(), group.to_owned()),
        None => (resource.to_owned(), String::new()),
    }
}

fn granted(rules: &BTreeSet<Rule>) -> BTreeMap<(String, String), BTreeSet<String>> {
    let mut granted: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for rule in rules.iter().filter(|r| !is_standard(r)) {
        assert!(
            rule.names.is_empty(),
            "the table has no per-name rules: {rule:?}"
        );
        granted
            .entry(resource_and_group(&rule.resource))
            .or_default()
            .extend(rule.verbs.iter().cloned());
    }
    granted
}

#[test]
fn what_the_service_account_may_do_is_exactly_the_permission_table_of_the_readme() {
    let sandbox = installed();
    let table = permission_table();
    let user = format!("system:serviceaccount:{NAMESPACE}:{ACCOUNT}");
    let unbound = format!("system:serviceaccount:{NAMESPACE}:{}", unique("unbound"));
    // A namespace where only cluster-wide rules apply, and the install's own.
    let elsewhere = sandbox.namespace_now("deploy-rbac");
    for namespace in [elsewhere.as_str(), NAMESPACE] {
        let expected: BTreeMap<(String, String), BTreeSet<String>> = table
            .iter()
            .filter(|(_, (_, scope))| match scope {
                Scope::Cluster => true,
                Scope::Namespace(ns) => ns == namespace,
            })
            .map(|(key, (verbs, _))| (key.clone(), verbs.clone()))
            .collect();
        let rules = can_i_list(sandbox, &user, namespace);
        assert_eq!(
            granted(&rules),
            expected,
            "kubectl auth can-i --list -n {namespace} vs the table of deploy/README.md"
        );
        // The rows left out are exactly what an account without any binding gets.
        let standard: BTreeSet<Rule> = rules.into_iter().filter(is_standard).collect();
        let baseline: BTreeSet<Rule> = can_i_list(sandbox, &unbound, namespace);
        assert_eq!(standard, baseline, "in namespace {namespace}");
    }
}
