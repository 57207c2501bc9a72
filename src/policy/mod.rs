//! Exposure policies: rules in CEL over the *resolved* exposure of every
//! MultiClusterService (which clusters provide it and reach it, with an
//! empty list read as every cluster of the inventory), kept in
//! `ExposurePolicy` files. Pure: files in, diagnostics out.
//!
//! Policies come from two places. The operator's (`--policy FILE|DIR`) are
//! outside the repository's reach, like the tenancy flags; the repository's
//! (its `policies/` directory) are reviewed like any file. Every policy that
//! matches an object must hold for it: a repository policy can only add
//! restrictions, never lift one of the operator's, even under the same name.

pub mod cache;
pub mod document;
pub mod evaluate;
pub mod exposure;
pub mod model;
pub mod program;

use crate::manifest::{Desired, Diagnostic, FileContent, Inventory, Location, RepoFile, Rule};

pub use cache::Verdicts;
pub use evaluate::evaluate;
pub use model::{API_VERSION, ExposurePolicy, KIND, PolicySet, PolicySource, Selector, Validation};

/// Reads policy files (path, bytes): the policies, and a diagnostic at
/// file:line for every document that is not a valid policy.
pub fn read(files: &[(String, Vec<u8>)], source: PolicySource) -> (PolicySet, Vec<Diagnostic>) {
    let mut policies = Vec::new();
    let mut diagnostics = Vec::new();
    for (path, bytes) in files {
        let (read, problems) = document::read(path, bytes, source);
        policies.extend(read);
        diagnostics.extend(problems);
    }
    (PolicySet::new(policies), diagnostics)
}

/// Checks a loaded revision against the operator's policies and the
/// repository's own (its files under `policies/`), resolving "all clusters"
/// against `inventory`: diagnostics for broken policy files and for every
/// object a policy refuses are added to `desired`.
pub fn enforce(
    desired: &mut Desired,
    operator: &PolicySet,
    files: &[RepoFile],
    inventory: Option<&Inventory>,
) {
    enforce_with(
        desired,
        operator,
        files,
        inventory,
        &mut Verdicts::default(),
    );
}

/// Like [`enforce`], evaluating only the objects `verdicts` has not seen
/// against the same policies and inventory.
pub fn enforce_with(
    desired: &mut Desired,
    operator: &PolicySet,
    files: &[RepoFile],
    inventory: Option<&Inventory>,
    verdicts: &mut Verdicts,
) {
    let mut unreadable = Vec::new();
    let repository: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|f| crate::manifest::is_policy_file(&f.path))
        .filter_map(|f| match &f.content {
            FileContent::Bytes(bytes) => Some((f.path.clone(), bytes.clone())),
            _ => {
                unreadable.push(Diagnostic::error(
                    Rule::PolicyFile,
                    Location::file(f.path.clone()),
                    "this policy file is not a regular file of the repository (a symlink out of it, a submodule, or too large); it was not read",
                ));
                None
            }
        })
        .collect();
    let (own, mut diagnostics) = read(&repository, PolicySource::Repository);
    diagnostics.extend(unreadable);
    let all = operator.and(own);
    if all.is_empty() && diagnostics.is_empty() {
        return;
    }
    diagnostics.extend(verdicts.evaluate(&all, &desired.objects, inventory));
    desired.diagnostics.extend(diagnostics);
    crate::manifest::diagnostic::sort(&mut desired.diagnostics);
}
