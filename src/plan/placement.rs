//! Where a MultiClusterService places its Service and endpoint slices.
//!
//! Karmada reads an empty `providerClusters` or `consumerClusters` as "every
//! cluster, including clusters that join later". The Service is delivered to
//! providers ∪ consumers, and each provider's EndpointSlices flow to every
//! consumer other than itself.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::manifest::MultiClusterService;

/// A set of clusters as an MCS selects it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ClusterSet {
    /// The clusters listed by name.
    Named {
        /// The names.
        clusters: BTreeSet<String>,
    },
    /// Every cluster, including future ones; `today` lists the current ones
    /// when the federation's clusters are known.
    All {
        /// The clusters that exist today, if known.
        today: Option<BTreeSet<String>>,
    },
}

impl ClusterSet {
    /// A set from a written list: empty means all.
    pub fn from_list<'a>(
        names: impl Iterator<Item = &'a str>,
        known: Option<&BTreeSet<String>>,
    ) -> Self {
        let clusters: BTreeSet<String> = names.map(str::to_owned).collect();
        if clusters.is_empty() {
            ClusterSet::All {
                today: known.cloned(),
            }
        } else {
            ClusterSet::Named { clusters }
        }
    }

    /// The clusters this set holds today, as far as known.
    pub fn members(&self) -> BTreeSet<String> {
        match self {
            ClusterSet::Named { clusters } => clusters.clone(),
            ClusterSet::All { today } => today.clone().unwrap_or_default(),
        }
    }

    /// Whether the set means every cluster.
    pub fn is_all(&self) -> bool {
        matches!(self, ClusterSet::All { .. })
    }

    /// Whether today's members are known (false for "all" without an inventory).
    pub fn is_known(&self) -> bool {
        !matches!(self, ClusterSet::All { today: None })
    }
}

/// One endpoint flow: the slices of `provider` injected into `consumer`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SliceFlow {
    /// Cluster whose endpoints are collected.
    pub provider: String,
    /// Cluster that receives them.
    pub consumer: String,
}

/// The resolved placement of one MultiClusterService.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Placement {
    /// Clusters that provide endpoints.
    pub providers: ClusterSet,
    /// Clusters allowed to reach the Service.
    pub consumers: ClusterSet,
    /// Clusters the Service itself is delivered to: providers ∪ consumers.
    pub delivery: BTreeSet<String>,
    /// Endpoint flows, provider to consumer, never a cluster to itself.
    pub flows: BTreeSet<SliceFlow>,
}

/// Resolves an MCS against the federation's clusters, when known.
pub fn resolve(mcs: &MultiClusterService, known: Option<&BTreeSet<String>>) -> Placement {
    let providers = ClusterSet::from_list(mcs.providers(), known);
    let consumers = ClusterSet::from_list(mcs.consumers(), known);
    let provider_members = providers.members();
    let consumer_members = consumers.members();
    let delivery = provider_members.union(&consumer_members).cloned().collect();
    let flows = provider_members
        .iter()
        .flat_map(|p| {
            consumer_members
                .iter()
                .filter(move |c| *c != p)
                .map(move |c| SliceFlow {
                    provider: p.clone(),
                    consumer: c.clone(),
                })
        })
        .collect();
    Placement {
        providers,
        consumers,
        delivery,
        flows,
    }
}
