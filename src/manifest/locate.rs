//! Where in a file a field an API error names is written, so that a refusal
//! at apply time points at the file, line and column, as validation does.

use serde_saphyr::Spanned;

use super::diagnostic::{Location, spanned_location};
use super::limits::options;
use super::yaml_tree::{Node, locate};

/// Where `field` (as the API names it: `spec.ports[0].port`, or Karmada's
/// `spec.range.providerClusters[0]`) is written in the document of `file`
/// (`bytes`) that starts at `origin`. When the field itself is not written
/// (a missing one), the nearest written parent.
pub fn field_location(
    file: &str,
    bytes: &[u8],
    origin: &Location,
    field: &str,
) -> Option<Location> {
    let documents: Vec<Spanned<Node>> =
        serde_saphyr::read_with_options(&mut std::io::Cursor::new(bytes), options())
            .filter_map(Result::ok)
            .collect();
    let document = documents
        .iter()
        .filter(|d| d.referenced.line() <= u64::from(origin.line.max(1)))
        .max_by_key(|d| d.referenced.line())?;
    let path = written_path(field);
    let mut candidate = path.as_str();
    loop {
        if let Some(found) = locate(document, candidate) {
            let length = usize::try_from(found.span().len()).unwrap_or(1).max(1);
            return Some(spanned_location(file, &found).spanning(length));
        }
        candidate = &candidate[..candidate.rfind(['.', '['])?];
    }
}

/// The path of the field as it is written: Karmada's webhook names provider
/// and consumer names `spec.range.providerClusters[i]`, which are written at
/// `spec.providerClusters[i].name`.
fn written_path(field: &str) -> String {
    for list in ["providerClusters", "consumerClusters"] {
        let karmada = format!("spec.range.{list}[");
        if let Some((index, tail)) = field
            .strip_prefix(&karmada)
            .and_then(|rest| rest.split_once(']'))
        {
            return format!("spec.{list}[{index}].name{tail}");
        }
    }
    field.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata: {name: a}\nspec:\n  types: [CrossCluster]\n---\napiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata: {name: b}\nspec:\n  types: [CrossCluster]\n  providerClusters:\n    - name: Member1\n  ports: [{port: 0}]\n";

    fn at(field: &str) -> Option<String> {
        let origin = Location::at("f.yaml", 7, 1);
        field_location("f.yaml", FILE.as_bytes(), &origin, field).map(|l| l.to_string())
    }

    #[test]
    fn karmadas_paths_for_cluster_names_point_at_the_name() {
        assert_eq!(
            at("spec.range.providerClusters[0]").as_deref(),
            Some("f.yaml:13:13")
        );
    }

    #[test]
    fn a_field_is_found_in_its_own_document() {
        assert_eq!(at("spec.ports[0].port").as_deref(), Some("f.yaml:14:18"));
        assert_eq!(at("metadata.name").as_deref(), Some("f.yaml:9:18"));
    }

    #[test]
    fn a_field_not_written_points_at_its_nearest_parent() {
        assert_eq!(at("spec.ports[0].name").as_deref(), Some("f.yaml:14:11"));
    }
}
