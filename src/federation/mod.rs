//! I/O with the Karmada control plane: read the live state, write with
//! server-side apply, prune.
//!
//! Reads are a handful of cluster-wide, label- or field-selected lists (no
//! per-object GETs, no discovery round-trips: the resources are known). All
//! interpretation of what is read happens in `plan::live`, which is pure.

pub mod cache;
pub mod client;
pub mod resources;
pub mod snapshot;
pub mod write;

pub use client::{ConnectOptions, connect};
pub use snapshot::{Reading, Scope};
pub use write::{ApplyOptions, ApplyReport, ObjectOutcome, ObjectResult};

use kube::Client;

/// A connection to a federation's control plane.
#[derive(Clone)]
pub struct Federation {
    client: Client,
    instance: String,
}

impl Federation {
    /// Wraps a client; `instance` names this reconciler's ownership label.
    pub fn new(client: Client, instance: impl Into<String>) -> Self {
        Federation {
            client,
            instance: instance.into(),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// This reconciler's instance name.
    pub fn instance(&self) -> &str {
        &self.instance
    }
}

/// Whether an error is worth retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Likely to pass later: connection trouble, timeouts, 429, 5xx.
    Transient,
    /// Will fail again until something changes: 4xx, bad configuration.
    Terminal,
}

/// Errors of the federation layer.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// No usable kubeconfig or in-cluster configuration.
    #[error("cannot configure the Kubernetes client: {0}")]
    ConfigFailed(String),
    /// Listing a resource failed.
    #[error("listing {resource} failed: {reason}")]
    ListFailed {
        /// What was listed.
        resource: &'static str,
        /// The API's reason, in words.
        reason: String,
        /// Whether to retry.
        retry: Retry,
    },
}

impl FederationError {
    /// Whether retrying may help.
    pub fn retry(&self) -> Retry {
        match self {
            FederationError::ConfigFailed(_) => Retry::Terminal,
            FederationError::ListFailed { retry, .. } => *retry,
        }
    }
}

/// Classifies a client error and puts it in words.
pub fn describe(error: &kube::Error) -> (String, Retry) {
    match error {
        kube::Error::Api(status) => {
            let retry = match status.code {
                429 | 500..=599 => Retry::Transient,
                _ => Retry::Terminal,
            };
            let reason = match status.code {
                401 => format!(
                    "unauthorized: the credentials were refused ({})",
                    status.message
                ),
                403 => format!("forbidden: {}", status.message),
                404 => format!(
                    "not found: {} (is Karmada's API installed?)",
                    status.message
                ),
                _ => format!("{} ({})", status.message, status.reason),
            };
            (reason, retry)
        }
        other => (other.to_string(), Retry::Transient),
    }
}
