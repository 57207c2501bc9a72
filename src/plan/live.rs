//! The live state of the federation, as plain data, and the pure functions
//! that read it out of API objects.
//!
//! The `federation` layer lists objects; everything it learns from them is
//! decided here, where it can be tested without a server.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::fields::{Fingerprint, owned_fingerprint};
use super::ownership::{
    FIELD_MANAGER, Ownership, REVISION_ANNOTATION, SOURCE_ANNOTATION, SOURCE_FILE_ANNOTATION,
    prune_disabled,
};
use crate::manifest::{ExposureType, ObjectKey};

/// Label Karmada puts on Works of an MCS: its namespace.
pub const WORK_MCS_NAMESPACE_LABEL: &str = "multiclusterservice.karmada.io/namespace";
/// Label Karmada puts on Works of an MCS: its name.
pub const WORK_MCS_NAME_LABEL: &str = "multiclusterservice.karmada.io/name";
/// Annotation on dispatched slice Works naming the provider cluster.
pub const PROVISION_CLUSTER_ANNOTATION: &str = "endpointslice.karmada.io/provision-cluster";
/// Prefix of the per-cluster execution namespaces.
pub const EXECUTION_SPACE_PREFIX: &str = "karmada-es-";

/// The status of a condition, as Kubernetes spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ConditionStatus {
    /// `True`.
    True,
    /// `False`.
    False,
    /// `Unknown`, or any other value.
    Unknown,
}

impl ConditionStatus {
    /// Reads the API spelling; anything but `True` or `False` is unknown.
    pub fn parse(text: &str) -> Self {
        match text {
            "True" => ConditionStatus::True,
            "False" => ConditionStatus::False,
            _ => ConditionStatus::Unknown,
        }
    }
}

/// A status condition, verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type, e.g. `ServiceApplied`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `True`, `False` or `Unknown`.
    pub status: ConditionStatus,
    /// Machine-readable reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the status last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
}

impl Condition {
    /// Reads `status.conditions` of an object.
    pub fn list(object: &Value) -> Vec<Condition> {
        let text = |c: &Value, key: &str| c.get(key).and_then(Value::as_str).map(str::to_owned);
        object
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .map(|conditions| {
                conditions
                    .iter()
                    .map(|c| Condition {
                        kind: text(c, "type").unwrap_or_default(),
                        status: ConditionStatus::parse(
                            c.get("status").and_then(Value::as_str).unwrap_or_default(),
                        ),
                        reason: text(c, "reason"),
                        message: text(c, "message"),
                        last_transition_time: text(c, "lastTransitionTime"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the condition is True.
    pub fn is_true(&self) -> bool {
        self.status == ConditionStatus::True
    }
}

fn find_condition<'a>(conditions: &'a [Condition], kind: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.kind == kind)
}

/// A member cluster as the control plane reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveCluster {
    /// Cluster name.
    pub name: String,
    /// The Ready condition, if reported.
    pub ready: Option<Condition>,
    /// `status.kubernetesVersion`.
    pub kubernetes_version: Option<String>,
    /// `spec.syncMode` (Push or Pull).
    pub sync_mode: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `metadata.creationTimestamp`: when the cluster joined.
    pub joined: Option<String>,
}

impl LiveCluster {
    /// Reads a `cluster.karmada.io/v1alpha1` Cluster.
    pub fn from_object(object: &Value) -> Option<Self> {
        let name = object.pointer("/metadata/name")?.as_str()?.to_owned();
        let conditions = Condition::list(object);
        Some(LiveCluster {
            name,
            ready: find_condition(&conditions, "Ready").cloned(),
            kubernetes_version: str_at(object, "/status/kubernetesVersion"),
            sync_mode: str_at(object, "/spec/syncMode"),
            labels: map_at(object, "/metadata/labels")
                .map(|labels| {
                    labels
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default(),
            joined: str_at(object, "/metadata/creationTimestamp"),
        })
    }

    /// Whether the cluster is Ready.
    pub fn is_ready(&self) -> bool {
        self.ready.as_ref().is_some_and(Condition::is_true)
    }
}

fn str_at(object: &Value, pointer: &str) -> Option<String> {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn map_at<'a>(object: &'a Value, pointer: &str) -> Option<&'a Map<String, Value>> {
    object.pointer(pointer).and_then(Value::as_object)
}

/// A live MultiClusterService, reduced to what planning and reporting need.
///
/// The whole object is kept only when asked for (to show diffs); the
/// daemon keeps thousands of these in memory and needs only the
/// fingerprint of the fields mcs-gitops owns to know whether an apply would
/// change anything.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveObject {
    /// Namespace and name.
    pub key: ObjectKey,
    /// The whole object as the server returned it, when kept.
    #[serde(skip)]
    pub object: Option<Value>,
    /// Fingerprint of the fields mcs-gitops owns and their values
    /// (see [`super::fields::owned_fingerprint`]); `None` if it owns none.
    #[serde(skip)]
    pub fingerprint: Option<Fingerprint>,
    /// Who owns it.
    pub ownership: Ownership,
    /// Whether the `mcs-gitops.io/prune: disabled` annotation is set.
    pub prune_disabled: bool,
    /// `metadata.uid`, for delete preconditions.
    pub uid: Option<String>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<String>,
    /// `spec.types` as stored, in order (a type Karmada's webhook would
    /// never have admitted is left out).
    pub types: Vec<ExposureType>,
    /// `spec.providerClusters[].name` as stored.
    pub providers: Vec<String>,
    /// `spec.consumerClusters[].name` as stored.
    pub consumers: Vec<String>,
    /// `status.conditions`, verbatim.
    pub conditions: Vec<Condition>,
    /// Whether deletion has started.
    pub deleting: bool,
    /// Field managers that wrote it.
    pub managers: BTreeSet<String>,
    /// The `mcs-gitops.io/revision` annotation: the revision that last changed it.
    pub revision: Option<String>,
    /// The `mcs-gitops.io/source-file` annotation: the file that defines it.
    pub source_file: Option<String>,
    /// The `mcs-gitops.io/source` annotation: the daemon's Git source.
    pub source: Option<String>,
    /// When mcs-gitops last changed it, as the API server recorded it.
    pub applied_at: Option<String>,
}

/// Whether to keep whole objects (for diffs) or only what planning needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Keep the whole object.
    Whole,
    /// Keep only the reduced form.
    Reduced,
}

fn strings_at(object: &Value, pointer: &str, field: Option<&str>) -> Vec<String> {
    object
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| match field {
                    Some(f) => i.get(f)?.as_str(),
                    None => i.as_str(),
                })
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

impl LiveObject {
    /// Reads a live MCS; `instance` decides which ownership label is ours.
    pub fn from_object(object: Value, instance: &str) -> Option<Self> {
        Self::read(object, instance, Keep::Whole)
    }

    /// Reads a live MCS, keeping the whole object or not.
    pub fn read(object: Value, instance: &str, keep: Keep) -> Option<Self> {
        let key = ObjectKey::new(
            object.pointer("/metadata/namespace")?.as_str()?,
            object.pointer("/metadata/name")?.as_str()?,
        );
        let empty = Map::new();
        let labels = map_at(&object, "/metadata/labels").unwrap_or(&empty);
        let annotations = map_at(&object, "/metadata/annotations").unwrap_or(&empty);
        let managed = object
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array);
        let managers = managed
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| e.get("manager").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let applied_at = managed.and_then(|entries| {
            entries
                .iter()
                .find(|m| m.get("manager").and_then(Value::as_str) == Some(FIELD_MANAGER))?
                .get("time")?
                .as_str()
                .map(str::to_owned)
        });
        let live = LiveObject {
            ownership: Ownership::of(labels, instance),
            prune_disabled: prune_disabled(annotations),
            uid: str_at(&object, "/metadata/uid"),
            resource_version: str_at(&object, "/metadata/resourceVersion"),
            types: strings_at(&object, "/spec/types", None)
                .iter()
                .filter_map(|t| ExposureType::parse(t))
                .collect(),
            providers: strings_at(&object, "/spec/providerClusters", Some("name")),
            consumers: strings_at(&object, "/spec/consumerClusters", Some("name")),
            conditions: Condition::list(&object),
            deleting: object.pointer("/metadata/deletionTimestamp").is_some(),
            fingerprint: owned_fingerprint(&object),
            managers,
            revision: annotations
                .get(REVISION_ANNOTATION)
                .and_then(Value::as_str)
                .map(str::to_owned),
            source_file: annotations
                .get(SOURCE_FILE_ANNOTATION)
                .and_then(Value::as_str)
                .map(str::to_owned),
            source: annotations
                .get(SOURCE_ANNOTATION)
                .and_then(Value::as_str)
                .map(str::to_owned),
            applied_at,
            key,
            object: None,
        };
        Some(LiveObject {
            object: (keep == Keep::Whole).then_some(object),
            ..live
        })
    }

    /// The field managers other than `except` that wrote this object.
    pub fn managers(&self, except: &str) -> BTreeSet<String> {
        self.managers
            .iter()
            .filter(|m| *m != except)
            .cloned()
            .collect()
    }
}

/// Where the control plane places a Service (its ResourceBinding).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveBinding {
    /// `spec.placement.clusterAffinity.clusterNames`: where it should go.
    pub intended: BTreeSet<String>,
    /// `spec.clusters[].name`: where it was scheduled.
    pub scheduled: BTreeSet<String>,
    /// `status.aggregatedStatus[]`: cluster to whether it was applied there.
    pub applied: BTreeMap<String, bool>,
}

impl LiveBinding {
    /// Reads a `work.karmada.io/v1alpha2` ResourceBinding; returns the key of
    /// the Service it binds, if it binds a Service.
    pub fn from_object(object: &Value) -> Option<(ObjectKey, Self)> {
        let kind = object.pointer("/spec/resource/kind")?.as_str()?;
        if kind != "Service" {
            return None;
        }
        let key = ObjectKey::new(
            object.pointer("/spec/resource/namespace")?.as_str()?,
            object.pointer("/spec/resource/name")?.as_str()?,
        );
        let names = |pointer: &str, field: &str| -> BTreeSet<String> {
            object
                .pointer(pointer)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| {
                            if field.is_empty() {
                                i.as_str()
                            } else {
                                i.get(field)?.as_str()
                            }
                        })
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let applied = object
            .pointer("/status/aggregatedStatus")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| {
                        let cluster = i.get("clusterName")?.as_str()?.to_owned();
                        Some((
                            cluster,
                            i.get("applied").and_then(Value::as_bool).unwrap_or(false),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let binding = LiveBinding {
            intended: names("/spec/placement/clusterAffinity/clusterNames", ""),
            scheduled: names("/spec/clusters", "name"),
            applied,
        };
        Some((key, binding))
    }
}

/// What a Work of an MCS stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "camelCase", tag = "role")]
pub enum WorkRole {
    /// The MCS marker in a provider's execution space: the cluster is an active provider.
    Marker,
    /// EndpointSlices collected from this cluster.
    Collected {
        /// Endpoints in the collected slices.
        endpoints: usize,
    },
    /// EndpointSlices dispatched to this cluster from `provider`.
    Dispatched {
        /// The cluster the endpoints come from.
        provider: String,
        /// Endpoints in the dispatched slices.
        endpoints: usize,
    },
}

/// A Work that belongs to an MCS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveWork {
    /// The member cluster (the execution namespace minus its prefix).
    pub cluster: String,
    /// The MCS it belongs to.
    pub mcs: ObjectKey,
    /// What it stands for.
    pub role: WorkRole,
    /// Whether the member cluster applied it.
    pub applied: Applied,
}

/// The `Applied` condition of a Work, reduced to what reports use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "camelCase", tag = "state")]
pub enum Applied {
    /// `Applied=True`.
    Yes,
    /// `Applied=False` or `Unknown`, with the member's message.
    No {
        /// Why, as the Work's condition says.
        message: Option<String>,
    },
    /// No `Applied` condition yet.
    NotReported,
}

impl LiveWork {
    /// Reads a `work.karmada.io/v1alpha1` Work labelled for an MCS.
    pub fn from_object(object: &Value) -> Option<Self> {
        let labels = map_at(object, "/metadata/labels")?;
        let label = |k: &str| labels.get(k).and_then(Value::as_str);
        let mcs = ObjectKey::new(
            label(WORK_MCS_NAMESPACE_LABEL)?,
            label(WORK_MCS_NAME_LABEL)?,
        );
        let namespace = object.pointer("/metadata/namespace")?.as_str()?;
        let cluster = namespace.strip_prefix(EXECUTION_SPACE_PREFIX)?.to_owned();
        let manifests = object
            .pointer("/spec/workload/manifests")
            .and_then(Value::as_array)?;
        let kind = manifests.first()?.get("kind")?.as_str()?;
        let endpoints = manifests
            .iter()
            .filter_map(|m| m.get("endpoints").and_then(Value::as_array))
            .map(Vec::len)
            .sum();
        let provider = map_at(object, "/metadata/annotations")
            .and_then(|a| a.get(PROVISION_CLUSTER_ANNOTATION))
            .and_then(Value::as_str);
        let role = match (kind, provider) {
            ("MultiClusterService", _) => WorkRole::Marker,
            ("EndpointSlice", None) => WorkRole::Collected { endpoints },
            ("EndpointSlice", Some(provider)) => WorkRole::Dispatched {
                provider: provider.to_owned(),
                endpoints,
            },
            _ => return None,
        };
        let conditions = Condition::list(object);
        let applied = match find_condition(&conditions, "Applied") {
            Some(c) if c.is_true() => Applied::Yes,
            Some(c) => Applied::No {
                message: c.message.clone().or(c.reason.clone()),
            },
            None => Applied::NotReported,
        };
        Some(LiveWork {
            cluster,
            mcs,
            role,
            applied,
        })
    }

    /// Whether the member cluster applied the Work.
    pub fn is_applied(&self) -> bool {
        self.applied == Applied::Yes
    }
}

/// An Event about an MCS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveEvent {
    /// The MCS concerned.
    pub mcs: ObjectKey,
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Reason, e.g. `ClusterNotFound`.
    pub reason: String,
    /// Message.
    pub message: String,
    /// When it last happened.
    pub last_seen: Option<String>,
}

impl LiveEvent {
    /// Reads a core/v1 Event whose involved object is an MCS.
    pub fn from_object(object: &Value) -> Option<Self> {
        let involved = object.get("involvedObject")?;
        if involved.get("kind")?.as_str()? != "MultiClusterService" {
            return None;
        }
        let mcs = ObjectKey::new(
            involved.get("namespace")?.as_str()?,
            involved.get("name")?.as_str()?,
        );
        Some(LiveEvent {
            mcs,
            kind: str_at(object, "/type").unwrap_or_default(),
            reason: str_at(object, "/reason").unwrap_or_default(),
            message: str_at(object, "/message").unwrap_or_default(),
            last_seen: str_at(object, "/lastTimestamp").or_else(|| str_at(object, "/eventTime")),
        })
    }
}

/// Everything the plan needs to know about the federation.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LiveState {
    /// Member clusters by name.
    pub clusters: BTreeMap<String, LiveCluster>,
    /// MultiClusterService objects in scope, by key.
    pub objects: BTreeMap<ObjectKey, LiveObject>,
    /// Services that exist on the control plane.
    pub services: BTreeSet<ObjectKey>,
    /// Service placements, by Service key.
    pub bindings: BTreeMap<ObjectKey, LiveBinding>,
    /// Works of MultiClusterServices, grouped by MCS and cluster. Shared
    /// with the daemon's watched state: a snapshot of 100,000 Works copies
    /// pointers, not Works.
    pub works: Vec<Arc<LiveWork>>,
    /// Events about MultiClusterServices, oldest first.
    pub events: Vec<LiveEvent>,
    /// Whether placement (bindings, Works, Events) was left unread: then
    /// a plan says nothing about placement.
    #[serde(skip)]
    pub objects_only: bool,
}

impl LiveState {
    /// The names of today's clusters.
    pub fn cluster_names(&self) -> BTreeSet<String> {
        self.clusters.keys().cloned().collect()
    }

    /// Puts Works and Events in their one order, whatever order they were
    /// read in: Works by MCS and cluster, Events oldest first, ties broken
    /// by content, so that a list, a watch and a daemon's document give
    /// the same plan.
    pub fn sort_placement(&mut self) {
        self.works.sort_by(|a, b| {
            (&a.mcs, &a.cluster, &a.role, &a.applied)
                .cmp(&(&b.mcs, &b.cluster, &b.role, &b.applied))
        });
        self.events.sort_by(|a, b| {
            let key = |e: &LiveEvent| {
                (
                    e.last_seen.clone(),
                    e.mcs.clone(),
                    e.kind.clone(),
                    e.reason.clone(),
                    e.message.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
    }
}
