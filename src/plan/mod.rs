//! Desired state versus live state, as a plan. Pure: no I/O.
//!
//! [`placement`] resolves where each MultiClusterService sends its Service
//! and its endpoints, given the federation's clusters.

pub mod placement;

pub use placement::{ClusterSet, Placement, SliceFlow, resolve};
