//! Rules of `metadata`: the name and namespace, labels and annotations as
//! Kubernetes' `ValidateObjectMeta` holds them, keys reserved for
//! mcs-gitops and Karmada, and fields only the API server may write.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde_saphyr::{Location as YamlLocation, Spanned};

use super::checker::{Checker, MAX_LABEL, name_diagnostic};
use crate::manifest::diagnostic::{Diagnostic, Rule, printable};
use crate::manifest::document::{MetadataDocument, ScalarMap};
use crate::manifest::label_keys::{MAX_ANNOTATION_BYTES, key_problem, value_problem};
use crate::manifest::model::ObjectKey;
use crate::manifest::names::{LabelKind, check_label};

/// Label keys and annotation keys mcs-gitops writes itself.
pub const RESERVED_PREFIX: &str = "mcs-gitops.io/";
/// The label Karmada's webhook gives every MultiClusterService.
pub const PERMANENT_ID_LABEL: &str = "multiclusterservice.karmada.io/permanent-id";
/// The label that says which tool manages an object; mcs-gitops sets it.
const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";

/// What `metadata` yields when its rules pass (or as far as they pass).
pub(super) struct CheckedMetadata {
    pub(super) key: Option<ObjectKey>,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) annotations: BTreeMap<String, String>,
}

/// Checks `metadata`; `keys` locates keys the parser recorded.
pub(super) fn check_metadata(
    checker: &mut Checker<'_>,
    metadata: &Spanned<MetadataDocument>,
    keys: &BTreeMap<String, YamlLocation>,
) -> CheckedMetadata {
    server_owned(checker, &metadata.value, keys);
    not_managed(checker, &metadata.value, keys);
    let name = check_name(checker, metadata);
    let namespace = check_namespace(checker, &metadata.value);
    let key = namespace
        .zip(name)
        .map(|(ns, name)| ObjectKey::new(ns, name));
    checker.object = key.clone();
    let labels = metadata
        .value
        .labels
        .as_ref()
        .map(|l| check_labels(checker, l))
        .unwrap_or_default();
    let annotations = metadata
        .value
        .annotations
        .as_ref()
        .map(|a| check_annotations(checker, a))
        .unwrap_or_default();
    CheckedMetadata {
        key,
        labels,
        annotations,
    }
}

fn server_owned(
    checker: &mut Checker<'_>,
    metadata: &MetadataDocument,
    keys: &BTreeMap<String, YamlLocation>,
) {
    let fields: [(&str, &Option<Spanned<IgnoredAny>>); 7] = [
        ("uid", &metadata.uid),
        ("resourceVersion", &metadata.resource_version),
        ("generation", &metadata.generation),
        ("creationTimestamp", &metadata.creation_timestamp),
        ("managedFields", &metadata.managed_fields),
        ("deletionTimestamp", &metadata.deletion_timestamp),
        ("selfLink", &metadata.self_link),
    ];
    for (field, value) in fields {
        let Some(value) = value else { continue };
        let location = checker.key_at(keys, &format!("metadata.{field}"), value);
        checker.push(
            Diagnostic::error(
                Rule::ServerOwnedField,
                location,
                format!("metadata.{field} is set by the API server and must not be in Git"),
            )
            .with_hint(format!(
                "delete `{field}`: it was probably copied from `kubectl get -o yaml`"
            )),
        );
    }
}

/// Fields the API admits but that a MultiClusterService kept in Git has no
/// use for: refused, a rule stricter than the API's.
fn not_managed(
    checker: &mut Checker<'_>,
    metadata: &MetadataDocument,
    keys: &BTreeMap<String, YamlLocation>,
) {
    let fields: [(&str, &Option<Spanned<IgnoredAny>>, &str); 3] = [
        (
            "generateName",
            &metadata.generate_name,
            "an MCS is named after its Service; generated names would create a new object on every apply",
        ),
        (
            "finalizers",
            &metadata.finalizers,
            "Karmada's controller adds its own finalizer; one written in Git would keep the object from being pruned",
        ),
        (
            "ownerReferences",
            &metadata.owner_references,
            "an object pruned with its owner by the garbage collector would be deleted behind mcs-gitops's back",
        ),
    ];
    for (field, value, why) in fields {
        let Some(value) = value else { continue };
        let location = checker.key_at(keys, &format!("metadata.{field}"), value);
        checker.push(
            Diagnostic::error(
                Rule::Schema,
                location,
                format!("metadata.{field} is not managed from Git: the API admits it, but {why} (a rule stricter than Karmada's)"),
            )
            .with_hint(format!("delete `{field}`")),
        );
    }
}

fn check_name(checker: &mut Checker<'_>, metadata: &Spanned<MetadataDocument>) -> Option<String> {
    let Some(written) = &metadata.value.name else {
        let location = checker.at(metadata);
        checker.push(
            Diagnostic::error(Rule::ObjectName, location, "metadata.name is missing")
                .with_hint("name the MultiClusterService after the Service it exposes"),
        );
        return None;
    };
    let name = checker.text(written, "metadata.name", "name: {}")?;
    match check_label(&name.value, LabelKind::Dns1035, MAX_LABEL) {
        Ok(()) => Some(name.value),
        Err(problem) => {
            let diagnostic =
                name_diagnostic(checker, &name, &problem, "metadata.name", Rule::ObjectName);
            checker.push(diagnostic);
            None
        }
    }
}

fn check_namespace(checker: &mut Checker<'_>, metadata: &MetadataDocument) -> Option<String> {
    let Some(written) = &metadata.namespace else {
        return Some("default".to_owned());
    };
    let namespace = checker.text(written, "metadata.namespace", "namespace: {}")?;
    if namespace.value.is_empty() {
        return Some("default".to_owned());
    }
    match check_label(&namespace.value, LabelKind::Dns1123, MAX_LABEL) {
        Ok(()) => Some(namespace.value),
        Err(problem) => {
            let diagnostic = name_diagnostic(
                checker,
                &namespace,
                &problem,
                "metadata.namespace",
                Rule::Namespace,
            );
            checker.push(diagnostic);
            None
        }
    }
}

/// Each entry's key and value as text; errors for the rest.
fn entries(
    checker: &mut Checker<'_>,
    map: &ScalarMap,
    field: &str,
) -> Vec<(Spanned<String>, Spanned<String>)> {
    map.0
        .iter()
        .filter_map(|(key, value)| {
            let key = checker.text(key, &format!("a key of {field}"), "{}: ...")?;
            let path = format!("{field}.{}", printable(&key.value));
            let value = checker.text(value, &path, &format!("{}: {{}}", key.value))?;
            Some((key, value))
        })
        .collect()
}

fn check_labels(
    checker: &mut Checker<'_>,
    labels: &Spanned<ScalarMap>,
) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    for (key, value) in entries(checker, &labels.value, "metadata.labels") {
        let mut valid = reserved(checker, &key, true);
        if let Some(problem) = key_problem(&key.value) {
            let location = checker.at(&key).spanning(key.value.chars().count());
            checker.push(
                Diagnostic::error(
                    Rule::Labels,
                    location,
                    format!("label key `{}` {problem}", printable(&key.value)),
                )
                .with_hint("a label key is a name of at most 63 characters, optionally after a DNS subdomain prefix and `/`, e.g. `example.com/team`"),
            );
            valid = false;
        }
        if let Some(problem) = value_problem(&value.value) {
            let location = checker.at(&value).spanning(value.value.chars().count());
            checker.push(
                Diagnostic::error(
                    Rule::Labels,
                    location,
                    format!("label `{}` has the value `{}`: {problem}", printable(&key.value), printable(&value.value)),
                )
                .with_hint("a label value has at most 63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or it is empty); longer text belongs in an annotation"),
            );
            valid = false;
        }
        if valid {
            kept.insert(key.value, value.value);
        }
    }
    kept
}

fn check_annotations(
    checker: &mut Checker<'_>,
    annotations: &Spanned<ScalarMap>,
) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    let mut bytes = 0;
    for (key, value) in entries(checker, &annotations.value, "metadata.annotations") {
        bytes += key.value.len() + value.value.len();
        let mut valid = reserved(checker, &key, false);
        // The API server holds annotation keys to the label-key grammar
        // after lowercasing them.
        if let Some(problem) = key_problem(&key.value.to_lowercase()) {
            let location = checker.at(&key).spanning(key.value.chars().count());
            checker.push(
                Diagnostic::error(
                    Rule::Annotations,
                    location,
                    format!("annotation key `{}` {problem}", printable(&key.value)),
                )
                .with_hint("an annotation key is a name of at most 63 characters, optionally after a DNS subdomain prefix and `/`, e.g. `example.com/owner`"),
            );
            valid = false;
        }
        if valid {
            kept.insert(key.value, value.value);
        }
    }
    if bytes > MAX_ANNOTATION_BYTES {
        checker.push(
            Diagnostic::error(
                Rule::Annotations,
                checker.at(annotations),
                format!("the annotations take {bytes} bytes, more than the API's limit of {MAX_ANNOTATION_BYTES} (keys and values together)"),
            )
            .with_hint("keep large data out of the object: link to it instead"),
        );
    }
    kept
}

/// Refuses keys mcs-gitops or Karmada write themselves; warns about the
/// managed-by label, whose value mcs-gitops replaces. Whether the key may
/// be applied.
fn reserved(checker: &mut Checker<'_>, key: &Spanned<String>, label: bool) -> bool {
    let location = checker.at(key).spanning(key.value.chars().count());
    let what = if label { "label" } else { "annotation" };
    if key.value.starts_with(RESERVED_PREFIX) || (label && key.value == PERMANENT_ID_LABEL) {
        let writer = if key.value == PERMANENT_ID_LABEL {
            "Karmada's webhook"
        } else {
            "mcs-gitops"
        };
        checker.push(
            Diagnostic::error(
                Rule::ReservedKey,
                location,
                format!(
                    "{what} `{}` is written by {writer} and cannot be set in Git (the API would admit it: a rule stricter than Karmada's)",
                    printable(&key.value)
                ),
            )
            .with_hint(reserved_hint(&key.value)),
        );
        return false;
    }
    if label && key.value == MANAGED_BY_LABEL {
        checker.push(
            Diagnostic::warning(
                Rule::ReservedKey,
                location,
                format!("label `{MANAGED_BY_LABEL}` is set by mcs-gitops: the value written here is replaced"),
            )
            .with_hint(format!("delete `{MANAGED_BY_LABEL}`")),
        );
    }
    true
}

fn reserved_hint(key: &str) -> String {
    match key {
        "mcs-gitops.io/prune" => "delete it: keeping an object when its file is removed is the operator's decision, made on the live object (`kubectl annotate mcs NAME mcs-gitops.io/prune=disabled`)".to_owned(),
        _ => format!("delete `{key}`: mcs-gitops records ownership, source and revision itself"),
    }
}
