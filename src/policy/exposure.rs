//! The variables a policy expression sees: a documented contract.
//!
//! - `exposure`: the object's resolved exposure ([`Exposure`]);
//! - `object`: the MultiClusterService as written (apiVersion, kind,
//!   metadata with name, namespace, labels, annotations, and spec);
//! - `clusters`: every cluster of the inventory, name → its labels.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::manifest::{Inventory, MultiClusterService};
use crate::plan::placement::{ClusterSet, resolve};

/// What an object exposes, resolved against the inventory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    /// The object's namespace.
    pub namespace: String,
    /// The object's name (the Service's).
    pub name: String,
    /// `spec.types` (`CrossCluster`, `LoadBalancer`).
    pub types: Vec<String>,
    /// The clusters that provide endpoints: those named, or every cluster
    /// of the inventory when the list is empty.
    pub providers: BTreeSet<String>,
    /// The clusters that may reach the Service, resolved the same way.
    pub consumers: BTreeSet<String>,
    /// `providerClusters` is empty: every cluster, including future ones.
    pub providers_are_all: bool,
    /// `consumerClusters` is empty: every cluster, including future ones.
    pub consumers_are_all: bool,
    /// The clusters named in `providerClusters` (empty when it is empty).
    pub providers_named: BTreeSet<String>,
    /// The clusters named in `consumerClusters`.
    pub consumers_named: BTreeSet<String>,
    /// The clusters the Service itself is delivered to (providers ∪
    /// consumers): where Karmada creates or overwrites a Service.
    pub delivery: BTreeSet<String>,
    /// Whether the inventory is known: without it, an empty list resolves
    /// to no cluster, and only `…AreAll` tells.
    pub inventory_known: bool,
}

impl Exposure {
    /// The exposure of `mcs` against `inventory`.
    pub fn of(mcs: &MultiClusterService, inventory: Option<&Inventory>) -> Self {
        let known: Option<BTreeSet<String>> =
            inventory.map(|i| i.names().map(str::to_owned).collect());
        Exposure::resolved(mcs, known.as_ref())
    }

    /// The exposure of `mcs` against the clusters `known` (by name), if
    /// the inventory is known.
    pub fn resolved(mcs: &MultiClusterService, known: Option<&BTreeSet<String>>) -> Self {
        let placement = resolve(mcs, known);
        let named = |set: &ClusterSet| match set {
            ClusterSet::Named { clusters } => clusters.clone(),
            ClusterSet::All { .. } => BTreeSet::new(),
        };
        Exposure {
            namespace: mcs.key.namespace.clone(),
            name: mcs.key.name.clone(),
            types: mcs.types.iter().map(|t| t.as_str().to_owned()).collect(),
            providers: placement.providers.members(),
            consumers: placement.consumers.members(),
            providers_are_all: placement.providers.is_all(),
            consumers_are_all: placement.consumers.is_all(),
            providers_named: named(&placement.providers),
            consumers_named: named(&placement.consumers),
            delivery: placement.delivery,
            inventory_known: known.is_some(),
        }
    }
}

/// `clusters`: name → labels, for every cluster of the inventory.
pub fn clusters(inventory: Option<&Inventory>) -> BTreeMap<String, BTreeMap<String, String>> {
    inventory
        .map(|i| {
            i.clusters
                .iter()
                .map(|(name, info)| (name.clone(), info.labels.clone()))
                .collect()
        })
        .unwrap_or_default()
}
