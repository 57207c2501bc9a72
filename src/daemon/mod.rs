//! The GitOps daemon: triggers, the reconcile loop, leader election, HTTP.
//!
//! [`run`] wires them: triggers (interval, resync, webhook, local file
//! changes, SIGHUP, drift of managed objects) feed one channel; the loop
//! coalesces whatever arrived during a reconcile into one more run, retries
//! transient failures with exponential backoff, and finishes the run in
//! flight when shutdown is requested. Only the lease holder writes.

pub mod cycle;
pub mod health;
pub mod http;
pub mod lease;
mod memo;
pub mod metrics;
pub mod outcome;
pub mod status;
pub mod triggers;
pub mod webhook;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use self::cycle::{CycleConfig, CycleOutcome, Reconciler};
use self::health::Health;
use self::http::{HttpState, WebhookSettings};
use self::lease::LeaseConfig;
use self::metrics::Metrics;
use self::triggers::{Trigger, TriggerSender};
use self::webhook::RateLimiter;
use crate::federation::Federation;
use crate::federation::cache::LiveCache;
use crate::reconcile::Settings;
use crate::source::auth::GitAuth;
use crate::source::mirror::{Origin, RemoteError};

/// Everything the daemon needs, resolved from flags, files and environment.
pub struct DaemonConfig {
    /// Repository URL or local path.
    pub repo: String,
    /// Git credentials.
    pub auth: GitAuth,
    /// Where remote mirrors are kept.
    pub cache_dir: PathBuf,
    /// Reconcile loop settings.
    pub cycle: CycleConfig,
    /// Reconcile settings.
    pub settings: Settings,
    /// Poll interval.
    pub interval: Duration,
    /// Full drift check period.
    pub resync: Duration,
    /// Webhook settings, if a secret is configured.
    pub webhook: Option<WebhookSettings>,
    /// Leader election, if enabled.
    pub lease: Option<LeaseConfig>,
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
    federation: Federation,
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
    let origin = tokio::task::spawn_blocking(move || Origin::open(&repo, auth, &cache_dir))
        .await
        .expect("opening the repository panicked")?;
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
        limiter: Mutex::new(RateLimiter::new(10, 1.0)),
        triggers: tx.clone(),
    });
    let server = tokio::spawn(http::serve(listener, http, shutdown.clone()));
    let mut reconciler = Reconciler::new(
        origin,
        federation,
        config.settings,
        config.cycle,
        health,
        metrics,
        leader,
    );
    reconciler.own_writes = own_writes;
    reconciler.cache = Some(cache);
    tx.send(Trigger::Signal);
    reconcile_loop(reconciler, rx, tx, config.interval, shutdown.clone()).await;
    shutdown.cancel();
    server
        .await
        .expect("HTTP server panicked")
        .map_err(DaemonError::Http)
}

fn start_election(
    config: &DaemonConfig,
    federation: &Federation,
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

/// Spaces out runs after failures: automatic triggers (interval, resync,
/// drift) are held back until the backoff delay has passed; explicit ones
/// (webhook, SIGHUP, local changes) still run at once.
struct Pacer {
    interval: Duration,
    delays: backon::ExponentialBackoff,
    quiet_until: Option<tokio::time::Instant>,
}

impl Pacer {
    fn new(interval: Duration) -> Self {
        Pacer {
            interval,
            delays: Self::backoff(interval),
            quiet_until: None,
        }
    }

    fn backoff(interval: Duration) -> backon::ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(
                (interval * 10).clamp(Duration::from_secs(10), Duration::from_secs(300)),
            )
            .with_jitter()
            .without_max_times()
            .build()
    }

    fn holds_back(&self, trigger: Trigger) -> bool {
        let automatic = matches!(
            trigger,
            Trigger::Interval | Trigger::Resync | Trigger::Drift
        );
        automatic
            && self
                .quiet_until
                .is_some_and(|t| tokio::time::Instant::now() < t)
    }

    /// Records a failure; returns when to retry.
    fn failed(&mut self) -> Duration {
        let delay = self.delays.next().unwrap_or(self.interval);
        self.quiet_until = Some(tokio::time::Instant::now() + delay);
        delay
    }

    fn succeeded(&mut self) {
        self.delays = Self::backoff(self.interval);
        self.quiet_until = None;
    }
}

async fn reconcile_loop(
    mut reconciler: Reconciler,
    mut rx: mpsc::Receiver<Trigger>,
    tx: TriggerSender,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut pacer = Pacer::new(interval);
    let mut trimmed_at = None;
    loop {
        let first = tokio::select! {
            _ = shutdown.cancelled() => return,
            trigger = rx.recv() => match trigger { Some(t) => t, None => return },
        };
        let mut triggers = vec![first];
        while let Ok(more) = rx.try_recv() {
            triggers.push(more);
        }
        triggers.retain(|t| !pacer.holds_back(*t));
        if triggers.is_empty() {
            continue;
        }
        let full = triggers.iter().any(|t| t.forces_full_run());
        tracing::debug!(?triggers, full, "reconcile triggered");
        let outcome = reconciler.cycle(full).await;
        // After a cycle that did work, or once the watches replaced entries
        // since the last trim (a burst of them frees as much as a cycle).
        let generation = reconciler.cache.as_ref().map(LiveCache::generation);
        let idle = matches!(
            outcome,
            CycleOutcome::Skipped | CycleOutcome::Settled | CycleOutcome::Standby
        );
        if !idle || generation != trimmed_at {
            release_freed_memory();
            trimmed_at = generation;
        }
        match outcome {
            CycleOutcome::Transient(reason) | CycleOutcome::Terminal(reason) => {
                let delay = pacer.failed();
                tracing::warn!(%reason, retry_in = ?delay, "reconcile failed; retrying with backoff");
                let (tx, shutdown) = (tx.clone(), shutdown.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        _ = shutdown.cancelled() => {}
                        _ = tokio::time::sleep(delay) => tx.send(Trigger::Retry),
                    }
                });
            }
            _ => pacer.succeeded(),
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
