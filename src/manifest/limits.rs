//! The budget a configuration file is parsed on: a MultiClusterService is
//! small and shallow, so every limit sits far above any real one and far
//! below what a generated or hostile file would need.

use serde_saphyr::{Budget, Options};

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;
/// Most YAML documents one file may hold.
pub const MAX_DOCUMENTS: usize = 1_000;
/// Deepest nesting of lists and mappings; a MultiClusterService needs four.
pub const MAX_DEPTH: usize = 32;
/// Most values (scalars, lists, mappings) in one document, aliases expanded.
pub const MAX_NODES: usize = 100_000;
/// Most aliases (`*name`) in one document.
pub const MAX_ALIASES: usize = 1_000;
/// Most parser events that aliases may replay in one document: enough to
/// share a list of clusters, far too few for an alias bomb.
pub const MAX_ALIAS_EVENTS: usize = 10_000;

/// The parser settings for configuration files: strict, and on a budget no
/// real MultiClusterService comes near.
pub fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_reader_input_bytes = Some(MAX_FILE_BYTES);
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_events = 3 * MAX_NODES;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_merge_keys = MAX_ALIASES;
    budget.max_recorded_anchor_events = MAX_ALIAS_EVENTS;
    budget.max_recorded_anchor_bytes = MAX_FILE_BYTES;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    options.alias_limits.max_replay_stack_depth = MAX_DEPTH;
    options.reject_unsupported_tags = true;
    options
}
