//! The YAML shape of a MultiClusterService document, as serde reads it.
//!
//! Every leaf that a rule may point at is [`Spanned`], so diagnostics can name
//! the line and column. Unknown fields are rejected by serde itself, which
//! gives their location too. Fields the user must not write (server-owned
//! metadata, `status`) are still accepted here, so that the validator can
//! explain them instead of serde calling them "unknown".

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::Spanned;

/// The first fields of any Kubernetes document: enough to tell what it is.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentHead {
    /// `apiVersion`, if present.
    pub api_version: Option<Spanned<String>>,
    /// `kind`, if present.
    pub kind: Option<Spanned<String>>,
}

/// A whole MultiClusterService document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct McsDocument {
    /// `apiVersion`.
    pub api_version: Option<Spanned<String>>,
    /// `kind`.
    pub kind: Option<Spanned<String>>,
    /// `metadata`.
    pub metadata: Option<Spanned<MetadataDocument>>,
    /// `spec`.
    pub spec: Option<Spanned<SpecDocument>>,
    /// `status`: owned by the API server, an error in Git.
    pub status: Option<Spanned<IgnoredAny>>,
}

/// `metadata` of a document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetadataDocument {
    /// `metadata.name`.
    pub name: Option<Spanned<String>>,
    /// `metadata.namespace`.
    pub namespace: Option<Spanned<String>>,
    /// `metadata.labels`.
    pub labels: Option<BTreeMap<String, String>>,
    /// `metadata.annotations`.
    pub annotations: Option<BTreeMap<String, String>>,
    /// Server-owned: an error in Git.
    pub uid: Option<Spanned<IgnoredAny>>,
    /// Server-owned: an error in Git.
    pub resource_version: Option<Spanned<IgnoredAny>>,
    /// Server-owned: an error in Git.
    pub generation: Option<Spanned<IgnoredAny>>,
    /// Server-owned: an error in Git.
    pub creation_timestamp: Option<Spanned<IgnoredAny>>,
    /// Server-owned: an error in Git.
    pub managed_fields: Option<Spanned<IgnoredAny>>,
    /// Server-owned: an error in Git.
    pub deletion_timestamp: Option<Spanned<IgnoredAny>>,
    /// Server-owned: an error in Git.
    pub self_link: Option<Spanned<IgnoredAny>>,
}

/// `spec` of a MultiClusterService.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SpecDocument {
    /// `spec.types`.
    pub types: Option<Spanned<Vec<Spanned<String>>>>,
    /// `spec.ports`.
    pub ports: Option<Spanned<Vec<Spanned<PortDocument>>>>,
    /// `spec.providerClusters`; empty or absent means all clusters.
    pub provider_clusters: Option<Spanned<Vec<Spanned<ClusterDocument>>>>,
    /// `spec.consumerClusters`; empty or absent means all clusters.
    pub consumer_clusters: Option<Spanned<Vec<Spanned<ClusterDocument>>>>,
    /// Deprecated `spec.range`.
    pub range: Option<Spanned<RangeDocument>>,
    /// Deprecated `spec.serviceProvisionClusters`.
    pub service_provision_clusters: Option<Spanned<Vec<String>>>,
    /// Deprecated `spec.serviceConsumptionClusters`.
    pub service_consumption_clusters: Option<Spanned<Vec<String>>>,
}

/// One entry of `spec.ports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortDocument {
    /// Port name; optional.
    pub name: Option<Spanned<String>>,
    /// Port number; checked for 1..65535 by the validator, so it is wide here.
    pub port: Spanned<i64>,
}

/// One entry of `providerClusters` or `consumerClusters`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDocument {
    /// The cluster's name.
    pub name: Spanned<String>,
}

/// Deprecated `spec.range`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RangeDocument {
    /// `spec.range.clusterNames`.
    pub cluster_names: Option<Vec<String>>,
}
