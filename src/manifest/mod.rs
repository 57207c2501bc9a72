//! Repository files to validated MultiClusterService objects. Pure: no I/O.
//!
//! The `source` layer hands over the files of a revision as bytes
//! ([`RepoFile`]); this module selects the configuration files, parses every
//! YAML document, applies the per-document rules and then the rules that
//! need the whole repository (duplicates, cluster inventory, tenancy). The
//! result is a [`Desired`] state: the objects that passed, and every
//! [`Diagnostic`] of the revision.

pub mod cache;
pub mod diagnostic;
pub mod document;
pub mod inventory;
pub mod key;
pub mod label_keys;
pub mod limits;
pub mod locate;
pub mod model;
pub mod names;
pub mod parse;
pub mod repo_config;
pub mod repository;
pub mod revision;
pub mod scalar;
pub mod validate;
pub mod yaml_error;
pub mod yaml_tree;

pub use cache::ParseCache;
pub use diagnostic::{Diagnostic, Location, Rule, Severity};
pub use inventory::{ClusterInfo, Inventory, InventorySource, KubeVersion};
pub use model::{ExposureType, MultiClusterService, ObjectKey, Port};
pub use repo_config::{REPO_CONFIG_FILE, RepoConfig};
pub use repository::{
    Desired, FileContent, POLICY_DIR, Policy, RepoFile, check_inventory, check_policy,
    is_policy_file, load, load_against,
};
pub use revision::Revision;
