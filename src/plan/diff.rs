//! Field-level differences between two versions of an object, after
//! removing what the server owns (so it never shows as drift).

use serde::Serialize;
use serde_json::{Map, Value};

/// Metadata fields the server sets; never part of a diff.
const SERVER_METADATA: [&str; 8] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

/// An object without server-owned metadata and status.
pub fn normalize(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
        if let Some(metadata) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in SERVER_METADATA {
                metadata.remove(field);
            }
        }
    }
    object
}

/// One changed field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// Dotted path, e.g. `spec.consumerClusters`.
    pub path: String,
    /// Value before, if any.
    pub before: Option<Value>,
    /// Value after, if any.
    pub after: Option<Value>,
}

/// The changed leaves (lists compared whole) between two normalized objects.
pub fn field_changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk(before, after, &mut Vec::new(), &mut changes);
    changes
}

fn walk(
    before: Option<&Value>,
    after: Option<&Value>,
    path: &mut Vec<String>,
    out: &mut Vec<FieldChange>,
) {
    let empty = Map::new();
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => diff_maps(a, b, path, out),
        (Some(Value::Object(a)), None) => diff_maps(a, &empty, path, out),
        (None, Some(Value::Object(b))) => diff_maps(&empty, b, path, out),
        (a, b) if a != b => out.push(FieldChange {
            path: path.join("."),
            before: a.cloned(),
            after: b.cloned(),
        }),
        _ => {}
    }
}

fn diff_maps(
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    path: &mut Vec<String>,
    out: &mut Vec<FieldChange>,
) {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        path.push(key.clone());
        walk(a.get(key), b.get(key), path, out);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn server_owned_fields_never_show_as_changes() {
        let live = json!({"metadata": {"name": "a", "uid": "1", "resourceVersion": "5", "managedFields": []}, "spec": {"types": ["CrossCluster"]}, "status": {"conditions": []}});
        let view = json!({"metadata": {"name": "a", "uid": "1", "resourceVersion": "6"}, "spec": {"types": ["CrossCluster"]}});
        assert!(field_changes(Some(&normalize(&live)), Some(&normalize(&view))).is_empty());
    }

    #[test]
    fn changed_lists_are_reported_whole() {
        let a = json!({"spec": {"consumerClusters": [{"name": "a"}]}});
        let b = json!({"spec": {"consumerClusters": [{"name": "a"}, {"name": "c"}]}});
        let changes = field_changes(Some(&a), Some(&b));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "spec.consumerClusters");
    }
}
