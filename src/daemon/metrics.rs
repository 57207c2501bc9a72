//! Prometheus metrics of the daemon, in an explicit registry (no globals).

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Label of a reconcile's result.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    /// `applied`, `unchanged`, `invalid`, `failed`, `skipped`, `error`, `refused`, `dry-run`.
    pub result: String,
}

/// Label of the last applied revision.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RevisionLabel {
    /// The commit id.
    pub revision: String,
}

/// Label of an exposure change: `widened` or `narrowed`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DirectionLabel {
    /// `widened` (a cluster joined) or `narrowed` (one left).
    pub direction: String,
}

/// Every metric the daemon exports.
pub struct Metrics {
    registry: Registry,
    reconciles: Family<ResultLabel, Counter>,
    duration: Histogram,
    revision: Family<RevisionLabel, Gauge>,
    last_revision: Mutex<Option<String>>,
    managed: Gauge,
    drifted: Gauge,
    last_success: Gauge<f64, AtomicU64>,
    leader: Gauge,
    source_up: Gauge,
    stalled: Gauge,
    exposure_changes: Family<DirectionLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mcs_gitops");
        let reconciles = Family::<ResultLabel, Counter>::default();
        registry.register(
            "reconciles",
            "Reconcile cycles by result",
            reconciles.clone(),
        );
        let duration = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "reconcile_duration_seconds",
            "Duration of reconcile cycles that did work",
            duration.clone(),
        );
        let revision = Family::<RevisionLabel, Gauge>::default();
        registry.register(
            "last_applied_revision_info",
            "The revision last applied without errors (value 1)",
            revision.clone(),
        );
        let managed = Gauge::default();
        registry.register(
            "managed_objects",
            "MultiClusterServices managed by this instance",
            managed.clone(),
        );
        let drifted = Gauge::default();
        registry.register(
            "drifted_objects",
            "Objects that differed from Git at the last plan",
            drifted.clone(),
        );
        let last_success = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "last_success_timestamp_seconds",
            "Unix time of the last successful reconcile",
            last_success.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this replica holds the lease (or runs without leader election)",
            leader.clone(),
        );
        let source_up = Gauge::default();
        registry.register(
            "source_up",
            "1 if the last Git fetch succeeded",
            source_up.clone(),
        );
        let stalled = Gauge::default();
        registry.register(
            "stalled",
            "1 while the current revision is stalled by a failure that retrying does not cure",
            stalled.clone(),
        );
        let exposure_changes = Family::<DirectionLabel, Counter>::default();
        registry.register(
            "exposure_changes",
            "Cluster-object pairs whose exposure the federation changed without a commit (a cluster joined or left while a list was empty)",
            exposure_changes.clone(),
        );
        Metrics {
            exposure_changes,
            stalled,
            registry,
            reconciles,
            duration,
            revision,
            last_revision: Mutex::new(None),
            managed,
            drifted,
            last_success,
            leader,
            source_up,
        }
    }

    /// Counts a cycle.
    pub fn reconciled(&self, result: &str) {
        self.reconciles
            .get_or_create(&ResultLabel {
                result: result.to_owned(),
            })
            .inc();
    }

    /// Records a working cycle's duration.
    pub fn observe_duration(&self, seconds: f64) {
        self.duration.observe(seconds);
    }

    /// Records a successful apply of `revision`.
    pub fn applied(&self, revision: &str, unix_seconds: f64) {
        let mut last = self.last_revision.lock().expect("metrics lock");
        if let Some(previous) = last.take() {
            self.revision.remove(&RevisionLabel { revision: previous });
        }
        self.revision
            .get_or_create(&RevisionLabel {
                revision: revision.to_owned(),
            })
            .set(1);
        *last = Some(revision.to_owned());
        self.last_success.set(unix_seconds);
    }

    /// Records object counts of the last plan.
    pub fn objects(&self, managed: usize, drifted: usize) {
        self.managed.set(i64::try_from(managed).unwrap_or(i64::MAX));
        self.drifted.set(i64::try_from(drifted).unwrap_or(i64::MAX));
    }

    /// Counts an exposure change the federation made by itself.
    pub fn exposure_changed(&self, direction: &str) {
        self.exposure_changes
            .get_or_create(&DirectionLabel {
                direction: direction.to_owned(),
            })
            .inc();
    }

    /// Records leadership.
    pub fn set_leader(&self, leader: bool) {
        self.leader.set(i64::from(leader));
    }

    /// Records whether the current revision is stalled.
    pub fn set_stalled(&self, stalled: bool) {
        self.stalled.set(i64::from(stalled));
    }

    /// Records whether the source answers.
    pub fn set_source_up(&self, up: bool) {
        self.source_up.set(i64::from(up));
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
