//! Which object of the base revision becomes which object of the head.
//!
//! Objects pair up by namespace/name first. What is left over is matched as
//! renames: an MCS removed and another added in the same namespace with the
//! same spec. An object that seems removed while its head file has errors is
//! not called removed: it cannot be compared.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::manifest::{Diagnostic, MultiClusterService, ObjectKey};

/// What happened to one MCS between the two revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Only in the head revision.
    Added,
    /// Only in the base revision.
    Removed,
    /// In both, with different content.
    Changed,
    /// Removed under one name and added under another with the same spec.
    Renamed,
    /// Same content, another file.
    Moved,
    /// In the base revision; its head version has errors.
    NotComparable,
}

impl Change {
    /// The word for headings and tables.
    pub fn label(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Renamed => "renamed",
            Change::Moved => "moved",
            Change::NotComparable => "not comparable",
        }
    }
}

/// A base object and the head object it became.
#[derive(Clone, Copy, Debug)]
pub struct Pair<'a> {
    /// What happened.
    pub change: Change,
    /// The base version, if any.
    pub base: Option<&'a MultiClusterService>,
    /// The head version, if any.
    pub head: Option<&'a MultiClusterService>,
}

impl Pair<'_> {
    /// The key the change is listed under: the head's, else the base's.
    pub fn key(&self) -> &ObjectKey {
        self.head
            .or(self.base)
            .map(|m| &m.key)
            .expect("a pair has at least one side")
    }
}

/// Pairs the objects of two revisions; unchanged objects are left out.
/// `head_diagnostics` tells which head files and objects have errors.
pub fn pair<'a>(
    base: &'a [Arc<MultiClusterService>],
    head: &'a [Arc<MultiClusterService>],
    head_diagnostics: &[Diagnostic],
) -> Vec<Pair<'a>> {
    let base_by_key: BTreeMap<&ObjectKey, &MultiClusterService> =
        base.iter().map(|m| (&m.key, m.as_ref())).collect();
    let head_by_key: BTreeMap<&ObjectKey, &MultiClusterService> =
        head.iter().map(|m| (&m.key, m.as_ref())).collect();
    let mut pairs = Vec::new();
    let mut removed = Vec::new();
    for (key, before) in &base_by_key {
        match head_by_key.get(key) {
            Some(after) => pairs.extend(compare(before, after)),
            None => removed.push(*before),
        }
    }
    let mut added: Vec<&MultiClusterService> = head_by_key
        .iter()
        .filter(|(key, _)| !base_by_key.contains_key(*key))
        .map(|(_, m)| *m)
        .collect();
    for before in removed {
        pairs.push(match take_rename(before, &mut added) {
            Some(after) => Pair {
                change: Change::Renamed,
                base: Some(before),
                head: Some(after),
            },
            None => gone(before, head_diagnostics),
        });
    }
    pairs.extend(added.into_iter().map(|after| Pair {
        change: Change::Added,
        base: None,
        head: Some(after),
    }));
    pairs.sort_by(|a, b| a.key().cmp(b.key()));
    pairs
}

fn compare<'a>(
    before: &'a MultiClusterService,
    after: &'a MultiClusterService,
) -> Option<Pair<'a>> {
    let change = if before.to_manifest() != after.to_manifest() {
        Change::Changed
    } else if before.origin.file != after.origin.file {
        Change::Moved
    } else {
        return None;
    };
    Some(Pair {
        change,
        base: Some(before),
        head: Some(after),
    })
}

/// Removes and returns the first added object that is `before` renamed.
fn take_rename<'a>(
    before: &MultiClusterService,
    added: &mut Vec<&'a MultiClusterService>,
) -> Option<&'a MultiClusterService> {
    let spec = before.to_manifest()["spec"].clone();
    let index = added.iter().position(|after| {
        after.key.namespace == before.key.namespace && after.to_manifest()["spec"] == spec
    })?;
    Some(added.remove(index))
}

fn gone<'a>(before: &'a MultiClusterService, head_diagnostics: &[Diagnostic]) -> Pair<'a> {
    let broken = head_diagnostics.iter().filter(|d| d.is_error()).any(|d| {
        d.object.as_ref() == Some(&before.key)
            || d.location.as_ref().map(|l| l.file.as_str()) == Some(before.origin.file.as_str())
    });
    Pair {
        change: if broken {
            Change::NotComparable
        } else {
            Change::Removed
        },
        base: Some(before),
        head: None,
    }
}
