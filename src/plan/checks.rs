//! Rules that need the live federation: the Service must exist, named
//! clusters must exist and be recent enough, and delivering the Service to a
//! new cluster overwrites a same-named Service there.

use std::collections::BTreeSet;

use super::live::LiveState;
use super::objects::{Action, ObjectChange};
use super::placement::resolve;
use crate::manifest::{
    ClusterInfo, Diagnostic, Inventory, InventorySource, Location, MultiClusterService, Rule,
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
                    labels: c.labels.clone(),
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

/// What pruning leaves behind: deleting an MCS stops endpoint sync, but
/// Karmada keeps the Service's ResourceBinding, so the Service copies stay
/// in the clusters it was delivered to.
pub(super) fn left_behind(changes: &[ObjectChange], live: &LiveState) -> Vec<Diagnostic> {
    changes
        .iter()
        .filter(|c| c.action == Action::Prune && c.blocked.is_none())
        .filter_map(|change| {
            let scheduled = &live.bindings.get(&change.key)?.scheduled;
            if scheduled.is_empty() {
                return None;
            }
            let file = live
                .objects
                .get(&change.key)
                .and_then(|o| o.source_file.clone())
                .unwrap_or_default();
            let clusters = scheduled.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
            Some(
                Diagnostic::warning(
                    Rule::ServiceLeftBehind,
                    Location::file(file),
                    format!(
                        "pruning {} stops its endpoint sync, but Karmada keeps the Service in {clusters}: its ResourceBinding stays after the MultiClusterService is deleted",
                        change.key
                    ),
                )
                .for_object(&change.key)
                .with_hint("delete the Service copies (or the Service on the control plane) if they should go too"),
            )
        })
        .collect()
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
