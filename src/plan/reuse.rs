//! Planning again after a small change. A plan is a function of each MCS's
//! desired form, its own live inputs (object, binding, Service, Works,
//! Events) and the clusters; an object whose desired form and live inputs
//! are as they were keeps its change, placement and live finding from the
//! previous plan, so a one-file commit or one drifted object costs work in
//! proportion to the change, not to the fleet.

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::checks;
use super::flows::{LiveIndex, PlacementStatus, placement_status};
use super::live::LiveState;
use super::objects::{Action, ChangeOptions, ObjectChange, change_for};
use crate::manifest::{Desired, Diagnostic, MultiClusterService, ObjectKey, Rule};

/// Which live inputs changed since the previous plan was built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveChanges {
    /// Something every object depends on (a Cluster), or it is not known.
    Everything,
    /// Only what belongs to these MCS keys (their object, binding, Service,
    /// Works or Events).
    Only(BTreeSet<ObjectKey>),
}

/// A previous plan, what it was built from, and what changed since.
#[derive(Debug)]
pub struct Previous<'a> {
    /// The plan, given up to the new one.
    pub plan: super::Plan,
    /// The revision it planned.
    pub desired: &'a Desired,
    /// What changed in the live state since.
    pub live: LiveChanges,
}

impl super::Plan {
    /// Keeps only what a later [`super::Plan::build_reusing`] can take
    /// over: unchanged objects, every placement and the live findings. A
    /// change to write carries its whole desired object, so a plan kept
    /// after applying thousands of objects would hold them all.
    pub fn into_reusable(mut self) -> Self {
        self.changes
            .retain(|c| c.action == Action::Unchanged && c.blocked.is_none());
        self.diagnostics
            .retain(|d| matches!(d.rule, Rule::ServiceMissing | Rule::ServiceOverwrite));
        self
    }
}

/// The parts of one object's plan.
pub(super) struct Parts {
    pub(super) change: ObjectChange,
    pub(super) placement: Option<PlacementStatus>,
    pub(super) finding: Option<Diagnostic>,
}

/// What may be taken over from the previous plan. Keys are borrowed from
/// the previous revision, so taking the plan apart copies no key.
#[derive(Default)]
pub(super) struct Kept<'a> {
    /// Previous desired objects by key: their position (which is also their
    /// placement's) and the position of their change.
    index: HashMap<&'a ObjectKey, (usize, Option<usize>)>,
    desired: &'a [Arc<MultiClusterService>],
    changes: Vec<Option<ObjectChange>>,
    placements: Vec<Option<PlacementStatus>>,
    findings: HashMap<ObjectKey, Diagnostic>,
    live: Option<LiveChanges>,
}

impl<'a> Kept<'a> {
    /// Takes the previous plan apart; nothing is kept when everything may
    /// have changed or there is no placement to reuse.
    pub(super) fn new(previous: Option<Previous<'a>>, live: &LiveState) -> Self {
        let Some(Previous {
            plan,
            desired,
            live: changes,
        }) = previous
        else {
            return Kept::default();
        };
        let aligned = plan.placements.len() == desired.objects.len();
        if changes == LiveChanges::Everything || live.objects_only || !aligned {
            return Kept::default();
        }
        let mut index: HashMap<&'a ObjectKey, (usize, Option<usize>)> = desired
            .objects
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.key, (i, None)))
            .collect();
        // Only unchanged objects: a change to apply carries the revision it
        // was planned at.
        let reusable = |c: &ObjectChange| c.action == Action::Unchanged && c.blocked.is_none();
        for (i, change) in plan.changes.iter().enumerate().filter(|(_, c)| reusable(c)) {
            if let Some(entry) = index.get_mut(&change.key) {
                entry.1 = Some(i);
            }
        }
        Kept {
            index,
            desired: &desired.objects,
            changes: plan.changes.into_iter().map(Some).collect(),
            placements: plan.placements.into_iter().map(Some).collect(),
            findings: plan
                .diagnostics
                .into_iter()
                .filter(|d| matches!(d.rule, Rule::ServiceMissing | Rule::ServiceOverwrite))
                .filter_map(|d| Some((d.object.clone()?, d)))
                .collect(),
            live: Some(changes),
        }
    }

    /// The previous parts of `mcs`, if it and its live inputs are unchanged.
    fn take(&mut self, mcs: &Arc<MultiClusterService>) -> Option<Parts> {
        let LiveChanges::Only(changed) = self.live.as_ref()? else {
            return None;
        };
        let (position, change) = *self.index.get(&mcs.key)?;
        let before = &self.desired[position];
        // The parse cache shares unchanged objects: the same pointer is the
        // same object, and only a re-parsed one needs a comparison.
        if changed.contains(&mcs.key) || !(Arc::ptr_eq(before, mcs) || before == mcs) {
            return None;
        }
        // A key defined twice (an invalid revision) has one change per
        // definition: take only the one planned from this definition.
        let slot = &mut self.changes[change?];
        if slot.as_ref()?.source.as_ref() != Some(&mcs.origin) {
            return None;
        }
        let change = slot.take()?;
        let placement = Some(self.placements[position].take()?);
        let finding = match self.findings.is_empty() {
            true => None,
            false => self.findings.remove(&mcs.key),
        };
        Some(Parts {
            change,
            placement,
            finding,
        })
    }
}

/// Plans each desired MCS, from the previous plan where it can.
pub(super) fn object_parts(
    desired: &Desired,
    live: &LiveState,
    options: &ChangeOptions,
    mut kept: Kept<'_>,
) -> Vec<Parts> {
    let clusters = live.cluster_names();
    let index = OnceCell::new();
    desired
        .objects
        .iter()
        .map(|mcs| {
            kept.take(mcs).unwrap_or_else(|| {
                let change = change_for(mcs, live.objects.get(&mcs.key), options);
                let placement = (!live.objects_only).then(|| {
                    let index = index.get_or_init(|| LiveIndex::new(live));
                    placement_status(mcs, live, index, change.action.writes())
                });
                Parts {
                    placement,
                    finding: checks::check(mcs, live, &clusters),
                    change,
                }
            })
        })
        .collect()
}
