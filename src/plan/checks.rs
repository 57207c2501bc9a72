//! Rules that need the live federation: the Service must exist, named
//! clusters must exist and be recent enough, and delivering the Service to a
//! new cluster overwrites a same-named Service there.

use std::collections::BTreeSet;

use super::live::LiveState;
use super::placement::resolve;
use crate::manifest::{
    ClusterInfo, Diagnostic, Inventory, InventorySource, MultiClusterService, Rule,
};

/// The live clusters as an inventory for validation.
pub fn live_inventory(live: &LiveState) -> Inventory {
    Inventory::new(
        InventorySource::Federation,
        live.clusters.values().map(|c| {
            (
                c.name.clone(),
                ClusterInfo {
                    kubernetes_version: c.kubernetes_version.clone(),
                    ready: Some(c.is_ready()),
                },
            )
        }),
    )
}

/// The live check of one MCS: at most one finding (a missing Service is an
/// error that makes the overwrite caution moot).
pub(super) fn check(
    mcs: &MultiClusterService,
    live: &LiveState,
    clusters: &BTreeSet<String>,
) -> Option<Diagnostic> {
    if !live.services.contains(&mcs.key) {
        return Some(
            Diagnostic::error(
                Rule::ServiceMissing,
                mcs.origin.clone(),
                format!(
                    "Service {} does not exist on the Karmada control plane",
                    mcs.key
                ),
            )
            .for_object(&mcs.key)
            .with_hint("create the Service first: the MCS must have the same namespace and name as the Service it exposes"),
        );
    }
    let running: BTreeSet<String> = live
        .bindings
        .get(&mcs.key)
        .map(|b| b.scheduled.clone())
        .unwrap_or_default();
    let placement = resolve(mcs, Some(clusters));
    let already = live_delivery(live, mcs, clusters);
    let new: Vec<&String> = placement
        .delivery
        .iter()
        .filter(|c| !running.contains(*c) && !already.contains(*c))
        .collect();
    (!new.is_empty()).then(|| overwrite_caution(mcs, &new))
}

/// Where the live MCS (before this change) already delivers the Service.
fn live_delivery(
    live: &LiveState,
    mcs: &MultiClusterService,
    clusters: &BTreeSet<String>,
) -> BTreeSet<String> {
    let Some(object) = live.objects.get(&mcs.key) else {
        return BTreeSet::new();
    };
    let all_or = |listed: &[String]| -> BTreeSet<String> {
        if listed.is_empty() {
            clusters.clone()
        } else {
            listed.iter().cloned().collect()
        }
    };
    all_or(&object.providers)
        .union(&all_or(&object.consumers))
        .cloned()
        .collect()
}

fn overwrite_caution(mcs: &MultiClusterService, new: &[&String]) -> Diagnostic {
    let list = new
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Diagnostic::warning(
        Rule::ServiceOverwrite,
        mcs.origin.clone(),
        format!(
            "Service {} will be delivered to {list}, where it does not run today: an existing Service of the same name there is overwritten",
            mcs.key
        ),
    )
    .for_object(&mcs.key)
    .with_hint("check that no unrelated Service of this name runs in those clusters")
}
