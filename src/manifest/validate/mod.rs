//! Per-document rules: a parsed document to a [`MultiClusterService`].
//!
//! Each rule adds diagnostics and carries on, so one run shows every problem
//! of a document. The rules of `metadata` live in `metadata`, those of
//! `spec` in `spec`.

mod checker;
mod metadata;
mod spec;

pub use checker::{MAX_CLUSTER_NAME, MAX_LABEL};

use checker::Checker;
use metadata::{CheckedMetadata, check_metadata};
use spec::{CheckedSpec, check_spec};

use super::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use super::document::McsDocument;
use super::model::{API_VERSION, KIND, MultiClusterService, ObjectKey};
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
    let metadata = document
        .metadata
        .as_ref()
        .map(|m| check_metadata(&mut checker, m, &document.keys));
    let key = metadata.as_ref().and_then(|m| m.key.clone());
    if document.metadata.is_none() {
        checker.push(
            Diagnostic::error(Rule::ObjectName, origin.clone(), "metadata.name is missing")
                .with_hint("name the MultiClusterService after the Service it exposes"),
        );
    }
    checker.object = key.clone();
    if let Some(status) = &document.status {
        let location = checker.key_at(&document.keys, "status", status);
        checker.push(Diagnostic::error(
            Rule::ServerOwnedField,
            location,
            "`status` is written by Karmada and must not be in Git",
        ));
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

fn build(
    key: ObjectKey,
    origin: Location,
    metadata: Option<CheckedMetadata>,
    spec: CheckedSpec,
) -> MultiClusterService {
    let (labels, annotations) = metadata
        .map(|m| (m.labels, m.annotations))
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
