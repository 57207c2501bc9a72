//! The collector every per-document rule reports into, and the shared
//! wording of label-grammar problems.

use serde_saphyr::Spanned;

use crate::manifest::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use crate::manifest::model::ObjectKey;
use crate::manifest::names::NameProblem;

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

    pub(super) fn push(&mut self, diagnostic: Diagnostic) {
        let diagnostic = match &self.object {
            Some(object) => diagnostic.for_object(object),
            None => diagnostic,
        };
        self.diagnostics.push(diagnostic);
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
