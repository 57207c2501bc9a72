//! Bulk operations on the sandbox with kube-rs: creating the federation
//! state, the minimal server-side apply client that measures the API
//! server's ceiling, and clearing MultiClusterServices between runs.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use kube::Client;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use serde_json::Value;

/// The API resource of an object, from its `apiVersion` and `kind`.
pub fn resource_of(object: &Value) -> (ApiResource, bool) {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let (plural, namespaced) = match kind {
        "Namespace" => ("namespaces", false),
        "Service" => ("services", true),
        "Event" => ("events", true),
        "Work" => ("works", true),
        "ResourceBinding" => ("resourcebindings", true),
        "MultiClusterService" => ("multiclusterservices", true),
        other => panic!("no plural known for {other}"),
    };
    (
        ApiResource {
            group: group.to_owned(),
            version: version.to_owned(),
            api_version: api_version.to_owned(),
            kind: kind.to_owned(),
            plural: plural.to_owned(),
        },
        namespaced,
    )
}

fn api_for(client: &Client, object: &Value) -> Api<DynamicObject> {
    let (resource, namespaced) = resource_of(object);
    match object["metadata"]["namespace"].as_str() {
        Some(ns) if namespaced => Api::namespaced_with(client.clone(), ns, &resource),
        _ => Api::all_with(client.clone(), &resource),
    }
}

fn name_of(object: &Value) -> String {
    object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn retryable(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => matches!(status.code, 429 | 500 | 502 | 503 | 504),
        _ => true,
    }
}

/// Runs `op` with a few retries on overload or transport errors.
async fn with_retries<T, F, Fut>(mut op: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < 8 && retryable(&e) => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(50 << attempt.min(5))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Creates objects (existing ones are left as they are), then writes the
/// given status through the status subresource. Returns (objects, status
/// writes, seconds).
pub async fn create_all(
    client: &Client,
    objects: Vec<(Value, Option<Value>)>,
    concurrency: usize,
) -> (usize, usize, f64) {
    let started = Instant::now();
    let count = objects.len();
    let statuses: usize = stream::iter(objects)
        .map(|(object, status)| {
            let client = client.clone();
            async move {
                let api = api_for(&client, &object);
                let name = name_of(&object);
                let dynamic: DynamicObject =
                    serde_json::from_value(object).expect("generated object is well formed");
                let post = PostParams::default();
                let created = with_retries(|| api.create(&post, &dynamic)).await;
                match created {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.code == 409 => {}
                    Err(e) => panic!("creating {name}: {e}"),
                }
                let Some(status) = status else { return 0 };
                let params = PatchParams::default();
                let patch = Patch::Merge(&status);
                with_retries(|| api.patch_status(&name, &params, &patch))
                    .await
                    .unwrap_or_else(|e| panic!("status of {name}: {e}"));
                1
            }
        })
        .buffer_unordered(concurrency)
        .fold(0, |acc, n| async move { acc + n })
        .await;
    (count, statuses, started.elapsed().as_secs_f64())
}

/// The API server's ceiling for server-side apply: one `Patch::Apply` per
/// object through `Api<DynamicObject>::patch`, `concurrency` in flight,
/// nothing else. Returns the seconds taken; panics on any failure.
pub async fn apply_ceiling(
    client: &Client,
    objects: &[(Api<DynamicObject>, String, DynamicObject)],
    manager: &str,
    concurrency: usize,
) -> f64 {
    let params = PatchParams::apply(manager);
    let started = Instant::now();
    stream::iter(objects)
        .map(|(api, name, object)| {
            let params = &params;
            async move { api.patch(name, params, &Patch::Apply(object)).await }
        })
        .buffer_unordered(concurrency)
        .try_for_each(|_| async { Ok(()) })
        .await
        .expect("server-side apply of the ceiling client");
    let _ = client;
    started.elapsed().as_secs_f64()
}

/// Prepares the ceiling client's requests outside the timed part.
pub fn ceiling_requests(
    client: &Client,
    objects: &[Value],
) -> Vec<(Api<DynamicObject>, String, DynamicObject)> {
    objects
        .iter()
        .map(|o| {
            (
                api_for(client, o),
                name_of(o),
                serde_json::from_value(o.clone()).expect("MCS object"),
            )
        })
        .collect()
}

fn mcs_resource() -> ApiResource {
    resource_of(&serde_json::json!({"apiVersion": "networking.karmada.io/v1alpha1", "kind": "MultiClusterService"})).0
}

/// Number of MultiClusterServices in these namespaces.
pub async fn count_mcs(client: &Client, namespaces: &[String]) -> usize {
    let resource = mcs_resource();
    stream::iter(namespaces)
        .map(|ns| {
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
            async move {
                let params = ListParams::default();
                with_retries(|| api.list_metadata(&params))
                    .await
                    .map(|l| l.items.len())
                    .unwrap_or(0)
            }
        })
        .buffer_unordered(16)
        .fold(0, |acc, n| async move { acc + n })
        .await
}

/// Deletes every MultiClusterService in these namespaces (one collection
/// delete each) and waits until none is left.
pub async fn clear_mcs(client: &Client, namespaces: &[String]) {
    let resource = mcs_resource();
    stream::iter(namespaces)
        .map(|ns| {
            let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
            async move {
                let (delete, list) = (DeleteParams::default(), ListParams::default());
                with_retries(|| api.delete_collection(&delete, &list))
                    .await
                    .expect("delete MultiClusterServices");
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    let deadline = Instant::now() + Duration::from_secs(300);
    while count_mcs(client, namespaces).await > 0 {
        assert!(
            Instant::now() < deadline,
            "MultiClusterServices not gone after 5 min"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Reads one MultiClusterService, if it exists.
pub async fn get_mcs(client: &Client, namespace: &str, name: &str) -> Option<Value> {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &mcs_resource());
    api.get_opt(name)
        .await
        .ok()
        .flatten()
        .map(|o| serde_json::to_value(o).expect("JSON"))
}

/// The resource version of the MCS list in a namespace (to start a watch from).
pub async fn mcs_list_version(client: &Client, namespace: &str) -> String {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &mcs_resource());
    api.list_metadata(&ListParams::default())
        .await
        .expect("list MCS")
        .metadata
        .resource_version
        .unwrap_or_default()
}

/// Watches one MCS from `version` until `done` holds for it; returns the
/// instant it was seen, or `None` after `timeout`.
pub async fn watch_until(
    client: &Client,
    namespace: &str,
    name: &str,
    version: &str,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> Option<Instant> {
    use kube::api::{WatchEvent, WatchParams};
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &mcs_resource());
    let params = WatchParams::default()
        .fields(&format!("metadata.name={name}"))
        .timeout(timeout.as_secs().max(1) as u32);
    let deadline = Instant::now() + timeout;
    let mut version = version.to_owned();
    while Instant::now() < deadline {
        let Ok(events) = api.watch(&params, &version).await else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let mut events = events.boxed();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let next = match tokio::time::timeout(remaining, events.next()).await {
                Ok(Some(Ok(event))) => event,
                Ok(Some(Err(_))) | Ok(None) => break,
                Err(_) => return None,
            };
            match next {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                    let seen = Instant::now();
                    if let Some(v) = &o.metadata.resource_version {
                        version = v.clone();
                    }
                    if done(&serde_json::to_value(&o).expect("JSON")) {
                        return Some(seen);
                    }
                }
                WatchEvent::Bookmark(b) => version = b.metadata.resource_version,
                WatchEvent::Deleted(_) => {}
                WatchEvent::Error(_) => break,
            }
        }
    }
    None
}

/// Number of objects of a kind across all namespaces, read through the API.
pub async fn count_all(client: &Client, api_version: &str, kind: &str) -> usize {
    let (resource, _) = resource_of(&serde_json::json!({"apiVersion": api_version, "kind": kind}));
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    let params = ListParams::default();
    with_retries(|| api.list_metadata(&params))
        .await
        .map(|l| l.items.len())
        .unwrap_or(0)
}
