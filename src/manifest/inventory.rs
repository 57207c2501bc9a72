//! The federation's member clusters, as far as validation needs them.
//!
//! An inventory comes from `mcs-gitops.yaml` offline, or from the live
//! Cluster objects; either way it is plain data here.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// The oldest Kubernetes release MultiClusterService supports on members.
pub const MIN_KUBERNETES: KubeVersion = KubeVersion {
    major: 1,
    minor: 21,
};

/// A Kubernetes `major.minor` version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct KubeVersion {
    /// Major version (1).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl KubeVersion {
    /// Parses `v1.30.2`, `1.30`, `v1.21.3-eks-123` and the like.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut parts = s.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_part = parts.next()?;
        let digits: String = minor_part
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let minor = digits.parse().ok()?;
        Some(KubeVersion { major, minor })
    }

    /// Whether this release can host MultiClusterService.
    pub fn supports_mcs(self) -> bool {
        self >= MIN_KUBERNETES
    }
}

impl fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What is known of one member cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// The version string as reported or configured (e.g. `v1.30.2`).
    pub kubernetes_version: Option<String>,
    /// Whether the cluster is Ready; `None` offline.
    pub ready: Option<bool>,
    /// The Cluster object's labels (empty offline).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl ClusterInfo {
    /// The parsed `major.minor`, when the version is known and readable.
    pub fn version(&self) -> Option<KubeVersion> {
        self.kubernetes_version
            .as_deref()
            .and_then(KubeVersion::parse)
    }
}

/// Where an inventory came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InventorySource {
    /// `clusters:` in the repository's `mcs-gitops.yaml`.
    RepoConfig,
    /// The live Cluster objects of the federation.
    Federation,
}

impl fmt::Display for InventorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InventorySource::RepoConfig => "mcs-gitops.yaml",
            InventorySource::Federation => "the federation",
        })
    }
}

/// The member clusters of a federation, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// Where this list came from.
    pub source: InventorySource,
    /// Clusters by name.
    pub clusters: BTreeMap<String, ClusterInfo>,
}

impl Inventory {
    /// An inventory from a source and its clusters.
    pub fn new(
        source: InventorySource,
        clusters: impl IntoIterator<Item = (String, ClusterInfo)>,
    ) -> Self {
        Inventory {
            source,
            clusters: clusters.into_iter().collect(),
        }
    }

    /// Cluster names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.clusters.keys().map(String::as_str)
    }

    /// Whether a cluster is known.
    pub fn contains(&self, name: &str) -> bool {
        self.clusters.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_in_common_spellings() {
        let v = |s| KubeVersion::parse(s).unwrap();
        assert_eq!(
            v("v1.30.2"),
            KubeVersion {
                major: 1,
                minor: 30
            }
        );
        assert_eq!(
            v("1.21"),
            KubeVersion {
                major: 1,
                minor: 21
            }
        );
        assert_eq!(
            v("v1.27.3-eks-a5565ad"),
            KubeVersion {
                major: 1,
                minor: 27
            }
        );
        assert_eq!(
            v("v1.28+"),
            KubeVersion {
                major: 1,
                minor: 28
            }
        );
        assert_eq!(KubeVersion::parse("latest"), None);
    }

    #[test]
    fn mcs_needs_at_least_1_21() {
        assert!(KubeVersion::parse("v1.21.0").unwrap().supports_mcs());
        assert!(!KubeVersion::parse("v1.20.15").unwrap().supports_mcs());
    }
}
