//! The access matrix: for each changed Service and each cluster, whether the
//! cluster reaches the Service and provides its endpoints, before and after.

use serde::Serialize;

use super::exposure::{Side, holds};
use super::finding::ClusterList;
use super::pairing::Change;
use crate::manifest::ObjectKey;

/// Before and after for one Service and one cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCell {
    /// The cluster; `None` for any other cluster, including future ones.
    pub cluster: Option<String>,
    /// Whether the cluster could reach the Service before (a consumer).
    pub reaches_before: bool,
    /// Whether it can reach the Service after.
    pub reaches_after: bool,
    /// Whether it provided endpoints before.
    pub provides_before: bool,
    /// Whether it provides endpoints after.
    pub provides_after: bool,
}

impl AccessCell {
    /// Whether the cluster gains access.
    pub fn gains(&self) -> bool {
        !self.reaches_before && self.reaches_after
    }

    /// Whether the cluster loses access.
    pub fn loses(&self) -> bool {
        self.reaches_before && !self.reaches_after
    }
}

/// One row of the access matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessRow {
    /// The Service.
    pub service: ObjectKey,
    /// One cell per matrix column, then one for any other cluster.
    pub cells: Vec<AccessCell>,
}

/// The access rows of one paired object: one row, or for a rename one row
/// for the Service that loses its MCS and one for the Service that gains it.
pub fn access_rows(
    change: Change,
    base: Option<&Side>,
    head: Option<&Side>,
    columns: &[String],
) -> Vec<AccessRow> {
    match (change, base, head) {
        (Change::Renamed, Some(base), Some(head)) => vec![
            access_row(&base.mcs.key, Some(base), None, columns),
            access_row(&head.mcs.key, None, Some(head), columns),
        ],
        (Change::NotComparable, _, _) => Vec::new(),
        _ => {
            let key = &head.or(base).expect("a pair has a side").mcs.key;
            vec![access_row(key, base, head, columns)]
        }
    }
}

fn access_row(
    key: &ObjectKey,
    base: Option<&Side>,
    head: Option<&Side>,
    columns: &[String],
) -> AccessRow {
    let has = |side: Option<&Side>, list, cluster: Option<&str>| match cluster {
        Some(cluster) => holds(side, list, cluster),
        None => side.is_some_and(|s| s.set(list).is_all()),
    };
    let cell = |cluster: Option<&str>| AccessCell {
        cluster: cluster.map(str::to_owned),
        reaches_before: has(base, ClusterList::ConsumerClusters, cluster),
        reaches_after: has(head, ClusterList::ConsumerClusters, cluster),
        provides_before: has(base, ClusterList::ProviderClusters, cluster),
        provides_after: has(head, ClusterList::ProviderClusters, cluster),
    };
    AccessRow {
        service: key.clone(),
        cells: columns
            .iter()
            .map(|c| cell(Some(c)))
            .chain(std::iter::once(cell(None)))
            .collect(),
    }
}
