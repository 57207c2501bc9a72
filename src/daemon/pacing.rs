//! When cycles run: triggers that arrive during a cycle coalesce into one
//! more, a transient failure is retried with capped exponential backoff,
//! and a terminal one stalls (no retry until something changes).

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::triggers::{Trigger, TriggerSender};

/// What a cycle is asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Run {
    /// Look whether the branch moved; an unchanged revision costs nothing.
    Poll,
    /// Compare everything with the federation even if the branch did not move.
    Full,
    /// The operator asked (SIGHUP, or leadership won): a full run that also
    /// tries again what stalled.
    Operator,
}

impl Run {
    /// The run that a batch of triggers asks for: the strongest of them.
    pub fn of(triggers: &[Trigger]) -> Run {
        triggers
            .iter()
            .map(|t| match t {
                Trigger::Signal => Run::Operator,
                t if t.forces_full_run() => Run::Full,
                _ => Run::Poll,
            })
            .max()
            .unwrap_or(Run::Poll)
    }
}

/// How a cycle ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing new: the revision was already processed.
    Skipped,
    /// This replica is not the leader.
    Standby,
    /// A full run found the revision and the live state as the last plan
    /// left them, with nothing to do.
    Settled,
    /// The revision was processed (applied, shown, found invalid or refused).
    Done,
    /// A failure worth retrying soon.
    Retry(String),
    /// A failure that retrying will not cure: nothing is retried until a
    /// new revision, a change of what failed, or the operator.
    Stalled(String),
}

impl Outcome {
    /// Whether the cycle did no work.
    pub fn is_idle(&self) -> bool {
        matches!(self, Outcome::Skipped | Outcome::Settled | Outcome::Standby)
    }
}

/// One cycle of the daemon, as the loop sees it.
pub trait Cycle: Send {
    /// Runs one cycle.
    fn cycle(&mut self, run: Run) -> impl Future<Output = Outcome> + Send;

    /// A number that moves whenever the watched live state changes, if the
    /// cycle watches it.
    fn generation(&self) -> Option<u64>;
}

/// Spaces out runs after failures: automatic triggers (interval, resync,
/// drift) are held back until the backoff delay has passed; explicit ones
/// (webhook, SIGHUP, local changes) still run at once.
pub struct Pacer {
    interval: Duration,
    delays: backon::ExponentialBackoff,
    quiet_until: Option<tokio::time::Instant>,
}

impl Pacer {
    /// A pacer for a daemon polling every `interval`.
    pub fn new(interval: Duration) -> Self {
        Pacer {
            interval,
            delays: Self::backoff(interval),
            quiet_until: None,
        }
    }

    /// The longest wait between retries: ten intervals, within 10 s and 5 min.
    pub fn max_delay(interval: Duration) -> Duration {
        (interval * 10).clamp(Duration::from_secs(10), Duration::from_secs(300))
    }

    fn backoff(interval: Duration) -> backon::ExponentialBackoff {
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(Self::max_delay(interval))
            .with_jitter()
            .without_max_times()
            .build()
    }

    /// Whether a trigger must wait for the backoff to pass.
    pub fn holds_back(&self, trigger: Trigger) -> bool {
        let automatic = matches!(
            trigger,
            Trigger::Interval | Trigger::Resync | Trigger::Drift
        );
        automatic
            && self
                .quiet_until
                .is_some_and(|t| tokio::time::Instant::now() < t)
    }

    /// Records a failure; returns when to retry (jitter included, never
    /// more than [`Pacer::max_delay`]).
    pub fn failed(&mut self) -> Duration {
        let delay = self
            .delays
            .next()
            .unwrap_or(self.interval)
            .min(Self::max_delay(self.interval));
        self.quiet_until = Some(tokio::time::Instant::now() + delay);
        delay
    }

    /// Records a cycle that needs no retry.
    pub fn succeeded(&mut self) {
        self.delays = Self::backoff(self.interval);
        self.quiet_until = None;
    }
}

/// Runs cycles as triggers arrive, until shutdown (the cycle in flight
/// finishes first). `trim` is called after cycles that did work, or when
/// the watched state changed since it was last called.
pub async fn reconcile_loop<C: Cycle>(
    mut cycler: C,
    mut rx: mpsc::Receiver<Trigger>,
    tx: TriggerSender,
    interval: Duration,
    shutdown: CancellationToken,
    trim: impl Fn(),
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
        let run = Run::of(&triggers);
        tracing::debug!(?triggers, ?run, "reconcile triggered");
        let outcome = cycler.cycle(run).await;
        let generation = cycler.generation();
        if !outcome.is_idle() || generation != trimmed_at {
            trim();
            trimmed_at = generation;
        }
        match outcome {
            Outcome::Retry(reason) => {
                let delay = pacer.failed();
                tracing::warn!(%reason, retry_in = ?delay, "reconcile failed; retrying with backoff");
                schedule_retry(delay, tx.clone(), shutdown.clone());
            }
            Outcome::Stalled(reason) => {
                pacer.succeeded();
                tracing::warn!(%reason, "reconcile stalled: retried on a new revision, a change of what failed, or SIGHUP");
            }
            _ => pacer.succeeded(),
        }
    }
}

fn schedule_retry(delay: Duration, tx: TriggerSender, shutdown: CancellationToken) {
    tokio::spawn(async move {
        tokio::select! {
            _ = shutdown.cancelled() => {}
            _ = tokio::time::sleep(delay) => tx.send(Trigger::Retry),
        }
    });
}
