//! The federation changing an exposure by itself. Karmada reads an empty
//! `providerClusters` or `consumerClusters` as every cluster, so a Cluster
//! that joins (or leaves) changes who can reach a Service without any
//! commit. Comparing each unchanged object's resolved clusters between two
//! live states says who gained or lost what, and when the cluster joined.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::live::LiveCluster;
use super::placement::resolve;
use crate::manifest::{MultiClusterService, ObjectKey};

/// An object's clusters as resolved against one live state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The object as written, to tell a commit's change from the federation's.
    pub mcs: Arc<MultiClusterService>,
    /// Clusters that provide endpoints.
    pub providers: BTreeSet<String>,
    /// Clusters that may reach the Service.
    pub consumers: BTreeSet<String>,
}

/// Every object's resolved clusters.
pub type Exposures = BTreeMap<ObjectKey, Resolved>;

/// Resolves every object against the clusters that exist.
pub fn resolve_all(
    objects: &[Arc<MultiClusterService>],
    clusters: &BTreeMap<String, LiveCluster>,
) -> Exposures {
    let known: BTreeSet<String> = clusters.keys().cloned().collect();
    objects
        .iter()
        .map(|mcs| {
            let placement = resolve(mcs, Some(&known));
            let resolved = Resolved {
                mcs: mcs.clone(),
                providers: placement.providers.members(),
                consumers: placement.consumers.members(),
            };
            (mcs.key.clone(), resolved)
        })
        .collect()
}

/// Which side of an exposure changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// The cluster may now reach the Service, or no longer.
    Consumer,
    /// The cluster's endpoints now flow to the consumers, or no longer.
    Provider,
}

/// Whether the exposure grew or shrank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// A cluster joined.
    Widened,
    /// A cluster left.
    Narrowed,
}

/// One change of an exposure that no commit made.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureChange {
    /// The object.
    #[serde(serialize_with = "key_text")]
    pub key: ObjectKey,
    /// The cluster that joined or left.
    pub cluster: String,
    /// Which list resolved differently.
    pub side: Side,
    /// Grew or shrank.
    pub direction: Direction,
    /// When the cluster joined (`metadata.creationTimestamp`), if it did.
    pub joined: Option<String>,
}

fn key_text<S: serde::Serializer>(key: &ObjectKey, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(key)
}

impl fmt::Display for ExposureChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (key, cluster) = (&self.key, &self.cluster);
        let field = match self.side {
            Side::Consumer => "consumerClusters",
            Side::Provider => "providerClusters",
        };
        match (self.direction, self.side) {
            (Direction::Widened, Side::Consumer) => {
                write!(f, "{key} became reachable from cluster {cluster}")?
            }
            (Direction::Widened, Side::Provider) => write!(
                f,
                "{key} gained provider cluster {cluster}: its endpoints now flow to the consumers"
            )?,
            (Direction::Narrowed, Side::Consumer) => {
                write!(f, "{key} is no longer reachable from cluster {cluster}")?
            }
            (Direction::Narrowed, Side::Provider) => {
                write!(f, "{key} lost provider cluster {cluster}")?
            }
        }
        let when = match (self.direction, &self.joined) {
            (Direction::Widened, Some(joined)) => format!("joined {joined}; "),
            (Direction::Widened, None) => "joined; ".to_owned(),
            (Direction::Narrowed, _) => "the cluster left; ".to_owned(),
        };
        write!(f, " ({when}{field} is empty)")
    }
}

/// What changed between `before` and `after` for objects written the same
/// in both: only lists that mean "every cluster" change that way.
pub fn changes(
    before: &Exposures,
    after: &Exposures,
    clusters: &BTreeMap<String, LiveCluster>,
) -> Vec<ExposureChange> {
    let mut found = Vec::new();
    for (key, now) in after {
        let Some(then) = before.get(key).filter(|then| then.mcs == now.mcs) else {
            continue;
        };
        for (side, old, new) in [
            (Side::Consumer, &then.consumers, &now.consumers),
            (Side::Provider, &then.providers, &now.providers),
        ] {
            for (direction, from, to) in [
                (Direction::Widened, old, new),
                (Direction::Narrowed, new, old),
            ] {
                for cluster in to.difference(from) {
                    found.push(ExposureChange {
                        key: key.clone(),
                        cluster: cluster.clone(),
                        side,
                        direction,
                        joined: clusters.get(cluster).and_then(|c| c.joined.clone()),
                    });
                }
            }
        }
    }
    found.sort();
    found
}
