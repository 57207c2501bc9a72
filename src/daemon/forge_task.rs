//! Posting the tracked commit's statuses to the forge, off the reconcile
//! loop: cycles hand what they saw to a channel and go on, so a slow or
//! unreachable forge delays statuses and never applying. Transient failures
//! are retried with backoff; a refused token is logged once per status.

use std::fmt::Display;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::commit_statuses::{Post, Seen, Tracker};
use crate::forge::{Forge, Repository};
use crate::plan::Retry;

/// Attempts per status before it is given up.
const ATTEMPTS: usize = 6;

/// Where the daemon posts commit statuses.
#[derive(Clone, Debug)]
pub struct ForgeStatuses {
    /// The forge's API.
    pub forge: Forge,
    /// The tracked repository on it.
    pub repo: Repository,
    /// The check's name, `mcs-gitops/<instance>`.
    pub context: String,
    /// The status report's page, linked from every status.
    pub target_url: Option<String>,
    /// How long flows may take to be in place after applying.
    pub settle: Duration,
}

/// Where cycles tell what they saw of a commit; a no-op without a forge.
#[derive(Clone, Debug, Default)]
pub struct StatusSink(Option<mpsc::UnboundedSender<(String, Seen)>>);

impl StatusSink {
    /// Tells the poster what a cycle saw of `sha`. Never waits.
    pub fn saw(&self, sha: impl Display, seen: Seen) {
        if let Some(tx) = &self.0 {
            // The poster only stops at shutdown; a status lost then is not
            // worth failing a cycle for.
            let _ = tx.send((sha.to_string(), seen));
        }
    }
}

/// Starts the poster; the sink it returns feeds it.
pub fn start(config: Option<ForgeStatuses>, shutdown: &CancellationToken) -> StatusSink {
    let Some(config) = config else {
        return StatusSink::default();
    };
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(config, rx, shutdown.clone()));
    StatusSink(Some(tx))
}

async fn run(
    config: ForgeStatuses,
    mut rx: mpsc::UnboundedReceiver<(String, Seen)>,
    shutdown: CancellationToken,
) {
    let mut tracker = Tracker::new(config.settle);
    let mut checked = None;
    loop {
        let deadline = tracker.deadline().map(Instant::from_std);
        let timer = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        let posts = tokio::select! {
            () = shutdown.cancelled() => return,
            seen = rx.recv() => match seen {
                Some((sha, seen)) => tracker.observe(&sha, seen, std::time::Instant::now()),
                None => return,
            },
            () = timer => tracker.expire(std::time::Instant::now()).into_iter().collect(),
        };
        for post in posts {
            if skip(&config, &mut tracker, &mut checked, &post).await {
                continue;
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = deliver(&config, &post) => {}
            }
        }
    }
}

/// Whether `post` is left out: the first status of a commit is checked
/// against the forge, and a commit that already shows a final status (from
/// before a restart, or another replica) is never set back to pending.
async fn skip(
    config: &ForgeStatuses,
    tracker: &mut Tracker,
    checked: &mut Option<(String, bool)>,
    post: &Post,
) -> bool {
    if let Some((_, final_already)) = checked.as_ref().filter(|(sha, _)| *sha == post.sha) {
        return *final_already;
    }
    let lookup = config
        .forge
        .has_final_status(&config.repo, &post.sha, &config.context)
        .await;
    let final_already = lookup.unwrap_or_else(|error| {
        tracing::debug!(%error, commit = %post.sha, "statuses not read; posting as if none");
        false
    });
    if final_already {
        tracing::info!(commit = %post.sha, "the commit already shows a final status; leaving it");
        tracker.known_final(&post.sha);
    }
    *checked = Some((post.sha.clone(), final_already));
    final_already
}

/// Posts one status, retrying what may pass.
async fn deliver(config: &ForgeStatuses, post: &Post) {
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(30))
        .with_max_times(ATTEMPTS - 1)
        .build();
    loop {
        let sent = config
            .forge
            .set_status(
                &config.repo,
                &post.sha,
                &config.context,
                &post.status,
                config.target_url.as_deref(),
            )
            .await;
        let error = match sent {
            Ok(()) => {
                tracing::info!(commit = %post.sha, state = %post.status.state, description = %post.status.description, "commit status posted");
                return;
            }
            Err(error) => error,
        };
        match (error.retry(), delays.next()) {
            (Retry::Transient, Some(delay)) => {
                tracing::debug!(%error, ?delay, "commit status not posted; retrying");
                tokio::time::sleep(delay).await;
            }
            _ => {
                tracing::warn!(%error, commit = %post.sha, state = %post.status.state, "commit status not posted");
                return;
            }
        }
    }
}
