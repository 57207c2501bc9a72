//! Reading `ExposurePolicy` documents: the shape, the names, and every
//! expression compiled, each problem at its file:line.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::model::{API_VERSION, ExposurePolicy, KIND, PolicySource, Selector, Validation};
use super::program;
use crate::manifest::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use crate::manifest::limits::options;
use crate::manifest::names::{LabelKind, check_label};
use crate::manifest::yaml_error::yaml_error;

/// Most validations in one policy; Kubernetes allows 64 per policy too.
pub const MAX_VALIDATIONS: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PolicyDocument {
    api_version: Spanned<String>,
    kind: Spanned<String>,
    metadata: MetadataDocument,
    spec: SpecDocument,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataDocument {
    name: Spanned<String>,
    #[serde(default, rename = "labels")]
    _labels: Option<BTreeMap<String, String>>,
    #[serde(default, rename = "annotations")]
    _annotations: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecDocument {
    #[serde(default, rename = "match")]
    selector: MatchDocument,
    validations: Spanned<Vec<ValidationDocument>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct MatchDocument {
    #[serde(default)]
    namespaces: BTreeSet<String>,
    #[serde(default)]
    match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidationDocument {
    expression: Spanned<String>,
    message: Option<String>,
}

/// Reads one policy file: its valid policies, and a diagnostic for each
/// document that is not one.
pub fn read(
    path: &str,
    bytes: &[u8],
    source: PolicySource,
) -> (Vec<ExposurePolicy>, Vec<Diagnostic>) {
    let mut policies = Vec::new();
    let mut diagnostics = Vec::new();
    let mut reader = Cursor::new(bytes);
    let documents: Vec<Result<Spanned<PolicyDocument>, _>> =
        serde_saphyr::read_with_options(&mut reader, options()).collect();
    for document in documents {
        match document {
            Ok(document) => match policy(path, document, source) {
                Ok(policy) => policies.push(policy),
                Err(problems) => diagnostics.extend(problems),
            },
            Err(error) => {
                let mut diagnostic = yaml_error(path, &error);
                diagnostic.rule = Rule::PolicyFile;
                diagnostics.push(diagnostic.with_hint(
                    "an ExposurePolicy has apiVersion mcs-gitops.io/v1alpha1, metadata.name, and spec.validations (expression, message); spec.match (namespaces, matchLabels) is optional",
                ));
                break;
            }
        }
    }
    (policies, diagnostics)
}

fn policy(
    path: &str,
    document: Spanned<PolicyDocument>,
    source: PolicySource,
) -> Result<ExposurePolicy, Vec<Diagnostic>> {
    let at = |s: &serde_saphyr::Location| spanned_location(path, s);
    let start = at(&document.referenced);
    let document = document.value;
    let mut problems = Vec::new();
    let mut problem = |location: Location, message: String| {
        problems.push(Diagnostic::error(Rule::PolicyFile, location, message));
    };
    if document.api_version.value != API_VERSION {
        problem(
            at(&document.api_version.referenced),
            format!(
                "apiVersion is \"{}\"; an ExposurePolicy is {API_VERSION}",
                printable(&document.api_version.value)
            ),
        );
    }
    if document.kind.value != KIND {
        problem(
            at(&document.kind.referenced),
            format!(
                "kind is \"{}\"; files under policies/ and given to --policy hold {KIND} documents",
                printable(&document.kind.value)
            ),
        );
    }
    let name = &document.metadata.name;
    if let Err(why) = check_label(&name.value, LabelKind::Dns1123, 253) {
        problem(
            at(&name.referenced),
            format!(
                "metadata.name \"{}\" {}",
                printable(&name.value),
                why.describe()
            ),
        );
    }
    let validations = &document.spec.validations;
    if validations.value.is_empty() || validations.value.len() > MAX_VALIDATIONS {
        problem(
            at(&validations.referenced),
            format!(
                "spec.validations holds {} rules; a policy has 1 to {MAX_VALIDATIONS}",
                validations.value.len()
            ),
        );
    }
    for validation in &validations.value {
        let expression = &validation.expression;
        if let Err(why) = program::check(&expression.value) {
            problem(
                at(&expression.referenced),
                format!("the expression does not compile: {why}"),
            );
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ExposurePolicy {
        name: name.value.clone(),
        source,
        location: start,
        selector: Selector {
            namespaces: document.spec.selector.namespaces,
            labels: document.spec.selector.match_labels,
        },
        validations: document
            .spec
            .validations
            .value
            .into_iter()
            .map(|v| Validation {
                location: at(&v.expression.referenced),
                expression: v.expression.value,
                message: v.message,
            })
            .collect(),
    })
}
