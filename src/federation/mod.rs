//! I/O with the Karmada control plane: read the live state, write with
//! server-side apply, prune.
//!
//! [`api`] says what the rest of mcs-gitops needs from a control plane, as
//! traits; [`kube`] serves it through a Kubernetes client. Reads are a
//! handful of cluster-wide, label- or field-selected lists ([`snapshot`])
//! or watches kept in memory ([`cache`]), with no per-object GETs and no
//! discovery round-trips: the resources are known ([`resources`]); `plan
//! --daemon` takes placement from a running daemon instead ([`remote`]). All
//! interpretation of what is read happens in `plan::live`, which is pure.
//! Every failure is classified once, where the API's answer is read
//! ([`error`]).

pub mod api;
pub mod cache;
pub mod error;
pub mod kube;
pub mod remote;
pub mod resources;
pub mod snapshot;
pub mod write;

pub use api::{ApplyOptions, Federation, Reading, Scope, Watched};
pub use error::{ApiError, ConnectError, ReadError};
pub use kube::{ConnectOptions, KubeFederation, connect};
