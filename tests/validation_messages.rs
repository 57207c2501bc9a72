//! What `validate` says about documents Karmada refuses: the field named by
//! its path, types shown as YAML reads them with the quoted or unquoted form
//! the API expects, label and annotation grammar, keys reserved for
//! mcs-gitops, stricter rules that say Karmada would admit the object, and
//! server-owned keys pointed at where the key is written.

mod support;

use mcs_gitops::manifest::{Policy, RepoFile, load};
use mcs_gitops::report::Color;
use mcs_gitops::report::diagnostics::render_text;
use support::karmada_cases::doc;

fn rendered(path: &str, yaml: &str) -> String {
    let files = [RepoFile::new(path, yaml)];
    let desired = load(&files, &Policy::default());
    let sources = [(path, yaml)].into_iter().collect();
    render_text(&desired, &sources, Color::Off)
}

#[test]
fn a_wrong_shape_names_the_field_by_its_path() {
    let yaml = doc(&[], &["consumerClusters: [{}]"]);
    let text = rendered("default/foo.yaml", &yaml);
    assert!(
        text.contains("`spec.consumerClusters[0].name` is missing"),
        "{text}"
    );
    let yaml = doc(&[], &["consumerClusters: clustera"]);
    let text = rendered("default/foo.yaml", &yaml);
    assert!(
        text.contains("`spec.consumerClusters`: expected a list"),
        "{text}"
    );
    let yaml = doc(&[], &["range: x"]);
    let text = rendered("default/foo.yaml", &yaml);
    assert!(text.contains("`spec.range`: expected a mapping"), "{text}");
}

#[test]
fn values_of_the_wrong_type_are_shown_with_the_form_the_api_expects() {
    let yaml = doc(
        &["labels: {version: 2}"],
        &["ports: [{port: \"80\"}]", "providerClusters: [{name: 123}]"],
    );
    insta::assert_snapshot!(rendered("default/foo.yaml", &yaml));
}

#[test]
fn labels_and_annotations_follow_kubernetes_key_grammar() {
    let yaml = doc(
        &[
            "labels: {\"bad key!\": a, app: \"-x\", \"mcs-gitops.io/instance\": other}",
            "annotations: {\"owner team\": a, \"mcs-gitops.io/prune\": disabled}",
        ],
        &[],
    );
    insta::assert_snapshot!(rendered("default/foo.yaml", &yaml));
}

#[test]
fn stricter_rules_say_what_karmada_would_do() {
    let yaml = doc(
        &["finalizers: [example.com/f]"],
        &["types: []", "providerClusters: [{name: m1}, {name: m1}]"],
    );
    insta::assert_snapshot!(rendered("default/foo.yaml", &yaml));
}

#[test]
fn a_server_owned_key_is_pointed_at_where_the_key_is_written() {
    let yaml = format!(
        "{}status:\n  conditions: []\n",
        doc(&["uid:", "  x: 1"], &[])
    );
    let text = rendered("default/foo.yaml", &yaml);
    assert!(text.contains("--> default/foo.yaml:10:1"), "{text}");
    assert!(text.contains("--> default/foo.yaml:6:3"), "{text}");
}

#[test]
fn an_empty_port_name_is_no_name_with_a_warning() {
    let yaml = doc(
        &[],
        &[
            "types: [LoadBalancer]",
            "ports: [{name: \"\", port: 80}, {name: \"\", port: 81}]",
        ],
    );
    let text = rendered("default/foo.yaml", &yaml);
    assert!(
        text.contains("warning[ports]: the port name is empty"),
        "{text}"
    );
    assert!(!text.contains("error["), "{text}");
}
