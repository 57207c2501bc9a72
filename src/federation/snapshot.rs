//! One consistent-enough read of the live state: six lists, sent
//! concurrently, each reduced to what plans read as it arrives; or three
//! lists and a running daemon's placement (`plan --daemon`).

use std::collections::BTreeSet;
use std::sync::Arc;

use futures::future::try_join_all;
use kube::api::ListParams;
use kube::core::Request;
use serde_json::Value;

use super::api::{Reading, Scope};
use super::error::{ApiError, ReadError};
use super::kube::KubeFederation;
use super::resources::{
    CLUSTER, EVENT, MULTI_CLUSTER_SERVICE, RESOURCE_BINDING, Resource, SERVICE, WORK, list_raw,
};
use crate::manifest::ObjectKey;
use crate::plan::Retry;
use crate::plan::live::{
    LiveBinding, LiveCluster, LiveEvent, LiveObject, LiveState, LiveWork, WORK_MCS_NAME_LABEL,
};

impl KubeFederation {
    /// Reads what `reading` asks for: placement (bindings, Works, Events)
    /// is by far the largest part of a federation's state, and applying
    /// does not need it.
    pub(super) async fn list_state(
        &self,
        scope: &Scope,
        reading: Reading,
    ) -> Result<LiveState, ReadError> {
        if reading == Reading::Objects {
            return self.objects_only(scope).await;
        }
        if let Some(daemon) = &self.placement {
            let (mut state, document) = tokio::try_join!(self.objects_only(scope), daemon.read())?;
            document
                .fill(&mut state, scope)
                .map_err(|reason| ReadError::Daemon {
                    url: daemon.url().to_owned(),
                    reason,
                    retry: Retry::Terminal,
                })?;
            return Ok(state);
        }
        let all = ListParams::default();
        let works = ListParams::default().labels(WORK_MCS_NAME_LABEL);
        let events = ListParams::default().fields("involvedObject.kind=MultiClusterService");
        let (clusters, objects, services, bindings, work_items, event_items) = tokio::try_join!(
            self.list(&CLUSTER, &Scope::AllNamespaces, &all),
            self.list(&MULTI_CLUSTER_SERVICE, scope, &all),
            self.service_keys(scope),
            self.list(&RESOURCE_BINDING, scope, &all),
            self.list(&WORK, &Scope::AllNamespaces, &works),
            self.list(&EVENT, scope, &events),
        )?;
        let mut state = LiveState {
            clusters: clusters
                .iter()
                .filter_map(LiveCluster::from_object)
                .map(|c| (c.name.clone(), c))
                .collect(),
            services,
            bindings: bindings
                .iter()
                .filter_map(LiveBinding::from_object)
                .collect(),
            works: work_items
                .iter()
                .filter_map(LiveWork::from_object)
                .map(Arc::new)
                .collect(),
            events: event_items
                .iter()
                .filter_map(LiveEvent::from_object)
                .collect(),
            ..LiveState::default()
        };
        state.objects = objects
            .into_iter()
            .filter_map(|o| LiveObject::from_object(o, &self.instance))
            .map(|o| (o.key.clone(), o))
            .collect();
        state.sort_placement();
        Ok(state)
    }

    async fn objects_only(&self, scope: &Scope) -> Result<LiveState, ReadError> {
        let all = ListParams::default();
        let (clusters, objects, services) = tokio::try_join!(
            self.list(&CLUSTER, &Scope::AllNamespaces, &all),
            self.list(&MULTI_CLUSTER_SERVICE, scope, &all),
            self.service_keys(scope),
        )?;
        Ok(LiveState {
            clusters: clusters
                .iter()
                .filter_map(LiveCluster::from_object)
                .map(|c| (c.name.clone(), c))
                .collect(),
            objects: objects
                .into_iter()
                .filter_map(|o| LiveObject::from_object(o, &self.instance))
                .map(|o| (o.key.clone(), o))
                .collect(),
            services,
            objects_only: true,
            ..LiveState::default()
        })
    }

    async fn list(
        &self,
        resource: &'static Resource,
        scope: &Scope,
        params: &ListParams,
    ) -> Result<Vec<Value>, ReadError> {
        let lists = scope
            .namespaces()
            .into_iter()
            .map(|ns| list_raw(&self.client, resource, ns, params));
        let pages = try_join_all(lists)
            .await
            .map_err(|e| list_failed(resource, &e))?;
        Ok(pages.into_iter().flatten().collect())
    }

    /// Service keys, read as metadata only (the Services' specs are not needed).
    async fn service_keys(&self, scope: &Scope) -> Result<BTreeSet<ObjectKey>, ReadError> {
        let mut keys = BTreeSet::new();
        for ns in scope.namespaces() {
            let request = Request::new(SERVICE.url(ns));
            let http = request
                .list_metadata(&ListParams::default())
                .map_err(|e| list_failed(&SERVICE, &kube::Error::BuildRequest(e)))?;
            let list: Value = self
                .client
                .request(http)
                .await
                .map_err(|e| list_failed(&SERVICE, &e))?;
            let items = list
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            keys.extend(items.iter().filter_map(|item| {
                Some(ObjectKey::new(
                    item.pointer("/metadata/namespace")?.as_str()?,
                    item.pointer("/metadata/name")?.as_str()?,
                ))
            }));
        }
        Ok(keys)
    }
}

fn list_failed(resource: &Resource, error: &kube::Error) -> ReadError {
    ReadError::ListFailed {
        resource: resource.plural,
        source: ApiError::from_kube(error),
    }
}
