//! Per-document rules: a parsed document to a [`MultiClusterService`].
//!
//! Each rule adds diagnostics and carries on, so one run shows every problem
//! of a document. The spec's own rules live in `spec`.

mod checker;
mod spec;

pub use checker::{MAX_CLUSTER_NAME, MAX_LABEL};

use checker::{Checker, name_diagnostic};
use spec::{CheckedSpec, check_spec};

use serde_saphyr::Spanned;

use super::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use super::document::{McsDocument, MetadataDocument};
use super::model::{API_VERSION, KIND, MultiClusterService, ObjectKey};
use super::names::{LabelKind, check_label};
use super::parse::foreign_kind;

/// Checks one document of `path`. The object is returned whenever its name
/// and spec could be read, even with errors, so that repository-wide rules can
/// still report on it; the diagnostics tell whether it is valid.
pub fn validate_document(
    path: &str,
    document: McsDocument,
) -> (Option<MultiClusterService>, Vec<Diagnostic>) {
    let mut checker = Checker::new(path);
    let origin = document_origin(path, &document);
    if let Some(kind) = document.kind.as_ref().filter(|k| k.value != KIND) {
        let diagnostic = foreign_kind(path, Some(kind), document.api_version.as_ref());
        return (None, vec![diagnostic]);
    }
    check_type_meta(&mut checker, &document, &origin);
    let key = document
        .metadata
        .as_ref()
        .and_then(|m| check_metadata(&mut checker, m));
    if key.is_none() && document.metadata.is_none() {
        checker.push(
            Diagnostic::error(Rule::ObjectName, origin.clone(), "metadata.name is missing")
                .with_hint("name the MultiClusterService after the Service it exposes"),
        );
    }
    checker.object = key.clone();
    if let Some(status) = &document.status {
        checker.error(
            Rule::ServerOwnedField,
            status,
            "`status` is written by Karmada and must not be in Git",
        );
    }
    let spec = match &document.spec {
        Some(spec) => Some(check_spec(&mut checker, spec)),
        None => {
            checker.push(
                Diagnostic::error(Rule::Types, origin.clone(), "spec.types is missing")
                    .with_hint("add `spec: {types: [CrossCluster]}`"),
            );
            None
        }
    };
    let metadata = document.metadata.map(|m| m.value);
    let object = match (key, spec) {
        (Some(key), Some(spec)) => Some(build(key, origin, metadata, spec)),
        _ => None,
    };
    (object, checker.into_diagnostics())
}

/// The line of `apiVersion` or `kind`, whichever comes first; the start of
/// the document when it has neither.
fn document_origin(path: &str, document: &McsDocument) -> Location {
    let first = [
        document.api_version.as_ref().map(|s| &s.referenced),
        document.kind.as_ref().map(|s| &s.referenced),
    ];
    first
        .into_iter()
        .flatten()
        .min_by_key(|l| (l.line(), l.column()))
        .or(document.start.as_ref())
        .map(|l| {
            let mut location = spanned_location(path, l);
            location.column = 1;
            location
        })
        .unwrap_or_else(|| Location::file(path))
}

fn check_type_meta(checker: &mut Checker<'_>, document: &McsDocument, origin: &Location) {
    if document.kind.is_none() {
        checker.push(Diagnostic::error(
            Rule::Schema,
            origin.clone(),
            format!("`kind` is missing; expected {KIND}"),
        ));
    }
    match &document.api_version {
        Some(api) if api.value != API_VERSION => {
            let location = checker.at(api).spanning(api.value.chars().count());
            checker.push(
                Diagnostic::error(
                    Rule::ApiVersion,
                    location,
                    format!(
                        "apiVersion `{}` is not {API_VERSION}",
                        printable(&api.value)
                    ),
                )
                .with_hint(format!("write `apiVersion: {API_VERSION}`")),
            );
        }
        Some(_) => {}
        None => checker.push(Diagnostic::error(
            Rule::ApiVersion,
            origin.clone(),
            format!("`apiVersion` is missing; expected {API_VERSION}"),
        )),
    }
}

fn check_metadata(
    checker: &mut Checker<'_>,
    metadata: &Spanned<MetadataDocument>,
) -> Option<ObjectKey> {
    let server_owned = [
        ("uid", metadata.value.uid.as_ref()),
        ("resourceVersion", metadata.value.resource_version.as_ref()),
        ("generation", metadata.value.generation.as_ref()),
        (
            "creationTimestamp",
            metadata.value.creation_timestamp.as_ref(),
        ),
        ("managedFields", metadata.value.managed_fields.as_ref()),
        (
            "deletionTimestamp",
            metadata.value.deletion_timestamp.as_ref(),
        ),
        ("selfLink", metadata.value.self_link.as_ref()),
    ];
    for (field, value) in server_owned {
        if let Some(value) = value {
            let location = checker.at(value);
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
    let name = check_name(checker, metadata);
    let namespace = check_namespace(checker, metadata);
    Some(ObjectKey::new(namespace?, name?))
}

fn check_name(checker: &mut Checker<'_>, metadata: &Spanned<MetadataDocument>) -> Option<String> {
    let Some(name) = &metadata.value.name else {
        let location = checker.at(metadata);
        checker.push(
            Diagnostic::error(Rule::ObjectName, location, "metadata.name is missing")
                .with_hint("name the MultiClusterService after the Service it exposes"),
        );
        return None;
    };
    match check_label(&name.value, LabelKind::Dns1035, MAX_LABEL) {
        Ok(()) => Some(name.value.clone()),
        Err(problem) => {
            let diagnostic =
                name_diagnostic(checker, name, &problem, "metadata.name", Rule::ObjectName);
            checker.push(diagnostic);
            None
        }
    }
}

fn check_namespace(
    checker: &mut Checker<'_>,
    metadata: &Spanned<MetadataDocument>,
) -> Option<String> {
    let Some(namespace) = metadata
        .value
        .namespace
        .as_ref()
        .filter(|n| !n.value.is_empty())
    else {
        return Some("default".to_owned());
    };
    match check_label(&namespace.value, LabelKind::Dns1123, MAX_LABEL) {
        Ok(()) => Some(namespace.value.clone()),
        Err(problem) => {
            let diagnostic = name_diagnostic(
                checker,
                namespace,
                &problem,
                "metadata.namespace",
                Rule::Namespace,
            );
            checker.push(diagnostic);
            None
        }
    }
}

fn build(
    key: ObjectKey,
    origin: Location,
    metadata: Option<MetadataDocument>,
    spec: CheckedSpec,
) -> MultiClusterService {
    let (labels, annotations) = metadata
        .map(|m| {
            (
                m.labels.unwrap_or_default(),
                m.annotations.unwrap_or_default(),
            )
        })
        .unwrap_or_default();
    MultiClusterService {
        key,
        origin,
        types: spec.types,
        ports: spec.ports,
        provider_clusters: spec.providers,
        consumer_clusters: spec.consumers,
        labels,
        annotations,
        deprecated: spec.deprecated,
    }
}
