//! A pull request is reviewed against the base's cluster inventory: a head
//! that shrinks `mcs-gitops.yaml`'s list cannot hide who "all clusters"
//! reaches, and the review says the list changed.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use support::fixtures::Mcs;
use support::repo::DiskRepo;

const FOUR: &str =
    "clusters:\n  - name: clustera\n  - name: clusterb\n  - name: clusterc\n  - name: clusterd\n";
const TWO: &str = "clusters:\n  - name: clustera\n  - name: clusterb\n";

#[test]
fn a_head_that_shrinks_the_inventory_is_reviewed_against_the_base_list() {
    let repo = DiskRepo::new().file("mcs-gitops.yaml", FOUR).mcs(
        "shop/cart.yaml",
        &Mcs::new("shop", "cart")
            .providers(&["clustera"])
            .consumers(&["clusterb"]),
    );
    let base = repo.commit("base");
    let repo = repo.file("mcs-gitops.yaml", TWO).mcs(
        "shop/cart.yaml",
        &Mcs::new("shop", "cart").providers(&["clustera"]),
    );
    let head = repo.commit("cart reaches every cluster, and the list shrinks");
    let output = cargo_bin_cmd!("mcs-gitops")
        .args([
            "review", "--color", "never", "-o", "text", "--base", &base, "--head", &head,
        ])
        .arg(repo.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("clusterd"),
        "all clusters includes the base's clusterd: {text}"
    );
    assert!(
        text.contains("the change edits the cluster list of mcs-gitops.yaml"),
        "{text}"
    );
}
