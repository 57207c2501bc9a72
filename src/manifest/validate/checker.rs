//! The collector every per-document rule reports into, and the shared
//! wording of label-grammar problems.

use std::collections::BTreeMap;

use serde_saphyr::{Location as YamlLocation, Spanned};

use crate::manifest::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use crate::manifest::model::ObjectKey;
use crate::manifest::names::NameProblem;
use crate::manifest::scalar::Scalar;

/// Longest cluster name Karmada accepts.
pub const MAX_CLUSTER_NAME: usize = 48;
/// Longest object name or namespace.
pub const MAX_LABEL: usize = 63;

/// Collects diagnostics for one document.
pub(crate) struct Checker<'a> {
    path: &'a str,
    pub(super) object: Option<ObjectKey>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    /// A checker for one document of `path`.
    pub(super) fn new(path: &'a str) -> Self {
        Checker {
            path,
            object: None,
            diagnostics: Vec::new(),
        }
    }

    /// Every diagnostic reported.
    pub(super) fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    pub(super) fn at<T>(&self, spanned: &Spanned<T>) -> Location {
        spanned_location(self.path, &spanned.referenced)
    }

    /// Where a scalar was written, underlining it as written (`yes`, not
    /// the `true` it stands for).
    pub(super) fn at_written<T>(&self, spanned: &Spanned<T>) -> Location {
        let length = usize::try_from(spanned.referenced.span().len()).unwrap_or(1);
        self.at(spanned).spanning(length.max(1))
    }

    /// Where the key at `path` (`status`, `metadata.uid`) was written, as the
    /// parser recorded it; else where its value starts.
    pub(super) fn key_at<T>(
        &self,
        keys: &BTreeMap<String, YamlLocation>,
        path: &str,
        value: &Spanned<T>,
    ) -> Location {
        let name = path.rsplit('.').next().unwrap_or(path);
        match keys.get(path) {
            Some(key) => spanned_location(self.path, key).spanning(name.chars().count()),
            None => self.at(value),
        }
    }

    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        let diagnostic = match &self.object {
            Some(object) => diagnostic.for_object(object),
            None => diagnostic,
        };
        self.diagnostics.push(diagnostic);
    }

    /// The value as text, located, or an error saying what the API expects
    /// when YAML reads it as another kind (`name: 123` is a number).
    /// `field` is the value's path (`spec.providerClusters[0].name`);
    /// `written` how the fix is written, with `{}` for the value.
    pub(super) fn text(
        &mut self,
        value: &Spanned<Scalar>,
        field: &str,
        written: &str,
    ) -> Option<Spanned<String>> {
        if let Scalar::Text(text) = &value.value {
            return Some(Spanned::new(text.clone(), value.referenced, value.defined));
        }
        let shown = printable(&value.value.shown());
        let location = self.at_written(value);
        let quoted = written.replace("{}", &format!("\"{shown}\""));
        let message = match &value.value {
            Scalar::Empty => format!("{field} is empty (null), but the API expects text"),
            other => format!(
                "{field} must be text, but YAML reads `{shown}` as {}",
                other.kind()
            ),
        };
        self.push(Diagnostic::error(Rule::Schema, location, message).with_hint(format!(
            "quote it: `{quoted}`; kubectl, the API server and every other Kubernetes tool read the value as written and refuse it"
        )));
        None
    }

    pub(super) fn error<T>(
        &mut self,
        rule: Rule,
        spanned: &Spanned<T>,
        message: impl Into<String>,
    ) {
        let location = self.at(spanned);
        self.push(Diagnostic::error(rule, location, message));
    }
}

/// A diagnostic for a name that breaks its label grammar.
pub(super) fn name_diagnostic(
    checker: &Checker<'_>,
    name: &Spanned<String>,
    problem: &NameProblem,
    what: &str,
    rule: Rule,
) -> Diagnostic {
    let location = checker.at(name).spanning(name.value.chars().count());
    let diagnostic = Diagnostic::error(
        rule,
        location,
        format!("{what} `{}` {}", printable(&name.value), problem.describe()),
    );
    match (problem, problem.suggestion(&name.value)) {
        (NameProblem::Uppercase { .. }, Some(lower)) if rule == Rule::ClusterName => diagnostic
            .with_hint(format!(
                "Karmada cluster names are lowercase (its webhook rejects `{}`): did you mean `{lower}`?",
                printable(&name.value)
            )),
        (_, Some(suggestion)) => diagnostic.with_hint(format!("did you mean `{suggestion}`?")),
        (_, None) => diagnostic,
    }
}
