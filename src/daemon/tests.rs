//! The daemon's decisions, with a fake federation, a real local Git
//! repository and, where time matters, paused time.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::cycle::{Mode, Observers, Reconciler};
use super::health::Health;
use super::metrics::Metrics;
use super::pacing::{Cycle, Outcome, Pacer, Run, reconcile_loop};
use super::record::Keeper;
use super::repo::Tracked;
use super::report::Reporter;
use super::triggers::{self, OwnWrites, Trigger};
use crate::federation::{ApiError, ApplyOptions, Federation, ReadError, Reading, Scope, Watched};
use crate::manifest::{ObjectKey, Policy};
use crate::plan::live::LiveCluster;
use crate::plan::{
    ApplyReport, ChangeOptions, LiveChanges, LiveState, ObjectOutcome, ObjectResult, Plan,
    PruneGuard,
};
use crate::reconcile::{Pipeline, Settings};
use crate::source::mirror::Origin;
use crate::source::trust::TrustedKeys;

/// A federation whose answers the test decides.
#[derive(Clone, Default)]
struct FakeFederation {
    /// How the API answers writes of an object; absent keys are written.
    refusals: Arc<Mutex<BTreeMap<ObjectKey, ApiError>>>,
    /// Objects sent to the API, in order.
    attempts: Arc<Mutex<Vec<ObjectKey>>>,
}

impl FakeFederation {
    fn refuse(&self, key: &ObjectKey, code: u16, reason: &str) {
        let status = kube::core::Status::failure("refused by the test", reason).with_code(code);
        let error = ApiError::from_kube(&kube::Error::Api(Box::new(status)));
        self.refusals.lock().unwrap().insert(key.clone(), error);
    }

    fn attempts(&self) -> usize {
        self.attempts.lock().unwrap().len()
    }
}

impl Federation for FakeFederation {
    async fn read(&self, _: &Scope, _: Reading) -> Result<LiveState, ReadError> {
        Ok(live_state())
    }

    async fn dry_run(&self, _: &mut Plan, _: ApplyOptions) {}

    async fn apply(&self, plan: &Plan, options: ApplyOptions) -> ApplyReport {
        let mut results = Vec::new();
        for change in &plan.changes {
            let outcome = match &change.blocked {
                Some(blocker) => ObjectOutcome::Blocked {
                    blocker: blocker.clone(),
                },
                None if !change.action.writes() => ObjectOutcome::Skipped,
                None => {
                    self.attempts.lock().unwrap().push(change.key.clone());
                    match self.refusals.lock().unwrap().get(&change.key) {
                        Some(error) => ObjectOutcome::Failed {
                            blocker: error.clone().into_blocker(),
                        },
                        None => ObjectOutcome::Done,
                    }
                }
            };
            results.push(ObjectResult {
                key: change.key.clone(),
                action: change.action,
                outcome,
                resource_version: None,
            });
        }
        ApplyReport {
            results,
            dry_run: options.dry_run,
        }
    }
}

/// A watched live state whose generation and failures the test decides.
#[derive(Clone, Default)]
struct FakeWatched {
    generation: Arc<AtomicUsize>,
    changed: Arc<Mutex<Option<LiveChanges>>>,
    failure: Arc<Mutex<Option<ReadError>>>,
    reads: Arc<AtomicUsize>,
}

impl FakeWatched {
    /// Something about `key` changed in the federation.
    fn touch(&self, key: Option<&ObjectKey>) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        *self.changed.lock().unwrap() = Some(match key {
            Some(key) => LiveChanges::Only([key.clone()].into()),
            None => LiveChanges::Everything,
        });
    }

    fn fail(&self, error: Option<ReadError>) {
        *self.failure.lock().unwrap() = error;
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl Watched for FakeWatched {
    async fn current(&self) -> Result<(u64, Arc<LiveState>), ReadError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if let Some(error) = self.failure.lock().unwrap().clone() {
            return Err(error);
        }
        Ok((self.generation(), Arc::new(live_state())))
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst) as u64
    }

    fn changes_since(&self, since: u64) -> LiveChanges {
        if since >= self.generation() {
            return LiveChanges::Only(Default::default());
        }
        self.changed
            .lock()
            .unwrap()
            .clone()
            .unwrap_or(LiveChanges::Everything)
    }
}

/// Two Ready clusters and the Services `shop/cart` and `shop/web`.
fn live_state() -> LiveState {
    let cluster = |name: &str| {
        LiveCluster::from_object(&json!({
            "metadata": {"name": name},
            "status": {"kubernetesVersion": "v1.30.0", "conditions": [{"type": "Ready", "status": "True"}]},
        }))
        .expect("a cluster")
    };
    LiveState {
        clusters: ["clustera", "clusterb"]
            .into_iter()
            .map(|n| (n.to_owned(), cluster(n)))
            .collect(),
        services: [cart(), web()].into(),
        ..LiveState::default()
    }
}

fn cart() -> ObjectKey {
    ObjectKey::new("shop", "cart")
}

fn web() -> ObjectKey {
    ObjectKey::new("shop", "web")
}

fn mcs(name: &str) -> String {
    format!(
        "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  types: [CrossCluster]\n"
    )
}

/// A repository on disk, committed to with libgit2.
struct Repo {
    dir: tempfile::TempDir,
    repo: git2::Repository,
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        Repo { dir, repo }
    }

    /// Commits `files` (path, content) as the whole tree of `main`.
    fn commit(&self, files: &[(&str, String)]) {
        let mut index = self.repo.index().unwrap();
        index.clear().unwrap();
        for (path, content) in files {
            let full = self.dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, content).unwrap();
            index.add_path(Path::new(path)).unwrap();
        }
        let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
        let author = git2::Signature::now("test", "test@example.com").unwrap();
        let parent = self
            .repo
            .find_reference("refs/heads/main")
            .ok()
            .and_then(|r| r.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        self.repo
            .commit(
                Some("refs/heads/main"),
                &author,
                &author,
                "change",
                &tree,
                &parents,
            )
            .unwrap();
    }
}

struct Daemon {
    reconciler: Reconciler<FakeFederation, FakeWatched>,
    federation: FakeFederation,
    watched: FakeWatched,
    health: Arc<Health>,
    repo: Repo,
}

fn daemon(repo: Repo, mode: Mode, trust: Option<TrustedKeys>) -> Daemon {
    let settings = Settings {
        policy: Policy::default(),
        exposure: Default::default(),
        scope: Scope::AllNamespaces,
        changes: ChangeOptions {
            instance: "default".to_owned(),
            source: None,
            revision: None,
            adopt: false,
            recreate: false,
            prune: PruneGuard::default(),
        },
        apply: ApplyOptions::default(),
    };
    let origin = Origin::Local {
        repo: git2::Repository::open(repo.dir.path()).unwrap(),
    };
    let origin = Arc::new(Mutex::new(origin));
    let (federation, watched) = (FakeFederation::default(), FakeWatched::default());
    let health = Arc::new(Health::default());
    let observers = Observers {
        health: health.clone(),
        metrics: Arc::new(Metrics::new()),
        leader: watch::channel(true).1,
        own_writes: OwnWrites::default(),
        statuses: Default::default(),
    };
    let tracked = Tracked {
        origin: origin.clone(),
        branch: "main".to_owned(),
        subdir: String::new(),
        trust: trust.map(Arc::new),
        trust_from: None,
    };
    let reporter = Reporter {
        origin,
        writer: None,
    };
    let reconciler = Reconciler::new(
        Pipeline::new(settings, federation.clone()),
        watched.clone(),
        tracked,
        mode,
        reporter,
        observers,
        Keeper::in_memory(),
    );
    Daemon {
        reconciler,
        federation,
        watched,
        health,
        repo,
    }
}

fn repo_with(names: &[&str]) -> Repo {
    let repo = Repo::new();
    let files: Vec<(&str, String)> = names
        .iter()
        .map(|n| {
            (
                if *n == "cart" {
                    "shop/cart.yaml"
                } else {
                    "shop/web.yaml"
                },
                mcs(n),
            )
        })
        .collect();
    repo.commit(&files);
    repo
}

#[tokio::test]
async fn a_terminal_api_refusal_is_attempted_once_per_revision() {
    let mut d = daemon(repo_with(&["cart", "web"]), Mode::Apply, None);
    d.federation.refuse(&cart(), 403, "Forbidden");
    let first = d.reconciler.cycle(Run::Poll).await;
    assert!(
        matches!(&first, Outcome::Stalled(r) if r.contains("shop/cart")),
        "{first:?}"
    );
    assert_eq!(
        d.federation.attempts(),
        2,
        "cart and web are both attempted"
    );
    for run in [Run::Full, Run::Full, Run::Poll] {
        let again = d.reconciler.cycle(run).await;
        assert!(
            matches!(again, Outcome::Stalled(_) | Outcome::Skipped),
            "{again:?}"
        );
    }
    d.watched.touch(Some(&web()));
    d.reconciler.cycle(Run::Full).await;
    let attempted = d.federation.attempts.lock().unwrap().clone();
    assert_eq!(
        attempted.iter().filter(|k| **k == cart()).count(),
        1,
        "a change of another object does not send the refused one again: {attempted:?}"
    );
    let stalled = d
        .health
        .readiness()
        .stalled
        .expect("readiness names the stall");
    assert!(
        stalled.contains("shop/cart was refused: Forbidden"),
        "{stalled}"
    );
}

#[tokio::test]
async fn a_refused_object_is_tried_again_when_it_changes_or_the_operator_asks() {
    let mut d = daemon(repo_with(&["cart"]), Mode::Apply, None);
    d.federation.refuse(&cart(), 422, "Invalid");
    d.reconciler.cycle(Run::Poll).await;
    d.watched.touch(Some(&cart()));
    d.reconciler.cycle(Run::Full).await;
    assert_eq!(d.federation.attempts(), 2, "its own live inputs changed");
    d.reconciler.cycle(Run::Operator).await;
    assert_eq!(d.federation.attempts(), 3, "SIGHUP tries again");
}

#[tokio::test]
async fn a_transient_refusal_is_retried() {
    let mut d = daemon(repo_with(&["cart"]), Mode::Apply, None);
    d.federation.refuse(&cart(), 503, "");
    let first = d.reconciler.cycle(Run::Poll).await;
    assert!(matches!(first, Outcome::Retry(_)), "{first:?}");
    let retry = d.reconciler.cycle(Run::Full).await;
    assert!(matches!(retry, Outcome::Retry(_)), "{retry:?}");
    assert_eq!(d.federation.attempts(), 2);
    assert_eq!(d.health.readiness().stalled, None);
}

#[tokio::test]
async fn a_federation_that_refuses_to_be_read_stalls_until_the_operator_asks() {
    let mut d = daemon(repo_with(&["cart"]), Mode::Apply, None);
    let status = kube::core::Status::failure("no list on works", "Forbidden").with_code(403);
    d.watched.fail(Some(ReadError::WatchFailed {
        watch: "works".to_owned(),
        source: ApiError::from_kube(&kube::Error::Api(Box::new(status))),
    }));
    let first = d.reconciler.cycle(Run::Poll).await;
    assert!(
        matches!(&first, Outcome::Stalled(r) if r.contains("forbidden")),
        "{first:?}"
    );
    let resync = d.reconciler.cycle(Run::Full).await;
    assert!(matches!(resync, Outcome::Stalled(_)), "{resync:?}");
    assert_eq!(d.watched.reads(), 1, "a stalled revision is not read again");
    d.watched.fail(None);
    let operator = d.reconciler.cycle(Run::Operator).await;
    assert_eq!(operator, Outcome::Done);
    assert_eq!(d.federation.attempts(), 1);
}

#[tokio::test]
async fn a_settled_revision_costs_nothing_on_a_full_run() {
    let mut d = daemon(repo_with(&["cart"]), Mode::DryRun, None);
    assert_eq!(d.reconciler.cycle(Run::Poll).await, Outcome::Done);
    let reads = d.watched.reads();
    assert_eq!(d.reconciler.cycle(Run::Full).await, Outcome::Settled);
    assert_eq!(d.watched.reads(), reads, "a settled run reads nothing");
    d.watched.touch(Some(&cart()));
    assert_eq!(d.reconciler.cycle(Run::Full).await, Outcome::Done);
}

#[tokio::test]
async fn readiness_returns_when_the_source_answers_again_with_a_processed_revision() {
    let mut d = daemon(repo_with(&["cart"]), Mode::Apply, None);
    assert_eq!(d.reconciler.cycle(Run::Poll).await, Outcome::Done);
    assert_eq!(d.health.readiness().verdict(), Ok(()));
    let repo = &d.repo.repo;
    let mut main = repo.find_reference("refs/heads/main").unwrap();
    main.rename("refs/heads/elsewhere", false, "outage")
        .unwrap();
    assert!(matches!(
        d.reconciler.cycle(Run::Poll).await,
        Outcome::Retry(_)
    ));
    let failing = d.health.readiness().verdict();
    assert!(failing.is_err_and(|e| e.starts_with("Git source failing")));
    let mut back = repo.find_reference("refs/heads/elsewhere").unwrap();
    back.rename("refs/heads/main", false, "recovered").unwrap();
    assert_eq!(d.reconciler.cycle(Run::Poll).await, Outcome::Skipped);
    assert_eq!(d.health.readiness().verdict(), Ok(()), "ready again");
}

#[tokio::test]
async fn an_unsigned_revision_stays_refused() {
    let trust = TrustedKeys::parse(
        "ops@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEnRuy7ptyRln5S8Ca9E7qgRo/3EJWV+xfpLAMRcEtui\n",
    )
    .unwrap();
    let mut d = daemon(repo_with(&["cart"]), Mode::Apply, Some(trust));
    for run in [Run::Poll, Run::Full, Run::Operator] {
        assert_eq!(d.reconciler.cycle(run).await, Outcome::Done);
    }
    assert_eq!(d.federation.attempts(), 0, "nothing of it is ever applied");
}

/// A cycle that takes a second and counts its runs.
struct Counting {
    runs: Arc<Mutex<Vec<Run>>>,
    outcome: Outcome,
}

impl Cycle for Counting {
    async fn cycle(&mut self, run: Run) -> Outcome {
        self.runs.lock().unwrap().push(run);
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.outcome.clone()
    }

    fn generation(&self) -> Option<u64> {
        None
    }
}

async fn run_loop(outcome: Outcome, feed: impl AsyncFnOnce(&triggers::TriggerSender)) -> Vec<Run> {
    let runs = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = triggers::channel();
    let shutdown = CancellationToken::new();
    let cycler = Counting {
        runs: runs.clone(),
        outcome,
    };
    let handle = tokio::spawn(reconcile_loop(
        cycler,
        rx,
        tx.clone(),
        Duration::from_secs(30),
        shutdown.clone(),
        || {},
    ));
    feed(&tx).await;
    shutdown.cancel();
    handle.await.unwrap();
    runs.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn triggers_that_arrive_during_a_cycle_coalesce_into_one_more() {
    let runs = run_loop(Outcome::Done, async |tx| {
        tx.send(Trigger::Interval);
        tokio::time::sleep(Duration::from_millis(100)).await;
        for trigger in [
            Trigger::Webhook,
            Trigger::Resync,
            Trigger::Webhook,
            Trigger::Signal,
        ] {
            tx.send(trigger);
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    assert_eq!(runs, [Run::Poll, Run::Operator]);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_cycle_is_not_retried_and_a_failed_one_is() {
    let stalled = run_loop(Outcome::Stalled("refused".into()), async |tx| {
        tx.send(Trigger::Webhook);
        tokio::time::sleep(Duration::from_secs(600)).await;
    })
    .await;
    assert_eq!(stalled, [Run::Poll]);
    let failed = run_loop(Outcome::Retry("unreachable".into()), async |tx| {
        tx.send(Trigger::Webhook);
        tokio::time::sleep(Duration::from_secs(600)).await;
    })
    .await;
    assert!(failed.len() >= 5, "retried with backoff: {failed:?}");
    assert!(failed[1..].iter().all(|r| *r == Run::Full));
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_and_stays_under_its_cap() {
    let interval = Duration::from_secs(30);
    let mut pacer = Pacer::new(interval);
    let delays: Vec<Duration> = (0..20).map(|_| pacer.failed()).collect();
    let cap = Pacer::max_delay(interval);
    assert!(delays.iter().all(|d| *d <= cap), "{delays:?}");
    assert!(delays[0] < Duration::from_secs(3), "{delays:?}");
    assert_eq!(delays[19], cap, "{delays:?}");
    assert!(pacer.holds_back(Trigger::Resync));
    assert!(
        !pacer.holds_back(Trigger::Webhook),
        "explicit triggers run at once"
    );
    pacer.succeeded();
    assert!(!pacer.holds_back(Trigger::Resync));
}
