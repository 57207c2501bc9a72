//! The pipeline every mode runs, in the canonical GitOps order: read the
//! live state, validate the revision as a whole against it, plan, and only
//! then write.
//!
//! A [`Pipeline`] is the one context a reconcile needs: the settings and a
//! [`Federation`] (the Kubernetes client, or a fake in tests). Its stages
//! ([`Pipeline::read_live`], [`Pipeline::load`], [`Pipeline::plan`],
//! [`Pipeline::server_diff`], [`Pipeline::apply`]) are what the daemon runs
//! one by one, keeping what it may reuse between cycles; the one-shot
//! commands run them in a row ([`Pipeline::plan_revision`],
//! [`Pipeline::apply_revision`]) and stop where their mode stops: `plan`
//! and `review` after the server's diff, `apply --dry-run` after a
//! dry-run write. Whether a revision may be applied, and how a write ended,
//! is decided here and nowhere else ([`PlanVerdict`], [`ApplyVerdict`]).

use crate::federation::{ApplyOptions, Federation, ReadError, Reading, Scope};
use crate::manifest::{
    self, Desired, Diagnostic, FileContent, Location, ParseCache, Policy, RepoFile, Revision, Rule,
};
use crate::plan::checks::live_inventory;
use crate::plan::{
    ApplyReport, Blocker, ChangeOptions, LiveState, ObjectOutcome, Plan, Previous, Retry,
};
use crate::policy::{self, PolicySet};

/// Everything that shapes a reconcile, resolved from flags and files.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Tenancy limits.
    pub policy: Policy,
    /// The operator's exposure policies.
    pub exposure: PolicySet,
    /// Which namespaces to read.
    pub scope: Scope,
    /// How changes are classified (instance, adopt, recreate, prune guard).
    pub changes: ChangeOptions,
    /// How writes are made.
    pub apply: ApplyOptions,
}

/// How far a one-shot plan goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Classify changes locally only (no request per object).
    Classify,
    /// Also ask the server (dry run) for the exact result of each change.
    ServerDiff,
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

impl Planned {
    /// What the plan allows.
    pub fn verdict(&self) -> PlanVerdict {
        PlanVerdict::of(&self.plan)
    }
}

/// What a plan allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanVerdict {
    /// The revision has errors: nothing of it may be applied.
    Invalid,
    /// Valid, but a change may not be made (not owned, mass prune, types
    /// changed, refused by the server's dry run).
    Blocked,
    /// Valid, with changes to make.
    Changes,
    /// Valid, and the federation already matches it.
    Clean,
}

impl PlanVerdict {
    /// Judges a plan: the one place that decides whether a revision may be
    /// applied.
    pub fn of(plan: &Plan) -> Self {
        if !plan.is_valid() {
            PlanVerdict::Invalid
        } else if plan.is_blocked() {
            PlanVerdict::Blocked
        } else if plan.has_changes() {
            PlanVerdict::Changes
        } else {
            PlanVerdict::Clean
        }
    }

    /// Whether the revision may be applied (blocked changes are skipped).
    pub fn may_apply(self) -> bool {
        self != PlanVerdict::Invalid
    }
}

/// A revision validated offline, against the inventory of its own
/// `mcs-gitops.yaml`.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The validated revision.
    pub desired: Desired,
    /// Whether it may be applied.
    pub valid: bool,
}

/// Validates a revision offline under the operator's tenancy limits and
/// exposure policies (resolved against the repository's own cluster list,
/// when it has one).
pub fn check(files: &[RepoFile], policy: &Policy, exposure: &PolicySet) -> Checked {
    let mut desired = manifest::load(files, policy);
    let inventory = desired.inventory.clone();
    policy::enforce(&mut desired, exposure, files, inventory.as_ref());
    Checked {
        valid: desired.is_valid(),
        desired,
    }
}

/// Validates the head of a change offline against the base's cluster
/// inventory, when the base has one: a change may not shrink the list it
/// is reviewed against. A head that changes the list gets a warning saying
/// so.
pub fn check_head(
    files: &[RepoFile],
    policy: &Policy,
    exposure: &PolicySet,
    base: &Desired,
) -> Desired {
    let mut own = manifest::load(files, policy);
    let Some(inventory) = base.inventory.as_ref() else {
        let inventory = own.inventory.clone();
        policy::enforce(&mut own, exposure, files, inventory.as_ref());
        return own;
    };
    let mut desired = manifest::load_against(files, policy, Some(inventory));
    policy::enforce(&mut desired, exposure, files, Some(inventory));
    if own.inventory.as_ref() != Some(inventory) {
        let location = Location::file(manifest::REPO_CONFIG_FILE);
        desired.diagnostics.push(
            Diagnostic::warning(
                Rule::RepoConfig,
                location,
                "the change edits the cluster list of mcs-gitops.yaml: it is reviewed against the base's list, which decides what \"all clusters\" means here",
            )
            .with_hint("review the cluster list in its own change, merged first"),
        );
        manifest::diagnostic::sort(&mut desired.diagnostics);
    }
    desired
}

/// What applying a plan did.
#[derive(Clone, Debug)]
pub struct Applied {
    /// Per object; `None` when the revision was invalid and nothing was sent.
    pub report: Option<ApplyReport>,
    /// How it ended.
    pub verdict: ApplyVerdict,
}

/// How a write ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyVerdict {
    /// The revision is invalid: nothing was sent.
    Invalid,
    /// Every change was made (in a dry run: accepted); `written` counts them.
    Complete {
        /// Objects written (or, in a dry run, that would be).
        written: usize,
    },
    /// Some change was blocked or refused.
    Incomplete {
        /// Whether the refusals may pass by retrying; `None` when nothing was
        /// refused, only blocked by the plan.
        retry: Option<Retry>,
        /// The first refusal, in words (`namespace/name: reason: message`).
        first: Option<String>,
    },
}

impl ApplyVerdict {
    /// Judges an apply report.
    pub fn of(report: &ApplyReport) -> Self {
        if report.succeeded() {
            return ApplyVerdict::Complete {
                written: report.written(),
            };
        }
        let refusals: Vec<(&crate::manifest::ObjectKey, &Blocker)> = report
            .results
            .iter()
            .filter_map(|r| match &r.outcome {
                ObjectOutcome::Failed { blocker } => Some((&r.key, blocker)),
                ObjectOutcome::Blocked {
                    blocker: blocker @ Blocker::Rejected { .. },
                } => Some((&r.key, blocker)),
                _ => None,
            })
            .collect();
        let retry_of = |b: &Blocker| match b {
            Blocker::Rejected { retry, .. } => *retry,
            _ => Retry::Terminal,
        };
        let retry = if refusals.is_empty() {
            None
        } else if refusals
            .iter()
            .any(|(_, b)| retry_of(b) == Retry::Transient)
        {
            Some(Retry::Transient)
        } else {
            Some(Retry::Terminal)
        };
        let first = refusals
            .first()
            .map(|(key, blocker)| format!("{key}: {}", crate::report::words::blocker(blocker)));
        ApplyVerdict::Incomplete { retry, first }
    }
}

/// What a long-running caller keeps between loads, so that a revision
/// changing one file of many parses and judges one file.
#[derive(Debug, Default)]
pub struct LoadCache {
    /// Parsed files by content.
    pub parse: ParseCache,
    /// Policy verdicts by object.
    pub verdicts: policy::Verdicts,
}

/// The pipeline's context: settings and the federation.
pub struct Pipeline<F> {
    settings: Settings,
    federation: F,
}

impl<F: Federation> Pipeline<F> {
    /// A pipeline writing to `federation` as `settings` say.
    pub fn new(settings: Settings, federation: F) -> Self {
        Pipeline {
            settings,
            federation,
        }
    }

    /// Stage 1: the live state, as much as `reading` asks for.
    pub async fn read_live(&self, reading: Reading) -> Result<LiveState, ReadError> {
        self.federation.read(&self.settings.scope, reading).await
    }

    /// Stage 2: the revision's files, validated against the live cluster
    /// list and checked against the exposure policies, through `cache` when
    /// given (only changed files are parsed, only changed objects judged).
    pub fn load(
        &self,
        files: &[RepoFile],
        live: &LiveState,
        cache: Option<&mut LoadCache>,
    ) -> Desired {
        let inventory = live_inventory(live);
        let exposure = &self.settings.exposure;
        match cache {
            Some(cache) => {
                let mut desired = cache
                    .parse
                    .load(files, &self.settings.policy, Some(&inventory));
                let verdicts = &mut cache.verdicts;
                policy::enforce_with(&mut desired, exposure, files, Some(&inventory), verdicts);
                desired
            }
            None => {
                let mut desired =
                    manifest::load_against(files, &self.settings.policy, Some(&inventory));
                policy::enforce(&mut desired, exposure, files, Some(&inventory));
                desired
            }
        }
    }

    /// Stage 3: the plan, locally (no request), taking over from
    /// `previous` every object whose desired form and live inputs did not
    /// change.
    pub fn plan(
        &self,
        desired: &Desired,
        revision: Option<&Revision>,
        live: &LiveState,
        previous: Option<Previous<'_>>,
    ) -> Plan {
        let mut changes = self.settings.changes.clone();
        changes.revision = revision.cloned();
        Plan::build_reusing(desired, live, &changes, previous)
    }

    /// Stage 3b: the server's own view of every change (a server-side dry
    /// run), for a revision that may be applied.
    pub async fn server_diff(&self, plan: &mut Plan) {
        if PlanVerdict::of(plan).may_apply() {
            self.federation.dry_run(plan, self.settings.apply).await;
        }
    }

    /// Stage 4: every unblocked change of a valid plan. An invalid plan
    /// writes nothing.
    pub async fn apply(&self, plan: &Plan) -> Applied {
        if !PlanVerdict::of(plan).may_apply() {
            return Applied {
                report: None,
                verdict: ApplyVerdict::Invalid,
            };
        }
        let report = self.federation.apply(plan, self.settings.apply).await;
        Applied {
            verdict: ApplyVerdict::of(&report),
            report: Some(report),
        }
    }

    /// Stages 1 to 3 for a one-shot command: read, load, plan, and with
    /// [`Depth::ServerDiff`] the server's view.
    pub async fn plan_revision(
        &self,
        files: &[RepoFile],
        revision: Option<&Revision>,
        depth: Depth,
        reading: Reading,
    ) -> Result<Planned, ReadError> {
        let live = self.read_live(reading).await?;
        let desired = self.load(files, &live, None);
        let mut plan = self.plan(&desired, revision, &live, None);
        if depth == Depth::ServerDiff {
            self.server_diff(&mut plan).await;
            plan.locate_refusals(&|path| file_bytes(files, path));
        }
        Ok(Planned {
            desired,
            live,
            plan,
        })
    }

    /// Stages 1 to 4 for a one-shot command.
    pub async fn apply_revision(
        &self,
        files: &[RepoFile],
        revision: Option<&Revision>,
        reading: Reading,
    ) -> Result<(Planned, Applied), ReadError> {
        let planned = self
            .plan_revision(files, revision, Depth::Classify, reading)
            .await?;
        let mut applied = self.apply(&planned.plan).await;
        if let Some(report) = applied.report.as_mut() {
            report.locate_refusals(&planned.plan, &|path| file_bytes(files, path));
        }
        Ok((planned, applied))
    }
}

/// The bytes of the file at `path` among a revision's files, when read.
pub fn file_bytes<'a>(files: &'a [RepoFile], path: &str) -> Option<&'a [u8]> {
    files
        .iter()
        .find(|f| f.path == path)
        .and_then(|f| match &f.content {
            FileContent::Bytes(bytes) => Some(bytes.as_slice()),
            _ => None,
        })
}
