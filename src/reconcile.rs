//! One pass of the pipeline: a revision's files and the live federation in,
//! a plan (and, when applying, a per-object report) out.
//!
//! The order is the canonical GitOps one: read the live state, validate the
//! revision as a whole against it, plan, and only then write. A revision with
//! any error is never partly applied. `plan`, `apply --dry-run`, `review` and
//! the daemon all run this same code and differ only in where they stop.

use crate::federation::{ApplyOptions, ApplyReport, Federation, FederationError, Reading, Scope};
use crate::manifest::{self, Desired, Policy, RepoFile};
use crate::plan::checks::live_inventory;
use crate::plan::{ChangeOptions, LiveState, Plan, Previous};

/// Everything that shapes a reconcile, resolved from flags and files.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Tenancy limits.
    pub policy: Policy,
    /// Which namespaces to read.
    pub scope: Scope,
    /// How changes are classified (instance, adopt, recreate, prune guard).
    pub changes: ChangeOptions,
    /// How writes are made.
    pub apply: ApplyOptions,
}

/// A revision planned against the live state.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The validated revision.
    pub desired: Desired,
    /// The live state it was compared with.
    pub live: LiveState,
    /// The plan.
    pub plan: Plan,
}

/// How far to go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Classify changes locally only (no request per object).
    Classify,
    /// Also ask the server (dry run) for the exact result of each change.
    ServerDiff,
}

/// Reads the live state and plans `files` (at `revision`) against it.
pub async fn plan(
    federation: &Federation,
    files: &[RepoFile],
    revision: Option<&str>,
    settings: &Settings,
    depth: Depth,
    reading: Reading,
) -> Result<Planned, FederationError> {
    let live = federation.read(&settings.scope, reading).await?;
    Ok(plan_against(federation, files, revision, settings, depth, live).await)
}

/// Plans `files` against an already-read live state.
pub async fn plan_against(
    federation: &Federation,
    files: &[RepoFile],
    revision: Option<&str>,
    settings: &Settings,
    depth: Depth,
    live: LiveState,
) -> Planned {
    let desired = load(files, settings, &live);
    let plan = plan_loaded(federation, &desired, revision, settings, depth, &live).await;
    Planned {
        desired,
        live,
        plan,
    }
}

/// Reads and validates a revision's files against the live cluster list.
pub fn load(files: &[RepoFile], settings: &Settings, live: &LiveState) -> Desired {
    let inventory = live_inventory(live);
    manifest::load_against(files, &settings.policy, Some(&inventory))
}

/// Plans an already-loaded revision against an already-read live state.
pub async fn plan_loaded(
    federation: &Federation,
    desired: &Desired,
    revision: Option<&str>,
    settings: &Settings,
    depth: Depth,
    live: &LiveState,
) -> Plan {
    let mut plan = plan_reusing(desired, revision, settings, live, None);
    if depth == Depth::ServerDiff && plan.is_valid() {
        federation.dry_run(&mut plan, settings.apply).await;
    }
    plan
}

/// Plans an already-loaded revision locally (no request), taking over from
/// `previous` what did not change (see [`Plan::build_reusing`]).
pub fn plan_reusing(
    desired: &Desired,
    revision: Option<&str>,
    settings: &Settings,
    live: &LiveState,
    previous: Option<Previous<'_>>,
) -> Plan {
    let mut changes = settings.changes.clone();
    changes.revision = revision.map(str::to_owned);
    Plan::build_reusing(desired, live, &changes, previous)
}

/// Applies a planned revision. An invalid revision applies nothing.
pub async fn apply(
    federation: &Federation,
    planned: &Planned,
    settings: &Settings,
) -> Option<ApplyReport> {
    if !planned.plan.is_valid() {
        return None;
    }
    Some(federation.apply(&planned.plan, settings.apply).await)
}
