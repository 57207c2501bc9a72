//! Runs one watch: applies its events to the watched store, and says what
//! changed. A relist after a broken watch is compared with what was stored,
//! so changes missed in the gap still wake the daemon; an update that leaves
//! the reduced entry as it was wakes nobody.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt};
use kube::runtime::watcher;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::store::{Change, Name, Store, Watch};
use crate::federation::error::ApiError;

fn name_of(object: &Value) -> Name {
    let text = |p: &str| {
        object
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (text("/metadata/namespace"), text("/metadata/name"))
}

/// Applies one watch's events to its table until shutdown.
pub(super) async fn run<T: Clone + PartialEq + Send + 'static>(
    events: impl Stream<Item = Result<watcher::Event<Value>, watcher::Error>> + Send,
    watch: Watch<T>,
    store: Arc<Mutex<Store>>,
    changes: mpsc::UnboundedSender<Change>,
    shutdown: CancellationToken,
) {
    let mut events = std::pin::pin!(events);
    let mut listing: Option<HashSet<Name>> = None;
    let mut synced = false;
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            event = events.next() => match event { Some(event) => event, None => return },
        };
        let mut store = store.lock().expect("live cache lock");
        let event = match event {
            Ok(event) => {
                store.errors.remove(&watch.name);
                event
            }
            Err(error) => {
                store.errors.insert(
                    watch.name.clone(),
                    (watch_error(&error), tokio::time::Instant::now()),
                );
                continue;
            }
        };
        match event {
            watcher::Event::Init => listing = Some(HashSet::new()),
            watcher::Event::InitApply(object) => {
                let name = name_of(&object);
                let changed = upsert(&watch, &mut store, name.clone(), object);
                // A relist after a broken watch reports what changed in the gap.
                if let Some(entry) = changed.filter(|_| synced) {
                    notify(&watch, &entry, &changes);
                }
                listing.get_or_insert_with(HashSet::new).insert(name);
            }
            watcher::Event::InitDone => {
                if let Some(seen) = listing.take() {
                    let table = (watch.table)(&mut store);
                    let gone: Vec<Name> = table
                        .keys()
                        .filter(|name| !seen.contains(*name))
                        .cloned()
                        .collect();
                    let removed: Vec<T> = gone.iter().filter_map(|n| table.remove(n)).collect();
                    for entry in &removed {
                        store.record((watch.touches)(entry));
                    }
                    for entry in removed.iter().filter(|_| synced) {
                        notify(&watch, entry, &changes);
                    }
                }
                if !synced {
                    synced = true;
                    store.synced += 1;
                }
            }
            watcher::Event::Apply(object) => {
                if let Some(entry) = upsert(&watch, &mut store, name_of(&object), object) {
                    notify(&watch, &entry, &changes);
                }
            }
            watcher::Event::Delete(object) => {
                let name = name_of(&object);
                let removed = (watch.table)(&mut store).remove(&name);
                let gone = removed.or_else(|| (watch.read)(object));
                if let Some(entry) = gone {
                    store.record((watch.touches)(&entry));
                    notify(&watch, &entry, &changes);
                }
            }
        }
    }
}

/// A watch error classified like list errors (401 says "unauthorized", a
/// refusal is terminal).
fn watch_error(error: &watcher::Error) -> ApiError {
    match error {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => ApiError::from_kube(e),
        watcher::Error::WatchError(status) => {
            ApiError::from_kube(&kube::Error::Api(status.clone()))
        }
        other => ApiError::from_kube(&kube::Error::Service(other.to_string().into())),
    }
}

/// Stores an object's entry; returns it when it differs from the stored one.
///
/// Karmada rewrites Work and binding status often without changing anything
/// the plan reads (heartbeats, observed generations): such updates leave
/// the entry as it was and wake nobody.
fn upsert<T: Clone + PartialEq>(
    watch: &Watch<T>,
    store: &mut Store,
    name: Name,
    object: Value,
) -> Option<T> {
    let entry = (watch.read)(object)?;
    let table = (watch.table)(store);
    if table.get(&name) == Some(&entry) {
        return None;
    }
    if let Some(previous) = table.insert(name, entry.clone()) {
        store.record((watch.touches)(&previous));
    }
    store.record((watch.touches)(&entry));
    Some(entry)
}

fn notify<T>(watch: &Watch<T>, entry: &T, changes: &mpsc::UnboundedSender<Change>) {
    if let Some(change) = (watch.changed)(entry) {
        let _ = changes.send(change);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::manifest::ObjectKey;
    use crate::plan::live::LiveWork;

    fn work(name: &str, resource_version: &str, applied: &str) -> Value {
        json!({
            "metadata": {
                "name": name, "namespace": "karmada-es-clusterb",
                "resourceVersion": resource_version,
                "labels": {
                    "multiclusterservice.karmada.io/namespace": "shop",
                    "multiclusterservice.karmada.io/name": "cart",
                },
            },
            "spec": {"workload": {"manifests": [{"kind": "EndpointSlice", "endpoints": [{}]}]}},
            "status": {"conditions": [{"type": "Applied", "status": applied}]},
        })
    }

    fn works_watch() -> Watch<Arc<LiveWork>> {
        Watch {
            name: "works".into(),
            table: |s| &mut s.works,
            read: Box::new(|v| LiveWork::from_object(&v).map(Arc::new)),
            changed: Box::new(|_| Some(Change::Placement)),
            touches: |w| crate::federation::cache::store::Touches::One(w.mcs.clone()),
        }
    }

    /// Feeds `events` to one watch and returns how many changes it reported.
    async fn changes_reported(events: Vec<watcher::Event<Value>>) -> (usize, Store) {
        let store = Arc::new(Mutex::new(Store::default()));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let stream = futures::stream::iter(events.into_iter().map(Ok));
        run(
            stream,
            works_watch(),
            store.clone(),
            tx,
            CancellationToken::new(),
        )
        .await;
        let mut count = 0;
        while rx.try_recv().is_ok() {
            count += 1;
        }
        let store = std::mem::take(&mut *store.lock().unwrap());
        (count, store)
    }

    #[tokio::test]
    async fn a_status_rewrite_that_changes_nothing_read_wakes_nobody() {
        use watcher::Event::*;
        let (count, store) = changes_reported(vec![
            Init,
            InitApply(work("a", "1", "True")),
            InitDone,
            Apply(work("a", "2", "True")),
            Apply(work("a", "3", "True")),
        ])
        .await;
        assert_eq!(count, 0);
        assert_eq!(store.works.len(), 1);
        assert_eq!(store.synced, 1);
        // Only the first listing changed the state.
        assert_eq!(store.generation, 1);
    }

    #[tokio::test]
    async fn a_change_of_what_the_plan_reads_is_reported() {
        use watcher::Event::*;
        let (count, store) = changes_reported(vec![
            Init,
            InitApply(work("a", "1", "True")),
            InitDone,
            Apply(work("a", "2", "False")),
        ])
        .await;
        assert_eq!(count, 1);
        let entry = store.works.values().next().unwrap();
        assert!(!entry.is_applied());
    }

    #[tokio::test]
    async fn a_relist_reports_what_changed_or_vanished_during_the_gap() {
        use watcher::Event::*;
        let (count, store) = changes_reported(vec![
            Init,
            InitApply(work("a", "1", "True")),
            InitApply(work("b", "1", "True")),
            InitDone,
            Init,
            InitApply(work("a", "5", "False")),
            InitDone,
        ])
        .await;
        // "a" changed and "b" was deleted while the watch was down.
        assert_eq!(count, 2);
        assert_eq!(store.works.len(), 1);
        // Two entries listed, one replaced (old and new counted), one gone;
        // every one of them is an input of shop/cart's plan only.
        assert_eq!(store.generation, 5);
        let cart = ObjectKey::new("shop", "cart");
        assert_eq!(store.touched.get(&cart), Some(&5));
        assert_eq!(store.touched.len(), 1);
        assert_eq!(store.touched_all, 0);
    }

    #[tokio::test]
    async fn the_first_listing_reports_nothing() {
        use watcher::Event::*;
        let (count, store) = changes_reported(vec![
            Init,
            InitApply(work("a", "1", "True")),
            InitApply(work("b", "1", "False")),
            InitDone,
        ])
        .await;
        assert_eq!(count, 0);
        assert_eq!(store.works.len(), 2);
    }
}
