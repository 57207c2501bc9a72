//! Exposure before and after a change, as findings: who reaches a Service,
//! who provides its endpoints, and where the Service itself is delivered.
//!
//! Both revisions are resolved against the same cluster list (the head's
//! inventory, or the live federation's), so only changes of the MCS objects
//! show, never changes of the inventory.

use std::collections::BTreeSet;

use serde::Serialize;

use super::finding::{ClusterList, Finding};
use super::pairing::Change;
use crate::manifest::{MultiClusterService, ObjectKey};
use crate::plan::{ClusterSet, LiveState, Placement, resolve};

/// One revision's version of an MCS, resolved to clusters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// The object as validated.
    #[serde(skip)]
    pub mcs: MultiClusterService,
    /// Where it places the Service and its endpoints.
    pub placement: Placement,
}

impl Side {
    /// Resolves `mcs` against today's clusters, when known.
    pub fn new(mcs: &MultiClusterService, known: Option<&BTreeSet<String>>) -> Self {
        Side {
            mcs: mcs.clone(),
            placement: resolve(mcs, known),
        }
    }

    /// The cluster set of one list.
    pub fn set(&self, list: ClusterList) -> &ClusterSet {
        match list {
            ClusterList::ProviderClusters => &self.placement.providers,
            ClusterList::ConsumerClusters => &self.placement.consumers,
        }
    }

    /// Whether the Service goes to every cluster, and today's are unknown.
    fn everywhere(&self) -> bool {
        !self.placement.providers.is_known() || !self.placement.consumers.is_known()
    }
}

/// What the findings may know beyond the two objects.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// Today's clusters, when known.
    pub known: Option<&'a BTreeSet<String>>,
    /// The live federation, when reached.
    pub live: Option<&'a LiveState>,
}

impl Context<'_> {
    /// Where a Service runs today (its binding's scheduled clusters), when
    /// the federation was reached.
    pub fn running(&self, key: &ObjectKey) -> Option<BTreeSet<String>> {
        self.live.map(|live| {
            live.bindings
                .get(key)
                .map(|b| b.scheduled.clone())
                .unwrap_or_default()
        })
    }
}

/// Every finding of one paired object, in reading order.
pub fn findings(
    change: Change,
    base: Option<&Side>,
    head: Option<&Side>,
    context: Context<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match (change, base, head) {
        (Change::Removed, Some(base), _) => out.push(deleted(base, context)),
        (Change::NotComparable, Some(base), _) => out.push(Finding::NotComparable {
            file: base.mcs.origin.file.clone(),
        }),
        (Change::Added, _, Some(head)) => {
            out.push(Finding::Takeover);
            out.extend(exposure(None, head));
            out.extend(all_clusters(None, head, context));
            out.extend(delivery(None, head, context));
            out.extend(deprecated(None, head));
        }
        (Change::Renamed, Some(base), Some(head)) => {
            out.push(Finding::Renamed {
                from: base.mcs.key.clone(),
                deployed: deployed(base, context),
            });
            out.extend(all_clusters(None, head, context));
            out.extend(delivery(None, head, context));
        }
        (_, Some(base), Some(head)) => {
            out.extend(types(base, head));
            out.extend(exposure(Some(base), head));
            out.extend(all_clusters(Some(base), head, context));
            out.extend(delivery(Some(base), head, context));
            out.extend(deprecated(Some(base), head));
            if base.mcs.origin.file != head.mcs.origin.file {
                out.push(Finding::Moved {
                    from: base.mcs.origin.file.clone(),
                    to: head.mcs.origin.file.clone(),
                });
            }
        }
        _ => {}
    }
    out
}

/// Whether `side`'s list holds `cluster`: an empty list holds every cluster.
pub fn holds(side: Option<&Side>, list: ClusterList, cluster: &str) -> bool {
    side.is_some_and(|s| match s.set(list) {
        ClusterSet::All { .. } => true,
        ClusterSet::Named { clusters } => clusters.contains(cluster),
    })
}

/// Clusters in `from`'s list that `to`'s list does not hold.
fn leaving(from: Option<&Side>, to: Option<&Side>, list: ClusterList) -> Vec<String> {
    from.map(|s| s.set(list).members())
        .unwrap_or_default()
        .into_iter()
        .filter(|c| !holds(to, list, c))
        .collect()
}

/// Per-cluster consumer and provider changes. A list that becomes empty
/// (every cluster) is said once, by [`all_clusters`].
fn exposure(base: Option<&Side>, head: &Side) -> Vec<Finding> {
    let mut out = Vec::new();
    let quiet = |list| head.set(list).is_all();
    let all_providers = !head.placement.providers.is_known();
    if !quiet(ClusterList::ConsumerClusters) {
        for cluster in leaving(Some(head), base, ClusterList::ConsumerClusters) {
            let providers = flows(&head.placement, |f| (&f.consumer, &f.provider), &cluster);
            out.push(Finding::NewConsumer {
                cluster,
                providers,
                all_providers,
            });
        }
        for cluster in leaving(base, Some(head), ClusterList::ConsumerClusters) {
            out.push(Finding::LostConsumer { cluster });
        }
    }
    if !quiet(ClusterList::ProviderClusters) {
        for cluster in leaving(Some(head), base, ClusterList::ProviderClusters) {
            let consumers = flows(&head.placement, |f| (&f.provider, &f.consumer), &cluster);
            out.push(Finding::NewProvider { cluster, consumers });
        }
        for cluster in leaving(base, Some(head), ClusterList::ProviderClusters) {
            let base = &base.expect("a leaving provider had a base").placement;
            let consumers = flows(base, |f| (&f.provider, &f.consumer), &cluster);
            out.push(Finding::LostProvider { cluster, consumers });
        }
    }
    out
}

/// The other ends of the flows whose `end` is `cluster`.
fn flows(
    placement: &Placement,
    ends: impl Fn(&crate::plan::SliceFlow) -> (&String, &String),
    cluster: &str,
) -> Vec<String> {
    placement
        .flows
        .iter()
        .map(&ends)
        .filter(|(end, _)| end.as_str() == cluster)
        .map(|(_, other)| other.clone())
        .collect()
}

fn all_clusters(base: Option<&Side>, head: &Side, context: Context<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for list in [ClusterList::ProviderClusters, ClusterList::ConsumerClusters] {
        let was_all = base.is_some_and(|b| b.set(list).is_all());
        let is_all = head.set(list).is_all();
        if is_all && !was_all {
            out.push(Finding::AllClusters {
                list,
                today: context.known.map(BTreeSet::len),
            });
        } else if was_all && !is_all {
            out.push(Finding::NoLongerAll { list });
        }
    }
    out
}

fn delivery(base: Option<&Side>, head: &Side, context: Context<'_>) -> Vec<Finding> {
    if head.everywhere() {
        let fresh = !base.is_some_and(Side::everywhere);
        return fresh
            .then_some(Finding::Delivered {
                clusters: Vec::new(),
                everywhere: true,
                checked_live: false,
            })
            .into_iter()
            .collect();
    }
    if base.is_some_and(Side::everywhere) {
        return Vec::new();
    }
    let before = base
        .map(|b| b.placement.delivery.clone())
        .unwrap_or_default();
    let after = &head.placement.delivery;
    let new: BTreeSet<String> = after.difference(&before).cloned().collect();
    let running = context.running(&head.mcs.key);
    let withdrawn: Vec<String> = before
        .difference(after)
        .filter(|c| running.as_ref().is_none_or(|r| r.contains(*c)))
        .cloned()
        .collect();
    let mut out = Vec::new();
    match running {
        Some(running) => {
            let fresh: Vec<String> = new.difference(&running).cloned().collect();
            let already: Vec<String> = new.intersection(&running).cloned().collect();
            if !fresh.is_empty() {
                out.push(delivered(fresh, true));
            }
            if !already.is_empty() {
                out.push(Finding::AlreadyRunning { clusters: already });
            }
        }
        None if !new.is_empty() => out.push(delivered(new.into_iter().collect(), false)),
        None => {}
    }
    if !withdrawn.is_empty() {
        out.push(Finding::Withdrawn {
            clusters: withdrawn,
        });
    }
    out
}

fn delivered(clusters: Vec<String>, checked_live: bool) -> Finding {
    Finding::Delivered {
        clusters,
        everywhere: false,
        checked_live,
    }
}

/// Where a Service stays deployed once its MCS is gone: where it runs
/// today when known, else where the MCS placed it.
fn deployed(base: &Side, context: Context<'_>) -> Vec<String> {
    context
        .running(&base.mcs.key)
        .unwrap_or_else(|| base.placement.delivery.clone())
        .into_iter()
        .collect()
}

fn deleted(base: &Side, context: Context<'_>) -> Finding {
    Finding::Deleted {
        deployed: deployed(base, context),
        everywhere: context.live.is_none() && base.everywhere(),
    }
}

fn types(base: &Side, head: &Side) -> Option<Finding> {
    let names = |side: &Side| -> Vec<String> {
        side.mcs
            .types
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect()
    };
    (base.mcs.types != head.mcs.types).then(|| Finding::TypesChanged {
        from: names(base),
        to: names(head),
    })
}

fn deprecated(base: Option<&Side>, head: &Side) -> Option<Finding> {
    let fields = &head.mcs.deprecated;
    let changed = base.is_none_or(|b| &b.mcs.deprecated != fields);
    if !fields.any() || !changed {
        return None;
    }
    let names = [
        (fields.range_cluster_names.is_some(), "spec.range"),
        (
            fields.service_provision_clusters.is_some(),
            "spec.serviceProvisionClusters",
        ),
        (
            fields.service_consumption_clusters.is_some(),
            "spec.serviceConsumptionClusters",
        ),
    ];
    Some(Finding::Deprecated {
        fields: names
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, name)| name.to_owned())
            .collect(),
    })
}
