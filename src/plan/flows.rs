//! Desired versus live placement of each MCS: where its Service is
//! delivered, and which provider's endpoints reach which consumer.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use super::live::{Applied, Condition, ConditionStatus, LiveEvent, LiveState, LiveWork, WorkRole};
use super::placement::{Placement, SliceFlow, resolve};
use crate::manifest::{MultiClusterService, ObjectKey};

/// The state of one provider-to-consumer endpoint flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowState {
    /// Slices are dispatched to the consumer and applied there.
    InPlace,
    /// Wanted, and nothing explains why it is absent.
    Missing,
    /// Present, but Git does not want it.
    Unexpected,
    /// Wanted, and waiting for something named in the reason.
    Pending,
    /// Slices are still served to the consumer, but their provider is not
    /// Ready: Karmada keeps a NotReady cluster's endpoints (karmada#6255), so
    /// consumers may be sent to backends that are gone.
    Stale,
}

impl FlowState {
    /// How the state reads in tables.
    pub fn label(self) -> &'static str {
        match self {
            FlowState::InPlace => "in place",
            FlowState::Missing => "missing",
            FlowState::Unexpected => "unexpected",
            FlowState::Pending => "pending",
            FlowState::Stale => "stale",
        }
    }
}

/// One flow row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowStatus {
    /// Cluster whose endpoints flow.
    pub provider: String,
    /// Cluster that receives them.
    pub consumer: String,
    /// In place, missing, unexpected or pending.
    pub state: FlowState,
    /// Endpoints delivered, when slices are present.
    pub endpoints: Option<usize>,
    /// Why, when the state is not "in place".
    pub reason: Option<String>,
}

/// Where the Service itself is delivered, per cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStatus {
    /// Cluster name.
    pub cluster: String,
    /// Whether Git places the Service there (provider or consumer).
    pub desired: bool,
    /// Whether the control plane scheduled it there.
    pub scheduled: bool,
    /// Whether the member applied it, when reported.
    pub applied: Option<bool>,
}

/// Desired versus live placement of one MCS.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlacementStatus {
    /// The MCS.
    pub key: ObjectKey,
    /// The desired placement, resolved against today's clusters.
    pub desired: Placement,
    /// Service delivery per cluster.
    pub delivery: Vec<DeliveryStatus>,
    /// Endpoint flows.
    pub flows: Vec<FlowStatus>,
    /// Live conditions of the MCS, verbatim.
    pub conditions: Vec<Condition>,
    /// Warning events about the MCS, newest last.
    pub warnings: Vec<LiveEvent>,
}

/// Compares one MCS's desired placement with the live Works and binding.
/// `change_pending` says whether the object itself still has to be applied.
pub fn placement_status(
    mcs: &MultiClusterService,
    live: &LiveState,
    index: &LiveIndex<'_>,
    change_pending: bool,
) -> PlacementStatus {
    let clusters = live.cluster_names();
    let desired = resolve(mcs, Some(&clusters));
    let object = live.objects.get(&mcs.key);
    let conditions = object.map(|o| o.conditions.clone()).unwrap_or_default();
    let warnings: Vec<LiveEvent> = index
        .events_of(&mcs.key)
        .iter()
        .filter(|e| e.kind == "Warning")
        .map(|e| (*e).clone())
        .collect();
    let works = index.works_of(&mcs.key);
    let context = FlowContext {
        live,
        works,
        change_pending,
        conditions: &conditions,
        warnings: &warnings,
    };
    let flows = flow_statuses(&desired, &context);
    PlacementStatus {
        key: mcs.key.clone(),
        delivery: delivery_statuses(&mcs.key, &desired, live),
        desired,
        flows,
        conditions,
        warnings,
    }
}

fn delivery_statuses(
    key: &ObjectKey,
    desired: &Placement,
    live: &LiveState,
) -> Vec<DeliveryStatus> {
    let binding = live.bindings.get(key);
    let scheduled = binding.map(|b| b.scheduled.clone()).unwrap_or_default();
    let clusters: BTreeSet<&String> = desired.delivery.iter().chain(scheduled.iter()).collect();
    clusters
        .into_iter()
        .map(|cluster| DeliveryStatus {
            cluster: cluster.clone(),
            desired: desired.delivery.contains(cluster),
            scheduled: scheduled.contains(cluster),
            applied: binding.and_then(|b| b.applied.get(cluster).copied()),
        })
        .collect()
}

struct LiveFlow {
    endpoints: usize,
    applied: bool,
    message: Option<String>,
}

fn live_flows(works: &[Arc<LiveWork>]) -> BTreeMap<SliceFlow, LiveFlow> {
    let mut flows: BTreeMap<SliceFlow, LiveFlow> = BTreeMap::new();
    for work in works {
        let WorkRole::Dispatched {
            provider,
            endpoints,
        } = &work.role
        else {
            continue;
        };
        let flow = SliceFlow {
            provider: provider.clone(),
            consumer: work.cluster.clone(),
        };
        let entry = flows.entry(flow).or_insert(LiveFlow {
            endpoints: 0,
            applied: true,
            message: None,
        });
        entry.endpoints += endpoints;
        if !work.is_applied() {
            entry.applied = false;
            if let Applied::No { message } = &work.applied {
                entry.message = message.clone();
            }
        }
    }
    flows
}

/// What every flow of one MCS is judged against.
struct FlowContext<'a> {
    live: &'a LiveState,
    works: &'a [Arc<LiveWork>],
    change_pending: bool,
    conditions: &'a [Condition],
    warnings: &'a [LiveEvent],
}

fn flow_statuses(desired: &Placement, context: &FlowContext<'_>) -> Vec<FlowStatus> {
    let (live, change_pending, warnings) = (context.live, context.change_pending, context.warnings);
    let mut present = live_flows(context.works);
    let mut rows = Vec::new();
    for flow in &desired.flows {
        let found = present.remove(flow);
        if let Some((role, reason)) = cluster_not_ready(flow, live, warnings) {
            let endpoints = found.map(|f| f.endpoints);
            let state = match (role, endpoints) {
                (Role::Provider, Some(n)) if n > 0 => FlowState::Stale,
                _ => FlowState::Pending,
            };
            let reason = match state {
                FlowState::Stale => format!(
                    "stale: {reason}; Karmada keeps serving its endpoints to {}",
                    flow.consumer
                ),
                _ => reason,
            };
            rows.push(status(flow, state, endpoints, Some(reason)));
            continue;
        }
        let row = match found {
            Some(found) if found.applied => {
                status(flow, FlowState::InPlace, Some(found.endpoints), None)
            }
            Some(found) => {
                let reason = found.message.unwrap_or_else(|| {
                    format!("slices dispatched, not yet applied in {}", flow.consumer)
                });
                status(
                    flow,
                    FlowState::Pending,
                    Some(found.endpoints),
                    Some(reason),
                )
            }
            None => absent(flow, context),
        };
        rows.push(row);
    }
    for (flow, found) in present {
        let reason = if change_pending {
            "withdrawn once the change is applied"
        } else {
            "Git does not route these endpoints here"
        };
        rows.push(status(
            &flow,
            FlowState::Unexpected,
            Some(found.endpoints),
            Some(reason.to_owned()),
        ));
    }
    rows
}

fn status(
    flow: &SliceFlow,
    state: FlowState,
    endpoints: Option<usize>,
    reason: Option<String>,
) -> FlowStatus {
    FlowStatus {
        provider: flow.provider.clone(),
        consumer: flow.consumer.clone(),
        state,
        endpoints,
        reason,
    }
}

/// Why a flow cannot be trusted while one of its clusters is not Ready:
/// Karmada keeps slices it dispatched earlier, but they are no longer kept
/// up to date. Names Karmada's own reason and its latest event about it.
/// Which end of a flow a cluster is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Provider,
    Consumer,
}

fn cluster_not_ready(
    flow: &SliceFlow,
    live: &LiveState,
    warnings: &[LiveEvent],
) -> Option<(Role, String)> {
    let (role, cluster) = [
        (Role::Provider, &flow.provider),
        (Role::Consumer, &flow.consumer),
    ]
    .into_iter()
    .find(|(_, name)| live.clusters.get(*name).is_some_and(|c| !c.is_ready()))?;
    let ready = live.clusters.get(cluster)?.ready.as_ref();
    let since = ready
        .and_then(|r| r.last_transition_time.as_deref())
        .map(|t| format!(" since {t}"))
        .unwrap_or_default();
    let why = ready
        .map(|r| match (&r.reason, &r.message) {
            (Some(reason), Some(message)) => format!("{reason}: {message}"),
            (reason, message) => message.clone().or(reason.clone()).unwrap_or_default(),
        })
        .unwrap_or_else(|| "no Ready condition reported".to_owned());
    let event = warnings
        .iter()
        .rev()
        .find(|e| e.message.contains(cluster.as_str()))
        .map(|e| format!("; Karmada: {}: {}", e.reason, e.message))
        .unwrap_or_default();
    let name = match role {
        Role::Provider => "provider",
        Role::Consumer => "consumer",
    };
    Some((
        role,
        format!("{name} {cluster} is not Ready{since} ({why}){event}"),
    ))
}

fn absent(flow: &SliceFlow, context: &FlowContext<'_>) -> FlowStatus {
    let (conditions, warnings) = (context.conditions, context.warnings);
    let pending = |reason: String| status(flow, FlowState::Pending, None, Some(reason));
    if context.change_pending {
        return pending("waiting for the MultiClusterService to be applied".to_owned());
    }
    if conditions.is_empty() && context.works.is_empty() {
        return pending(
            "Karmada has not processed this MultiClusterService (no status, no Works): is karmada-controller-manager running with --feature-gates=MultiClusterService=true?"
                .to_owned(),
        );
    }
    if let Some(failed) = conditions
        .iter()
        .find(|c| c.status == ConditionStatus::False)
    {
        let detail = failed
            .message
            .clone()
            .or(failed.reason.clone())
            .unwrap_or_default();
        return pending(format!("{} is False: {detail}", failed.kind));
    }
    let collected = context
        .works
        .iter()
        .any(|w| w.cluster == flow.provider && matches!(w.role, WorkRole::Collected { .. }));
    if !collected {
        return pending(format!(
            "no EndpointSlices collected from {} yet (does the workload run there?)",
            flow.provider
        ));
    }
    let reason = warnings
        .iter()
        .rev()
        .find(|e| e.message.contains(&flow.provider) || e.message.contains(&flow.consumer))
        .map(|e| format!("{}: {}", e.reason, e.message));
    status(flow, FlowState::Missing, None, reason)
}

/// The live state's Works and Events grouped by MCS, so each placement
/// finds its own in constant time instead of scanning them all.
///
/// Works come sorted by MCS from the live state (as both readers of the
/// federation produce them), so grouping them is one pass over runs of the
/// same MCS; an unsorted list is sorted first.
#[derive(Debug, Default)]
pub struct LiveIndex<'a> {
    sorted: Cow<'a, [Arc<LiveWork>]>,
    works: HashMap<ObjectKey, Range<usize>>,
    events: HashMap<&'a ObjectKey, Vec<&'a LiveEvent>>,
}

impl<'a> LiveIndex<'a> {
    /// Groups the live state's Works and Events.
    pub fn new(live: &'a LiveState) -> Self {
        let sorted: Cow<'a, [Arc<LiveWork>]> = if live.works.is_sorted_by(|a, b| a.mcs <= b.mcs) {
            Cow::Borrowed(&live.works)
        } else {
            let mut works = live.works.clone();
            works.sort_by(|a, b| (&a.mcs, &a.cluster).cmp(&(&b.mcs, &b.cluster)));
            Cow::Owned(works)
        };
        let mut works = HashMap::new();
        let mut start = 0;
        for (i, work) in sorted.iter().enumerate() {
            let next = sorted.get(i + 1);
            if next.is_none_or(|n| n.mcs != work.mcs) {
                works.insert(work.mcs.clone(), start..i + 1);
                start = i + 1;
            }
        }
        let mut events: HashMap<&'a ObjectKey, Vec<&'a LiveEvent>> = HashMap::new();
        for event in &live.events {
            events.entry(&event.mcs).or_default().push(event);
        }
        LiveIndex {
            sorted,
            works,
            events,
        }
    }

    /// The Works of one MCS.
    pub fn works_of(&self, key: &ObjectKey) -> &[Arc<LiveWork>] {
        self.works
            .get(key)
            .map_or(&[], |range| &self.sorted[range.clone()])
    }

    /// The Events of one MCS, oldest first.
    pub fn events_of(&self, key: &ObjectKey) -> &[&'a LiveEvent] {
        self.events.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn work(mcs: &str, cluster: &str) -> Arc<LiveWork> {
        let object = json!({
            "metadata": {
                "namespace": format!("karmada-es-{cluster}"),
                "labels": {
                    "multiclusterservice.karmada.io/namespace": "shop",
                    "multiclusterservice.karmada.io/name": mcs,
                },
            },
            "spec": {"workload": {"manifests": [{"kind": "EndpointSlice", "endpoints": [{}]}]}},
        });
        Arc::new(LiveWork::from_object(&object).expect("a Work of an MCS"))
    }

    fn clusters_of(index: &LiveIndex<'_>, mcs: &str) -> Vec<String> {
        let key = ObjectKey::new("shop", mcs);
        index
            .works_of(&key)
            .iter()
            .map(|w| w.cluster.clone())
            .collect()
    }

    #[test]
    fn works_are_grouped_by_mcs_whether_or_not_they_come_sorted() {
        let unsorted = vec![
            work("cart", "c2"),
            work("api", "c1"),
            work("cart", "c1"),
            work("web", "c3"),
            work("api", "c3"),
        ];
        let mut sorted = unsorted.clone();
        sorted.sort_by(|a, b| (&a.mcs, &a.cluster).cmp(&(&b.mcs, &b.cluster)));
        for works in [unsorted, sorted] {
            let live = LiveState {
                works,
                ..LiveState::default()
            };
            let index = LiveIndex::new(&live);
            assert_eq!(clusters_of(&index, "api"), ["c1", "c3"]);
            assert_eq!(clusters_of(&index, "cart"), ["c1", "c2"]);
            assert_eq!(clusters_of(&index, "web"), ["c3"]);
            assert!(clusters_of(&index, "none").is_empty());
        }
    }
}
