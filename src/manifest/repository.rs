//! Whole-repository rules: file selection, duplicates, inventory, tenancy.
//!
//! Each file contributes at most [`MAX_DIAGNOSTICS_PER_FILE`] diagnostics,
//! so a generated or hostile file cannot bury the rest of the revision.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;

use super::diagnostic::{self, Diagnostic, Location, Rule, printable};
use super::inventory::{Inventory, MIN_KUBERNETES};
use super::limits::MAX_FILE_BYTES;
use super::model::{Located, MultiClusterService, ObjectKey};
use super::names::closest;
use super::parse::parse_file;
use super::repo_config::{REPO_CONFIG_FILE, RepoConfig};
use super::validate::validate_document;

/// One file of a revision, as the source layer found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoFile {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// What could be read.
    pub content: FileContent,
    /// The content's identity when the source knows it (a Git blob id):
    /// the same path and id mean the same content.
    pub id: Option<String>,
}

/// The content of a repository file, or why it was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileContent {
    /// The file's bytes (for a symlink inside the repository: its target's).
    Bytes(Vec<u8>),
    /// A symlink whose target lies outside the repository.
    SymlinkEscape {
        /// The link's target as stored.
        target: String,
    },
    /// A Git submodule: its content is not part of this repository.
    Submodule,
    /// A file too large to be configuration.
    TooLarge {
        /// Its size in bytes.
        size: u64,
    },
    /// Not a regular file (a named pipe, a socket, a device): reading it
    /// could block forever.
    NotAFile {
        /// What it is, e.g. "a named pipe".
        what: String,
    },
    /// Not read, because a [`ParseCache`](super::cache::ParseCache) already
    /// holds the results for this path and id.
    Unchanged,
}

impl RepoFile {
    /// A regular file.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        RepoFile {
            path: path.into(),
            content: FileContent::Bytes(bytes.into()),
            id: None,
        }
    }
}

/// Limits set by the operator, which a repository cannot widen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Namespaces objects may target; `None` allows all.
    pub allowed_namespaces: Option<BTreeSet<String>>,
    /// Clusters objects may name; `None` allows all.
    pub allowed_clusters: Option<BTreeSet<String>>,
}

/// The desired state of a revision.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Desired {
    /// Objects that passed every per-document rule, sorted by key. Shared
    /// with the parse cache: a revision that changes one file of thousands
    /// copies no other object.
    pub objects: Vec<Arc<MultiClusterService>>,
    /// Every problem of the revision, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
    /// The inventory from `mcs-gitops.yaml`, if it lists clusters.
    pub inventory: Option<Inventory>,
    /// How many configuration files were read.
    pub files_read: usize,
    /// What of the revision could not be read.
    pub invalid: Unreadable,
}

/// What of a revision could not be read, so that the live objects it may
/// define are not taken for objects Git dropped.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Unreadable {
    /// Objects read with errors, and their files.
    pub objects: BTreeMap<ObjectKey, String>,
    /// Files with errors.
    pub files: BTreeSet<String>,
}

impl Desired {
    /// Whether the revision may be applied (no errors; warnings allowed).
    pub fn is_valid(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }
}

/// Most diagnostics reported for one file; the rest are counted in one
/// last diagnostic, so a hostile file cannot flood the output.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 100;

/// Whether a path is a configuration file candidate: YAML, not hidden, not
/// the settings file.
pub fn is_candidate(path: &str) -> bool {
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    yaml && !is_hidden(path) && path != REPO_CONFIG_FILE && !is_policy_file(path)
}

/// The directory of the repository's exposure policies, beside the
/// configuration: its files are policies, not MultiClusterService objects.
pub const POLICY_DIR: &str = "policies";

/// Whether a path is a policy file of the repository: YAML under
/// [`POLICY_DIR`], not hidden.
pub fn is_policy_file(path: &str) -> bool {
    let yaml = path.ends_with(".yaml") || path.ends_with(".yml");
    yaml && !is_hidden(path)
        && path
            .strip_prefix(POLICY_DIR)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.'))
}

/// Whether a file is read (or refused with a diagnostic). Submodules and
/// symlinks out of the repository are refused whatever their name: either
/// may stand for a directory of configuration that would otherwise be
/// skipped without a word.
fn is_reported(file: &RepoFile) -> bool {
    let refused_whatever_the_name = matches!(
        file.content,
        FileContent::Submodule | FileContent::SymlinkEscape { .. }
    ) && !is_hidden(&file.path)
        && file.path != REPO_CONFIG_FILE;
    is_candidate(&file.path) || refused_whatever_the_name
}

/// Reads and validates a revision's files under the operator's policy,
/// checking clusters against the inventory of `mcs-gitops.yaml` if any.
pub fn load(files: &[RepoFile], policy: &Policy) -> Desired {
    load_against(files, policy, None)
}

/// Like [`load`], but checks clusters against `inventory` (the live
/// federation's) instead of the repository's own list.
pub fn load_against(files: &[RepoFile], policy: &Policy, inventory: Option<&Inventory>) -> Desired {
    load_with(files, policy, inventory, load_file)
}

/// Loads a revision, reading each file through `per_file` (which parses it,
/// or finds it in a cache).
pub fn load_with(
    files: &[RepoFile],
    policy: &Policy,
    inventory: Option<&Inventory>,
    mut per_file: impl FnMut(&RepoFile, &mut Vec<Diagnostic>) -> Vec<(Arc<MultiClusterService>, bool)>,
) -> Desired {
    let mut desired = Desired::default();
    let mut config = read_config(files, &mut desired.diagnostics);
    if let Some(inventory) = inventory {
        config.inventory = Some(inventory.clone());
    }
    let mut objects = Vec::new();
    let mut invalid = BTreeSet::new();
    for file in files {
        if !is_reported(file) || config.is_excluded(&file.path) {
            continue;
        }
        desired.files_read += 1;
        for (object, valid) in per_file(file, &mut desired.diagnostics) {
            if !valid {
                invalid.insert(object.origin.clone());
            }
            objects.push(object);
        }
    }
    objects.sort_by(|a, b| a.key.cmp(&b.key).then(a.origin.cmp(&b.origin)));
    let objects = dedupe(objects, &mut desired.diagnostics);
    if let Some(inventory) = &config.inventory {
        desired
            .diagnostics
            .extend(check_inventory(&objects, inventory));
    }
    desired.diagnostics.extend(check_policy(&objects, policy));
    desired.invalid = Unreadable {
        objects: objects
            .iter()
            .filter(|o| invalid.contains(&o.origin))
            .map(|o| (o.key.clone(), o.origin.file.clone()))
            .collect(),
        files: desired
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter_map(|d| Some(d.location.as_ref()?.file.clone()))
            .collect(),
    };
    desired.objects = objects
        .into_iter()
        .filter(|o| !invalid.contains(&o.origin))
        .collect();
    desired.inventory = config.inventory;
    diagnostic::sort(&mut desired.diagnostics);
    desired
}

fn read_config(files: &[RepoFile], diagnostics: &mut Vec<Diagnostic>) -> RepoConfig {
    let Some(file) = files.iter().find(|f| f.path == REPO_CONFIG_FILE) else {
        return RepoConfig::default();
    };
    match &file.content {
        FileContent::Bytes(bytes) => {
            let (config, problems) = RepoConfig::parse(bytes);
            diagnostics.extend(problems);
            config
        }
        _ => {
            diagnostics.push(refused(file).unwrap_or_else(|| {
                Diagnostic::error(Rule::RepoConfig, Location::file(&file.path), "unreadable")
            }));
            RepoConfig::default()
        }
    }
}

/// Parses and validates one file: each object read, with whether it is
/// valid; diagnostics are appended to `diagnostics`.
pub fn load_file(
    file: &RepoFile,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<(Arc<MultiClusterService>, bool)> {
    let FileContent::Bytes(bytes) = &file.content else {
        diagnostics.extend(refused(file));
        return Vec::new();
    };
    let parsed = parse_file(&file.path, bytes);
    let mut found = parsed.diagnostics;
    let mut objects = Vec::new();
    for document in parsed.documents {
        let (object, problems) = validate_document(&file.path, document);
        let valid = !problems.iter().any(Diagnostic::is_error);
        found.extend(problems);
        objects.extend(object.map(|o| (Arc::new(o), valid)));
    }
    diagnostics.extend(capped(found));
    objects
}

/// The first [`MAX_DIAGNOSTICS_PER_FILE`] diagnostics of a file, in order,
/// and one more that counts the others.
fn capped(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.len() <= MAX_DIAGNOSTICS_PER_FILE {
        return diagnostics;
    }
    diagnostic::sort(&mut diagnostics);
    let hidden = diagnostics.split_off(MAX_DIAGNOSTICS_PER_FILE);
    let Some(first) = hidden.first() else {
        return diagnostics;
    };
    let location = first.location.clone().unwrap_or_else(|| Location::file(""));
    let message = format!(
        "{} more problems in this file are not shown; the first of them is here",
        hidden.len()
    );
    let summary = if hidden.iter().any(Diagnostic::is_error) {
        Diagnostic::error(first.rule, location, message)
    } else {
        Diagnostic::warning(first.rule, location, message)
    };
    diagnostics.push(summary.with_hint(format!(
        "at most {MAX_DIAGNOSTICS_PER_FILE} problems are reported per file; fix these and run again"
    )));
    diagnostics
}

fn refused(file: &RepoFile) -> Option<Diagnostic> {
    let location = Location::file(&file.path);
    Some(match &file.content {
        FileContent::Bytes(_) => return None,
        FileContent::SymlinkEscape { target } => Diagnostic::error(
            Rule::SymlinkEscape,
            location,
            format!(
                "symlink to `{}` does not lead to a file of the repository (it leaves the repository, or enters a hidden directory such as .git/); it was not read",
                printable(target)
            ),
        )
        .with_hint("commit the files themselves instead of a link to them"),
        FileContent::Submodule => Diagnostic::error(
            Rule::FileUnreadable,
            location,
            "a Git submodule cannot hold configuration: its content is not part of this revision",
        )
        .with_hint("vendor the files or exclude the path in mcs-gitops.yaml"),
        FileContent::TooLarge { size } => Diagnostic::error(
            Rule::FileUnreadable,
            location,
            format!(
                "file has {size} bytes, more than the {MAX_FILE_BYTES}-byte limit for a configuration file; it was not read"
            ),
        )
        .with_hint("exclude generated or data files in mcs-gitops.yaml"),
        FileContent::NotAFile { what } => Diagnostic::error(
            Rule::FileUnreadable,
            location,
            format!("this is {what}, not a regular file; it was not read"),
        )
        .with_hint("configuration files must be regular files committed to the repository"),
        FileContent::Unchanged => Diagnostic::error(
            Rule::FileUnreadable,
            location,
            "the file was not read because it was cached, but the cache no longer holds it",
        )
        .with_hint("this is a bug in mcs-gitops: please report it; the next full run reads everything again"),
    })
}

fn dedupe(
    objects: Vec<Arc<MultiClusterService>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Arc<MultiClusterService>> {
    let mut kept: Vec<Arc<MultiClusterService>> = Vec::with_capacity(objects.len());
    for object in objects {
        match kept.last() {
            Some(first) if first.key == object.key => diagnostics.push(
                Diagnostic::error(
                    Rule::DuplicateObject,
                    object.origin.clone(),
                    format!("{} is defined twice", object.key),
                )
                .for_object(&object.key)
                .with_related(first.origin.clone(), "first defined here")
                .with_hint("keep one definition per Service: one file per Service"),
            ),
            _ => kept.push(object),
        }
    }
    kept
}

/// Checks every named cluster against an inventory: it must exist and run
/// Kubernetes 1.21 or later.
pub fn check_inventory(
    objects: &[Arc<MultiClusterService>],
    inventory: &Inventory,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for object in objects {
        for cluster in named_clusters(object) {
            if let Some(diagnostic) = check_cluster(object, cluster, inventory) {
                diagnostics.push(diagnostic);
            }
        }
    }
    diagnostics
}

/// Every cluster an object names, the deprecated fields' included: Karmada
/// 1.9 and later ignore those, but an older or a vendor's control plane may
/// still honour them, so they are held to the same inventory and tenancy
/// rules.
fn named_clusters(object: &MultiClusterService) -> impl Iterator<Item = &Located<String>> {
    let deprecated = &object.deprecated;
    let lists = [
        &deprecated.range_cluster_names,
        &deprecated.service_provision_clusters,
        &deprecated.service_consumption_clusters,
    ];
    object
        .provider_clusters
        .iter()
        .chain(object.consumer_clusters.iter())
        .chain(lists.into_iter().flatten().flatten())
}

fn check_cluster(
    object: &MultiClusterService,
    cluster: &Located<String>,
    inventory: &Inventory,
) -> Option<Diagnostic> {
    let name = cluster.value.as_str();
    let Some(info) = inventory.clusters.get(name) else {
        let known: Vec<&str> = inventory.names().collect();
        let hint = match closest(name, known.iter().copied()) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("known clusters: {}", known.join(", ")),
        };
        return Some(
            Diagnostic::error(
                Rule::UnknownCluster,
                cluster.location.clone(),
                format!("cluster `{name}` is not in {} (Karmada would accept it silently and expose nothing there)", inventory.source),
            )
            .for_object(&object.key)
            .with_hint(hint),
        );
    };
    let version = info.version()?;
    (!version.supports_mcs()).then(|| {
        Diagnostic::error(
            Rule::ClusterVersion,
            cluster.location.clone(),
            format!("cluster `{name}` runs Kubernetes {version}; MultiClusterService needs {MIN_KUBERNETES} or later"),
        )
        .for_object(&object.key)
        .with_hint(format!("upgrade `{name}` or remove it from this MultiClusterService"))
    })
}

/// Checks objects against the operator's tenancy policy.
pub fn check_policy(objects: &[Arc<MultiClusterService>], policy: &Policy) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for object in objects {
        if let Some(allowed) = &policy.allowed_namespaces
            && !allowed.contains(&object.key.namespace)
        {
            diagnostics.push(not_allowed_namespace(object, allowed));
        }
        let Some(allowed) = &policy.allowed_clusters else {
            continue;
        };
        for cluster in named_clusters(object).filter(|c| !allowed.contains(&c.value)) {
            diagnostics.push(
                Diagnostic::error(
                    Rule::ClusterNotAllowed,
                    cluster.location.clone(),
                    format!(
                        "cluster `{}` is outside the clusters this reconciler may expose to",
                        cluster.value
                    ),
                )
                .for_object(&object.key)
                .with_hint(format!("allowed clusters: {}", join(allowed))),
            );
        }
        if object.provider_clusters.is_empty() || object.consumer_clusters.is_empty() {
            diagnostics.push(all_clusters_not_allowed(object, allowed));
        }
        if let Some(field) = empty_deprecated_list(object) {
            diagnostics.push(deprecated_all_not_allowed(object, field, allowed));
        }
    }
    diagnostics
}

fn not_allowed_namespace(object: &MultiClusterService, allowed: &BTreeSet<String>) -> Diagnostic {
    Diagnostic::error(
        Rule::NamespaceNotAllowed,
        object.origin.clone(),
        format!(
            "namespace `{}` is outside the namespaces this reconciler may write",
            object.key.namespace
        ),
    )
    .for_object(&object.key)
    .with_hint(format!("allowed namespaces: {}", join(allowed)))
}

fn all_clusters_not_allowed(
    object: &MultiClusterService,
    allowed: &BTreeSet<String>,
) -> Diagnostic {
    let field = if object.provider_clusters.is_empty() {
        "providerClusters"
    } else {
        "consumerClusters"
    };
    Diagnostic::error(
        Rule::ClusterNotAllowed,
        object.origin.clone(),
        format!("{field} is empty, which means ALL clusters, but this reconciler may only name some clusters"),
    )
    .for_object(&object.key)
    .with_hint(format!("list the clusters explicitly; allowed: {}", join(allowed)))
}

/// The deprecated field that is present but names no cluster, if one is:
/// older control planes read it as every cluster.
fn empty_deprecated_list(object: &MultiClusterService) -> Option<&'static str> {
    let deprecated = &object.deprecated;
    [
        ("range.clusterNames", &deprecated.range_cluster_names),
        (
            "serviceProvisionClusters",
            &deprecated.service_provision_clusters,
        ),
        (
            "serviceConsumptionClusters",
            &deprecated.service_consumption_clusters,
        ),
    ]
    .into_iter()
    .find(|(_, list)| list.as_ref().is_some_and(Vec::is_empty))
    .map(|(field, _)| field)
}

fn deprecated_all_not_allowed(
    object: &MultiClusterService,
    field: &str,
    allowed: &BTreeSet<String>,
) -> Diagnostic {
    Diagnostic::error(
        Rule::ClusterNotAllowed,
        object.origin.clone(),
        format!("the deprecated spec.{field} is empty, which older control planes read as ALL clusters, but this reconciler may only name some clusters"),
    )
    .for_object(&object.key)
    .with_hint(format!("remove the deprecated field, or list clusters in it; allowed: {}", join(allowed)))
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
