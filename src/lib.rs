//! mcs-gitops makes a Karmada federation's MultiClusterService (MCS) objects
//! match a Git repository, and tells the repository what really happened.
//!
//! Data flows one way:
//!
//! 1. [`source`] reads a revision of the repository (a directory, or a Git
//!    commit's tree) into plain files;
//! 2. [`manifest`] (pure) parses and validates them into the desired MCS
//!    objects, collecting every problem as a diagnostic;
//! 3. [`federation`] reads the live state of the Karmada control plane
//!    (Clusters, MCS, Services, ResourceBindings, Works) and writes with
//!    server-side apply;
//! 4. [`plan`] (pure) compares desired with live: object changes, and where
//!    each Service's endpoints flow (provider cluster to consumer cluster);
//!    [`policy`] (pure) checks each object's resolved exposure against the
//!    exposure policies (CEL);
//! 5. [`report`] (pure) renders diagnostics, plans, reviews and status files
//!    as text, Markdown or JSON;
//! 6. `reconcile` is that pipeline, stage by stage: every command and the
//!    daemon run it, and it alone decides whether a revision may be
//!    applied; [`review`] (pure) compares two revisions for a pull request.
//!
//! Arrows point inward: `manifest` imports nothing of ours, `plan` only
//! `manifest`, `policy` only `manifest` and `plan`, `report` and `review` only the pure core. Only `reconcile`,
//! the daemon and the command-line layer know the I/O layers.

pub mod cli;
pub mod commands;
pub(crate) mod config;
pub mod daemon;
pub mod federation;
pub mod forge;
pub mod history;
pub mod manifest;
pub mod plan;
pub mod policy;
pub(crate) mod reconcile;
pub mod report;
pub mod review;
pub mod source;
