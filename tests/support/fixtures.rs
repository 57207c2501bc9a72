//! Builders for configuration files used across tests.

#![allow(dead_code)]

use mcs_gitops::manifest::{self, Desired, Policy, RepoFile};

/// A MultiClusterService document under construction.
#[derive(Clone, Debug)]
pub struct Mcs {
    name: String,
    namespace: Option<String>,
    types: Vec<String>,
    providers: Vec<String>,
    consumers: Vec<String>,
    extra_spec: Vec<String>,
    extra_metadata: Vec<String>,
}

impl Mcs {
    /// `namespace/name`, CrossCluster, no cluster lists.
    pub fn new(namespace: &str, name: &str) -> Self {
        Mcs {
            name: name.to_owned(),
            namespace: Some(namespace.to_owned()),
            types: vec!["CrossCluster".to_owned()],
            providers: Vec::new(),
            consumers: Vec::new(),
            extra_spec: Vec::new(),
            extra_metadata: Vec::new(),
        }
    }

    pub fn without_namespace(mut self) -> Self {
        self.namespace = None;
        self
    }

    pub fn types(mut self, types: &[&str]) -> Self {
        self.types = types.iter().map(|t| t.to_string()).collect();
        self
    }

    pub fn providers(mut self, clusters: &[&str]) -> Self {
        self.providers = clusters.iter().map(|c| c.to_string()).collect();
        self
    }

    pub fn consumers(mut self, clusters: &[&str]) -> Self {
        self.consumers = clusters.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Adds raw YAML lines under `spec:` (indented by the caller's two spaces).
    pub fn spec_line(mut self, line: &str) -> Self {
        self.extra_spec.push(line.to_owned());
        self
    }

    /// Adds raw YAML lines under `metadata:`.
    pub fn metadata_line(mut self, line: &str) -> Self {
        self.extra_metadata.push(line.to_owned());
        self
    }

    pub fn yaml(&self) -> String {
        let mut out = String::from(
            "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n",
        );
        out += &format!("  name: {}\n", self.name);
        if let Some(ns) = &self.namespace {
            out += &format!("  namespace: {ns}\n");
        }
        for line in &self.extra_metadata {
            out += &format!("  {line}\n");
        }
        out += "spec:\n  types:\n";
        for t in &self.types {
            out += &format!("    - {t}\n");
        }
        for (field, list) in [
            ("providerClusters", &self.providers),
            ("consumerClusters", &self.consumers),
        ] {
            if !list.is_empty() {
                out += &format!("  {field}:\n");
                for c in list {
                    out += &format!("    - name: {c}\n");
                }
            }
        }
        for line in &self.extra_spec {
            out += &format!("  {line}\n");
        }
        out
    }
}

/// A repository under construction: path -> content.
#[derive(Clone, Debug, Default)]
pub struct Repo {
    pub files: Vec<RepoFile>,
}

impl Repo {
    pub fn new() -> Self {
        Repo::default()
    }

    pub fn file(mut self, path: &str, content: impl AsRef<[u8]>) -> Self {
        self.files
            .push(RepoFile::new(path, content.as_ref().to_vec()));
        self
    }

    pub fn mcs(self, path: &str, mcs: &Mcs) -> Self {
        let yaml = mcs.yaml();
        self.file(path, yaml)
    }

    /// The four-cluster inventory of the example repository.
    pub fn with_inventory(self) -> Self {
        self.file(
            "mcs-gitops.yaml",
            "clusters:\n  - name: clustera\n    kubernetesVersion: v1.30.2\n  - name: clusterb\n    kubernetesVersion: v1.31.1\n  - name: clusterc\n    kubernetesVersion: v1.29.4\n  - name: clusterd\n    kubernetesVersion: v1.32.0\n",
        )
    }

    pub fn load(&self) -> Desired {
        manifest::load(&self.files, &Policy::default())
    }

    pub fn load_with(&self, policy: &Policy) -> Desired {
        manifest::load(&self.files, policy)
    }
}

/// The rule names of every diagnostic, in order.
pub fn rules(desired: &Desired) -> Vec<&'static str> {
    desired.diagnostics.iter().map(|d| d.rule.name()).collect()
}

/// Renders diagnostics as plain text against the repository's files.
pub fn rendered(repo: &Repo, desired: &Desired) -> String {
    let sources = repo
        .files
        .iter()
        .filter_map(|f| match &f.content {
            manifest::FileContent::Bytes(b) => {
                std::str::from_utf8(b).ok().map(|t| (f.path.as_str(), t))
            }
            _ => None,
        })
        .collect();
    mcs_gitops::report::diagnostics::render_text(desired, &sources, mcs_gitops::report::Color::Off)
}

/// An ExposurePolicy document: `rules` are (expression, message) pairs;
/// `namespaces` empty matches every namespace.
pub fn exposure_policy(name: &str, namespaces: &[&str], rules: &[(&str, &str)]) -> String {
    let mut yaml = format!(
        "apiVersion: mcs-gitops.io/v1alpha1\nkind: ExposurePolicy\nmetadata:\n  name: {name}\nspec:\n"
    );
    if !namespaces.is_empty() {
        yaml.push_str(&format!(
            "  match:\n    namespaces: [{}]\n",
            namespaces.join(", ")
        ));
    }
    yaml.push_str("  validations:\n");
    for (expression, message) in rules {
        yaml.push_str(&format!(
            "    - expression: {}\n      message: {}\n",
            serde_json::to_string(expression).unwrap(),
            serde_json::to_string(message).unwrap()
        ));
    }
    yaml
}

/// The operator's policies, read from one file `operator/policies.yaml`.
pub fn operator_policies(yaml: &str) -> mcs_gitops::policy::PolicySet {
    let files = [(
        "operator/policies.yaml".to_owned(),
        yaml.as_bytes().to_vec(),
    )];
    let (set, problems) =
        mcs_gitops::policy::read(&files, mcs_gitops::policy::PolicySource::Operator);
    assert!(problems.is_empty(), "operator policies: {problems:?}");
    set
}
