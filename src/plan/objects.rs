//! Object changes: which MultiClusterServices to create, update, prune or
//! leave alone, and which changes are blocked and why.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::fields::desired_fingerprint;
use super::live::{LiveObject, LiveState};
use super::ownership::{DesiredObject, FIELD_MANAGER, Ownership, desired_object};
use super::retry::Retry;
use crate::manifest::{ExposureType, Location, MultiClusterService, ObjectKey, Revision};

/// What happens to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Not in the federation yet: create it.
    Create,
    /// Differs from Git: apply it.
    Update,
    /// Exists without mcs-gitops's ownership: take it over (`--adopt`).
    Adopt,
    /// `types` changed, which Karmada forbids on update: delete and create.
    Recreate,
    /// Matches Git: nothing to send.
    Unchanged,
    /// Ours, but gone from Git: delete it.
    Prune,
    /// Gone from Git, but annotated `mcs-gitops.io/prune: disabled`: left in place.
    Detach,
    /// Missing from the revision because the file that defines it is
    /// invalid: it cannot be compared, and it is never pruned for that.
    NotComparable,
}

impl Action {
    /// Whether the action writes to the federation.
    pub fn writes(self) -> bool {
        !matches!(
            self,
            Action::Unchanged | Action::Detach | Action::NotComparable
        )
    }

    /// Whether the action applies the desired object (and so can be dry-run).
    pub fn applies(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Update | Action::Adopt | Action::Recreate
        )
    }
}

/// Why a change may not be made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
pub enum Blocker {
    /// Karmada forbids changing `types` in place.
    TypesImmutable {
        /// Live types.
        from: Vec<ExposureType>,
        /// Desired types.
        to: Vec<ExposureType>,
    },
    /// The live object belongs to someone else.
    NotOwned {
        /// Who owns it, by its labels.
        owner: Ownership,
        /// Field managers that wrote it.
        managers: BTreeSet<String>,
    },
    /// Pruning this many objects at once looks like an accident.
    MassPrune {
        /// Objects that would be pruned.
        pruning: usize,
        /// Objects managed today.
        managed: usize,
        /// The most that may be pruned without `--allow-mass-prune`.
        limit: usize,
    },
    /// Adopting the object would need a delete-and-create (its `types`
    /// differ), and an object mcs-gitops does not own is never deleted.
    AdoptWouldDelete {
        /// Live types.
        from: Vec<ExposureType>,
        /// Desired types.
        to: Vec<ExposureType>,
    },
    /// The object carries this instance's labels but was written by a
    /// daemon tracking another Git source: two daemons share an instance name.
    OtherSource {
        /// The instance name both use.
        instance: String,
        /// The other daemon's source.
        source: String,
    },
    /// The live object is being deleted.
    Deleting,
    /// The API refused the change (dry run or apply).
    Rejected {
        /// The API's reason (e.g. `Conflict`, `Invalid`).
        api_reason: String,
        /// The API's message.
        message: String,
        /// Other field managers in conflict, when the reason is a conflict.
        managers: Vec<String>,
        /// The HTTP status code; `None` when the server was not reached.
        #[serde(skip)]
        code: Option<u16>,
        /// Whether trying again may succeed, decided where the answer was read.
        #[serde(skip)]
        retry: Retry,
        /// The fields the API named, as it named them (`spec.ports[0].port`).
        #[serde(skip)]
        fields: Vec<String>,
        /// Where in Git the first of those fields is written, when known.
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<Location>,
    },
}

/// One object's planned change.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectChange {
    /// Namespace and name.
    pub key: ObjectKey,
    /// What happens.
    pub action: Action,
    /// Where Git defines it (absent for prunes).
    pub source: Option<Location>,
    /// The object to apply.
    #[serde(skip)]
    pub desired: Option<DesiredObject>,
    /// The live object, as the server returned it.
    #[serde(skip)]
    pub live: Option<Value>,
    /// The object as the server would store it after the change (dry run).
    #[serde(skip)]
    pub server_view: Option<Value>,
    /// The live object's uid, so a prune deletes exactly what was planned.
    #[serde(skip)]
    pub uid: Option<String>,
    /// Why the change may not be made, if it may not.
    pub blocked: Option<Blocker>,
}

impl ObjectChange {
    fn new(key: ObjectKey, action: Action) -> Self {
        ObjectChange {
            key,
            action,
            source: None,
            desired: None,
            live: None,
            server_view: None,
            uid: None,
            blocked: None,
        }
    }

    /// Whether the change would write and is not blocked.
    pub fn is_pending(&self) -> bool {
        self.action.writes() && self.blocked.is_none()
    }
}

/// How much pruning is allowed at once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PruneGuard {
    /// The largest fraction of managed objects one revision may prune.
    pub max_fraction: f64,
    /// Allow any amount (`--allow-mass-prune`).
    pub allow_mass_prune: bool,
}

impl PruneGuard {
    /// The largest fraction pruned at once unless configured.
    pub const DEFAULT_MAX_FRACTION: f64 = 0.5;
}

impl Default for PruneGuard {
    fn default() -> Self {
        PruneGuard {
            max_fraction: Self::DEFAULT_MAX_FRACTION,
            allow_mass_prune: false,
        }
    }
}

/// Options that shape object changes.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeOptions {
    /// This reconciler's instance name.
    pub instance: String,
    /// The revision being applied, recorded on changed objects.
    pub revision: Option<Revision>,
    /// The daemon's Git source, recorded on the objects it writes; an object
    /// of this instance recorded with another source is never touched.
    /// `None` for one-shot commands, which neither record nor check it.
    pub source: Option<String>,
    /// Take over existing objects that mcs-gitops does not own.
    pub adopt: bool,
    /// Allow delete-and-create when `types` changes.
    pub recreate: bool,
    /// Mass-prune protection.
    pub prune: PruneGuard,
}

/// Adds prunes of the objects Git dropped to the changes of the desired
/// ones, guards against mass pruning, and sorts by key.
pub(super) fn finish(
    mut changes: Vec<ObjectChange>,
    desired: &[Arc<MultiClusterService>],
    invalid: &Invalid<'_>,
    live: &LiveState,
    options: &ChangeOptions,
) -> Vec<ObjectChange> {
    let wanted: BTreeSet<&ObjectKey> = desired.iter().map(|m| &m.key).collect();
    let orphans = live
        .objects
        .values()
        .filter(|o| o.ownership == Ownership::Ours && !wanted.contains(&o.key) && !o.deleting);
    for object in orphans {
        let unreadable = invalid.file_of(object);
        let action = match (&unreadable, object.prune_disabled) {
            (Some(_), _) => Action::NotComparable,
            (None, true) => Action::Detach,
            (None, false) => Action::Prune,
        };
        let mut change = ObjectChange::new(object.key.clone(), action);
        change.blocked = other_source(object, options);
        change.source = unreadable;
        change.live = object.object.clone();
        change.uid = object.uid.clone();
        changes.push(change);
    }
    guard_mass_prune(&mut changes, live, options.prune);
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}

/// What of a revision could not be read: objects with errors and files
/// with errors. A live object defined there is not comparable.
pub(super) struct Invalid<'a> {
    pub(super) keys: &'a BTreeMap<ObjectKey, String>,
    pub(super) files: &'a BTreeSet<String>,
}

impl Invalid<'_> {
    /// The invalid file that defines `object`, if one does: the file of an
    /// object read with errors, or the file its live annotation names.
    fn file_of(&self, object: &LiveObject) -> Option<Location> {
        if let Some(file) = self.keys.get(&object.key) {
            return Some(Location::file(file.clone()));
        }
        let file = object.source_file.as_ref()?;
        self.files
            .contains(file)
            .then(|| Location::file(file.clone()))
    }
}

/// The change of one desired MCS.
pub(super) fn change_for(
    mcs: &MultiClusterService,
    live: Option<&LiveObject>,
    options: &ChangeOptions,
) -> ObjectChange {
    let desired = desired_object(
        mcs,
        &options.instance,
        options.revision.as_ref(),
        options.source.as_deref(),
    );
    let mut change = ObjectChange::new(mcs.key.clone(), Action::Create);
    change.source = Some(mcs.origin.clone());
    let Some(live) = live else {
        change.desired = Some(DesiredObject::new(&desired));
        return change;
    };
    change.live = live.object.clone();
    change.uid = live.uid.clone();
    change.action = match &live.ownership {
        _ if live.deleting => {
            change.blocked = Some(Blocker::Deleting);
            Action::Create
        }
        Ownership::OtherInstance { .. } => {
            change.blocked = Some(not_owned(live));
            Action::Adopt
        }
        Ownership::Ours if other_source(live, options).is_some() => {
            change.blocked = other_source(live, options);
            Action::Update
        }
        Ownership::Unmanaged if !options.adopt => {
            change.blocked = Some(not_owned(live));
            Action::Adopt
        }
        // Taking over an object whose types differ would mean deleting it,
        // and mcs-gitops never deletes what it does not own, --recreate or not.
        Ownership::Unmanaged if live.types != mcs.types => {
            change.blocked = Some(Blocker::AdoptWouldDelete {
                from: live.types.clone(),
                to: mcs.types.clone(),
            });
            Action::Adopt
        }
        _ if live.types != mcs.types => {
            if !options.recreate {
                change.blocked = Some(Blocker::TypesImmutable {
                    from: live.types.clone(),
                    to: mcs.types.clone(),
                });
            }
            Action::Recreate
        }
        Ownership::Unmanaged => Action::Adopt,
        Ownership::Ours if live.fingerprint == Some(desired_fingerprint(&desired)) => {
            Action::Unchanged
        }
        Ownership::Ours => Action::Update,
    };
    // An unchanged object is neither written nor shown as a diff: keeping
    // its desired form would only hold memory for every object of the fleet.
    if change.action != Action::Unchanged {
        change.desired = Some(DesiredObject::new(&desired));
    }
    change
}

/// The refusal to touch an object of this instance that another daemon's
/// source wrote.
fn other_source(live: &LiveObject, options: &ChangeOptions) -> Option<Blocker> {
    let ours = options.source.as_deref()?;
    let theirs = live.source.as_deref().filter(|theirs| *theirs != ours)?;
    Some(Blocker::OtherSource {
        instance: options.instance.clone(),
        source: theirs.to_owned(),
    })
}

fn not_owned(live: &LiveObject) -> Blocker {
    Blocker::NotOwned {
        owner: live.ownership.clone(),
        managers: live.managers(FIELD_MANAGER),
    }
}

fn guard_mass_prune(changes: &mut [ObjectChange], live: &LiveState, guard: PruneGuard) {
    let managed = live
        .objects
        .values()
        .filter(|o| o.ownership == Ownership::Ours)
        .count();
    let pruning = changes
        .iter()
        .filter(|c| c.action == Action::Prune && c.blocked.is_none())
        .count();
    let limit = ((guard.max_fraction * managed as f64).floor() as usize).max(1);
    if guard.allow_mass_prune || pruning <= limit {
        return;
    }
    for change in changes
        .iter_mut()
        .filter(|c| c.action == Action::Prune && c.blocked.is_none())
    {
        change.blocked = Some(Blocker::MassPrune {
            pruning,
            managed,
            limit,
        });
    }
}
