//! Builders for live federation state, made of the same JSON the API server
//! returns, so the readers in `plan::live` are exercised too.

#![allow(dead_code)]

use std::sync::Arc;

use mcs_gitops::manifest::ObjectKey;
use mcs_gitops::plan::live::{
    LiveBinding, LiveCluster, LiveEvent, LiveObject, LiveState, LiveWork,
};
use serde_json::{Value, json};

/// A live state under construction.
pub struct Live {
    /// The state.
    pub state: LiveState,
}

fn ready(status: bool, reason: &str, message: &str) -> Value {
    json!({"type": "Ready", "status": if status { "True" } else { "False" }, "reason": reason, "message": message, "lastTransitionTime": "2026-11-01T10:00:00Z"})
}

impl Live {
    /// Four Ready clusters running Kubernetes 1.30.
    pub fn new() -> Self {
        let mut live = Live {
            state: LiveState::default(),
        };
        for name in ["clustera", "clusterb", "clusterc", "clusterd"] {
            live = live.cluster(name, true, "v1.30.2");
        }
        live
    }

    /// Adds or replaces a cluster.
    pub fn cluster(mut self, name: &str, is_ready: bool, version: &str) -> Self {
        let object = json!({
            "metadata": {"name": name},
            "spec": {"syncMode": "Push"},
            "status": {"kubernetesVersion": version, "conditions": [ready(is_ready, if is_ready { "ClusterReady" } else { "ClusterNotReachable" }, if is_ready { "cluster is healthy and ready to accept workloads" } else { "cluster is not reachable" })]}
        });
        let cluster = LiveCluster::from_object(&object).unwrap();
        self.state.clusters.insert(name.to_owned(), cluster);
        self
    }

    /// A Service on the control plane.
    pub fn service(mut self, namespace: &str, name: &str) -> Self {
        self.state.services.insert(ObjectKey::new(namespace, name));
        self
    }

    /// A live MCS, as the server returns it after mcs-gitops applied `spec`.
    pub fn mcs(mut self, namespace: &str, name: &str, spec: Value, conditions: Value) -> Self {
        let object = json!({
            "apiVersion": "networking.karmada.io/v1alpha1",
            "kind": "MultiClusterService",
            "metadata": {
                "name": name, "namespace": namespace, "uid": format!("uid-{name}"), "resourceVersion": "100",
                "labels": {"app.kubernetes.io/managed-by": "mcs-gitops", "mcs-gitops.io/instance": "default", "multiclusterservice.karmada.io/permanent-id": "5e1c"},
                "annotations": {"mcs-gitops.io/source-file": format!("{namespace}/{name}.yaml"), "mcs-gitops.io/revision": "0123456789abcdef0123456789abcdef01234567"},
                "finalizers": ["karmada.io/multiclusterservice-controller"],
                "managedFields": [{"manager": "mcs-gitops", "operation": "Apply", "time": "2026-11-20T09:30:00Z", "fieldsV1": {}}]
            },
            "spec": spec,
            "status": {"conditions": conditions}
        });
        let mut object = object;
        object["metadata"]["managedFields"][0]["fieldsV1"] = ours(&object);
        let live = LiveObject::from_object(object, "default").unwrap();
        self.state.objects.insert(live.key.clone(), live);
        self
    }

    /// The ResourceBinding of a Service, scheduled and applied on `clusters`.
    pub fn binding(mut self, namespace: &str, name: &str, clusters: &[&str]) -> Self {
        let object = json!({
            "metadata": {"name": format!("{name}-service"), "namespace": namespace},
            "spec": {
                "resource": {"apiVersion": "v1", "kind": "Service", "namespace": namespace, "name": name},
                "placement": {"clusterAffinity": {"clusterNames": clusters}},
                "clusters": clusters.iter().map(|c| json!({"name": c})).collect::<Vec<_>>()
            },
            "status": {"aggregatedStatus": clusters.iter().map(|c| json!({"clusterName": c, "applied": true})).collect::<Vec<_>>()}
        });
        let (key, binding) = LiveBinding::from_object(&object).unwrap();
        self.state.bindings.insert(key, binding);
        self
    }

    fn work(
        mut self,
        cluster: &str,
        mcs: (&str, &str),
        manifest: Value,
        annotations: Value,
        applied: Option<bool>,
    ) -> Self {
        let conditions = match applied {
            Some(a) => {
                json!([{"type": "Applied", "status": if a { "True" } else { "False" }, "reason": if a { "AppliedSuccessful" } else { "AppliedFailed" }, "message": if a { "Manifest has been successfully applied" } else { "Failed to apply all manifests (0/1): namespaces \"shop\" not found" }}])
            }
            None => json!([]),
        };
        let object = json!({
            "metadata": {
                "name": format!("work-{}", self.state.works.len()),
                "namespace": format!("karmada-es-{cluster}"),
                "labels": {"multiclusterservice.karmada.io/namespace": mcs.0, "multiclusterservice.karmada.io/name": mcs.1},
                "annotations": annotations
            },
            "spec": {"workload": {"manifests": [manifest]}},
            "status": {"conditions": conditions}
        });
        self.state
            .works
            .push(Arc::new(LiveWork::from_object(&object).unwrap()));
        self
    }

    /// EndpointSlices of `mcs` collected from `provider`.
    pub fn collected(self, mcs: (&str, &str), provider: &str, endpoints: usize) -> Self {
        let slice = slice(mcs.1, endpoints);
        self.work(provider, mcs, slice, json!({}), Some(true))
    }

    /// EndpointSlices of `mcs` from `provider` dispatched to `consumer`.
    pub fn dispatched(
        self,
        mcs: (&str, &str),
        provider: &str,
        consumer: &str,
        endpoints: usize,
        applied: bool,
    ) -> Self {
        let slice = slice(mcs.1, endpoints);
        let annotations = json!({"endpointslice.karmada.io/provision-cluster": provider});
        self.work(consumer, mcs, slice, annotations, Some(applied))
    }

    /// An Event about an MCS.
    pub fn event(mut self, mcs: (&str, &str), kind: &str, reason: &str, message: &str) -> Self {
        let object = json!({
            "involvedObject": {"kind": "MultiClusterService", "namespace": mcs.0, "name": mcs.1},
            "type": kind, "reason": reason, "message": message, "lastTimestamp": "2026-11-20T09:31:00Z"
        });
        self.state
            .events
            .push(LiveEvent::from_object(&object).unwrap());
        self
    }
}

/// The fieldsV1 mcs-gitops owns after applying this object: its ownership
/// labels, source annotations and the whole spec.
fn ours(object: &Value) -> Value {
    let mut spec = serde_json::Map::new();
    for key in object["spec"].as_object().unwrap().keys() {
        spec.insert(format!("f:{key}"), json!({}));
    }
    json!({
        "f:metadata": {
            "f:labels": {"f:app.kubernetes.io/managed-by": {}, "f:mcs-gitops.io/instance": {}},
            "f:annotations": {"f:mcs-gitops.io/source-file": {}, "f:mcs-gitops.io/revision": {}}
        },
        "f:spec": spec
    })
}

fn slice(service: &str, endpoints: usize) -> Value {
    let list: Vec<Value> = (0..endpoints)
        .map(|i| json!({"addresses": [format!("10.0.0.{i}")], "conditions": {"ready": true}}))
        .collect();
    json!({
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": format!("{service}-abcde"), "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4", "endpoints": list
    })
}

/// Conditions Karmada sets on a healthy MCS.
pub fn healthy() -> Value {
    json!([
        {"type": "ServiceApplied", "status": "True", "reason": "ServiceAppliedSucceed", "message": "Service is propagated to target clusters.", "lastTransitionTime": "2026-11-20T09:30:05Z"},
        {"type": "EndpointSliceDispatched", "status": "True", "reason": "EndpointSliceDispatchedSucceed", "message": "EndpointSlice are dispatched successfully", "lastTransitionTime": "2026-11-20T09:30:07Z"}
    ])
}
