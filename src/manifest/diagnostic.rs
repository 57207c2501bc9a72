//! Diagnostics: every problem found in a revision, as data.
//!
//! Validation never stops at the first problem; it returns a list of
//! [`Diagnostic`]s, each naming the [`Rule`] it enforces, where in which file
//! the problem is, and a hint. Rendering them (text, JSON) belongs to
//! `report`; this module only describes them.

use std::fmt;

use serde::{Serialize, Serializer};

use super::key::ObjectKey;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The revision is invalid: nothing of it may be applied.
    Error,
    /// Worth a look, but the revision may be applied.
    Warning,
}

/// A place in a file of the repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Path relative to the repository root, `/`-separated.
    pub file: String,
    /// 1-based line; 0 when only the file is known.
    pub line: u32,
    /// 1-based column in characters; 0 when only the line is known.
    pub column: u32,
    /// How many characters the problem spans (for underlining); 0 if unknown.
    #[serde(skip)]
    pub length: u32,
}

impl Location {
    /// A location naming a whole file.
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            line: 0,
            column: 0,
            length: 0,
        }
    }

    /// A location at a line and column of a file.
    pub fn at(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            length: 0,
        }
    }

    /// The same location, underlining `length` characters.
    pub fn spanning(mut self, length: usize) -> Self {
        self.length = u32::try_from(length).unwrap_or(u32::MAX);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (line, 0) => write!(f, "{}:{line}", self.file),
            (line, column) => write!(f, "{}:{line}:{column}", self.file),
        }
    }
}

/// The rules mcs-gitops enforces. The kebab-case names are stable: they
/// appear in output, in JSON and in documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The file is not well-formed YAML (syntax, tabs, duplicate keys, budgets).
    YamlSyntax,
    /// The document has the wrong shape: unknown field, wrong type, missing field.
    Schema,
    /// The file cannot be read as text (not UTF-8, too large, a submodule).
    FileUnreadable,
    /// A symlink points outside the repository.
    SymlinkEscape,
    /// A document is not a MultiClusterService.
    ForeignKind,
    /// The apiVersion is not `networking.karmada.io/v1alpha1`.
    ApiVersion,
    /// `metadata.name` is missing or not a DNS-1035 label.
    ObjectName,
    /// `metadata.namespace` is not a DNS-1123 label.
    Namespace,
    /// A field that only the API server may set was written in Git.
    ServerOwnedField,
    /// `spec.types` is empty, has an unknown type, or more than one distinct type.
    Types,
    /// A port has a bad name, a duplicate name or a number outside 1..65535.
    Ports,
    /// A provider or consumer cluster name is not a DNS-1123 label of at most 48 characters.
    ClusterName,
    /// A cluster is listed twice in the same list.
    DuplicateCluster,
    /// A field that Karmada ignores (`range`, `serviceProvisionClusters`, `serviceConsumptionClusters`).
    DeprecatedField,
    /// The same namespace/name is defined more than once.
    DuplicateObject,
    /// A cluster named by an MCS is not in the federation's cluster inventory.
    UnknownCluster,
    /// A cluster named by an MCS runs Kubernetes older than 1.21.
    ClusterVersion,
    /// `mcs-gitops.yaml` itself is invalid.
    RepoConfig,
    /// An object targets a namespace this reconciler may not write to.
    NamespaceNotAllowed,
    /// An object names a cluster this reconciler may not expose to.
    ClusterNotAllowed,
    /// A field accepted by the API has no effect (e.g. `ports` on CrossCluster).
    NoEffect,
    /// The Service an MCS exposes does not exist on the control plane.
    ServiceMissing,
    /// The Service will be delivered to a cluster that does not run it today,
    /// overwriting any Service of the same name there.
    ServiceOverwrite,
    /// A label key or value breaks Kubernetes' label grammar.
    Labels,
    /// An annotation key breaks Kubernetes' key grammar, or the annotations are too large.
    Annotations,
    /// A label or annotation that mcs-gitops or Karmada writes itself.
    ReservedKey,
    /// Pruning an MCS leaves the Service's copies in the member clusters.
    ServiceLeftBehind,
    /// An object breaks an exposure policy.
    ExposurePolicy,
    /// A policy file that cannot be read or compiled.
    PolicyFile,
}

impl Rule {
    /// Every rule, in documentation order.
    pub const ALL: [Rule; 29] = [
        Rule::YamlSyntax,
        Rule::Schema,
        Rule::FileUnreadable,
        Rule::SymlinkEscape,
        Rule::ForeignKind,
        Rule::ApiVersion,
        Rule::ObjectName,
        Rule::Namespace,
        Rule::ServerOwnedField,
        Rule::Types,
        Rule::Ports,
        Rule::ClusterName,
        Rule::DuplicateCluster,
        Rule::DeprecatedField,
        Rule::DuplicateObject,
        Rule::UnknownCluster,
        Rule::ClusterVersion,
        Rule::RepoConfig,
        Rule::NamespaceNotAllowed,
        Rule::ClusterNotAllowed,
        Rule::NoEffect,
        Rule::ServiceMissing,
        Rule::ServiceOverwrite,
        Rule::Labels,
        Rule::Annotations,
        Rule::ReservedKey,
        Rule::ServiceLeftBehind,
        Rule::ExposurePolicy,
        Rule::PolicyFile,
    ];

    /// The stable kebab-case name of the rule.
    pub fn name(self) -> &'static str {
        match self {
            Rule::YamlSyntax => "yaml-syntax",
            Rule::Schema => "schema",
            Rule::FileUnreadable => "file-unreadable",
            Rule::SymlinkEscape => "symlink-escape",
            Rule::ForeignKind => "foreign-kind",
            Rule::ApiVersion => "api-version",
            Rule::ObjectName => "object-name",
            Rule::Namespace => "namespace",
            Rule::ServerOwnedField => "server-owned-field",
            Rule::Types => "types",
            Rule::Ports => "ports",
            Rule::ClusterName => "cluster-name",
            Rule::DuplicateCluster => "duplicate-cluster",
            Rule::DeprecatedField => "deprecated-field",
            Rule::DuplicateObject => "duplicate-object",
            Rule::UnknownCluster => "unknown-cluster",
            Rule::ClusterVersion => "cluster-version",
            Rule::RepoConfig => "repo-config",
            Rule::NamespaceNotAllowed => "namespace-not-allowed",
            Rule::ClusterNotAllowed => "cluster-not-allowed",
            Rule::NoEffect => "no-effect",
            Rule::ServiceMissing => "service-missing",
            Rule::ServiceOverwrite => "service-overwrite",
            Rule::Labels => "labels",
            Rule::Annotations => "annotations",
            Rule::ReservedKey => "reserved-key",
            Rule::ServiceLeftBehind => "service-left-behind",
            Rule::ExposurePolicy => "exposure-policy",
            Rule::PolicyFile => "policy-file",
        }
    }

    /// One sentence stating the rule, shown under each diagnostic.
    pub fn statement(self) -> &'static str {
        match self {
            Rule::YamlSyntax => {
                "files must be well-formed YAML: no tabs for indentation, no duplicate keys, within the alias and size budgets"
            }
            Rule::Schema => {
                "documents must have the MultiClusterService shape; unknown fields are rejected"
            }
            Rule::FileUnreadable => {
                "configuration files must be UTF-8 text stored in the repository"
            }
            Rule::SymlinkEscape => "symlinks must stay inside the repository",
            Rule::ForeignKind => {
                "every YAML document must be a MultiClusterService unless its path is excluded"
            }
            Rule::ApiVersion => "apiVersion must be networking.karmada.io/v1alpha1",
            Rule::ObjectName => {
                "metadata.name must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters) equal to the Service's name"
            }
            Rule::Namespace => {
                "metadata.namespace must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters); blank means \"default\""
            }
            Rule::ServerOwnedField => {
                "uid, resourceVersion, generation, creationTimestamp, managedFields and status are owned by the API server and must not be in Git"
            }
            Rule::Types => {
                "spec.types must hold exactly one distinct type, CrossCluster or LoadBalancer"
            }
            Rule::Ports => "port names must be unique DNS-1123 labels and port numbers 1..65535",
            Rule::ClusterName => {
                "cluster names must be DNS-1123 labels (lowercase letters, digits and '-') of at most 48 characters"
            }
            Rule::DuplicateCluster => {
                "a cluster may appear only once in providerClusters and once in consumerClusters"
            }
            Rule::DeprecatedField => {
                "range, serviceProvisionClusters and serviceConsumptionClusters are deprecated and ignored by Karmada"
            }
            Rule::DuplicateObject => {
                "each namespace/name may be defined only once in the repository"
            }
            Rule::UnknownCluster => "provider and consumer clusters must exist in the federation",
            Rule::ClusterVersion => {
                "MultiClusterService needs member clusters running Kubernetes 1.21 or later"
            }
            Rule::RepoConfig => "mcs-gitops.yaml must follow its documented schema",
            Rule::NamespaceNotAllowed => {
                "objects may only target the namespaces this reconciler is allowed to write"
            }
            Rule::ClusterNotAllowed => {
                "objects may only name the clusters this reconciler is allowed to expose to"
            }
            Rule::NoEffect => "fields that Karmada accepts but ignores deserve a second look",
            Rule::ServiceMissing => {
                "an MCS must be named after an existing Service in its namespace on the Karmada control plane"
            }
            Rule::ServiceOverwrite => {
                "delivering a Service to a cluster overwrites any Service of the same name there"
            }
            Rule::Labels => {
                "label keys are names of at most 63 characters with an optional DNS subdomain prefix; values have at most 63 characters"
            }
            Rule::Annotations => {
                "annotation keys follow the label-key grammar, and all annotations together take at most 256 KiB"
            }
            Rule::ReservedKey => {
                "mcs-gitops.io/ keys are written by mcs-gitops and multiclusterservice.karmada.io/permanent-id by Karmada, never from Git"
            }
            Rule::ServiceLeftBehind => {
                "deleting a MultiClusterService leaves the Service delivered where it was: Karmada keeps its ResourceBinding"
            }
            Rule::ExposurePolicy => {
                "every MultiClusterService must satisfy the exposure policies of the operator (--policy) and of the repository (policies/), evaluated on its resolved exposure"
            }
            Rule::PolicyFile => {
                "policy files must hold ExposurePolicy documents whose expressions compile"
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A secondary place that explains a diagnostic ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// One problem found in a revision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The rule that was broken.
    pub rule: Rule,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where; `None` for problems of the revision as a whole.
    pub location: Option<Location>,
    /// How to fix it.
    pub hint: Option<String>,
    /// Other places involved.
    pub related: Vec<Related>,
    /// The object concerned, when known (serialised as `namespace/name`).
    #[serde(serialize_with = "key_as_text")]
    pub object: Option<ObjectKey>,
}

impl Diagnostic {
    /// An error of `rule` at `location`.
    pub fn error(rule: Rule, location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, Some(location), message)
    }

    /// A warning of `rule` at `location`.
    pub fn warning(rule: Rule, location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, Some(location), message)
    }

    fn new(
        severity: Severity,
        rule: Rule,
        location: Option<Location>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            rule,
            message: message.into(),
            location,
            hint: None,
            related: Vec::new(),
            object: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the object concerned.
    pub fn for_object(mut self, object: &ObjectKey) -> Self {
        self.object = Some(object.clone());
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Whether this diagnostic makes the revision invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

fn key_as_text<S: Serializer>(key: &Option<ObjectKey>, serializer: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(key) => serializer.collect_str(key),
        None => serializer.serialize_none(),
    }
}

/// Longest piece of user text quoted in a message, in characters.
pub const MAX_QUOTED_CHARS: usize = 80;

/// User text (a name, a key, a path) with every character that could act on
/// a terminal or hide itself (control, zero-width and direction-control
/// characters) written as a `\u{..}` escape, so a message shows what is
/// really there.
pub fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '"' | '\'') || !needs_escape(c) {
            out.push(c);
        } else {
            out.extend(c.escape_debug());
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c.is_control() || super::names::invisible(c).is_some() || c.escape_debug().len() > 1
}

/// User text made safe and short enough to quote in a message: escaped as by
/// [`escaped`], and cut after [`MAX_QUOTED_CHARS`] characters.
pub fn printable(text: &str) -> String {
    let length = text.chars().count();
    if length <= MAX_QUOTED_CHARS {
        return escaped(text);
    }
    let head: String = text.chars().take(MAX_QUOTED_CHARS - 20).collect();
    format!("{}… ({length} characters)", escaped(&head))
}

/// A diagnostic location from a serde-saphyr location.
pub fn spanned_location(path: &str, location: &serde_saphyr::Location) -> Location {
    let line = u32::try_from(location.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(location.column()).unwrap_or(u32::MAX);
    Location::at(path, line, column)
}

/// Sorts diagnostics by file, line and column, so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        a.location
            .cmp(&b.location)
            .then(a.severity.cmp(&b.severity))
            .then(a.rule.cmp(&b.rule))
            .then(a.message.cmp(&b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_and_invisible_characters_are_escaped() {
        assert_eq!(escaped("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escaped("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(escaped("plain-ünïcode \"q\""), "plain-ünïcode \"q\"");
    }

    #[test]
    fn long_text_is_cut_with_its_length() {
        let shown = printable(&"x".repeat(5000));
        assert!(shown.ends_with("… (5000 characters)"), "{shown}");
        assert!(shown.chars().count() < 100);
    }
}
