//! A live state kept up to date by watches, for the daemon.
//!
//! One watch per resource (per namespace when the scope is limited) keeps a
//! reduced copy of what the plan needs: no whole objects, only the
//! fingerprint of the fields mcs-gitops owns, conditions, placement. A
//! reconcile then reads the federation from memory: an unchanged federation
//! costs no request at all, and thousands of objects cost megabytes, not
//! hundreds of them. Changes are reported on a channel so the daemon can
//! react to drift and to placement changes within seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Api, DynamicObject};
use kube::core::PartialObjectMeta;
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::resources::{CLUSTER, EVENT, MULTI_CLUSTER_SERVICE, RESOURCE_BINDING, Resource, WORK};
use super::{Federation, FederationError, Retry, Scope};
use crate::manifest::ObjectKey;
use crate::plan::LiveChanges;
use crate::plan::live::{
    Keep, LiveBinding, LiveCluster, LiveEvent, LiveObject, LiveState, LiveWork, WORK_MCS_NAME_LABEL,
};
use crate::plan::ownership::Ownership;
use events::run;

mod events;

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

type Name = (String, String);

#[derive(Default)]
struct Store {
    clusters: HashMap<Name, LiveCluster>,
    objects: HashMap<Name, LiveObject>,
    services: HashMap<Name, ObjectKey>,
    bindings: HashMap<Name, (ObjectKey, LiveBinding)>,
    works: HashMap<Name, Arc<LiveWork>>,
    events: HashMap<Name, LiveEvent>,
    synced: usize,
    /// Counts changes to the entries: equal counts, equal live state.
    generation: u64,
    /// The last snapshot and its generation: cycles that find the watched
    /// state unchanged share it instead of copying the tables again.
    snapshot: Option<(u64, Arc<LiveState>)>,
    /// The generation at which each MCS's live inputs last changed.
    touched: HashMap<ObjectKey, u64>,
    /// The generation at which something every MCS depends on last changed.
    touched_all: u64,
    errors: HashMap<String, (String, tokio::time::Instant)>,
}

/// How long a watch error counts: a failing watch retries (with backoff)
/// well within this, so an older error was followed by a recovery.
const ERROR_FRESHNESS: Duration = Duration::from_secs(60);

/// The watched live state.
#[derive(Clone)]
pub struct LiveCache {
    store: Arc<Mutex<Store>>,
    watches: usize,
}

/// What every watch task shares.
struct Context {
    client: kube::Client,
    store: Arc<Mutex<Store>>,
    changes: mpsc::UnboundedSender<Change>,
    shutdown: CancellationToken,
}

impl Context {
    fn watch<T: Clone + PartialEq + Send + 'static>(
        &self,
        resource: &'static Resource,
        namespace: Option<&str>,
        config: watcher::Config,
        watch: Watch<T>,
    ) {
        let api = match namespace {
            Some(ns) => Api::<DynamicObject>::namespaced_with(
                self.client.clone(),
                ns,
                &resource.api_resource(),
            ),
            None => Api::<DynamicObject>::all_with(self.client.clone(), &resource.api_resource()),
        };
        let events = watcher::watcher(api, config)
            .default_backoff()
            .map(|e| e.map(|e| map_event(e, to_value)));
        tokio::spawn(run(
            events,
            watch,
            self.store.clone(),
            self.changes.clone(),
            self.shutdown.clone(),
        ));
    }

    /// The namespaced watches: MCS, bindings, events, Services (metadata only).
    fn watch_namespace(&self, ns: Option<&str>, instance: &str) {
        let owner = instance.to_owned();
        self.watch(
            &MULTI_CLUSTER_SERVICE,
            ns,
            watcher::Config::default(),
            Watch {
                name: format!("multiclusterservices{}", suffix(ns)),
                table: |s| &mut s.objects,
                read: Box::new(move |v| LiveObject::read(v, &owner, Keep::Reduced)),
                changed: Box::new(managed_change),
                touches: |o| Touches::One(o.key.clone()),
            },
        );
        self.watch(
            &RESOURCE_BINDING,
            ns,
            watcher::Config::default(),
            Watch {
                name: format!("resourcebindings{}", suffix(ns)),
                table: |s| &mut s.bindings,
                read: Box::new(|v| LiveBinding::from_object(&v)),
                changed: Box::new(|_| Some(Change::Placement)),
                touches: |(key, _)| Touches::One(key.clone()),
            },
        );
        let events = watcher::Config::default().fields("involvedObject.kind=MultiClusterService");
        self.watch(
            &EVENT,
            ns,
            events,
            Watch {
                name: format!("events{}", suffix(ns)),
                table: |s| &mut s.events,
                read: Box::new(|v| LiveEvent::from_object(&v)),
                changed: Box::new(|_| Some(Change::Placement)),
                touches: |e| Touches::One(e.mcs.clone()),
            },
        );
        let api: Api<PartialObjectMeta<Service>> = match ns {
            Some(ns) => Api::namespaced(self.client.clone(), ns),
            None => Api::all(self.client.clone()),
        };
        let events = watcher::watcher(api, watcher::Config::default())
            .default_backoff()
            .map(|e| e.map(|e| map_event(e, to_value)));
        let watch = Watch {
            name: format!("services{}", suffix(ns)),
            table: |s| &mut s.services,
            read: Box::new(service_key),
            changed: Box::new(|_| None),
            touches: |key| Touches::One(key.clone()),
        };
        tokio::spawn(run(
            events,
            watch,
            self.store.clone(),
            self.changes.clone(),
            self.shutdown.clone(),
        ));
    }
}

fn map_event<K, T>(event: watcher::Event<K>, f: impl Fn(K) -> T) -> watcher::Event<T> {
    match event {
        watcher::Event::Apply(k) => watcher::Event::Apply(f(k)),
        watcher::Event::Delete(k) => watcher::Event::Delete(f(k)),
        watcher::Event::Init => watcher::Event::Init,
        watcher::Event::InitApply(k) => watcher::Event::InitApply(f(k)),
        watcher::Event::InitDone => watcher::Event::InitDone,
    }
}

/// Turns an API object into a store entry.
type Reader<T> = Box<dyn Fn(Value) -> Option<T> + Send + Sync>;
/// Says what a change of an entry means to the daemon.
type Notifier<T> = Box<dyn Fn(&T) -> Option<Change> + Send + Sync>;

/// One watch: which store it fills, and how an object becomes an entry.
struct Watch<T> {
    name: String,
    table: fn(&mut Store) -> &mut HashMap<Name, T>,
    read: Reader<T>,
    changed: Notifier<T>,
    touches: fn(&T) -> Touches,
}

/// Which objects' plans an entry is an input of.
enum Touches {
    /// One MCS: its object, binding, Service, Works or Events.
    One(ObjectKey),
    /// Every MCS: a Cluster.
    All,
}

impl Store {
    /// Counts a change of an entry, and remembers whose plan it affects.
    fn record(&mut self, touches: Touches) {
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

impl LiveCache {
    /// Starts every watch; they run until `shutdown`.
    pub fn start(
        federation: &Federation,
        scope: &Scope,
        changes: mpsc::UnboundedSender<Change>,
        shutdown: &CancellationToken,
    ) -> LiveCache {
        let context = Context {
            client: federation.client().clone(),
            store: Arc::new(Mutex::new(Store::default())),
            changes,
            shutdown: shutdown.clone(),
        };
        let namespaces: Vec<Option<String>> = match scope {
            Scope::AllNamespaces => vec![None],
            Scope::Namespaces(set) => set.iter().cloned().map(Some).collect(),
        };
        let mut watches = 2;
        context.watch(
            &CLUSTER,
            None,
            watcher::Config::default(),
            Watch {
                name: "clusters".into(),
                table: |s| &mut s.clusters,
                read: Box::new(|v| LiveCluster::from_object(&v)),
                changed: Box::new(|_| Some(Change::Placement)),
                touches: |_| Touches::All,
            },
        );
        let works = watcher::Config::default().labels(WORK_MCS_NAME_LABEL);
        context.watch(
            &WORK,
            None,
            works,
            Watch {
                name: "works".into(),
                table: |s| &mut s.works,
                read: Box::new(|v| LiveWork::from_object(&v).map(Arc::new)),
                changed: Box::new(|_| Some(Change::Placement)),
                touches: |w| Touches::One(w.mcs.clone()),
            },
        );
        for ns in namespaces.iter().map(Option::as_deref) {
            watches += 4;
            context.watch_namespace(ns, federation.instance());
        }
        LiveCache {
            store: context.store,
            watches,
        }
    }

    /// Waits until every watch has listed its objects once.
    pub async fn synced(&self, timeout: Duration) -> Result<(), FederationError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let (synced, errors) = {
                let store = self.store.lock().expect("live cache lock");
                (store.synced, store.errors.clone())
            };
            if synced >= self.watches {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                let reason = errors
                    .into_iter()
                    .map(|(w, (e, _))| format!("{w}: {e}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(FederationError::ListFailed {
                    resource: "watched resources",
                    reason: if reason.is_empty() {
                        "not listed yet".to_owned()
                    } else {
                        reason
                    },
                    retry: Retry::Transient,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Why a watch is failing right now, if one is.
    pub fn error(&self) -> Option<String> {
        let store = self.store.lock().expect("live cache lock");
        let now = tokio::time::Instant::now();
        store
            .errors
            .iter()
            .filter(|(_, (_, at))| now.duration_since(*at) < ERROR_FRESHNESS)
            .map(|(watch, (error, _))| format!("watching {watch}: {error}"))
            .min()
    }

    /// A number that moves whenever the watched state changes: two
    /// snapshots taken at the same generation are equal.
    pub fn generation(&self) -> u64 {
        self.store.lock().expect("live cache lock").generation
    }

    /// Whose live inputs changed after generation `since`.
    pub fn changes_since(&self, since: u64) -> LiveChanges {
        let store = self.store.lock().expect("live cache lock");
        if store.touched_all > since {
            return LiveChanges::Everything;
        }
        let keys = store
            .touched
            .iter()
            .filter(|(_, generation)| **generation > since)
            .map(|(key, _)| key.clone())
            .collect();
        LiveChanges::Only(keys)
    }

    /// The live state as of now, with its generation.
    pub fn snapshot_with_generation(&self) -> (u64, Arc<LiveState>) {
        let mut store = self.store.lock().expect("live cache lock");
        let generation = store.generation;
        if let Some((_, state)) = store.snapshot.as_ref().filter(|(g, _)| *g == generation) {
            return (generation, state.clone());
        }
        let state = Arc::new(copy_state(&store));
        store.snapshot = Some((generation, state.clone()));
        (generation, state)
    }
}

/// The watched tables as a live state, Works sorted by MCS and cluster.
fn copy_state(store: &Store) -> LiveState {
    let mut state = LiveState {
        clusters: store
            .clusters
            .values()
            .map(|c| (c.name.clone(), c.clone()))
            .collect(),
        objects: store
            .objects
            .values()
            .map(|o| (o.key.clone(), o.clone()))
            .collect(),
        services: store.services.values().cloned().collect(),
        bindings: store.bindings.values().cloned().collect(),
        works: store.works.values().cloned().collect(),
        events: store.events.values().cloned().collect(),
        objects_only: false,
    };
    state
        .works
        .sort_by(|a, b| (&a.mcs, &a.cluster).cmp(&(&b.mcs, &b.cluster)));
    state.events.sort_by(|a, b| a.last_seen.cmp(&b.last_seen));
    state
}

fn suffix(namespace: Option<&str>) -> String {
    namespace.map(|ns| format!(" in {ns}")).unwrap_or_default()
}

fn to_value(object: impl serde::Serialize) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

fn service_key(object: Value) -> Option<ObjectKey> {
    Some(ObjectKey::new(
        object.pointer("/metadata/namespace")?.as_str()?,
        object.pointer("/metadata/name")?.as_str()?,
    ))
}

fn managed_change(object: &LiveObject) -> Option<Change> {
    (object.ownership == Ownership::Ours).then(|| Change::Managed {
        key: object.key.clone(),
        resource_version: object.resource_version.clone().unwrap_or_default(),
    })
}
