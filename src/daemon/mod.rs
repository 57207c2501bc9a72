//! The GitOps daemon: triggers, the reconcile loop, leader election, HTTP.
//!
//! [`run`] wires them: triggers (interval, resync, webhook, local file
//! changes, SIGHUP, drift of managed objects) feed one channel; the loop
//! ([`pacing`]) coalesces whatever arrived during a cycle into one more,
//! retries transient failures with capped backoff, stalls on terminal ones,
//! and finishes the cycle in flight when shutdown is requested. A cycle
//! ([`cycle`]) is the reconcile pipeline plus the daemon's memory of what
//! it has done ([`memory`]). Only the lease holder writes.

pub(crate) mod commit_statuses;
pub(crate) mod cycle;
pub(crate) mod forge_task;
pub(crate) mod health;
pub(crate) mod hook_guard;
pub(crate) mod http;
pub(crate) mod lease;
mod memory;
pub(crate) mod metrics;
pub(crate) mod pacing;
pub(crate) mod placement_api;
pub(crate) mod record;
pub(crate) mod repo;
mod report;
pub(crate) mod status;
#[cfg(test)]
mod tests;
pub(crate) mod triggers;
pub mod webhook;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use self::cycle::{Mode, Observers, Reconciler};
use self::health::Health;
use self::http::{HttpState, WebhookSettings};
use self::lease::LeaseConfig;
use self::metrics::Metrics;
use self::placement_api::PlacementApi;
use self::record::Keeper;
use self::repo::{Tracked, blocking};
use self::report::Reporter;
use self::status::StatusWriter;
use self::triggers::{Trigger, TriggerSender};
use crate::federation::KubeFederation;
use crate::federation::cache::LiveCache;
use crate::reconcile::{Pipeline, Settings};
use crate::source::auth::{GitAuth, Secret};
use crate::source::mirror::{Origin, RemoteError};
use crate::source::trust::TrustedKeys;

/// What a cycle reads and where it reports.
#[derive(Clone, Debug)]
pub struct CycleConfig {
    /// Branch tracked.
    pub branch: String,
    /// Subdirectory of the repository holding the configuration ("" for all).
    pub subdir: String,
    /// Apply or dry run.
    pub mode: Mode,
    /// Where status reports go; `None` disables them.
    pub status: Option<StatusWriter>,
    /// Keys new commits must be signed with; `None` accepts unsigned commits.
    pub trust: Option<Arc<TrustedKeys>>,
    /// A commit the operator vouches for (`--trust-from`).
    pub trust_from: Option<String>,
    /// The Lease (namespace, name) that records the last verified and last
    /// applied revision; `None` keeps them in memory only.
    pub record: Option<(String, String)>,
}

/// Everything the daemon needs, resolved from flags, files and environment.
pub struct DaemonConfig {
    /// Repository URL or local path.
    pub repo: String,
    /// Git credentials.
    pub auth: GitAuth,
    /// Where remote mirrors are kept.
    pub cache_dir: PathBuf,
    /// What cycles read and where they report.
    pub cycle: CycleConfig,
    /// Reconcile settings.
    pub settings: Settings,
    /// Poll interval.
    pub interval: Duration,
    /// Full drift check period.
    pub resync: Duration,
    /// Webhook settings, if a secret is configured.
    pub webhook: Option<WebhookSettings>,
    /// The token that `plan --daemon` presents to read placement, if enabled.
    pub placement_token: Option<Secret>,
    /// Leader election, if enabled.
    pub lease: Option<LeaseConfig>,
    /// Commit statuses on the forge, if enabled (`--forge`).
    pub forge: Option<forge_task::ForgeStatuses>,
}

/// Errors that stop the daemon from starting.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The repository could not be opened or mirrored.
    #[error(transparent)]
    Source(#[from] RemoteError),
    /// Signal handling could not be set up.
    #[error("installing signal handlers: {0}")]
    Signals(std::io::Error),
    /// The HTTP server failed.
    #[error("HTTP server: {0}")]
    Http(std::io::Error),
}

/// Runs the daemon until `shutdown` is cancelled; the run in flight finishes first.
pub async fn run(
    config: DaemonConfig,
    federation: KubeFederation,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), DaemonError> {
    let metrics = Arc::new(Metrics::new());
    let health = Arc::new(Health::default());
    let (repo, auth, cache_dir) = (
        config.repo.clone(),
        config.auth.clone(),
        config.cache_dir.clone(),
    );
    let origin = blocking(move || Origin::open(&repo, auth, &cache_dir)).await?;
    tracing::info!(repo = %origin.display(), branch = %config.cycle.branch, "source opened");
    let local_git_dir =
        matches!(origin, Origin::Local { .. }).then(|| origin.repo().path().to_owned());
    let origin = Arc::new(Mutex::new(origin));
    let (tx, rx) = triggers::channel();
    let leader = start_election(&config, &federation, &metrics, &tx, &shutdown);
    let own_writes = triggers::OwnWrites::default();
    let (changes, changed) = tokio::sync::mpsc::unbounded_channel();
    let cache = LiveCache::start(&federation, &config.settings.scope, changes, &shutdown);
    triggers::forward_changes(changed, own_writes.clone(), tx.clone(), shutdown.clone());
    let _watcher = start_triggers(&config, local_git_dir, &tx, &shutdown)?;
    let http = Arc::new(HttpState {
        health: health.clone(),
        metrics: metrics.clone(),
        webhook: config.webhook.clone(),
        placement: config.placement_token.clone().map(|token| PlacementApi {
            token,
            cache: cache.clone(),
            scope: config.settings.scope.clone(),
        }),
        guard: hook_guard::HookGuard::default(),
        triggers: tx.clone(),
    });
    let server = tokio::spawn(http::serve(listener, http, shutdown.clone()));
    let tracked = Tracked {
        origin: origin.clone(),
        branch: config.cycle.branch.clone(),
        subdir: config.cycle.subdir.clone(),
        trust: config.cycle.trust.clone(),
        trust_from: config.cycle.trust_from.clone(),
    };
    let keeper = match &config.cycle.record {
        Some((namespace, name)) => Keeper::Lease {
            api: Box::new(kube::Api::namespaced(
                federation.client().clone(),
                namespace,
            )),
            name: name.clone(),
        },
        None => Keeper::in_memory(),
    };
    let reporter = Reporter {
        origin,
        writer: config.cycle.status.clone(),
    };
    let observers = Observers {
        health,
        metrics,
        leader,
        own_writes,
        statuses: forge_task::start(config.forge.clone(), &shutdown),
    };
    let reconciler = Reconciler::new(
        Pipeline::new(config.settings, federation),
        cache,
        tracked,
        config.cycle.mode,
        reporter,
        observers,
        keeper,
    );
    tx.send(Trigger::Signal);
    pacing::reconcile_loop(
        reconciler,
        rx,
        tx,
        config.interval,
        shutdown.clone(),
        release_freed_memory,
    )
    .await;
    shutdown.cancel();
    server
        .await
        .expect("HTTP server panicked")
        .map_err(DaemonError::Http)
}

fn start_election(
    config: &DaemonConfig,
    federation: &KubeFederation,
    metrics: &Arc<Metrics>,
    tx: &TriggerSender,
    shutdown: &CancellationToken,
) -> watch::Receiver<bool> {
    let Some(lease) = config.lease.clone() else {
        metrics.set_leader(true);
        return watch::channel(true).1;
    };
    let (leader_tx, leader_rx) = watch::channel(false);
    tokio::spawn(lease::run(
        federation.client().clone(),
        lease,
        leader_tx,
        shutdown.clone(),
    ));
    let mut changes = leader_rx.clone();
    let (metrics, tx) = (metrics.clone(), tx.clone());
    tokio::spawn(async move {
        while changes.changed().await.is_ok() {
            let leading = *changes.borrow_and_update();
            metrics.set_leader(leading);
            if leading {
                tx.send(Trigger::Signal);
            }
        }
    });
    leader_rx
}

fn start_triggers(
    config: &DaemonConfig,
    local_git_dir: Option<PathBuf>,
    tx: &TriggerSender,
    shutdown: &CancellationToken,
) -> Result<Option<notify::RecommendedWatcher>, DaemonError> {
    triggers::every(
        config.interval,
        Trigger::Interval,
        tx.clone(),
        shutdown.clone(),
    );
    triggers::every(config.resync, Trigger::Resync, tx.clone(), shutdown.clone());
    triggers::on_sighup(tx.clone(), shutdown.clone()).map_err(DaemonError::Signals)?;
    let Some(git_dir) = local_git_dir else {
        return Ok(None);
    };
    match triggers::watch_local_repository(&git_dir, tx.clone()) {
        Ok(watcher) => Ok(Some(watcher)),
        Err(error) => {
            tracing::warn!(%error, "cannot watch the local repository; polling only");
            Ok(None)
        }
    }
}

/// Hands memory freed by a cycle back to the system. A cycle over thousands
/// of objects allocates and frees hundreds of megabytes; glibc keeps freed
/// pages mapped unless asked, and the daemon would sit at its peak forever.
fn release_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only returns free pages of the allocator's own
    // heaps to the kernel; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
