//! Where the daemon keeps what must survive it: the last commit whose
//! signature it verified and the last revision it applied. A restarted
//! replica, or a new leader, reads them back, so an unsigned commit that was
//! refused stays refused after an OOM kill or a rollout, and a rollback to
//! an older signed commit is still seen as one.
//!
//! They are annotations on a Lease of the daemon's own, in the cluster, where
//! RBAC guards them: anyone who can push to the repository can also push to
//! the status branch, so Git cannot hold them.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, PostParams};

use crate::federation::ApiError;

/// Annotation holding the last verified commit.
pub const LAST_VERIFIED_ANNOTATION: &str = "mcs-gitops.io/last-verified-commit";
/// Annotation holding the last applied revision.
pub const LAST_APPLIED_ANNOTATION: &str = "mcs-gitops.io/last-applied-revision";

/// What is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The last commit whose signature was verified.
    pub last_verified: Option<String>,
    /// The last revision applied without errors.
    pub last_applied: Option<String>,
}

/// Where the record is kept.
#[derive(Clone)]
pub enum Keeper {
    /// Annotations on a Lease.
    Lease {
        /// The Leases of the daemon's namespace.
        api: Box<Api<Lease>>,
        /// The Lease's name.
        name: String,
    },
    /// In memory only: lost with the process (a daemon that verifies no
    /// signatures, and tests).
    Memory(Arc<Mutex<Record>>),
}

impl Keeper {
    /// A keeper in memory.
    pub fn in_memory() -> Self {
        Keeper::Memory(Arc::default())
    }

    /// Whether the record outlives the process.
    pub fn is_durable(&self) -> bool {
        matches!(self, Keeper::Lease { .. })
    }

    /// Reads the record; an absent Lease is an empty record.
    pub async fn load(&self) -> Result<Record, ApiError> {
        match self {
            Keeper::Memory(record) => Ok(record.lock().expect("record lock").clone()),
            Keeper::Lease { api, name } => {
                let lease = api
                    .get_opt(name)
                    .await
                    .map_err(|e| ApiError::from_kube(&e))?;
                let annotations = lease
                    .and_then(|l| l.metadata.annotations)
                    .unwrap_or_default();
                Ok(Record {
                    last_verified: annotations.get(LAST_VERIFIED_ANNOTATION).cloned(),
                    last_applied: annotations.get(LAST_APPLIED_ANNOTATION).cloned(),
                })
            }
        }
    }

    /// Writes the record, creating the Lease the first time.
    pub async fn save(&self, record: &Record) -> Result<(), ApiError> {
        let (api, name) = match self {
            Keeper::Memory(kept) => {
                *kept.lock().expect("record lock") = record.clone();
                return Ok(());
            }
            Keeper::Lease { api, name } => (api, name),
        };
        let error = |e: kube::Error| ApiError::from_kube(&e);
        let existing = api.get_opt(name).await.map_err(error)?;
        let mut lease = existing.clone().unwrap_or_else(|| Lease {
            metadata: kube::api::ObjectMeta {
                name: Some(name.clone()),
                ..Default::default()
            },
            ..Default::default()
        });
        let annotations = lease.metadata.annotations.get_or_insert_with(BTreeMap::new);
        for (key, value) in [
            (LAST_VERIFIED_ANNOTATION, &record.last_verified),
            (LAST_APPLIED_ANNOTATION, &record.last_applied),
        ] {
            match value {
                Some(value) => annotations.insert(key.to_owned(), value.clone()),
                None => annotations.remove(key),
            };
        }
        let params = PostParams::default();
        match existing {
            Some(_) => api.replace(name, &params, &lease).await.map(drop),
            None => api.create(&params, &lease).await.map(drop),
        }
        .map_err(error)
    }
}
