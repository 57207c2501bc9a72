//! How mcs-gitops marks what it owns, and the desired object it applies.
//!
//! Every object mcs-gitops creates carries the `app.kubernetes.io/managed-by`
//! label and an instance label (several reconcilers may share a federation,
//! each pruning only its own objects), plus annotations naming the source
//! file and the revision that last changed it. Only objects carrying both
//! labels are ever pruned.

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::manifest::{MultiClusterService, Revision};

/// Field manager name for server-side apply.
pub const FIELD_MANAGER: &str = "mcs-gitops";
/// Standard label marking the managing tool.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY_VALUE: &str = "mcs-gitops";
/// Label naming the reconciler instance that owns the object.
pub const INSTANCE_LABEL: &str = "mcs-gitops.io/instance";
/// Annotation naming the repository file the object comes from.
pub const SOURCE_FILE_ANNOTATION: &str = "mcs-gitops.io/source-file";
/// Annotation naming the revision that last changed the object.
pub const REVISION_ANNOTATION: &str = "mcs-gitops.io/revision";
/// Annotation naming the Git source (repository, branch, path) of the daemon
/// that writes the object, so that two daemons left at the same instance
/// name never take each other's objects for their own.
pub const SOURCE_ANNOTATION: &str = "mcs-gitops.io/source";
/// Annotation that keeps an object out of pruning when set to `disabled`.
pub const PRUNE_ANNOTATION: &str = "mcs-gitops.io/prune";
/// The instance name used when none is configured.
pub const DEFAULT_INSTANCE: &str = "default";

/// Who owns a live object, as its labels say.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Ownership {
    /// Managed by this instance.
    Ours,
    /// Managed by mcs-gitops, but another instance.
    OtherInstance {
        /// That instance's name.
        instance: String,
    },
    /// Not managed by mcs-gitops.
    Unmanaged,
}

impl Ownership {
    /// Reads ownership from an object's labels.
    pub fn of(labels: &Map<String, Value>, instance: &str) -> Self {
        let managed =
            labels.get(MANAGED_BY_LABEL).and_then(Value::as_str) == Some(MANAGED_BY_VALUE);
        match (managed, labels.get(INSTANCE_LABEL).and_then(Value::as_str)) {
            (true, Some(owner)) if owner == instance => Ownership::Ours,
            (true, Some(owner)) => Ownership::OtherInstance {
                instance: owner.to_owned(),
            },
            _ => Ownership::Unmanaged,
        }
    }
}

/// The object to apply for an MCS: the user's fields plus the ownership
/// labels and source annotations.
pub fn desired_object(
    mcs: &MultiClusterService,
    instance: &str,
    revision: Option<&Revision>,
    source: Option<&str>,
) -> Value {
    let mut object = mcs.to_manifest();
    let metadata = object["metadata"]
        .as_object_mut()
        .expect("manifests always have metadata");
    let labels = metadata
        .entry("labels")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("labels are a map");
    labels.insert(MANAGED_BY_LABEL.into(), json!(MANAGED_BY_VALUE));
    labels.insert(INSTANCE_LABEL.into(), json!(instance));
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .expect("annotations are a map");
    annotations.insert(SOURCE_FILE_ANNOTATION.into(), json!(mcs.origin.file));
    if let Some(revision) = revision {
        annotations.insert(REVISION_ANNOTATION.into(), json!(revision.as_str()));
    }
    if let Some(source) = source {
        annotations.insert(SOURCE_ANNOTATION.into(), json!(source));
    }
    object
}

/// The object to apply, kept as its JSON text. A plan holds one for every
/// object it writes (every object, in a first cycle), and the parsed form
/// costs several times the memory of the text; the text is what the API
/// receives, and a diff parses it again only for the objects it shows.
#[derive(Clone, Debug)]
pub struct DesiredObject(Box<RawValue>);

impl DesiredObject {
    /// Keeps `object` as JSON text.
    pub fn new(object: &Value) -> Self {
        let text = serde_json::to_string(object).expect("a JSON value always serialises");
        DesiredObject(RawValue::from_string(text).expect("serde_json wrote valid JSON"))
    }

    /// The object, parsed again.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).expect("the text was written from a value")
    }

    /// The JSON text, as it is sent.
    pub fn as_raw(&self) -> &RawValue {
        &self.0
    }
}

impl PartialEq for DesiredObject {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

/// Whether an object's annotations keep it from being pruned.
pub fn prune_disabled(annotations: &Map<String, Value>) -> bool {
    annotations.get(PRUNE_ANNOTATION).and_then(Value::as_str) == Some("disabled")
}
