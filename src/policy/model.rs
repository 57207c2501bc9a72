//! What a policy is: who wrote it, which objects it matches, and the
//! expressions that must hold for them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::manifest::Location;

/// The `apiVersion` of a policy document.
pub const API_VERSION: &str = "mcs-gitops.io/v1alpha1";
/// The `kind` of a policy document.
pub const KIND: &str = "ExposurePolicy";

/// Who wrote a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PolicySource {
    /// The operator, through `--policy`: the repository cannot change it.
    Operator,
    /// The repository's `policies/` directory.
    Repository,
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicySource::Operator => "operator",
            PolicySource::Repository => "repository",
        })
    }
}

/// One validated policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposurePolicy {
    /// `metadata.name`.
    pub name: String,
    /// Who wrote it.
    pub source: PolicySource,
    /// Where its document starts.
    pub location: Location,
    /// Which objects it applies to.
    pub selector: Selector,
    /// What must hold for them, in order.
    pub validations: Vec<Validation>,
}

/// `spec.match`: the objects a policy applies to. Empty parts match all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    /// `namespaces`: the object's namespace is one of these.
    pub namespaces: BTreeSet<String>,
    /// `matchLabels`: the object carries every one of these labels.
    pub labels: BTreeMap<String, String>,
}

impl Selector {
    /// Whether the selector holds for an object.
    pub fn matches(&self, namespace: &str, labels: &BTreeMap<String, String>) -> bool {
        (self.namespaces.is_empty() || self.namespaces.contains(namespace))
            && self
                .labels
                .iter()
                .all(|(key, value)| labels.get(key) == Some(value))
    }
}

/// One rule of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validation {
    /// The CEL expression; it must evaluate to `true`.
    pub expression: String,
    /// What to say when it does not.
    pub message: Option<String>,
    /// Where the expression is written.
    pub location: Location,
}

/// The policies a revision is checked against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicySet {
    policies: Vec<ExposurePolicy>,
}

impl PolicySet {
    /// A set of policies, in the order given.
    pub fn new(policies: Vec<ExposurePolicy>) -> Self {
        PolicySet { policies }
    }

    /// The policies, operator's first.
    pub fn policies(&self) -> &[ExposurePolicy] {
        &self.policies
    }

    /// Whether there is no policy at all.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// This set followed by `other`'s policies.
    pub fn and(&self, other: PolicySet) -> PolicySet {
        let mut policies = self.policies.clone();
        policies.extend(other.policies);
        PolicySet { policies }
    }
}
