//! The YAML shape of a MultiClusterService document, as serde reads it.
//!
//! Every leaf that a rule may point at is [`Spanned`], so diagnostics can name
//! the line and column. Unknown fields are rejected by serde itself, which
//! gives their location too. Fields the user must not write (server-owned
//! metadata, `status`) are still accepted here, so that the validator can
//! explain them instead of serde calling them "unknown". Leaves are read as
//! the [`Scalar`] YAML makes of them, so that `port: "80"`, `name: 123` or
//! a label value `2` get a message saying what the API expects instead of
//! being converted quietly.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};

pub use super::scalar::{Scalar, ScalarMap};

/// The first fields of any Kubernetes document: enough to tell what it is.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentHead {
    /// `apiVersion`, if present.
    pub api_version: Option<Spanned<String>>,
    /// `kind`, if present.
    pub kind: Option<Spanned<String>>,
}

/// What a document is at its root, read leniently to explain why it is not
/// a MultiClusterService.
#[derive(Debug)]
pub enum DocumentShape {
    /// A mapping, with its `apiVersion` and `kind` if present.
    Mapping(DocumentHead),
    /// A list.
    List,
    /// A single value (text, number, boolean).
    Scalar,
}

impl<'de> Deserialize<'de> for DocumentShape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = DocumentShape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML document")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let head = DocumentHead::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(DocumentShape::Mapping(head))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(DocumentShape::List)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(DocumentShape::Scalar)
    }
}

/// A whole MultiClusterService document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct McsDocument {
    /// Where the document's mapping starts; set by the parser, never read
    /// from YAML.
    #[serde(skip)]
    pub start: Option<serde_saphyr::Location>,
    /// Where keys the validator points at were written (`status`,
    /// `metadata.uid`, ...), by dotted path; set by the parser when the
    /// document has such keys, never read from YAML.
    #[serde(skip)]
    pub keys: BTreeMap<String, Location>,
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

impl McsDocument {
    /// Whether a rule points at a key of this document (`status`, a
    /// server-owned or unmanaged metadata field), so the parser must record
    /// where keys were written.
    pub fn names_keys(&self) -> bool {
        let metadata = self.metadata.as_ref().map(|m| &m.value);
        self.status.is_some()
            || metadata.is_some_and(|m| {
                [
                    &m.uid,
                    &m.resource_version,
                    &m.generation,
                    &m.creation_timestamp,
                    &m.managed_fields,
                    &m.deletion_timestamp,
                    &m.self_link,
                    &m.generate_name,
                    &m.finalizers,
                    &m.owner_references,
                ]
                .iter()
                .any(|f| f.is_some())
            })
    }
}

/// `metadata` of a document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MetadataDocument {
    /// `metadata.name`.
    pub name: Option<Spanned<Scalar>>,
    /// `metadata.namespace`.
    pub namespace: Option<Spanned<Scalar>>,
    /// `metadata.labels`.
    pub labels: Option<Spanned<ScalarMap>>,
    /// `metadata.annotations`.
    pub annotations: Option<Spanned<ScalarMap>>,
    /// Not managed by mcs-gitops (a stricter rule than the API's).
    pub generate_name: Option<Spanned<IgnoredAny>>,
    /// Not managed by mcs-gitops (a stricter rule than the API's).
    pub finalizers: Option<Spanned<IgnoredAny>>,
    /// Not managed by mcs-gitops (a stricter rule than the API's).
    pub owner_references: Option<Spanned<IgnoredAny>>,
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
    pub types: Option<Spanned<Vec<Spanned<Scalar>>>>,
    /// `spec.ports`.
    pub ports: Option<Spanned<Vec<Spanned<PortDocument>>>>,
    /// `spec.providerClusters`; empty or absent means all clusters.
    pub provider_clusters: Option<Spanned<Vec<Spanned<ClusterDocument>>>>,
    /// `spec.consumerClusters`; empty or absent means all clusters.
    pub consumer_clusters: Option<Spanned<Vec<Spanned<ClusterDocument>>>>,
    /// Deprecated `spec.range`.
    pub range: Option<Spanned<RangeDocument>>,
    /// Deprecated `spec.serviceProvisionClusters`.
    pub service_provision_clusters: Option<Spanned<Vec<Spanned<Scalar>>>>,
    /// Deprecated `spec.serviceConsumptionClusters`.
    pub service_consumption_clusters: Option<Spanned<Vec<Spanned<Scalar>>>>,
}

/// One entry of `spec.ports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortDocument {
    /// Port name; optional.
    pub name: Option<Spanned<Scalar>>,
    /// Port number as written; checked for 1..65535 by the validator.
    pub port: Spanned<Scalar>,
}

/// One entry of `providerClusters` or `consumerClusters`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterDocument {
    /// The cluster's name.
    pub name: Spanned<Scalar>,
}

/// Deprecated `spec.range`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RangeDocument {
    /// `spec.range.clusterNames`.
    pub cluster_names: Option<Vec<Spanned<Scalar>>>,
}
