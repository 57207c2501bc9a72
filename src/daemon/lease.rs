//! Leader election on a `coordination.k8s.io/v1` Lease, so that of several
//! replicas exactly one writes.
//!
//! Expiry is judged by this replica's own clock: a lease whose record has not
//! changed for its whole duration is free, whatever time the holder wrote
//! (clocks of replicas may differ). A leader that cannot renew stops writing
//! well before its lease could expire.

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::Client;
use kube::api::{Api, PostParams};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

/// Where the lease lives and who we are.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    /// Namespace of the Lease.
    pub namespace: String,
    /// Name of the Lease.
    pub name: String,
    /// This replica's identity (e.g. the pod name).
    pub identity: String,
    /// How long a lease is valid without renewal.
    pub duration: Duration,
    /// How often the holder renews and others retry.
    pub retry: Duration,
}

struct Observed {
    record: (Option<String>, Option<String>),
    at: Instant,
}

/// Runs the election until shutdown, publishing leadership on `leader`.
pub async fn run(
    client: Client,
    config: LeaseConfig,
    leader: watch::Sender<bool>,
    shutdown: CancellationToken,
) {
    let api: Api<Lease> = Api::namespaced(client, &config.namespace);
    let mut observed: Option<Observed> = None;
    let mut last_renewal: Option<Instant> = None;
    loop {
        match attempt(&api, &config, &mut observed).await {
            Ok(true) => last_renewal = Some(Instant::now()),
            Ok(false) => last_renewal = None,
            Err(error) => tracing::warn!(%error, lease = %config.name, "lease request failed"),
        }
        let deadline = config.duration.mul_f32(2.0 / 3.0);
        let holding = last_renewal.is_some_and(|t| t.elapsed() < deadline);
        if *leader.borrow() != holding {
            tracing::info!(identity = %config.identity, leader = holding, "leadership changed");
        }
        leader.send_replace(holding);
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tokio::time::sleep(config.retry) => {}
        }
    }
    if *leader.borrow() {
        leader.send_replace(false);
        release(&api, &config).await;
    }
}

/// One round: returns whether we hold the lease afterwards.
async fn attempt(
    api: &Api<Lease>,
    config: &LeaseConfig,
    observed: &mut Option<Observed>,
) -> Result<bool, kube::Error> {
    let Some(mut lease) = api.get_opt(&config.name).await? else {
        api.create(&PostParams::default(), &fresh(config)).await?;
        return Ok(true);
    };
    let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
    let record = (
        spec.holder_identity.clone(),
        spec.renew_time.as_ref().map(|t| t.0.to_string()),
    );
    if observed.as_ref().is_none_or(|o| o.record != record) {
        *observed = Some(Observed {
            record: record.clone(),
            at: Instant::now(),
        });
    }
    let ours = spec.holder_identity.as_deref() == Some(config.identity.as_str());
    let free = spec.holder_identity.as_deref().is_none_or(str::is_empty)
        || observed
            .as_ref()
            .is_some_and(|o| o.at.elapsed() > config.duration);
    if !ours && !free {
        return Ok(false);
    }
    let now = MicroTime(k8s_openapi::jiff::Timestamp::now());
    if !ours {
        spec.acquire_time = Some(now.clone());
        spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        spec.holder_identity = Some(config.identity.clone());
    }
    spec.renew_time = Some(now);
    spec.lease_duration_seconds = Some(seconds(config.duration));
    api.replace(&config.name, &PostParams::default(), &lease)
        .await?;
    Ok(true)
}

fn fresh(config: &LeaseConfig) -> Lease {
    let now = MicroTime(k8s_openapi::jiff::Timestamp::now());
    Lease {
        metadata: ObjectMeta {
            name: Some(config.name.clone()),
            namespace: Some(config.namespace.clone()),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(config.identity.clone()),
            lease_duration_seconds: Some(seconds(config.duration)),
            acquire_time: Some(now.clone()),
            renew_time: Some(now),
            lease_transitions: Some(0),
            ..LeaseSpec::default()
        }),
    }
}

/// Gives the lease up so another replica can take over at once.
async fn release(api: &Api<Lease>, config: &LeaseConfig) {
    let Ok(Some(mut lease)) = api.get_opt(&config.name).await else {
        return;
    };
    let spec = lease.spec.get_or_insert_with(LeaseSpec::default);
    if spec.holder_identity.as_deref() != Some(config.identity.as_str()) {
        return;
    }
    spec.holder_identity = None;
    if let Err(error) = api
        .replace(&config.name, &PostParams::default(), &lease)
        .await
    {
        tracing::warn!(%error, "could not release the lease; it expires by itself");
    }
}

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX).max(1)
}
