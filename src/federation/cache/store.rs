//! The watched tables: reduced entries per resource, the generation that
//! counts their changes, and which MCS each change concerns.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::federation::error::ApiError;
use crate::manifest::ObjectKey;
use crate::plan::live::{LiveBinding, LiveCluster, LiveEvent, LiveObject, LiveState, LiveWork};

/// What changed in the federation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// An object this instance manages changed (or disappeared); its
    /// resourceVersion tells whether the daemon made the change itself.
    Managed {
        /// The object.
        key: ObjectKey,
        /// Its new resourceVersion.
        resource_version: String,
    },
    /// Something that only changes placement reports: a Cluster, a Work, an
    /// Event, a binding.
    Placement,
}

/// An object's namespace and name.
pub(super) type Name = (String, String);

/// Every watched table, and what the watches know about themselves.
#[derive(Default)]
pub(super) struct Store {
    pub(super) clusters: HashMap<Name, LiveCluster>,
    pub(super) objects: HashMap<Name, LiveObject>,
    pub(super) services: HashMap<Name, ObjectKey>,
    pub(super) bindings: HashMap<Name, (ObjectKey, LiveBinding)>,
    pub(super) works: HashMap<Name, Arc<LiveWork>>,
    pub(super) events: HashMap<Name, LiveEvent>,
    /// How many watches have listed their objects once.
    pub(super) synced: usize,
    /// Counts changes to the entries: equal counts, equal live state.
    pub(super) generation: u64,
    /// The last snapshot and its generation: cycles that find the watched
    /// state unchanged share it instead of copying the tables again.
    pub(super) snapshot: Option<(u64, Arc<LiveState>)>,
    /// The generation at which each MCS's live inputs last changed.
    pub(super) touched: HashMap<ObjectKey, u64>,
    /// The generation at which something every MCS depends on last changed.
    pub(super) touched_all: u64,
    /// The last error of each failing watch, and when it happened.
    pub(super) errors: HashMap<String, (ApiError, tokio::time::Instant)>,
}

/// How long a watch error counts: a failing watch retries (with backoff)
/// well within this, so an older error was followed by a recovery.
pub(super) const ERROR_FRESHNESS: Duration = Duration::from_secs(60);

/// Turns an API object into a store entry.
pub(super) type Reader<T> = Box<dyn Fn(Value) -> Option<T> + Send + Sync>;
/// Says what a change of an entry means to the daemon.
pub(super) type Notifier<T> = Box<dyn Fn(&T) -> Option<Change> + Send + Sync>;

/// One watch: which store it fills, and how an object becomes an entry.
pub(super) struct Watch<T> {
    pub(super) name: String,
    pub(super) table: fn(&mut Store) -> &mut HashMap<Name, T>,
    pub(super) read: Reader<T>,
    pub(super) changed: Notifier<T>,
    pub(super) touches: fn(&T) -> Touches,
}

/// Which objects' plans an entry is an input of.
pub(super) enum Touches {
    /// One MCS: its object, binding, Service, Works or Events.
    One(ObjectKey),
    /// Every MCS: a Cluster.
    All,
}

impl Store {
    /// Counts a change of an entry, and remembers whose plan it affects.
    pub(super) fn record(&mut self, touches: Touches) {
        self.generation += 1;
        // A stale snapshot is never handed out again: free it now, not at
        // the next cycle.
        self.snapshot = None;
        match touches {
            Touches::One(key) => {
                self.touched.insert(key, self.generation);
            }
            Touches::All => self.touched_all = self.generation,
        }
    }
}
