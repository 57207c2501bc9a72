//! What mcs-gitops needs from a federation's control plane, as traits: the
//! pipeline and the daemon are written against these, the Kubernetes client
//! implements them, and tests can put a fake in its place.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use super::error::ReadError;
use crate::plan::{ApplyReport, LiveChanges, LiveState, Plan};

/// How much of the live state to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// Clusters, MultiClusterServices and Services: enough to apply.
    Objects,
    /// Also bindings, Works and Events: enough to report placement.
    Placement,
}

/// Which namespaces to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every namespace, with cluster-wide lists.
    #[default]
    AllNamespaces,
    /// Only these namespaces, one list each (for reconcilers limited by RBAC).
    Namespaces(BTreeSet<String>),
}

impl Scope {
    /// The namespaces to list in: `None` for a cluster-wide list.
    pub fn namespaces(&self) -> Vec<Option<&str>> {
        match self {
            Scope::AllNamespaces => vec![None],
            Scope::Namespaces(set) => set.iter().map(|ns| Some(ns.as_str())).collect(),
        }
    }
}

/// How writes are made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Take ownership of fields another manager holds (`--force-conflicts`).
    pub force_conflicts: bool,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Ask the server to validate without persisting.
    pub dry_run: bool,
}

impl ApplyOptions {
    /// Requests in flight at once unless configured.
    pub const DEFAULT_CONCURRENCY: usize = 32;
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            force_conflicts: false,
            concurrency: Self::DEFAULT_CONCURRENCY,
            dry_run: false,
        }
    }
}

/// A federation's control plane: read its live state, ask it how changes
/// would be stored, make them.
pub trait Federation: Send + Sync {
    /// Reads what `reading` asks for in `scope`.
    fn read(
        &self,
        scope: &Scope,
        reading: Reading,
    ) -> impl Future<Output = Result<LiveState, ReadError>> + Send;

    /// Asks the server how each applying change would store the object (a
    /// server-side dry run) and records the answer, or the refusal, in the
    /// plan.
    fn dry_run(&self, plan: &mut Plan, options: ApplyOptions) -> impl Future<Output = ()> + Send;

    /// Makes every unblocked change of a valid plan; every object is
    /// attempted, one refusal never stops the rest.
    fn apply(&self, plan: &Plan, options: ApplyOptions)
    -> impl Future<Output = ApplyReport> + Send;
}

/// The live state kept up to date by watches: read from memory, with a
/// generation that moves whenever it changes.
pub trait Watched: Send + Sync {
    /// The live state as of now and its generation, once every watch has
    /// listed; an error while a watch is failing.
    fn current(&self) -> impl Future<Output = Result<(u64, Arc<LiveState>), ReadError>> + Send;

    /// A number that moves whenever the watched state changes.
    fn generation(&self) -> u64;

    /// Whose live inputs changed after generation `since`.
    fn changes_since(&self, since: u64) -> LiveChanges;
}
