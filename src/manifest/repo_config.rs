//! `mcs-gitops.yaml`: the repository's own settings.
//!
//! It may exclude paths from reading and list the federation's clusters for
//! offline validation. It cannot widen what the reconciler is allowed to do:
//! tenancy limits are set by the operator, never by the repository.

use globset::{GlobSet, GlobSetBuilder};
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::diagnostic::spanned_location;
use super::diagnostic::{Diagnostic, Location, Rule, printable};
use super::inventory::{ClusterInfo, Inventory, InventorySource, KubeVersion};
use super::limits::options;
use super::names::{LabelKind, check_label};
use super::validate::MAX_CLUSTER_NAME;
use super::yaml_error::yaml_error;

/// The file name of the repository settings, at the repository root.
pub const REPO_CONFIG_FILE: &str = "mcs-gitops.yaml";
/// Most `exclude` patterns read; a real list has a handful, and each costs
/// time and memory to compile.
pub const MAX_EXCLUDES: usize = 256;
/// Longest `exclude` pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RepoConfigDocument {
    exclude: Option<Vec<Spanned<String>>>,
    clusters: Option<Vec<Spanned<ClusterEntryDocument>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClusterEntryDocument {
    name: Spanned<String>,
    kubernetes_version: Option<Spanned<String>>,
}

/// Settings read from `mcs-gitops.yaml`.
#[derive(Clone, Debug, Default)]
pub struct RepoConfig {
    exclude: Option<GlobSet>,
    basename_exclude: Option<GlobSet>,
    /// The clusters listed under `clusters:`, if any.
    pub inventory: Option<Inventory>,
}

impl RepoConfig {
    /// Parses the settings file; problems are returned as diagnostics and the
    /// valid parts are kept.
    pub fn parse(bytes: &[u8]) -> (RepoConfig, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let document: RepoConfigDocument =
            match serde_saphyr::from_slice_with_options(bytes, options()) {
                Ok(Some(document)) => document,
                Ok(None) => return (RepoConfig::default(), diagnostics),
                Err(error) => {
                    let mut diagnostic = yaml_error(REPO_CONFIG_FILE, &error);
                    diagnostic.rule = Rule::RepoConfig;
                    diagnostics.push(diagnostic);
                    return (RepoConfig::default(), diagnostics);
                }
            };
        let (exclude, basename_exclude) =
            build_excludes(document.exclude.unwrap_or_default(), &mut diagnostics);
        let inventory = document
            .clusters
            .map(|clusters| build_inventory(clusters, &mut diagnostics));
        let config = RepoConfig {
            exclude,
            basename_exclude,
            inventory,
        };
        (config, diagnostics)
    }

    /// Whether a repository path is excluded from reading.
    pub fn is_excluded(&self, path: &str) -> bool {
        let basename = path.rsplit('/').next().unwrap_or(path);
        self.exclude.as_ref().is_some_and(|set| set.is_match(path))
            || self
                .basename_exclude
                .as_ref()
                .is_some_and(|set| set.is_match(basename))
    }
}

fn build_excludes(
    patterns: Vec<Spanned<String>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<GlobSet>, Option<GlobSet>) {
    if patterns.is_empty() {
        return (None, None);
    }
    let mut full = GlobSetBuilder::new();
    let mut basename = GlobSetBuilder::new();
    for (index, pattern) in patterns.into_iter().enumerate() {
        if let Some(problem) = pattern_over_limits(index, &pattern) {
            diagnostics.push(problem);
            if index >= MAX_EXCLUDES {
                break;
            }
            continue;
        }
        let text = pattern.value.trim_start_matches("./").trim_end_matches('/');
        let anchored = text.contains('/');
        let text = if pattern.value.ends_with('/') {
            format!("{text}/**")
        } else {
            text.to_owned()
        };
        match globset::GlobBuilder::new(&text)
            .literal_separator(true)
            .build()
        {
            Ok(glob) => {
                if !anchored {
                    basename.add(glob.clone());
                }
                full.add(glob);
            }
            Err(error) => diagnostics.push(
                Diagnostic::error(
                    Rule::RepoConfig,
                    spanned_location(REPO_CONFIG_FILE, &pattern.referenced),
                    format!(
                        "exclude pattern `{}` is not a valid glob: {}",
                        printable(&pattern.value),
                        error.kind()
                    ),
                )
                .with_hint("use globs like `docs/**`, `*.tmpl.yaml` or a plain path"),
            ),
        }
    }
    (compiled(full, diagnostics), compiled(basename, diagnostics))
}

/// Why the `index`th exclude pattern is not compiled, if it is over a limit.
fn pattern_over_limits(index: usize, pattern: &Spanned<String>) -> Option<Diagnostic> {
    let location = spanned_location(REPO_CONFIG_FILE, &pattern.referenced);
    let length = pattern.value.chars().count();
    let message = if index >= MAX_EXCLUDES {
        format!("more than {MAX_EXCLUDES} exclude patterns; this one and the rest are ignored")
    } else if length > MAX_PATTERN_CHARS {
        format!(
            "exclude pattern `{}` is longer than {MAX_PATTERN_CHARS} characters",
            printable(&pattern.value)
        )
    } else {
        return None;
    };
    Some(
        Diagnostic::error(Rule::RepoConfig, location, message)
            .with_hint("exclude whole directories (`docs/`) or name patterns (`*.tmpl.yaml`)"),
    )
}

fn compiled(builder: GlobSetBuilder, diagnostics: &mut Vec<Diagnostic>) -> Option<GlobSet> {
    match builder.build() {
        Ok(set) => Some(set),
        Err(error) => {
            diagnostics.push(Diagnostic::error(
                Rule::RepoConfig,
                config_location(),
                format!(
                    "the exclude patterns could not be compiled: {}",
                    error.kind()
                ),
            ));
            None
        }
    }
}

fn build_inventory(
    entries: Vec<Spanned<ClusterEntryDocument>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Inventory {
    let mut clusters = Vec::new();
    for entry in entries {
        let name = &entry.value.name;
        let location = spanned_location(REPO_CONFIG_FILE, &name.referenced);
        if let Err(problem) = check_label(&name.value, LabelKind::Dns1123, MAX_CLUSTER_NAME) {
            let mut diagnostic = Diagnostic::error(
                Rule::RepoConfig,
                location.clone(),
                format!(
                    "cluster name `{}` {}",
                    printable(&name.value),
                    problem.describe()
                ),
            );
            if let Some(suggestion) = problem.suggestion(&name.value) {
                diagnostic = diagnostic.with_hint(format!("did you mean `{suggestion}`?"));
            }
            diagnostics.push(diagnostic);
            continue;
        }
        let version = entry.value.kubernetes_version.as_ref();
        if let Some(version) = version.filter(|v| KubeVersion::parse(&v.value).is_none()) {
            diagnostics.push(
                Diagnostic::error(
                    Rule::RepoConfig,
                    spanned_location(REPO_CONFIG_FILE, &version.referenced),
                    format!(
                        "kubernetesVersion `{}` is not a Kubernetes version",
                        printable(&version.value)
                    ),
                )
                .with_hint("write it as the cluster reports it, e.g. `v1.30.2`"),
            );
        }
        clusters.push((
            name.value.clone(),
            ClusterInfo {
                kubernetes_version: version.map(|v| v.value.clone()),
                ready: None,
                labels: Default::default(),
            },
        ));
    }
    Inventory::new(InventorySource::RepoConfig, clusters)
}

/// A location at the top of the settings file.
pub fn config_location() -> Location {
    Location::file(REPO_CONFIG_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_match_paths_directories_and_basenames() {
        let (config, diagnostics) =
            RepoConfig::parse(b"exclude:\n  - docs/\n  - '*.tmpl.yaml'\n  - ci/pipeline.yaml\n");
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(config.is_excluded("docs/a/b.yaml"));
        assert!(config.is_excluded("shop/x.tmpl.yaml"));
        assert!(config.is_excluded("ci/pipeline.yaml"));
        assert!(!config.is_excluded("shop/checkout.yaml"));
    }

    #[test]
    fn clusters_form_an_inventory() {
        let (config, diagnostics) = RepoConfig::parse(
            b"clusters:\n  - name: clustera\n    kubernetesVersion: v1.30.2\n  - name: clusterb\n",
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let inventory = config.inventory.unwrap();
        assert_eq!(
            inventory.names().collect::<Vec<_>>(),
            ["clustera", "clusterb"]
        );
    }

    #[test]
    fn exclude_patterns_over_the_limits_are_errors_and_the_rest_still_apply() {
        let mut yaml = format!("exclude:\n  - '{}'\n", "*".repeat(MAX_PATTERN_CHARS + 1));
        for i in 0..=MAX_EXCLUDES {
            yaml += &format!("  - dir{i}/\n");
        }
        let (config, diagnostics) = RepoConfig::parse(yaml.as_bytes());
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        assert_eq!(diagnostics[0].location.as_ref().unwrap().line, 2);
        assert!(config.is_excluded("dir0/a.yaml"));
        assert!(!config.is_excluded(&format!("dir{MAX_EXCLUDES}/a.yaml")));
    }

    #[test]
    fn unknown_settings_are_errors_with_a_location() {
        let (_, diagnostics) = RepoConfig::parse(b"exclude: []\nclusterz: []\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].rule, Rule::RepoConfig);
        assert_eq!(diagnostics[0].location.as_ref().unwrap().line, 2);
    }
}
