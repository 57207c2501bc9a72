//! Placement read from a running daemon, for `plan --daemon`: the document
//! the daemon's `GET /v1/placement` serves from its watched state, and the
//! client that reads it.
//!
//! Only placement travels (ResourceBindings, Works and Events, in the
//! reduced form plans read); the objects a plan diffs (Clusters, MCS,
//! Services) are always read from the API by the plan itself. A plan
//! filled from the document is the plan a full read gives, as long as the
//! daemon's watches are current: the Works list, the bulk of a full read,
//! is what the daemon already holds.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::api::Scope;
use super::error::ReadError;
use crate::forge::http::{Http, Method, SendError};
use crate::manifest::ObjectKey;
use crate::plan::Retry;
use crate::plan::live::{LiveBinding, LiveEvent, LiveState, LiveWork};
use crate::source::auth::Secret;

/// Where the daemon serves its placement.
pub const PLACEMENT_PATH: &str = "/v1/placement";

/// The document's `apiVersion`.
pub const API_VERSION: &str = "mcs-gitops.io/placement/v1";

/// The largest document read: the placement of 10,000 MCS is about 25 MB.
const MAX_DOCUMENT: usize = 512 * 1024 * 1024;

/// The placement of a watched live state, as the daemon serves it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PlacementDocument {
    /// [`API_VERSION`].
    pub api_version: String,
    /// The namespaces the daemon watches; absent when it watches all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<BTreeSet<String>>,
    /// Service placements.
    pub bindings: Vec<BindingEntry>,
    /// Works of MultiClusterServices, sorted by MCS and cluster.
    pub works: Vec<Arc<LiveWork>>,
    /// Events about MultiClusterServices, oldest first.
    pub events: Vec<LiveEvent>,
}

/// One Service's placement.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct BindingEntry {
    /// The Service.
    pub service: ObjectKey,
    /// Where it is placed.
    #[serde(flatten)]
    pub binding: LiveBinding,
}

impl PlacementDocument {
    /// The placement part of `state`, watched in `scope`.
    pub fn of(state: &LiveState, scope: &Scope) -> Self {
        PlacementDocument {
            api_version: API_VERSION.to_owned(),
            namespaces: match scope {
                Scope::AllNamespaces => None,
                Scope::Namespaces(set) => Some(set.clone()),
            },
            bindings: state
                .bindings
                .iter()
                .map(|(service, binding)| BindingEntry {
                    service: service.clone(),
                    binding: binding.clone(),
                })
                .collect(),
            works: state.works.clone(),
            events: state.events.clone(),
        }
    }

    /// Fills the placement of `state` (read with objects only) from the
    /// document, as a full read in `scope` would have found it: bindings
    /// and Events of the namespaces in scope, every Work. Refused when the
    /// daemon does not watch everything `scope` covers.
    pub fn fill(self, state: &mut LiveState, scope: &Scope) -> Result<(), String> {
        if self.api_version != API_VERSION {
            return Err(format!(
                "the daemon serves {}, this plan reads {API_VERSION}",
                self.api_version
            ));
        }
        if let Some(watched) = &self.namespaces {
            let missing: Vec<&str> = match scope {
                Scope::AllNamespaces => vec!["every namespace"],
                Scope::Namespaces(wanted) => wanted
                    .iter()
                    .filter(|ns| !watched.contains(*ns))
                    .map(String::as_str)
                    .collect(),
            };
            if !missing.is_empty() {
                return Err(format!(
                    "the daemon watches only {}; this plan reads {}",
                    watched.iter().cloned().collect::<Vec<_>>().join(", "),
                    missing.join(", ")
                ));
            }
        }
        let in_scope = |namespace: &str| match scope {
            Scope::AllNamespaces => true,
            Scope::Namespaces(set) => set.contains(namespace),
        };
        state.bindings = self
            .bindings
            .into_iter()
            .filter(|entry| in_scope(&entry.service.namespace))
            .map(|entry| (entry.service, entry.binding))
            .collect();
        state.works = self.works;
        state.events = self
            .events
            .into_iter()
            .filter(|event| in_scope(&event.mcs.namespace))
            .collect();
        state.sort_placement();
        state.objects_only = false;
        Ok(())
    }
}

/// A daemon to read placement from, and the token it asks for.
#[derive(Clone)]
pub struct RemotePlacement {
    url: String,
    token: Secret,
    http: Http,
}

impl RemotePlacement {
    /// The daemon at `base` (`http://host:port`), authenticated with `token`.
    pub fn new(base: &str, token: Secret) -> Result<Self, SendError> {
        let url = format!("{}{PLACEMENT_PATH}", base.trim_end_matches('/'));
        let http = Http::new()?.with_answer_limit(MAX_DOCUMENT);
        Ok(RemotePlacement { url, token, http })
    }

    /// Asks the daemon for its placement.
    pub async fn read(&self) -> Result<PlacementDocument, ReadError> {
        let bearer = format!("Bearer {}", self.token.expose());
        let headers = [("authorization", bearer.as_str())];
        let answer = self
            .http
            .send(Method::Get, &self.url, &headers, None)
            .await
            .map_err(|e| failed(&self.url, e.to_string(), Retry::Transient))?;
        if answer.status != 200 {
            let text = String::from_utf8_lossy(&answer.body);
            let retry = if answer.status == 503 {
                Retry::Transient
            } else {
                Retry::Terminal
            };
            let reason = format!("HTTP {}: {}", answer.status, text.trim());
            return Err(failed(&self.url, reason, retry));
        }
        serde_json::from_slice(&answer.body).map_err(|e| {
            let reason = format!("not a placement document: {e}");
            failed(&self.url, reason, Retry::Terminal)
        })
    }

    /// The URL asked.
    pub fn url(&self) -> &str {
        &self.url
    }
}

fn failed(url: &str, reason: String, retry: Retry) -> ReadError {
    ReadError::Daemon {
        url: url.to_owned(),
        reason,
        retry,
    }
}

#[cfg(test)]
mod tests;
