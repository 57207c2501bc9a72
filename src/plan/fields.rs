//! Field ownership: deciding locally whether a server-side apply would
//! change anything.
//!
//! The API server records, per field manager, the set of fields it owns
//! (`managedFields[].fieldsV1`). An apply is a no-op exactly when the fields
//! we would send are the fields we already own and each has the value we
//! would send. Checking that locally is what lets an unchanged revision cost
//! no request at all; only objects that fail the check are sent to the
//! server (as a dry run when planning).

use std::collections::BTreeSet;

use serde_json::Value;

use super::ownership::{FIELD_MANAGER, REVISION_ANNOTATION};

/// A field path, e.g. `["spec", "types"]`.
pub type FieldPath = Vec<String>;

/// A set of owned field paths (leaves only).
pub type FieldSet = BTreeSet<FieldPath>;

fn revision_path() -> FieldPath {
    vec![
        "metadata".to_owned(),
        "annotations".to_owned(),
        REVISION_ANNOTATION.to_owned(),
    ]
}

/// Parses a `fieldsV1` trie into its leaf paths. List item keys (`k:`, `v:`,
/// `i:`) are folded into their list, which MCS declares atomic anyway.
pub fn from_fields_v1(fields: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    collect_owned(fields, &mut Vec::new(), &mut set);
    set
}

fn collect_owned(node: &Value, path: &mut FieldPath, set: &mut FieldSet) {
    let children: Vec<(&String, &Value)> = node
        .as_object()
        .map(|map| map.iter().filter(|(k, _)| k.starts_with("f:")).collect())
        .unwrap_or_default();
    if children.is_empty() {
        if !path.is_empty() {
            set.insert(path.clone());
        }
        return;
    }
    for (key, child) in children {
        path.push(key[2..].to_owned());
        collect_owned(child, path, set);
        path.pop();
    }
}

/// The leaf paths of an object we would apply, excluding identity fields.
pub fn of_object(object: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    collect_leaves(object, &mut Vec::new(), &mut set);
    for identity in [
        vec!["apiVersion"],
        vec!["kind"],
        vec!["metadata", "name"],
        vec!["metadata", "namespace"],
    ] {
        set.remove(
            &identity
                .into_iter()
                .map(str::to_owned)
                .collect::<FieldPath>(),
        );
    }
    set
}

fn collect_leaves(value: &Value, path: &mut FieldPath, set: &mut FieldSet) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                path.push(key.clone());
                collect_leaves(child, path, set);
                path.pop();
            }
        }
        _ => {
            set.insert(path.clone());
        }
    }
}

/// The value at a path, if present.
pub fn get<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(object, |node, key| node.get(key))
}

/// The fields `manager` owns through Apply operations on a live object.
pub fn owned_by(live: &Value, manager: &str) -> Option<FieldSet> {
    let entries = live.pointer("/metadata/managedFields")?.as_array()?;
    let mut owned: Option<FieldSet> = None;
    for entry in entries {
        let is_ours = entry.get("manager").and_then(Value::as_str) == Some(manager)
            && entry.get("operation").and_then(Value::as_str) == Some("Apply");
        if let (true, Some(fields)) = (is_ours, entry.get("fieldsV1")) {
            owned
                .get_or_insert_with(FieldSet::new)
                .extend(from_fields_v1(fields));
        }
    }
    owned
}

/// A digest of a set of fields and their values.
pub type Fingerprint = [u8; 16];

/// Fingerprint of `paths` and the values `object` has there. The revision
/// annotation is bookkeeping and never counts.
fn fingerprint(object: &Value, mut paths: FieldSet) -> Fingerprint {
    use sha2::{Digest, Sha256};
    paths.remove(&revision_path());
    let mut hasher = Sha256::new();
    for path in &paths {
        for segment in path {
            hasher.update(segment.as_bytes());
            hasher.update([0]);
        }
        hasher.update([1]);
        let value = get(object, path).map(Value::to_string).unwrap_or_default();
        hasher.update(value.as_bytes());
        hasher.update([2]);
    }
    let digest = hasher.finalize();
    let mut out = [0; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// Fingerprint of the fields mcs-gitops owns on a live object, if it owns any.
pub fn owned_fingerprint(live: &Value) -> Option<Fingerprint> {
    owned_by(live, FIELD_MANAGER).map(|owned| fingerprint(live, owned))
}

/// Fingerprint of the fields an object we would apply sets.
pub fn desired_fingerprint(desired: &Value) -> Fingerprint {
    fingerprint(desired, of_object(desired))
}

/// Whether applying `desired` as [`FIELD_MANAGER`] would leave `live`
/// unchanged: we own exactly the fields we would send, with the values we
/// would send. The revision annotation never counts as a change on its own.
pub fn apply_is_noop(desired: &Value, live: &Value) -> bool {
    owned_fingerprint(live) == Some(desired_fingerprint(desired))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn live(fields: Value, spec: Value) -> Value {
        json!({
            "apiVersion": "networking.karmada.io/v1alpha1",
            "kind": "MultiClusterService",
            "metadata": {
                "name": "foo", "namespace": "default",
                "labels": {"team": "a", "multiclusterservice.karmada.io/permanent-id": "x"},
                "managedFields": [
                    {"manager": "mcs-gitops", "operation": "Apply", "fieldsV1": fields},
                    {"manager": "karmada-webhook", "operation": "Update", "fieldsV1": {"f:metadata": {"f:labels": {"f:multiclusterservice.karmada.io/permanent-id": {}}}}}
                ]
            },
            "spec": spec,
            "status": {"conditions": []}
        })
    }

    fn desired(spec: Value) -> Value {
        json!({
            "apiVersion": "networking.karmada.io/v1alpha1",
            "kind": "MultiClusterService",
            "metadata": {"name": "foo", "namespace": "default", "labels": {"team": "a"}},
            "spec": spec
        })
    }

    fn ours() -> Value {
        json!({"f:metadata": {"f:labels": {".": {}, "f:team": {}}}, "f:spec": {".": {}, "f:types": {}}})
    }

    #[test]
    fn an_object_we_own_with_equal_values_needs_no_apply() {
        let spec = json!({"types": ["CrossCluster"]});
        assert!(apply_is_noop(&desired(spec.clone()), &live(ours(), spec)));
    }

    #[test]
    fn a_changed_value_needs_an_apply() {
        let live = live(ours(), json!({"types": ["CrossCluster"]}));
        assert!(!apply_is_noop(
            &desired(json!({"types": ["LoadBalancer"]})),
            &live
        ));
    }

    #[test]
    fn a_field_we_stopped_sending_needs_an_apply_to_remove_it() {
        let fields = json!({"f:metadata": {"f:labels": {"f:team": {}}}, "f:spec": {"f:types": {}, "f:consumerClusters": {}}});
        let live = live(
            fields,
            json!({"types": ["CrossCluster"], "consumerClusters": [{"name": "a"}]}),
        );
        assert!(!apply_is_noop(
            &desired(json!({"types": ["CrossCluster"]})),
            &live
        ));
    }

    #[test]
    fn an_object_we_never_applied_needs_an_apply() {
        let mut live = live(ours(), json!({"types": ["CrossCluster"]}));
        live["metadata"]["managedFields"][0]["manager"] = json!("kubectl");
        assert!(!apply_is_noop(
            &desired(json!({"types": ["CrossCluster"]})),
            &live
        ));
    }
}
