//! What a change between two revisions does to exposure. Pure: no I/O.
//!
//! The command layer reads both revisions and loads them with
//! `manifest::load` (the head against the live cluster list when a
//! federation is reached); [`compare`] then pairs their MultiClusterServices
//! ([`pairing`]: added, removed, changed, renamed, moved), resolves both
//! versions against the same clusters with `plan::resolve`, and explains the
//! difference as [`Finding`]s ([`exposure`]): who gains or loses access,
//! which providers start or stop, where the Service is newly delivered and
//! may overwrite a Service of the same name, what a deletion leaves behind.
//! With a live federation ([`live`]) it also knows where each Service runs
//! today and what a server-side dry run of the head said.
//!
//! The result, a [`Review`], is rendered by `report::review_markdown`,
//! `report::review_text` and `report::review_json`.

pub mod access;
pub mod exposure;
pub mod finding;
pub mod live;
pub mod pairing;

use std::collections::BTreeSet;

use serde::Serialize;

pub use access::{AccessCell, AccessRow};
pub use exposure::Side;
pub use finding::{ClusterList, Finding, Level};
pub use live::{Live, LiveOutcome, LiveSummary};
pub use pairing::Change;

use crate::manifest::{
    self, Desired, Diagnostic, InventorySource, ObjectKey, REPO_CONFIG_FILE, Rule,
};
use crate::plan::{FieldChange, field_changes};
use exposure::Context;

/// A revision as the user named it, and the commit it resolved to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// As given on the command line (`main`, `HEAD~1`, a SHA).
    pub name: String,
    /// The commit it resolved to.
    pub commit: Option<manifest::Revision>,
}

impl Revision {
    /// A revision and its commit.
    pub fn new(name: impl Into<String>, commit: Option<manifest::Revision>) -> Self {
        Revision {
            name: name.into(),
            commit,
        }
    }

    /// The name, with the short commit id when it differs.
    pub fn describe(&self) -> String {
        match &self.commit {
            Some(commit) if !commit.as_str().starts_with(&self.name) => {
                format!("{} ({})", self.name, commit.short())
            }
            Some(commit) => commit.short().to_owned(),
            None => self.name.clone(),
        }
    }
}

/// The clusters the review resolved "all clusters" against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Clusters {
    /// Where the list came from; `None` when no list is known.
    pub source: Option<InventorySource>,
    /// Today's clusters, when known.
    pub names: Option<BTreeSet<String>>,
}

/// What one MCS change does.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceReview {
    /// Namespace and name (the head's for a rename).
    pub key: ObjectKey,
    /// Added, removed, changed, renamed, moved.
    pub change: Change,
    /// The base version.
    pub base: Option<Side>,
    /// The head version.
    pub head: Option<Side>,
    /// Changed fields of the object as it is applied (when it is in both
    /// revisions).
    pub fields: Vec<FieldChange>,
    /// What the change does, in reading order.
    pub findings: Vec<Finding>,
    /// Rows of the access matrix.
    pub access: Vec<AccessRow>,
    /// Where the Service runs today, when the federation was reached.
    pub running: Option<BTreeSet<String>>,
    /// What the federation said about the change, when reached.
    pub live: Option<LiveOutcome>,
}

/// The whole review of a change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    /// Where the change starts.
    pub base: Revision,
    /// Where it ends.
    pub head: Revision,
    /// The clusters "all" was resolved against.
    pub clusters: Clusters,
    /// Columns of the access matrix: today's clusters, then any other
    /// cluster an MCS names.
    pub columns: Vec<String>,
    /// Every changed MCS, by key.
    pub services: Vec<ServiceReview>,
    /// Diagnostics of the head revision: every error, and the warnings
    /// about what the change touches.
    pub diagnostics: Vec<Diagnostic>,
    /// Warnings of the head about objects the change does not touch.
    pub other_warnings: usize,
    /// Errors of the base revision (objects invalid there look added).
    pub base_errors: usize,
    /// The federation, when reached.
    pub live: Option<LiveSummary>,
}

/// The outcome of a review in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// No MultiClusterService changes.
    NoChanges,
    /// Changes that may be applied.
    Changes,
    /// The head revision is invalid, or the federation refused a change.
    Invalid,
}

/// Counts for the verdict line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// MCS added.
    pub added: usize,
    /// MCS removed.
    pub removed: usize,
    /// MCS changed.
    pub changed: usize,
    /// MCS renamed.
    pub renamed: usize,
    /// MCS moved to another file.
    pub moved: usize,
    /// MCS whose head version has errors.
    pub not_comparable: usize,
    /// Service/cluster pairs that gain access.
    pub gain_access: usize,
    /// Service/cluster pairs that lose access.
    pub lose_access: usize,
    /// Findings that deserve a second look.
    pub cautions: usize,
    /// Errors of the head revision.
    pub errors: usize,
    /// Changes the federation refused in a dry run.
    pub rejected: usize,
}

impl Review {
    /// Counts by kind.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary {
            errors: self.diagnostics.iter().filter(|d| d.is_error()).count(),
            ..Summary::default()
        };
        for service in &self.services {
            let count = match service.change {
                Change::Added => &mut summary.added,
                Change::Removed => &mut summary.removed,
                Change::Changed => &mut summary.changed,
                Change::Renamed => &mut summary.renamed,
                Change::Moved => &mut summary.moved,
                Change::NotComparable => &mut summary.not_comparable,
            };
            *count += 1;
            let cells = service.access.iter().flat_map(|r| &r.cells);
            for cell in cells.filter(|c| c.cluster.is_some()) {
                summary.gain_access += usize::from(cell.gains());
                summary.lose_access += usize::from(cell.loses());
            }
            summary.cautions += service
                .findings
                .iter()
                .filter(|f| f.level() == Level::Caution)
                .count();
            summary.rejected += usize::from(service.live.as_ref().is_some_and(|l| l.is_rejected()));
        }
        summary
    }

    /// The outcome in one word.
    pub fn verdict(&self) -> Verdict {
        let summary = self.summary();
        if summary.errors > 0 || summary.rejected > 0 {
            Verdict::Invalid
        } else if self.services.is_empty() {
            Verdict::NoChanges
        } else {
            Verdict::Changes
        }
    }
}

/// Compares the base and head revisions, loaded by `manifest::load` (the
/// head against the live inventory when `live` is given).
pub fn compare(
    base: Revision,
    head: Revision,
    before: &Desired,
    after: &Desired,
    live: Option<Live<'_>>,
) -> Review {
    let diagnostics = head_diagnostics(after, live);
    let clusters = clusters(after, live);
    let context = Context {
        known: clusters.names.as_ref(),
        live: live.map(|l| l.state),
    };
    let pairs = pairing::pair(&before.objects, &after.objects, &diagnostics);
    let mut services: Vec<ServiceReview> = pairs
        .iter()
        .map(|pair| service_review(pair, context, live))
        .collect();
    let columns = columns(&clusters, &services);
    for (service, pair) in services.iter_mut().zip(&pairs) {
        service.access = access::access_rows(
            pair.change,
            service.base.as_ref(),
            service.head.as_ref(),
            &columns,
        );
    }
    let (diagnostics, other_warnings) = relevant(diagnostics, &services);
    let reviewed = reviewed_keys(&services);
    Review {
        base,
        head,
        clusters,
        columns,
        services,
        diagnostics,
        other_warnings,
        base_errors: before.error_count(),
        live: live.map(|l| live::summary(l, &reviewed)),
    }
}

/// The clusters "all" means: the live federation's, else the head's
/// inventory, if it lists any.
fn clusters(after: &Desired, live: Option<Live<'_>>) -> Clusters {
    match live {
        Some(live) => Clusters {
            source: Some(InventorySource::Federation),
            names: Some(live.state.cluster_names()),
        },
        None => Clusters {
            source: after.inventory.as_ref().map(|i| i.source),
            names: after
                .inventory
                .as_ref()
                .map(|i| i.names().map(str::to_owned).collect()),
        },
    }
}

/// The head's diagnostics; against a live federation, the plan's (which
/// add the live checks). The plan's overwrite warnings are left out: the
/// review says the same per changed Service, with the base to compare to.
fn head_diagnostics(after: &Desired, live: Option<Live<'_>>) -> Vec<Diagnostic> {
    match live {
        Some(live) => live
            .plan
            .diagnostics
            .iter()
            .filter(|d| d.rule != Rule::ServiceOverwrite)
            .cloned()
            .collect(),
        None => after.diagnostics.clone(),
    }
}

fn service_review(
    pair: &pairing::Pair<'_>,
    context: Context<'_>,
    live: Option<Live<'_>>,
) -> ServiceReview {
    let base = pair.base.map(|m| Side::new(m, context.known));
    let head = pair.head.map(|m| Side::new(m, context.known));
    let manifest = |side: &Option<Side>| side.as_ref().map(|s| s.mcs.to_manifest());
    let fields = match (&base, &head) {
        (Some(_), Some(_)) => field_changes(manifest(&base).as_ref(), manifest(&head).as_ref()),
        _ => Vec::new(),
    };
    let findings = exposure::findings(pair.change, base.as_ref(), head.as_ref(), context);
    let key = pair.key().clone();
    ServiceReview {
        running: context.running(&key),
        live: live.map(|l| live::outcome(l.plan, &key)),
        key,
        change: pair.change,
        base,
        head,
        fields,
        findings,
        access: Vec::new(),
    }
}

/// Today's clusters, then clusters named by a reviewed object but unknown.
fn columns(clusters: &Clusters, services: &[ServiceReview]) -> Vec<String> {
    let known = clusters.names.clone().unwrap_or_default();
    let named: BTreeSet<String> = services
        .iter()
        .flat_map(|s| s.base.iter().chain(s.head.iter()))
        .flat_map(|side| side.mcs.providers().chain(side.mcs.consumers()))
        .filter(|c| !known.contains(*c))
        .map(str::to_owned)
        .collect();
    known.into_iter().chain(named).collect()
}

fn reviewed_keys(services: &[ServiceReview]) -> BTreeSet<ObjectKey> {
    services
        .iter()
        .flat_map(|s| s.base.iter().chain(s.head.iter()))
        .map(|side| side.mcs.key.clone())
        .collect()
}

/// Keeps every error, and the warnings about what the change touches (its
/// objects and files, the settings file, the revision as a whole); counts
/// the other warnings.
fn relevant(diagnostics: Vec<Diagnostic>, services: &[ServiceReview]) -> (Vec<Diagnostic>, usize) {
    let keys = reviewed_keys(services);
    let files: BTreeSet<&str> = services
        .iter()
        .flat_map(|s| s.base.iter().chain(s.head.iter()))
        .map(|side| side.mcs.origin.file.as_str())
        .chain([REPO_CONFIG_FILE])
        .collect();
    let (kept, other): (Vec<Diagnostic>, Vec<Diagnostic>) =
        diagnostics.into_iter().partition(|d| {
            let file = d.location.as_ref().map(|l| l.file.as_str());
            d.is_error()
                || d.object.as_ref().is_some_and(|o| keys.contains(o))
                || file.is_none_or(|f| files.contains(f))
        });
    (kept, other.len())
}
