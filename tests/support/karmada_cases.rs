//! MultiClusterService documents on both sides of every rule Karmada's
//! webhook, the CRD schema and the API server hold them to, with Karmada's
//! verdict. `validate` must give the same verdict, except where a rule of
//! its own is stricter (and says so); the sandbox test asks the real
//! webhook for its verdict on the same documents.

#![allow(dead_code)]

/// What Karmada (webhook, schema and API server together) does with a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Karmada {
    /// Admitted.
    Admits,
    /// Refused.
    Refuses,
}

/// One document and the verdicts on it.
#[derive(Clone, Debug)]
pub struct Case {
    /// What it tests.
    pub name: &'static str,
    /// The whole document.
    pub yaml: String,
    /// Karmada's verdict.
    pub karmada: Karmada,
    /// The rule of mcs-gitops's own that refuses what Karmada admits.
    pub stricter: Option<&'static str>,
}

/// A document with `metadata` lines (indented under `metadata:`) and `spec`
/// lines (under `spec:`); `types: [CrossCluster]` unless the spec lines set
/// `types`.
pub fn doc(metadata: &[&str], spec: &[&str]) -> String {
    let mut out = String::from(
        "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: foo\n  namespace: default\n",
    );
    for line in metadata {
        out += &format!("  {line}\n");
    }
    out += "spec:\n";
    if !spec.iter().any(|l| l.starts_with("types")) {
        out += "  types: [CrossCluster]\n";
    }
    for line in spec {
        out += &format!("  {line}\n");
    }
    out
}

fn case(name: &'static str, yaml: String, karmada: Karmada) -> Case {
    Case {
        name,
        yaml,
        karmada,
        stricter: None,
    }
}

fn stricter(name: &'static str, yaml: String, rule: &'static str) -> Case {
    Case {
        name,
        yaml,
        karmada: Karmada::Admits,
        stricter: Some(rule),
    }
}

/// Every case.
pub fn cases() -> Vec<Case> {
    use Karmada::{Admits, Refuses};
    let a = |n: usize| "a".repeat(n);
    let label = |key: &str, value: &str| format!("labels: {{\"{key}\": \"{value}\"}}");
    let annotation = |key: &str, value: &str| format!("annotations: {{\"{key}\": \"{value}\"}}");
    let cluster = |list: &str, name: &str| format!("{list}: [{{name: {name}}}]");
    let mut cases = vec![
        case("a minimal document", doc(&[], &[]), Admits),
        // metadata.name: a DNS-1035 label
        case(
            "a name of 63 characters",
            doc(&[], &[]).replace("name: foo", &format!("name: {}", a(63))),
            Admits,
        ),
        case(
            "a name of 64 characters",
            doc(&[], &[]).replace("name: foo", &format!("name: {}", a(64))),
            Refuses,
        ),
        case(
            "a name starting with a digit",
            doc(&[], &[]).replace("name: foo", "name: \"1foo\""),
            Refuses,
        ),
        case(
            "a name with a dot",
            doc(&[], &[]).replace("name: foo", "name: foo.bar"),
            Refuses,
        ),
        case(
            "a name with an uppercase letter",
            doc(&[], &[]).replace("name: foo", "name: Foo"),
            Refuses,
        ),
        case(
            "an unquoted numeric name",
            doc(&[], &[]).replace("name: foo", "name: 123"),
            Refuses,
        ),
        // labels
        case(
            "a label with a prefix",
            doc(&[&label("example.com/team", "a")], &[]),
            Admits,
        ),
        case(
            "a label key with a space and a bang",
            doc(&[&label("bad key!", "a")], &[]),
            Refuses,
        ),
        case(
            "a label key name of 63 characters",
            doc(&[&label(&a(63), "v")], &[]),
            Admits,
        ),
        case(
            "a label key name of 64 characters",
            doc(&[&label(&a(64), "v")], &[]),
            Refuses,
        ),
        case(
            "a label key prefix of 253 characters",
            doc(&[&label(&format!("{}/k", a(253)), "v")], &[]),
            Admits,
        ),
        case(
            "a label key prefix of 254 characters",
            doc(&[&label(&format!("{}/k", a(254)), "v")], &[]),
            Refuses,
        ),
        case(
            "an uppercase label key prefix",
            doc(&[&label("Example.com/app", "v")], &[]),
            Refuses,
        ),
        case(
            "a label key with two slashes",
            doc(&[&label("a/b/c", "v")], &[]),
            Refuses,
        ),
        case(
            "a label key starting with an underscore",
            doc(&[&label("_app", "v")], &[]),
            Refuses,
        ),
        case(
            "mixed case in a label key name",
            doc(&[&label("App.Name_x-1", "v")], &[]),
            Admits,
        ),
        case(
            "an empty label value",
            doc(&[&label("app", "")], &[]),
            Admits,
        ),
        case(
            "a label value of 63 characters",
            doc(&[&label("app", &a(63))], &[]),
            Admits,
        ),
        case(
            "a label value of 64 characters",
            doc(&[&label("app", &a(64))], &[]),
            Refuses,
        ),
        case(
            "a label value starting with a dash",
            doc(&[&label("app", "-x")], &[]),
            Refuses,
        ),
        case(
            "an unquoted numeric label value",
            doc(&["labels: {version: 2}"], &[]),
            Refuses,
        ),
        // annotations
        case(
            "an annotation key with an uppercase prefix",
            doc(&[&annotation("Example.COM/Key", "v")], &[]),
            Admits,
        ),
        case(
            "an annotation key with a space",
            doc(&[&annotation("owner team", "v")], &[]),
            Refuses,
        ),
        case(
            "an annotation key name of 64 characters",
            doc(&[&annotation(&a(64), "v")], &[]),
            Refuses,
        ),
        case(
            "annotations of 262144 bytes",
            doc(&[&annotation("a", &"x".repeat(262_143))], &[]),
            Admits,
        ),
        case(
            "annotations of 262145 bytes",
            doc(&[&annotation("a", &"x".repeat(262_144))], &[]),
            Refuses,
        ),
        case(
            "an annotation value with spaces and colons",
            doc(&[&annotation("note", "a: b, c")], &[]),
            Admits,
        ),
        case(
            "an unquoted boolean annotation value",
            doc(&["annotations: {enabled: true}"], &[]),
            Refuses,
        ),
        // types
        stricter("empty types", doc(&[], &["types: []"]), "types"),
        case(
            "a repeated type",
            doc(&[], &["types: [CrossCluster, CrossCluster]"]),
            Admits,
        ),
        case("LoadBalancer", doc(&[], &["types: [LoadBalancer]"]), Admits),
        case(
            "two distinct types",
            doc(&[], &["types: [CrossCluster, LoadBalancer]"]),
            Refuses,
        ),
        case(
            "a lowercase type",
            doc(&[], &["types: [crosscluster]"]),
            Refuses,
        ),
        case("an empty type", doc(&[], &["types: [\"\"]"]), Refuses),
        case("a numeric type", doc(&[], &["types: [1]"]), Refuses),
        case(
            "types as a scalar",
            doc(&[], &["types: CrossCluster"]),
            Refuses,
        ),
        // ports
        case("port 0", doc(&[], &["ports: [{port: 0}]"]), Refuses),
        case("port 1", doc(&[], &["ports: [{port: 1}]"]), Admits),
        case("port 65535", doc(&[], &["ports: [{port: 65535}]"]), Admits),
        case("port 65536", doc(&[], &["ports: [{port: 65536}]"]), Refuses),
        case(
            "a negative port",
            doc(&[], &["ports: [{port: -1}]"]),
            Refuses,
        ),
        case(
            "a quoted port",
            doc(&[], &["ports: [{port: \"80\"}]"]),
            Refuses,
        ),
        case(
            "a fractional port",
            doc(&[], &["ports: [{port: 80.5}]"]),
            Refuses,
        ),
        case(
            "a whole port with a fraction",
            doc(&[], &["ports: [{port: 80.0}]"]),
            Admits,
        ),
        case(
            "a port without a number",
            doc(&[], &["ports: [{name: http}]"]),
            Refuses,
        ),
        case(
            "an empty port name",
            doc(&[], &["ports: [{name: \"\", port: 80}]"]),
            Admits,
        ),
        case(
            "two empty port names",
            doc(
                &[],
                &["ports: [{name: \"\", port: 80}, {name: \"\", port: 81}]"],
            ),
            Admits,
        ),
        case(
            "an uppercase port name",
            doc(&[], &["ports: [{name: HTTP, port: 80}]"]),
            Refuses,
        ),
        case(
            "a port name with a dot",
            doc(&[], &["ports: [{name: foo.bar, port: 80}]"]),
            Refuses,
        ),
        case(
            "a port name of 63 characters",
            doc(&[], &[&format!("ports: [{{name: {}, port: 80}}]", a(63))]),
            Admits,
        ),
        case(
            "a port name of 64 characters",
            doc(&[], &[&format!("ports: [{{name: {}, port: 80}}]", a(64))]),
            Refuses,
        ),
        case(
            "a port name twice",
            doc(
                &[],
                &["ports: [{name: http, port: 80}, {name: http, port: 81}]"],
            ),
            Refuses,
        ),
        case(
            "a port number twice",
            doc(&[], &["ports: [{port: 80}, {port: 80}]"]),
            Admits,
        ),
        case(
            "a port with an unknown field",
            doc(&[], &["ports: [{port: 80, protocol: TCP}]"]),
            Refuses,
        ),
        // cluster names
        case(
            "a cluster name of 48 characters",
            doc(&[], &[&cluster("providerClusters", &a(48))]),
            Admits,
        ),
        case(
            "a cluster name of 49 characters",
            doc(&[], &[&cluster("providerClusters", &a(49))]),
            Refuses,
        ),
        case(
            "a cluster name starting with a digit",
            doc(&[], &[&cluster("providerClusters", "1member")]),
            Admits,
        ),
        case(
            "a quoted numeric cluster name",
            doc(&[], &[&cluster("providerClusters", "\"123\"")]),
            Admits,
        ),
        case(
            "an unquoted numeric cluster name",
            doc(&[], &[&cluster("providerClusters", "123")]),
            Refuses,
        ),
        case(
            "an uppercase cluster name",
            doc(&[], &[&cluster("consumerClusters", "Member1")]),
            Refuses,
        ),
        case(
            "an empty cluster name",
            doc(&[], &[&cluster("consumerClusters", "\"\"")]),
            Refuses,
        ),
        case(
            "a cluster entry without a name",
            doc(&[], &["consumerClusters: [{}]"]),
            Refuses,
        ),
        case(
            "a cluster name with a dot",
            doc(&[], &[&cluster("providerClusters", "member.1")]),
            Refuses,
        ),
        case(
            "a cluster list as a scalar",
            doc(&[], &["consumerClusters: clustera"]),
            Refuses,
        ),
        case(
            "a cluster entry with an unknown field",
            doc(&[], &["providerClusters: [{name: m1, namespace: x}]"]),
            Refuses,
        ),
        stricter(
            "a cluster listed twice",
            doc(&[], &["providerClusters: [{name: m1}, {name: m1}]"]),
            "duplicate-cluster",
        ),
        // deprecated fields, unknown fields, server-owned fields
        case(
            "deprecated fields with odd names",
            doc(
                &[],
                &[
                    "range: {clusterNames: [Bad_Name]}",
                    "serviceProvisionClusters: [UPPER]",
                ],
            ),
            Admits,
        ),
        case(
            "a numeric deprecated cluster name",
            doc(&[], &["serviceProvisionClusters: [1]"]),
            Refuses,
        ),
        case("range as a scalar", doc(&[], &["range: x"]), Refuses),
        case("an unknown spec field", doc(&[], &["foo: 1"]), Refuses),
        case(
            "a misspelt spec field",
            doc(&[], &["Types: [CrossCluster]"]),
            Refuses,
        ),
        case(
            "an unknown metadata field",
            doc(&["foo: bar"], &[]),
            Refuses,
        ),
        case(
            "another apiVersion",
            doc(&[], &[]).replace("v1alpha1", "v1alpha2"),
            Refuses,
        ),
        stricter(
            "a finalizer",
            doc(&["finalizers: [example.com/f]"], &[]),
            "schema",
        ),
    ];
    cases.push(stricter(
        "an mcs-gitops annotation",
        doc(&[&annotation("mcs-gitops.io/prune", "disabled")], &[]),
        "reserved-key",
    ));
    cases
}
