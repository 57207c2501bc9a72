//! The validated MultiClusterService, in terms a user thinks in.
//!
//! A [`MultiClusterService`] only exists once its document passed every
//! per-document rule; it keeps where each cluster name was written so that
//! later checks (inventory, tenancy) can still point at the line.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::diagnostic::Location;
pub use super::key::ObjectKey;

/// The API group and version of MultiClusterService.
pub const API_VERSION: &str = "networking.karmada.io/v1alpha1";
/// The kind of MultiClusterService.
pub const KIND: &str = "MultiClusterService";

/// How a Service is exposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ExposureType {
    /// Service discovery across clusters: endpoints of providers are synced to consumers.
    CrossCluster,
    /// Exposure through a cloud load balancer.
    LoadBalancer,
}

impl ExposureType {
    /// Parses the API spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CrossCluster" => Some(ExposureType::CrossCluster),
            "LoadBalancer" => Some(ExposureType::LoadBalancer),
            _ => None,
        }
    }

    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ExposureType::CrossCluster => "CrossCluster",
            ExposureType::LoadBalancer => "LoadBalancer",
        }
    }
}

impl fmt::Display for ExposureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value together with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    #[serde(skip)]
    pub location: Location,
}

/// One exposed port.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Port {
    /// Optional name, a DNS-1123 label.
    pub name: Option<String>,
    /// Port number, 1..65535.
    pub port: u16,
}

/// Fields Karmada no longer reads, kept so they are applied as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeprecatedFields {
    /// `spec.range.clusterNames` (`Some(vec![])` for an empty `range`).
    pub range_cluster_names: Option<Vec<Located<String>>>,
    /// `spec.serviceProvisionClusters`.
    pub service_provision_clusters: Option<Vec<Located<String>>>,
    /// `spec.serviceConsumptionClusters`.
    pub service_consumption_clusters: Option<Vec<Located<String>>>,
}

impl DeprecatedFields {
    /// Whether any deprecated field is set.
    pub fn any(&self) -> bool {
        self.range_cluster_names.is_some()
            || self.service_provision_clusters.is_some()
            || self.service_consumption_clusters.is_some()
    }
}

/// A MultiClusterService that passed every per-document rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiClusterService {
    /// Namespace and name.
    pub key: ObjectKey,
    /// Where the document starts.
    #[serde(skip)]
    pub origin: Location,
    /// `spec.types`, in the written order (Karmada compares it as a list).
    pub types: Vec<ExposureType>,
    /// `spec.ports`.
    pub ports: Vec<Port>,
    /// `spec.providerClusters`; empty means every cluster, including future ones.
    pub provider_clusters: Vec<Located<String>>,
    /// `spec.consumerClusters`; empty means every cluster, including future ones.
    pub consumer_clusters: Vec<Located<String>>,
    /// `metadata.labels` as written.
    pub labels: BTreeMap<String, String>,
    /// `metadata.annotations` as written.
    pub annotations: BTreeMap<String, String>,
    /// Deprecated fields, as written.
    pub deprecated: DeprecatedFields,
}

impl MultiClusterService {
    /// Provider cluster names in written order.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.provider_clusters.iter().map(|c| c.value.as_str())
    }

    /// Consumer cluster names in written order.
    pub fn consumers(&self) -> impl Iterator<Item = &str> {
        self.consumer_clusters.iter().map(|c| c.value.as_str())
    }

    /// The object as it is sent to the API: only the fields the user wrote,
    /// in canonical form (empty lists omitted, since empty and absent mean the
    /// same to Karmada).
    pub fn to_manifest(&self) -> Value {
        let mut metadata = Map::new();
        metadata.insert("name".into(), json!(self.key.name));
        metadata.insert("namespace".into(), json!(self.key.namespace));
        if !self.labels.is_empty() {
            metadata.insert("labels".into(), json!(self.labels));
        }
        if !self.annotations.is_empty() {
            metadata.insert("annotations".into(), json!(self.annotations));
        }
        json!({
            "apiVersion": API_VERSION,
            "kind": KIND,
            "metadata": metadata,
            "spec": self.spec_json(),
        })
    }

    fn spec_json(&self) -> Value {
        let mut spec = Map::new();
        let types: Vec<&str> = self.types.iter().map(|t| t.as_str()).collect();
        spec.insert("types".into(), json!(types));
        if !self.ports.is_empty() {
            let ports: Vec<Value> = self
                .ports
                .iter()
                .map(|p| match &p.name {
                    Some(name) => json!({"name": name, "port": p.port}),
                    None => json!({"port": p.port}),
                })
                .collect();
            spec.insert("ports".into(), Value::Array(ports));
        }
        for (field, list) in [
            ("providerClusters", &self.provider_clusters),
            ("consumerClusters", &self.consumer_clusters),
        ] {
            if !list.is_empty() {
                let names: Vec<Value> = list.iter().map(|c| json!({"name": c.value})).collect();
                spec.insert(field.into(), Value::Array(names));
            }
        }
        let deprecated = &self.deprecated;
        fn names(list: &[Located<String>]) -> Vec<&str> {
            list.iter().map(|n| n.value.as_str()).collect()
        }
        if let Some(list) = &deprecated.range_cluster_names {
            spec.insert("range".into(), json!({"clusterNames": names(list)}));
        }
        if let Some(list) = &deprecated.service_provision_clusters {
            spec.insert("serviceProvisionClusters".into(), json!(names(list)));
        }
        if let Some(list) = &deprecated.service_consumption_clusters {
            spec.insert("serviceConsumptionClusters".into(), json!(names(list)));
        }
        Value::Object(spec)
    }
}
