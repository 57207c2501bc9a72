//! A live state kept up to date by watches, for the daemon.
//!
//! One watch per resource (per namespace when the scope is limited) keeps a
//! reduced copy of what the plan needs: no whole objects, only the
//! fingerprint of the fields mcs-gitops owns, conditions, placement. A
//! reconcile then reads the federation from memory: an unchanged federation
//! costs no request at all, and thousands of objects cost megabytes, not
//! hundreds of them. Changes are reported on a channel so the daemon can
//! react to drift and to placement changes within seconds.

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

use super::api::{Scope, Watched};
use super::error::{ApiError, ReadError};
use super::kube::KubeFederation;
use super::resources::{CLUSTER, EVENT, MULTI_CLUSTER_SERVICE, RESOURCE_BINDING, Resource, WORK};
use crate::manifest::ObjectKey;
use crate::plan::live::{
    Keep, LiveBinding, LiveCluster, LiveEvent, LiveObject, LiveState, LiveWork, WORK_MCS_NAME_LABEL,
};
use crate::plan::ownership::Ownership;
use crate::plan::{LiveChanges, Retry};
use events::run;
pub use store::Change;
use store::{ERROR_FRESHNESS, Store, Touches, Watch};

mod events;
mod store;

/// How long a cycle waits for the watches' first listing.
const SYNC_TIMEOUT: Duration = Duration::from_secs(60);

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

impl LiveCache {
    /// Starts every watch; they run until `shutdown`.
    pub fn start(
        federation: &KubeFederation,
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

    /// Waits until every watch has listed its objects once; gives up at
    /// once when a watch is refused (a refusal does not pass by waiting).
    async fn synced(&self, timeout: Duration) -> Result<(), ReadError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let (synced, errors) = {
                let store = self.store.lock().expect("live cache lock");
                (store.synced, store.errors.clone())
            };
            if synced >= self.watches {
                return Ok(());
            }
            let refused = errors.iter().find(|(_, (e, _))| e.retry == Retry::Terminal);
            if let Some((watch, (error, _))) = refused {
                return Err(ReadError::WatchFailed {
                    watch: watch.clone(),
                    source: error.clone(),
                });
            }
            if tokio::time::Instant::now() >= deadline {
                let mut reasons: Vec<String> = errors
                    .into_iter()
                    .map(|(w, (e, _))| format!("{w}: {e}"))
                    .collect();
                reasons.sort();
                return Err(ReadError::NotSynced {
                    reason: if reasons.is_empty() {
                        "not listed yet".to_owned()
                    } else {
                        reasons.join("; ")
                    },
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The error of a watch failing right now, if one is.
    fn error(&self) -> Option<(String, ApiError)> {
        let store = self.store.lock().expect("live cache lock");
        let now = tokio::time::Instant::now();
        store
            .errors
            .iter()
            .filter(|(_, (_, at))| now.duration_since(*at) < ERROR_FRESHNESS)
            .map(|(watch, (error, _))| (watch.clone(), error.clone()))
            .min_by(|a, b| a.0.cmp(&b.0))
    }

    /// A number that moves whenever the watched state changes: two
    /// snapshots taken at the same generation are equal.
    fn generation_now(&self) -> u64 {
        self.store.lock().expect("live cache lock").generation
    }

    /// Whose live inputs changed after generation `since`.
    fn changed_since(&self, since: u64) -> LiveChanges {
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
    fn snapshot_with_generation(&self) -> (u64, Arc<LiveState>) {
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

impl Watched for LiveCache {
    async fn current(&self) -> Result<(u64, Arc<LiveState>), ReadError> {
        self.synced(SYNC_TIMEOUT).await?;
        if let Some((watch, source)) = self.error() {
            return Err(ReadError::WatchFailed { watch, source });
        }
        Ok(self.snapshot_with_generation())
    }

    fn generation(&self) -> u64 {
        self.generation_now()
    }

    fn changes_since(&self, since: u64) -> LiveChanges {
        self.changed_since(since)
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
    state.sort_placement();
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
