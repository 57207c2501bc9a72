//! What wakes the reconcile loop: the interval, the resync period, verified
//! webhooks, changes of a local repository, SIGHUP, and changes of managed
//! objects in the federation (drift). Triggers that arrive while a reconcile
//! runs coalesce into one more run.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::federation::cache::Change;

/// Why the loop wakes up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// The poll interval elapsed: ask the remote whether the branch moved.
    Interval,
    /// A verified push webhook arrived.
    Webhook,
    /// The local repository changed on disk.
    FileChange,
    /// A managed object changed in the federation.
    Drift,
    /// The full drift check period elapsed.
    Resync,
    /// SIGHUP: reconcile everything now.
    Signal,
    /// A transient failure is being retried.
    Retry,
}

impl Trigger {
    /// Whether the trigger asks for a full reconcile even if the revision is unchanged.
    pub fn forces_full_run(self) -> bool {
        matches!(
            self,
            Trigger::Drift | Trigger::Resync | Trigger::Signal | Trigger::Retry
        )
    }
}

/// Sends triggers without ever blocking; a full queue already means a run is pending.
#[derive(Clone, Debug)]
pub struct TriggerSender(mpsc::Sender<Trigger>);

impl TriggerSender {
    /// Queues a trigger.
    pub fn send(&self, trigger: Trigger) {
        let _ = self.0.try_send(trigger);
    }
}

/// A trigger channel.
pub fn channel() -> (TriggerSender, mpsc::Receiver<Trigger>) {
    let (tx, rx) = mpsc::channel(64);
    (TriggerSender(tx), rx)
}

/// Sends `trigger` every `period` until shutdown.
pub fn every(period: Duration, trigger: Trigger, tx: TriggerSender, shutdown: CancellationToken) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => tx.send(trigger),
            }
        }
    });
}

/// Sends [`Trigger::Signal`] on SIGHUP.
pub fn on_sighup(tx: TriggerSender, shutdown: CancellationToken) -> std::io::Result<()> {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                Some(()) = hangups.recv() => {
                    tracing::info!("SIGHUP: reconciling everything now");
                    tx.send(Trigger::Signal);
                }
            }
        }
    });
    Ok(())
}

/// Watches a local repository's refs; returns the watcher, which must be kept alive.
pub fn watch_local_repository(
    git_dir: &Path,
    tx: TriggerSender,
) -> notify::Result<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            tx.send(Trigger::FileChange);
        }
    })?;
    watcher.watch(&git_dir.join("refs"), RecursiveMode::Recursive)?;
    if git_dir.join("packed-refs").exists() {
        watcher.watch(&git_dir.join("packed-refs"), RecursiveMode::NonRecursive)?;
    }
    Ok(watcher)
}

/// Resource versions this daemon wrote itself: their watch events are not drift.
#[derive(Clone, Debug, Default)]
pub struct OwnWrites(Arc<Mutex<HashSet<String>>>);

impl OwnWrites {
    /// Remembers versions the daemon produced.
    pub fn record(&self, versions: impl IntoIterator<Item = String>) {
        let mut set = self.0.lock().expect("own writes lock");
        if set.len() > 100_000 {
            set.clear();
        }
        set.extend(versions);
    }

    /// Whether a version was produced by the daemon (and forgets it).
    pub fn take(&self, version: &str) -> bool {
        self.0.lock().expect("own writes lock").remove(version)
    }
}

/// How long after a change of a managed object the daemon decides whether
/// it made the change itself.
const OWN_WRITE_GRACE: Duration = Duration::from_secs(2);
/// How long placement changes (Clusters, Works, Events) gather before one run.
const PLACEMENT_DEBOUNCE: Duration = Duration::from_secs(5);

/// Turns changes seen by the live cache into triggers: a managed object
/// changed by someone else (another client, or Karmada updating its status)
/// is drift, and placement changes refresh the reports; both debounced so a
/// burst costs one run.
pub fn forward_changes(
    mut changes: mpsc::UnboundedReceiver<Change>,
    own: OwnWrites,
    tx: TriggerSender,
    shutdown: CancellationToken,
) {
    tokio::spawn(async move {
        let placement_pending = Arc::new(std::sync::atomic::AtomicBool::new(false));
        loop {
            let change = tokio::select! {
                _ = shutdown.cancelled() => return,
                change = changes.recv() => match change { Some(c) => c, None => return },
            };
            let (own, tx) = (own.clone(), tx.clone());
            match change {
                Change::Managed {
                    resource_version, ..
                } => {
                    tokio::spawn(async move {
                        tokio::time::sleep(OWN_WRITE_GRACE).await;
                        if !own.take(&resource_version) {
                            tx.send(Trigger::Drift);
                        }
                    });
                }
                Change::Placement => {
                    if placement_pending.swap(true, std::sync::atomic::Ordering::SeqCst) {
                        continue;
                    }
                    let pending = placement_pending.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(PLACEMENT_DEBOUNCE).await;
                        pending.store(false, std::sync::atomic::Ordering::SeqCst);
                        tx.send(Trigger::Drift);
                    });
                }
            }
        }
    });
}
