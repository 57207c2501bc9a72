//! The end-to-end benchmark suite: `cargo bench --bench suite`.
//!
//! For each size N it generates a configuration repository and the matching
//! federation state, starts a sandbox of its own (never another one), and
//! measures mcs-gitops against a reference measured in the same run on the
//! same sandbox: `kubectl diff`/`kubectl apply --server-side`, and a minimal
//! concurrent server-side apply client for the API server's own ceiling.
//! The daemon is measured at the sizes the targets name: a no-op cycle,
//! push-to-applied latency through a signed webhook, one changed file in a
//! large repository, and its memory. Every figure is a median over
//! `MCS_BENCH_RUNS` runs unless said otherwise; the table goes to stdout and,
//! with the raw samples, to `target/bench/suite.{json,md}`.
//!
//! Knobs (environment):
//! - `MCS_BENCH_SIZES` (default `100,1000,5000,10000`)
//! - `MCS_BENCH_RUNS` (default 3)
//! - `MCS_BENCH_KUBECTL_DIFF_SIZES` (default `1000,5000`)
//! - `MCS_BENCH_KUBECTL_APPLY_SIZES` (default `100,1000,5000`)
//! - `MCS_BENCH_CEILING_CONCURRENCY` (default `8,16,32,64`: tried once
//!   each per size, then the fastest is run until there are RUNS samples)
//! - `MCS_BENCH_PUSHES` (default 50)
//! - `MCS_BENCH_NOOP_SIZE` (5000), `MCS_BENCH_PUSH_SIZE` (10000),
//!   `MCS_BENCH_RSS_SIZE` (10000), `MCS_BENCH_CHANGE_SIZE` (10000): where the
//!   daemon is measured; the nearest size of `MCS_BENCH_SIZES` is used
//! - `MCS_BENCH_ONLY` (e.g. `validate,plan,apply,daemon`): run only these
//!   parts; `daemon` stands for `push`, `noop`, `memory` and `change`
//! - `MCS_BENCH_SMOKE=1`: the smoke run CI makes (N = 100, one run, five
//!   pushes; `support::smoke`), which fails when a floor is missed
//! - `MCS_BENCH_PREPARE=N` with `MCS_BENCH_PREPARE_DIR=DIR`: measure nothing;
//!   leave a sandbox in `DIR/sandbox` with N objects applied from the
//!   repository `DIR/repo` (for profiling by hand), and print how to use and
//!   stop it

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use mcs_gitops::daemon::webhook::sign;
use mcs_gitops::source::auth::Secret;
use serde_json::{Value, json};

use support::generate::{Fleet, Shape, mcs_yaml};
use support::kube_ops;
use support::procs::{self, Daemon, DaemonOptions, GitDaemon, MCS_GITOPS, metric, timed};
use support::report::{Results, Row, median, percentile, secs};
use support::sandbox::{Sandbox, request_counts};

/// Resources the daemon reads or writes; API requests are counted for these only.
const DAEMON_RESOURCES: &[&str] = &[
    "multiclusterservices",
    "clusters",
    "works",
    "resourcebindings",
    "services",
    "events",
];

const WRITE_VERBS: &[&str] = &[
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "DELETECOLLECTION",
    "APPLY",
];

struct Knobs {
    sizes: Vec<usize>,
    runs: usize,
    kubectl_diff_sizes: BTreeSet<usize>,
    kubectl_apply_sizes: BTreeSet<usize>,
    ceiling_levels: Vec<usize>,
    pushes: usize,
    noop_size: usize,
    push_size: usize,
    rss_size: usize,
    change_size: usize,
    only: Option<BTreeSet<String>>,
}

fn env_list(name: &str, default: &str) -> Vec<usize> {
    let smoke_default = support::smoke::DEFAULTS
        .iter()
        .find(|(k, _)| *k == name && support::smoke::enabled())
        .map(|(_, v)| *v);
    std::env::var(name)
        .unwrap_or_else(|_| smoke_default.unwrap_or(default).to_owned())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("{name}: `{s}` is not a number"))
        })
        .collect()
}

fn env_one(name: &str, default: usize) -> usize {
    env_list(name, &default.to_string())
        .first()
        .copied()
        .unwrap_or(default)
}

impl Knobs {
    fn from_env() -> Knobs {
        let mut sizes = env_list("MCS_BENCH_SIZES", "100,1000,5000,10000");
        sizes.sort_unstable();
        sizes.dedup();
        let nearest = |want: usize| {
            *sizes
                .iter()
                .min_by_key(|&&s| s.abs_diff(want))
                .expect("at least one size")
        };
        Knobs {
            runs: env_one("MCS_BENCH_RUNS", 3).max(1),
            kubectl_diff_sizes: env_list("MCS_BENCH_KUBECTL_DIFF_SIZES", "1000,5000")
                .into_iter()
                .collect(),
            kubectl_apply_sizes: env_list("MCS_BENCH_KUBECTL_APPLY_SIZES", "100,1000,5000")
                .into_iter()
                .collect(),
            ceiling_levels: env_list("MCS_BENCH_CEILING_CONCURRENCY", "8,16,32,64"),
            pushes: env_one("MCS_BENCH_PUSHES", 50).max(1),
            noop_size: nearest(env_one("MCS_BENCH_NOOP_SIZE", 5000)),
            push_size: nearest(env_one("MCS_BENCH_PUSH_SIZE", 10000)),
            rss_size: nearest(env_one("MCS_BENCH_RSS_SIZE", 10000)),
            change_size: nearest(env_one("MCS_BENCH_CHANGE_SIZE", 10000)),
            only: std::env::var("MCS_BENCH_ONLY").ok().map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
            sizes,
        }
    }

    fn wants(&self, part: &str) -> bool {
        let daemon_part = ["push", "noop", "memory", "change"].contains(&part);
        self.only
            .as_ref()
            .is_none_or(|o| o.contains(part) || (daemon_part && o.contains("daemon")))
    }

    fn wants_daemon(&self) -> bool {
        ["push", "noop", "memory", "change"]
            .iter()
            .any(|p| self.wants(p))
    }
}

/// Figures by measurement and size, kept for the final table.
#[derive(Default)]
struct Figures {
    samples: BTreeMap<(String, usize), Vec<f64>>,
    values: BTreeMap<(String, usize), Value>,
}

impl Figures {
    fn push(&mut self, name: &str, n: usize, v: f64) {
        self.samples
            .entry((name.to_owned(), n))
            .or_default()
            .push(v);
    }

    fn get(&self, name: &str, n: usize) -> Option<&Vec<f64>> {
        self.samples
            .get(&(name.to_owned(), n))
            .filter(|v| !v.is_empty())
    }

    fn median(&self, name: &str, n: usize) -> Option<f64> {
        self.get(name, n).map(|s| median(s))
    }

    fn set(&mut self, name: &str, n: usize, v: Value) {
        self.values.insert((name.to_owned(), n), v);
    }

    fn value(&self, name: &str, n: usize) -> Option<&Value> {
        self.values.get(&(name.to_owned(), n))
    }
}

fn main() {
    if let Ok(n) = std::env::var("MCS_BENCH_PREPARE") {
        prepare(
            n.replace('_', "")
                .parse()
                .expect("MCS_BENCH_PREPARE is a number"),
        );
        return;
    }
    let knobs = Knobs::from_env();
    let started = Instant::now();
    let load_at_start = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    // The binary was built from the tree as it is now; it may change while
    // the suite runs.
    let source = source_state();
    let work = tempfile::Builder::new()
        .prefix("mcs-bench-")
        .tempdir()
        .expect("work dir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    eprintln!(
        "mcs-gitops benchmark suite: sizes {:?}, {} runs, binary {MCS_GITOPS}",
        knobs.sizes, knobs.runs
    );
    let mut figures = Figures::default();
    let mut kubectl_version = String::new();
    for &n in &knobs.sizes {
        let size_started = Instant::now();
        let dir = work.path().join(format!("n{n}"));
        run_size(
            n,
            &knobs,
            &runtime,
            &dir,
            &mut figures,
            &mut kubectl_version,
        );
        let _ = std::fs::remove_dir_all(&dir);
        eprintln!(
            "N = {n} done in {:.0} s",
            size_started.elapsed().as_secs_f64()
        );
    }
    let results = table(&knobs, &figures);
    let machine = support::report::machine(&kubectl_version);
    let meta = json!({
        "sizes": knobs.sizes,
        "runs": knobs.runs,
        "pushes": knobs.pushes,
        "totalSeconds": started.elapsed().as_secs_f64().round(),
        "finishedUnix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "loadavgAtStart": load_at_start.trim(),
        "loadavgAtEnd": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "source": source,
    });
    let out_dir = target_dir().join("bench");
    let mut results = results;
    for ((name, n), samples) in &figures.samples {
        results.raw(
            format!("{name}@{n}"),
            json!({"samples": samples, "median": median(samples)}),
        );
    }
    for ((name, n), value) in &figures.values {
        results.raw(format!("{name}@{n}"), value.clone());
    }
    let (json_path, md_path) = results.write(&out_dir, &machine, &meta);
    println!();
    println!("{}", results.table());
    for n in &results.notes {
        println!("- {n}");
    }
    println!(
        "\nsuite finished in {:.0} s; written to {} and {}",
        started.elapsed().as_secs_f64(),
        json_path.display(),
        md_path.display()
    );
    if support::smoke::enabled() {
        let failures = support::smoke::failures(&|name, n| figures.get(name, n).cloned());
        for failure in &failures {
            eprintln!("smoke: FAILED {failure}");
        }
        if !failures.is_empty() {
            std::process::exit(1);
        }
    }
}

/// Leaves a sandbox with N objects applied, for profiling by hand.
fn prepare(n: usize) {
    let dir =
        PathBuf::from(std::env::var("MCS_BENCH_PREPARE_DIR").expect("set MCS_BENCH_PREPARE_DIR"));
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let fleet = Fleet::generate(&Shape::new(n, "b"));
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    fleet.write_repo(&repo).expect("write repository");
    let mut sandbox = Sandbox::up(&dir.join("sandbox"), &fleet.clusters);
    let client = runtime.block_on(sandbox.client());
    let mut figures = Figures::default();
    setup(n, &fleet, &runtime, &sandbox, &client, &mut figures);
    let t = timed(mcs_gitops(&sandbox, "apply", &repo));
    assert_eq!(t.code, 0, "apply failed:\n{}", t.stderr_tail);
    sandbox.keep();
    println!(
        "prepared: {n} objects applied from {repo} (instance `bench`)\n  {bin} plan {repo} --kubeconfig {kc} --instance bench\n  {kubectl} --kubeconfig {kc} ...\n  stop: deploy/sandbox/sandbox down --dir {sbx}",
        repo = repo.display(),
        bin = MCS_GITOPS,
        kc = sandbox.kubeconfig.display(),
        kubectl = sandbox.kubectl.display(),
        sbx = sandbox.dir.display(),
    );
}

/// The commit measured, and a digest of uncommitted changes under src/.
fn source_state() -> Value {
    let root = support::sandbox::repo_root();
    let head = procs::git(root, &["rev-parse", "--short", "HEAD"]);
    let diff = Command::new("git")
        .args(["diff", "HEAD", "--", "src", "Cargo.toml"])
        .current_dir(root)
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default();
    let digest = support::generate::fnv(&[&String::from_utf8_lossy(&diff)]);
    json!({"head": head, "uncommittedSrcChanges": !diff.is_empty(), "srcDiffDigest": format!("{digest:016x}")})
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| support::sandbox::repo_root().join("target"))
}

/// The namespace directories of a repository, for kubectl (which cannot
/// read `mcs-gitops.yaml`, a file that is not a Kubernetes object).
fn namespace_dirs(repo: &Path, fleet: &Fleet) -> Vec<PathBuf> {
    fleet.namespaces().iter().map(|ns| repo.join(ns)).collect()
}

fn kubectl_with_dirs(sandbox: &Sandbox, verb: &str, dirs: &[PathBuf]) -> Command {
    let mut command = sandbox.kubectl();
    command.args([verb, "--server-side", "-R"]);
    for d in dirs {
        command.arg("-f").arg(d);
    }
    command
}

fn mcs_gitops(sandbox: &Sandbox, verb: &str, repo: &Path) -> Command {
    let mut command = Command::new(MCS_GITOPS);
    command
        .arg(verb)
        .arg(repo)
        .arg("--kubeconfig")
        .arg(&sandbox.kubeconfig)
        .args(["--instance", "bench", "--color", "never"]);
    command
}

fn run_size(
    n: usize,
    knobs: &Knobs,
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    figures: &mut Figures,
    kubectl_version: &mut String,
) {
    eprintln!("\n== N = {n}");
    let fleet = Fleet::generate(&Shape::new(n, "b"));
    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).expect("repo dir");
    fleet.write_repo(&repo).expect("write repository");

    if knobs.wants("validate") {
        for run in 0..knobs.runs {
            let mut command = Command::new(MCS_GITOPS);
            command
                .arg("validate")
                .arg(&repo)
                .args(["--color", "never"]);
            let t = timed(command);
            assert_eq!(t.code, 0, "validate failed:\n{}", t.stderr_tail);
            eprintln!("  validate run {run}: {}", secs(t.seconds));
            figures.push("validate", n, t.seconds);
        }
    }
    let needs_sandbox = knobs.wants("plan") || knobs.wants("apply") || knobs.wants_daemon();
    if !needs_sandbox {
        return;
    }

    let mut sandbox = Sandbox::up(&dir.join("sandbox"), &fleet.clusters);
    *kubectl_version = sandbox.kubectl_version();
    eprintln!("  sandbox up in {:.1} s", sandbox.up_seconds);
    let client = rt.block_on(sandbox.client());
    setup(n, &fleet, rt, &sandbox, &client, figures);

    let dirs = namespace_dirs(&repo, &fleet);
    let namespaces = fleet.namespaces();
    if knobs.wants("apply") {
        apply_runs(
            n, knobs, rt, &sandbox, &client, &repo, &dirs, &fleet, figures,
        );
    }
    // The steady state: everything applied by mcs-gitops.
    if rt.block_on(kube_ops::count_mcs(&client, &namespaces)) != n {
        rt.block_on(kube_ops::clear_mcs(&client, &namespaces));
        let t = timed(mcs_gitops(&sandbox, "apply", &repo));
        assert_eq!(t.code, 0, "apply failed:\n{}", t.stderr_tail);
    }
    if knobs.wants("plan") {
        let (_git, _placement, via_daemon) = placement_daemon(&sandbox, &repo, dir);
        for run in 0..knobs.runs {
            let t = timed(mcs_gitops(&sandbox, "plan", &repo));
            eprintln!("  plan run {run}: {} (exit {})", secs(t.seconds), t.code);
            assert_eq!(
                t.code, 0,
                "steady-state plan must find no changes:\n{}",
                t.stderr_tail
            );
            figures.push("plan", n, t.seconds);
            let mut remote = mcs_gitops(&sandbox, "plan", &repo);
            remote.args(&via_daemon);
            let d = timed(remote);
            eprintln!(
                "  plan --daemon run {run}: {} (exit {})",
                secs(d.seconds),
                d.code
            );
            assert_eq!(d.code, 0, "plan --daemon failed:\n{}", d.stderr_tail);
            figures.push("plan-daemon", n, d.seconds);
            if knobs.kubectl_diff_sizes.contains(&n) {
                let t = timed(kubectl_with_dirs(&sandbox, "diff", &dirs));
                eprintln!(
                    "  kubectl diff run {run}: {} (exit {})",
                    secs(t.seconds),
                    t.code
                );
                assert!(t.code <= 1, "kubectl diff failed:\n{}", t.stderr_tail);
                figures.push("kubectl-diff", n, t.seconds);
                figures.push("kubectl-diff-exit", n, f64::from(t.code));
            }
        }
    }
    if knobs.wants_daemon() {
        let git = GitDaemon::start(&dir.join("git"));
        let url = git.repository("config");
        procs::publish(&repo, &url);
        let secret_file = dir.join("webhook-secret");
        std::fs::write(&secret_file, "bench-webhook-secret\n").expect("secret file");
        let bench = WebhookBench {
            n,
            knobs,
            sandbox: &sandbox,
            repo: &repo,
            url: &url,
            secret_file: &secret_file,
            fleet: &fleet,
            dir,
        };
        if n == knobs.push_size && knobs.wants("push") {
            push_latency(&bench, rt, &client, figures);
        }
        if n == knobs.noop_size && knobs.wants("noop") {
            noop_cycles(n, knobs, &sandbox, &url, dir, figures);
        }
        if n == knobs.rss_size && knobs.wants("memory") {
            rt.block_on(kube_ops::clear_mcs(&client, &namespaces));
            daemon_memory(n, &sandbox, &url, dir, figures);
        }
        if n == knobs.change_size && knobs.wants("change") {
            one_file_change(&bench, figures);
        }
    }
    sandbox.down();
}

/// A daemon that serves its watched placement to `plan --daemon` (dry run,
/// no status reports: it writes nothing), ready; and the flags that use it.
fn placement_daemon(
    sandbox: &Sandbox,
    repo: &Path,
    dir: &Path,
) -> (GitDaemon, Daemon, Vec<String>) {
    let git = GitDaemon::start(&dir.join("git-placement"));
    let url = git.repository("config");
    procs::publish(repo, &url);
    let token = dir.join("placement-token");
    std::fs::write(&token, "bench-placement-token\n").expect("token file");
    let daemon = Daemon::start(&DaemonOptions {
        repo: &url,
        kubeconfig: &sandbox.kubeconfig,
        interval: "1h",
        dry_run: true,
        status: false,
        webhook_secret_file: None,
        placement_token_file: Some(&token),
        work: &dir.join("daemon-placement"),
    });
    wait_settled(&daemon, Duration::from_secs(600), Duration::from_secs(2));
    let flags = vec![
        "--daemon".to_owned(),
        format!("http://127.0.0.1:{}", daemon.port),
        "--daemon-token-file".to_owned(),
        token.display().to_string(),
    ];
    (git, daemon, flags)
}

/// Namespaces and Services through the API with the concurrent client;
/// Karmada's objects straight into etcd (see `support::etcd`). The rates are
/// recorded to show that setup is not what limits the suite.
fn setup(
    n: usize,
    fleet: &Fleet,
    rt: &tokio::runtime::Runtime,
    sandbox: &Sandbox,
    client: &kube::Client,
    figures: &mut Figures,
) {
    let with_status =
        |objects: Vec<Value>| objects.into_iter().map(|o| (o, None)).collect::<Vec<_>>();
    let (namespaces, _, ns_s) = rt.block_on(kube_ops::create_all(
        client,
        with_status(fleet.namespace_objects()),
        16,
    ));
    let (services, _, svc_s) = rt.block_on(kube_ops::create_all(
        client,
        with_status(fleet.service_objects()),
        32,
    ));
    let federation = fleet.federation_objects();
    let works = federation
        .iter()
        .filter(|(o, _)| o["kind"] == "Work")
        .count();
    let objects = federation.len();
    let etcd = support::etcd::Etcd::of_sandbox(&sandbox.dir);
    let fed_s = etcd.put_all(federation, 2);
    let listed = rt.block_on(kube_ops::count_all(
        client,
        "work.karmada.io/v1alpha1",
        "Work",
    ));
    assert_eq!(
        listed, works,
        "the API server lists {listed} Works, not {works}"
    );
    eprintln!(
        "  setup: {namespaces} namespaces in {ns_s:.1} s, {services} Services through the API in {svc_s:.1} s ({:.0}/s), {objects} Karmada objects ({works} Works) into etcd in {fed_s:.1} s ({:.0}/s)",
        services as f64 / svc_s,
        objects as f64 / fed_s
    );
    figures.set(
        "setup",
        n,
        json!({
            "namespaces": namespaces, "namespacesSeconds": ns_s,
            "services": services, "servicesSeconds": svc_s,
            "karmadaObjects": objects, "works": works, "karmadaSeconds": fed_s,
        }),
    );
}

#[allow(clippy::too_many_arguments)]
fn apply_runs(
    n: usize,
    knobs: &Knobs,
    rt: &tokio::runtime::Runtime,
    sandbox: &Sandbox,
    client: &kube::Client,
    repo: &Path,
    dirs: &[PathBuf],
    fleet: &Fleet,
    figures: &mut Figures,
) {
    let namespaces = fleet.namespaces();
    let objects = fleet.mcs_objects();
    let requests = kube_ops::ceiling_requests(client, &objects);
    let clear = || rt.block_on(kube_ops::clear_mcs(client, &namespaces));
    let check = |what: &str| {
        let count = rt.block_on(kube_ops::count_mcs(client, &namespaces));
        assert_eq!(count, n, "{what} left {count} objects, not {n}");
    };
    // Tune the ceiling client's concurrency: one run per level.
    let mut tuning = BTreeMap::new();
    for &level in &knobs.ceiling_levels {
        clear();
        let s = rt.block_on(kube_ops::apply_ceiling(
            client,
            &requests,
            "bench-ceiling",
            level,
        ));
        check("the ceiling client");
        eprintln!(
            "  ceiling tuning, concurrency {level}: {} ({:.0}/s)",
            secs(s),
            n as f64 / s
        );
        tuning.insert(level, s);
    }
    let (&best, &best_s) = tuning
        .iter()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .expect("at least one concurrency level");
    figures.push("ceiling", n, best_s);
    figures.set(
        "ceiling-tuning",
        n,
        json!({"secondsByConcurrency": tuning, "chosen": best}),
    );
    for run in 0..knobs.runs {
        if knobs.kubectl_apply_sizes.contains(&n) {
            clear();
            let t = timed(kubectl_with_dirs(sandbox, "apply", dirs));
            assert_eq!(t.code, 0, "kubectl apply failed:\n{}", t.stderr_tail);
            check("kubectl apply");
            eprintln!(
                "  kubectl apply run {run}: {} ({:.0}/s)",
                secs(t.seconds),
                n as f64 / t.seconds
            );
            figures.push("kubectl-apply", n, t.seconds);
        }
        if run + 1 < knobs.runs {
            clear();
            let s = rt.block_on(kube_ops::apply_ceiling(
                client,
                &requests,
                "bench-ceiling",
                best,
            ));
            check("the ceiling client");
            eprintln!(
                "  ceiling run {run} (concurrency {best}): {} ({:.0}/s)",
                secs(s),
                n as f64 / s
            );
            figures.push("ceiling", n, s);
        }
        clear();
        let t = timed(mcs_gitops(sandbox, "apply", repo));
        assert_eq!(t.code, 0, "mcs-gitops apply failed:\n{}", t.stderr_tail);
        check("mcs-gitops apply");
        eprintln!(
            "  mcs-gitops apply run {run}: {} ({:.0}/s)",
            secs(t.seconds),
            n as f64 / t.seconds
        );
        figures.push("apply", n, t.seconds);
    }
}

/// Sum of `apiserver_request_total` over the daemon's resources, on
/// kube-apiserver and the aggregated apiserver, by verb.
fn api_requests(sandbox: &Sandbox) -> BTreeMap<String, f64> {
    let mut by_verb = BTreeMap::new();
    for text in [sandbox.apiserver_metrics(), sandbox.aggregated_metrics()] {
        for ((_, verb), v) in request_counts(&text, DAEMON_RESOURCES) {
            *by_verb.entry(verb).or_insert(0.0) += v;
        }
    }
    by_verb
}

fn delta(after: &BTreeMap<String, f64>, before: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, v)| *v != 0.0)
        .collect()
}

fn total(m: &BTreeMap<String, f64>) -> f64 {
    m.values().sum::<f64>() + 0.0
}

fn writes(m: &BTreeMap<String, f64>) -> f64 {
    m.iter()
        .filter(|(k, _)| WRITE_VERBS.contains(&k.as_str()))
        .map(|(_, v)| v)
        .sum::<f64>()
        + 0.0
}

fn reconciled_as(daemon: &Daemon, result: &str) -> f64 {
    metric(
        &daemon.metrics(),
        "mcs_gitops_reconciles_total",
        &format!("result=\"{result}\""),
    )
}

/// Waits until the daemon has finished a cycle that did work (its duration
/// is recorded last, after the status report), then until no other cycle
/// finishes for `quiet`.
fn wait_settled(daemon: &Daemon, timeout: Duration, quiet: Duration) -> String {
    let deadline = Instant::now() + timeout;
    while full_cycles(&daemon.metrics()) < 1.0 {
        assert!(
            Instant::now() < deadline,
            "the daemon did not finish its first cycle:\n{}",
            tail(&daemon.logs())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut last = full_cycles(&daemon.metrics());
    let mut since = Instant::now();
    while since.elapsed() < quiet && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let now = full_cycles(&daemon.metrics());
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
    daemon.metrics()
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The interval cycle (revision unchanged) and the forced full cycle
/// (SIGHUP) of a daemon that has everything applied.
fn noop_cycles(
    n: usize,
    knobs: &Knobs,
    sandbox: &Sandbox,
    url: &str,
    dir: &Path,
    figures: &mut Figures,
) {
    let window = Duration::from_secs(20);
    // Background requests of the control plane itself over the same window.
    let b0 = api_requests(sandbox);
    std::thread::sleep(window);
    let baseline = delta(&api_requests(sandbox), &b0);
    let work = dir.join("daemon-noop");
    let daemon = Daemon::start(&DaemonOptions {
        repo: url,
        kubeconfig: &sandbox.kubeconfig,
        interval: "1s",
        dry_run: false,
        status: true,
        webhook_secret_file: None,
        placement_token_file: None,
        work: &work,
    });
    let metrics = wait_settled(&daemon, Duration::from_secs(600), Duration::from_secs(5));
    eprintln!(
        "  no-op daemon settled: {} writes in its first cycle",
        metric(&metrics, "mcs_gitops_drifted_objects", "")
    );
    let pid = daemon.pid();
    // Interval cycles: the revision is unchanged, nothing drifted.
    let s0 = reconciled_as(&daemon, "skipped");
    let c0 = procs::cpu_seconds(pid);
    let a0 = api_requests(sandbox);
    std::thread::sleep(window);
    let a1 = api_requests(sandbox);
    let c1 = procs::cpu_seconds(pid);
    let s1 = reconciled_as(&daemon, "skipped");
    let cycles = (s1 - s0).max(1.0);
    let requests = delta(&a1, &a0);
    let cpu_per_cycle = (c1 - c0) / cycles;
    eprintln!(
        "  interval cycles: {cycles} in {window:?}, CPU {:.2} ms/cycle, requests {requests:?} (control plane alone: {baseline:?})",
        cpu_per_cycle * 1000.0
    );
    figures.set(
        "noop-interval",
        n,
        json!({
            "windowSeconds": window.as_secs(), "cycles": cycles,
            "cpuSeconds": c1 - c0, "cpuMsPerCycle": cpu_per_cycle * 1000.0,
            "requestsByVerb": requests, "baselineByVerb": baseline,
            "requests": total(&requests), "writes": writes(&requests),
            "netWrites": (writes(&requests) - writes(&baseline)).max(0.0),
            "baselineRequests": total(&baseline),
        }),
    );
    // Forced full cycles.
    for run in 0..knobs.runs {
        std::thread::sleep(Duration::from_secs(2));
        let m0 = daemon.metrics();
        let done0 = full_cycles(&m0);
        let skipped0 = metric(&m0, "mcs_gitops_reconciles_total", "result=\"skipped\"");
        let d0 = metric(&m0, "mcs_gitops_reconcile_duration_seconds_sum", "");
        let c0 = procs::cpu_seconds(pid);
        let a0 = api_requests(sandbox);
        let t0 = Instant::now();
        daemon.signal("HUP");
        let deadline = Instant::now() + Duration::from_secs(600);
        let m1 = loop {
            std::thread::sleep(Duration::from_millis(25));
            let m = daemon.metrics();
            if full_cycles(&m) > done0 {
                break m;
            }
            assert!(Instant::now() < deadline, "forced cycle did not finish");
        };
        let wall = t0.elapsed().as_secs_f64();
        let c1 = procs::cpu_seconds(pid);
        let a1 = api_requests(sandbox);
        let requests = delta(&a1, &a0);
        let duration = metric(&m1, "mcs_gitops_reconcile_duration_seconds_sum", "") - d0;
        let skipped = metric(&m1, "mcs_gitops_reconciles_total", "result=\"skipped\"") - skipped0;
        let cpu = (c1 - c0 - skipped.max(0.0) * cpu_per_cycle).max(0.0);
        let result = ["unchanged", "applied", "failed", "invalid", "dry-run"]
            .into_iter()
            .find(|r| {
                metric(
                    &m1,
                    "mcs_gitops_reconciles_total",
                    &format!("result=\"{r}\""),
                ) > metric(
                    &m0,
                    "mcs_gitops_reconciles_total",
                    &format!("result=\"{r}\""),
                )
            })
            .unwrap_or("?");
        eprintln!(
            "  forced full cycle run {run}: {result}, {} (daemon's own timing {}), CPU {:.0} ms, requests {requests:?}",
            secs(wall),
            secs(duration),
            cpu * 1000.0
        );
        figures.push("full-cycle-wall", n, wall);
        figures.push("full-cycle-duration", n, duration);
        figures.push("full-cycle-cpu", n, cpu);
        figures.push("full-cycle-requests", n, total(&requests));
        figures.push("full-cycle-writes", n, writes(&requests));
        figures.set(
            &format!("full-cycle-requests-by-verb-run{run}"),
            n,
            json!({"requests": requests, "result": result}),
        );
    }
    let (hwm, rss) = procs::memory_kib(pid);
    figures.set(
        "noop-daemon-memory",
        n,
        json!({"vmHWMKiB": hwm, "vmRSSKiB": rss}),
    );
}

/// Cycles that did work, counted when their duration is recorded (the last
/// thing a cycle does; its result counter moves a little earlier).
fn full_cycles(metrics: &str) -> f64 {
    metric(metrics, "mcs_gitops_reconcile_duration_seconds_count", "")
}

/// The daemon applies N objects from scratch, settles, and its memory is read.
fn daemon_memory(n: usize, sandbox: &Sandbox, url: &str, dir: &Path, figures: &mut Figures) {
    let work = dir.join("daemon-rss");
    let started = Instant::now();
    let daemon = Daemon::start(&DaemonOptions {
        repo: url,
        kubeconfig: &sandbox.kubeconfig,
        interval: "30s",
        dry_run: false,
        status: true,
        webhook_secret_file: None,
        placement_token_file: None,
        work: &work,
    });
    let metrics = wait_settled(&daemon, Duration::from_secs(1800), Duration::from_secs(5));
    let first = started.elapsed().as_secs_f64() - 5.0;
    let duration = metric(&metrics, "mcs_gitops_reconcile_duration_seconds_sum", "");
    let applied = metric(
        &metrics,
        "mcs_gitops_reconciles_total",
        "result=\"applied\"",
    );
    eprintln!(
        "  daemon applied {n} objects: first cycle {} by its own timing, {} from start (applied cycles: {applied})",
        secs(duration),
        secs(first)
    );
    // Settle: no trigger but the interval for a while.
    std::thread::sleep(Duration::from_secs(30));
    let pid = daemon.pid();
    let (hwm, rss) = procs::memory_kib(pid);
    eprintln!(
        "  daemon memory at N = {n}: VmHWM {:.1} MiB, VmRSS {:.1} MiB",
        hwm as f64 / 1024.0,
        rss as f64 / 1024.0
    );
    figures.set(
        "daemon-memory",
        n,
        json!({"vmHWMKiB": hwm, "vmRSSKiB": rss, "firstCycleSeconds": duration,
               "startToSettledSeconds": first, "appliedCycles": applied}),
    );
    figures.push("daemon-first-apply", n, duration);
}

fn toggle_consumer(fleet: &Fleet, index: usize, on: bool) -> (String, Vec<String>) {
    let mut s = fleet.services[index].clone();
    if on {
        let extra = fleet
            .clusters
            .iter()
            .rev()
            .find(|c| !s.consumers.contains(c) && !s.providers.contains(c))
            .expect("a cluster to add")
            .clone();
        if s.consumers.is_empty() {
            s.consumers = fleet.clusters.clone();
            s.consumers.retain(|c| c != &extra);
        } else {
            s.consumers.push(extra);
        }
    }
    (mcs_yaml(&s), s.consumers)
}

fn consumers_of(object: &Value) -> Vec<String> {
    object["spec"]["consumerClusters"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn webhook(daemon: &Daemon, secret: &Secret) -> u16 {
    let body = br#"{"ref":"refs/heads/main"}"#;
    let signature = sign(secret, body);
    daemon
        .post(
            "/hooks/git",
            &[
                ("X-GitHub-Event", "push"),
                ("X-Hub-Signature-256", &signature),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .0
}

/// What the webhook-triggered daemon measurements share: one fleet in one
/// sandbox, published on a `git daemon`, and the webhook secret.
#[derive(Clone, Copy)]
struct WebhookBench<'a> {
    n: usize,
    knobs: &'a Knobs,
    sandbox: &'a Sandbox,
    repo: &'a Path,
    url: &'a str,
    secret_file: &'a Path,
    fleet: &'a Fleet,
    dir: &'a Path,
}

impl WebhookBench<'_> {
    /// A daemon polling every 10 minutes, so only webhooks trigger it, with
    /// its working directory `name` under the bench's; and the secret its
    /// webhooks are signed with.
    fn daemon(&self, name: &str, dry_run: bool, status: bool) -> (Daemon, Secret) {
        let secret = Secret::new(std::fs::read_to_string(self.secret_file).expect("secret"));
        let daemon = Daemon::start(&DaemonOptions {
            repo: self.url,
            kubeconfig: &self.sandbox.kubeconfig,
            interval: "10m",
            dry_run,
            status,
            webhook_secret_file: Some(self.secret_file),
            placement_token_file: None,
            work: &self.dir.join(name),
        });
        (daemon, secret)
    }
}

/// Push a commit changing one object, POST a signed webhook, and wait until
/// the change is visible through a watch on that object.
fn push_latency(
    bench: &WebhookBench<'_>,
    rt: &tokio::runtime::Runtime,
    client: &kube::Client,
    figures: &mut Figures,
) {
    let WebhookBench {
        n,
        knobs,
        repo,
        fleet,
        ..
    } = *bench;
    let (daemon, secret) = bench.daemon("daemon-push", false, true);
    wait_settled(&daemon, Duration::from_secs(600), Duration::from_secs(5));
    let mut latencies = Vec::new();
    let mut pushes = Vec::new();
    let mut changed: BTreeMap<usize, bool> = BTreeMap::new();
    for i in 0..knobs.pushes {
        let index = (i * 7919 + 13) % n;
        let on = !changed.get(&index).copied().unwrap_or(false);
        changed.insert(index, on);
        let s = &fleet.services[index];
        let (yaml, expected) = toggle_consumer(fleet, index, on);
        std::fs::write(repo.join(fleet.path(index)), yaml).expect("write file");
        procs::git(
            repo,
            &["commit", "-q", "-am", &format!("{}: consumers", s.name)],
        );
        let before = full_cycles(&daemon.metrics());
        let version = rt.block_on(kube_ops::mcs_list_version(client, &s.namespace));
        let push_started = Instant::now();
        procs::git(repo, &["push", "-q", "origin", "main"]);
        let pushed = Instant::now();
        pushes.push((pushed - push_started).as_secs_f64());
        let (ns, name) = (s.namespace.clone(), s.name.clone());
        let watch_client = client.clone();
        let expected_set = expected.clone();
        let watch = rt.spawn(async move {
            kube_ops::watch_until(
                &watch_client,
                &ns,
                &name,
                &version,
                Duration::from_secs(30),
                move |o| consumers_of(o) == expected_set,
            )
            .await
        });
        let status = webhook(&daemon, &secret);
        assert_eq!(status, 202, "webhook refused ({status})");
        let seen = rt.block_on(watch).expect("the watch ran to its end");
        let Some(seen) = seen else {
            panic!(
                "push {i}: change not visible after 30 s:\n{}",
                tail(&daemon.logs())
            );
        };
        let latency = (seen - pushed).as_secs_f64();
        latencies.push(latency);
        eprintln!(
            "  push {i}: {} (git push {})",
            secs(latency),
            secs(pushes[i])
        );
        // Let the cycle finish (status report included) before the next push,
        // and respect the webhook rate limit (1/s).
        let deadline = Instant::now() + Duration::from_secs(60);
        while full_cycles(&daemon.metrics()) <= before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let since = pushed.elapsed();
        if since < Duration::from_millis(1100) {
            std::thread::sleep(Duration::from_millis(1100) - since);
        }
    }
    for l in &latencies {
        figures.push("push-latency", n, *l);
    }
    for p in &pushes {
        figures.push("git-push", n, *p);
    }
}

/// One file changed in a large repository: a dry-run daemon without status
/// reports gets a signed webhook; measured until its plan is ready.
fn one_file_change(bench: &WebhookBench<'_>, figures: &mut Figures) {
    let WebhookBench {
        n,
        knobs,
        sandbox,
        repo,
        fleet,
        ..
    } = *bench;
    let (daemon, secret) = bench.daemon("daemon-change", true, false);
    wait_settled(&daemon, Duration::from_secs(600), Duration::from_secs(3));
    let runs = knobs.runs.max(5);
    for run in 0..runs {
        let index = (run * 104_729 + 7) % n;
        let (yaml, _) = toggle_consumer(fleet, index, true);
        std::fs::write(repo.join(fleet.path(index)), yaml).expect("write file");
        procs::git(repo, &["commit", "-q", "-am", "one file"]);
        procs::git(repo, &["push", "-q", "origin", "main"]);
        std::thread::sleep(Duration::from_millis(1100));
        let m0 = daemon.metrics();
        let c0 = full_cycles(&m0);
        let d0 = metric(&m0, "mcs_gitops_reconcile_duration_seconds_sum", "");
        let t0 = Instant::now();
        let status = webhook(&daemon, &secret);
        assert_eq!(status, 202, "webhook refused ({status})");
        let deadline = Instant::now() + Duration::from_secs(120);
        let m1 = loop {
            let m = daemon.metrics();
            if full_cycles(&m) > c0 {
                break m;
            }
            assert!(Instant::now() < deadline, "plan not ready after 120 s");
            std::thread::sleep(Duration::from_millis(5));
        };
        let wall = t0.elapsed().as_secs_f64();
        let own = metric(&m1, "mcs_gitops_reconcile_duration_seconds_sum", "") - d0;
        eprintln!(
            "  one file changed, run {run}: webhook to plan ready {}, daemon's own cycle timing {}",
            secs(wall),
            secs(own)
        );
        figures.push("one-file-webhook-to-plan", n, wall);
        figures.push("one-file-cycle", n, own);
        std::thread::sleep(Duration::from_millis(1100));
    }
    // For comparison: the same plan from a cold process reading the Git tree.
    for run in 0..knobs.runs {
        let mut command = Command::new(MCS_GITOPS);
        command
            .args(["plan", "--rev", "HEAD"])
            .arg(repo)
            .arg("--kubeconfig")
            .arg(&sandbox.kubeconfig)
            .args(["--instance", "bench", "--color", "never"]);
        let t = timed(command);
        eprintln!(
            "  plan --rev HEAD (cold process) run {run}: {} (exit {})",
            secs(t.seconds),
            t.code
        );
        figures.push("plan-rev", n, t.seconds);
    }
}

fn ratio(a: f64, b: f64) -> String {
    if a.is_nan() || b.is_nan() || b == 0.0 {
        "n/a".to_owned()
    } else {
        format!("{:.1}×", a / b)
    }
}

fn fmt_n(n: usize) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

/// Builds the table from the figures, in the order of the targets.
/// The row of a steady-state plan (`figure`, shown as `what`) at `n`,
/// beside `kubectl diff` of the same run.
fn plan_row(f: &Figures, figure: &str, what: &str, n: usize) -> Option<Row> {
    let ours = f.median(figure, n)?;
    let mut row = Row::new(
        format!("{what}, steady state, N = {}", fmt_n(n)),
        secs(ours),
    );
    if let Some(k) = f.median("kubectl-diff", n) {
        row = row.reference(
            format!("kubectl diff --server-side: {}", secs(k)),
            format!("{} faster", ratio(k, ours)),
        );
        if n == 5000 {
            row = row.target("≥ 20× faster at N = 5,000", k / ours >= 20.0);
        }
    }
    Some(row)
}

fn table(knobs: &Knobs, f: &Figures) -> Results {
    let mut r = Results::default();
    let sizes = &knobs.sizes;
    // plan, reading everything itself and with placement from a daemon
    for &n in sizes {
        for (figure, what) in [("plan", "plan"), ("plan-daemon", "plan --daemon")] {
            if let Some(row) = plan_row(f, figure, what, n) {
                r.row(row);
            }
        }
    }
    // apply vs kubectl
    for &n in sizes {
        let Some(ours) = f.median("apply", n) else {
            continue;
        };
        let mut row = Row::new(
            format!("apply of N new objects, N = {}", fmt_n(n)),
            format!("{} ({:.0} objects/s)", secs(ours), n as f64 / ours),
        );
        if let Some(k) = f.median("kubectl-apply", n) {
            row = row
                .reference(
                    format!(
                        "kubectl apply --server-side: {} ({:.0}/s)",
                        secs(k),
                        n as f64 / k
                    ),
                    format!("{} faster", ratio(k, ours)),
                )
                .target("≥ 5× faster", k / ours >= 5.0);
        }
        r.row(row);
    }
    // apply vs ceiling
    for &n in sizes {
        let (Some(ours), Some(ceiling)) = (f.median("apply", n), f.median("ceiling", n)) else {
            continue;
        };
        let level = f
            .value("ceiling-tuning", n)
            .and_then(|v| v["chosen"].as_u64())
            .unwrap_or(0);
        r.row(
            Row::new(
                format!("apply throughput vs API ceiling, N = {}", fmt_n(n)),
                format!("{:.0} objects/s", n as f64 / ours),
            )
            .reference(
                format!(
                    "SSA client, concurrency {level}: {:.0}/s",
                    n as f64 / ceiling
                ),
                format!("{:.0}% of ceiling", 100.0 * ceiling / ours),
            )
            .target("≥ 70% of ceiling", ceiling / ours >= 0.7),
        );
    }
    if let Some(&n) = sizes.iter().max()
        && let Some(ours) = f.median("apply", n)
    {
        let rate = n as f64 / ours;
        r.row(
            Row::new(
                format!("apply throughput, N = {}", fmt_n(n)),
                format!("{rate:.0} objects/s"),
            )
            .reference(
                "published: Flux ≈ 15/s, Config Sync 1.12 ≈ 83/s",
                format!("{} Config Sync", ratio(rate, 83.0)),
            )
            .target("≥ 500 objects/s", rate >= 500.0),
        );
    }
    // daemon no-op
    let n = knobs.noop_size;
    if let Some(v) = f.value("noop-interval", n) {
        let requests = v["requests"].as_f64().unwrap_or(f64::NAN);
        let baseline = v["baselineRequests"].as_f64().unwrap_or(0.0);
        let cycles = v["cycles"].as_f64().unwrap_or(1.0);
        let writes = v["netWrites"].as_f64().unwrap_or(f64::NAN);
        let per_cycle = (requests - baseline).max(0.0) / cycles;
        r.row(
            Row::new(
                format!("daemon interval cycle (revision unchanged), N = {}: API requests per cycle", fmt_n(n)),
                format!("{per_cycle:.2} ({writes} writes; {requests} in {cycles} cycles, control plane alone {baseline})"),
            )
            .target("0 writes, ≤ 3 requests", writes == 0.0 && per_cycle <= 3.0),
        );
        let cpu = v["cpuMsPerCycle"].as_f64().unwrap_or(f64::NAN);
        r.row(
            Row::new(
                format!("daemon interval cycle, N = {}: CPU per cycle", fmt_n(n)),
                format!("{cpu:.2} ms (mean of {cycles} cycles)"),
            )
            .target("< 20 ms", cpu < 20.0),
        );
    }
    if let Some(req) = f.median("full-cycle-requests", n) {
        let w = f.median("full-cycle-writes", n).unwrap_or(f64::NAN);
        r.row(
            Row::new(
                format!(
                    "daemon forced full cycle (SIGHUP), N = {}: API requests",
                    fmt_n(n)
                ),
                format!("{req:.0} ({w:.0} writes)"),
            )
            .target("0 writes, ≤ 3 requests", w == 0.0 && req <= 3.0),
        );
        let cpu = f.median("full-cycle-cpu", n).unwrap_or(f64::NAN);
        r.row(
            Row::new(
                format!("daemon forced full cycle, N = {}: CPU", fmt_n(n)),
                secs(cpu),
            )
            .target("< 20 ms", cpu < 0.020),
        );
        let wall = f.median("full-cycle-wall", n).unwrap_or(f64::NAN);
        let own = f.median("full-cycle-duration", n).unwrap_or(f64::NAN);
        r.row(Row::new(
            format!("daemon forced full cycle, N = {}: wall time", fmt_n(n)),
            format!(
                "{} (daemon's reconcile_duration: {})",
                secs(wall),
                secs(own)
            ),
        ));
    }
    // one file changed
    let n = knobs.change_size;
    if let Some(wall) = f.median("one-file-webhook-to-plan", n) {
        let own = f.median("one-file-cycle", n).unwrap_or(f64::NAN);
        r.row(
            Row::new(
                format!(
                    "one file changed in {} files: webhook → plan ready (dry-run daemon)",
                    fmt_n(n)
                ),
                secs(wall),
            )
            .target("< 100 ms", wall < 0.1),
        );
        let mut row = Row::new(
            format!(
                "one file changed in {} files: read + parse + live read + plan (daemon's reconcile_duration)",
                fmt_n(n)
            ),
            secs(own),
        );
        if let Some(cold) = f.median("plan-rev", n) {
            row = row.reference(
                format!("`plan --rev HEAD`, cold process: {}", secs(cold)),
                "—",
            );
        }
        r.row(row.target("< 100 ms", own < 0.1));
    }
    // push latency
    let n = knobs.push_size;
    if let Some(samples) = f.get("push-latency", n) {
        let p50 = percentile(samples, 50.0);
        let p99 = percentile(samples, 99.0);
        let git = f.median("git-push", n).unwrap_or(f64::NAN);
        r.row(
            Row::new(
                format!(
                    "push → applied (webhook), N = {}: p50 of {}",
                    fmt_n(n),
                    samples.len()
                ),
                secs(p50),
            )
            .reference(
                format!("git push itself: {} (not included)", secs(git)),
                "—",
            )
            .target("< 100 ms", p50 < 0.1),
        );
        r.row(
            Row::new(
                format!("push → applied (webhook), N = {}: p99", fmt_n(n)),
                secs(p99),
            )
            .target("< 250 ms", p99 < 0.25),
        );
    }
    // memory
    let n = knobs.rss_size;
    if let Some(v) = f.value("daemon-memory", n) {
        let hwm = v["vmHWMKiB"].as_f64().unwrap_or(f64::NAN) / 1024.0;
        let rss = v["vmRSSKiB"].as_f64().unwrap_or(f64::NAN) / 1024.0;
        r.row(
            Row::new(
                format!("daemon memory, N = {}, peak: VmHWM", fmt_n(n)),
                format!("{hwm:.1} MiB"),
            )
            .target("< 128 MiB", hwm < 128.0),
        );
        r.row(
            Row::new(
                format!("daemon memory, N = {}, settled: VmRSS", fmt_n(n)),
                format!("{rss:.1} MiB"),
            )
            .target("< 64 MiB", rss < 64.0),
        );
        let first = v["firstCycleSeconds"].as_f64().unwrap_or(f64::NAN);
        let wall = v["startToSettledSeconds"].as_f64().unwrap_or(f64::NAN);
        let mut row = Row::new(
            format!(
                "daemon first cycle applying N = {} new objects (status report included)",
                fmt_n(n)
            ),
            format!(
                "{} ({:.0} objects/s); {} from process start",
                secs(first),
                n as f64 / first,
                secs(wall)
            ),
        );
        if let Some(apply) = f.median("apply", n) {
            let share = apply / first;
            row = row
                .reference(
                    format!("mcs-gitops apply: {:.0} objects/s", n as f64 / apply),
                    format!("{:.0}%", share * 100.0),
                )
                .target("≥ 80% of apply's objects/s", share >= 0.8);
        }
        r.row(row);
    }
    // validate
    for &n in sizes {
        if let Some(v) = f.median("validate", n) {
            r.row(Row::new(
                format!("validate (offline), N = {}", fmt_n(n)),
                secs(v),
            ));
        }
    }
    for &n in sizes {
        if let Some(v) = f.value("setup", n) {
            let svc = v["services"].as_f64().unwrap_or(0.0)
                / v["servicesSeconds"].as_f64().unwrap_or(1.0);
            let fed = v["karmadaObjects"].as_f64().unwrap_or(0.0)
                / v["karmadaSeconds"].as_f64().unwrap_or(1.0);
            r.note(format!(
                "setup at N = {}: {} Services through the API at {svc:.0}/s; {} Karmada objects ({} Works, with status) written into etcd at {fed:.0}/s",
                fmt_n(n), v["services"], v["karmadaObjects"], v["works"]
            ));
        }
    }
    r.note("apply runs delete every MCS (one collection delete per namespace) before each run, so every tool creates N new objects with the same names; the last run of each size is mcs-gitops, which leaves the steady state for plan and the daemon");
    r.note("kubectl gets the repository's namespace directories (`-R -f <ns>` for each), since it cannot read `mcs-gitops.yaml`");
    r.note("API requests are apiserver_request_total deltas for multiclusterservices, clusters (from the aggregated apiserver), works, resourcebindings, services and events, on both API servers");
    r
}
