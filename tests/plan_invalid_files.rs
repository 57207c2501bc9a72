//! A live object whose file is invalid in the revision is "not comparable":
//! the plan never says it will be pruned, in any output format, and names
//! the file. An object Git really dropped is still a prune.

mod support;

use mcs_gitops::manifest::{Policy, Revision, load};
use mcs_gitops::plan::{Action, ChangeOptions, Plan, PruneGuard};
use mcs_gitops::report::plan_json;
use serde_json::json;
use support::fixtures::{Mcs, Repo};
use support::live::{Live, healthy};

fn options() -> ChangeOptions {
    ChangeOptions {
        instance: "default".to_owned(),
        source: None,
        revision: Some(Revision::new("0123456789abcdef0123456789abcdef01234567")),
        adopt: false,
        recreate: false,
        prune: PruneGuard {
            max_fraction: 1.0,
            allow_mass_prune: true,
        },
    }
}

fn live() -> Live {
    let spec = json!({"types": ["CrossCluster"]});
    Live::new()
        .cluster("clustera", true, "v1.30.2")
        .service("shop", "cart")
        .service("shop", "web")
        .mcs("shop", "cart", spec.clone(), healthy())
        .mcs("shop", "web", spec.clone(), healthy())
        .mcs("shop", "gone", spec, healthy())
}

fn plan(repo: Repo) -> Plan {
    let desired = load(&repo.files, &Policy::default());
    Plan::build(&desired, &live().state, &options())
}

fn action(plan: &Plan, name: &str) -> Action {
    plan.changes
        .iter()
        .find(|c| c.key.name == name)
        .unwrap()
        .action
}

#[test]
fn an_object_whose_file_does_not_parse_is_not_comparable_and_never_pruned() {
    let plan = plan(
        Repo::new()
            .file("shop/cart.yaml", "apiVersion: [unclosed\n")
            .mcs("shop/web.yaml", &Mcs::new("shop", "web")),
    );
    assert_eq!(action(&plan, "cart"), Action::NotComparable);
    assert_eq!(
        action(&plan, "gone"),
        Action::Prune,
        "Git really dropped it"
    );
    let cart = plan.changes.iter().find(|c| c.key.name == "cart").unwrap();
    assert_eq!(cart.source.as_ref().unwrap().file, "shop/cart.yaml");
    let json = serde_json::to_value(plan_json::to_json(&plan, None)).unwrap();
    assert_eq!(json["summary"]["prune"], 1, "{json:#}");
    assert_eq!(json["summary"]["notComparable"], 1, "{json:#}");
    let cart = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "cart")
        .unwrap();
    assert_eq!(cart["action"], "not-comparable", "{cart:#}");
    assert_eq!(cart["file"], "shop/cart.yaml", "{cart:#}");
}

#[test]
fn an_object_read_with_errors_is_not_comparable_even_when_another_file_defined_it() {
    let plan = plan(
        Repo::new()
            .mcs(
                "shop/moved.yaml",
                &Mcs::new("shop", "cart").providers(&["clusterA"]),
            )
            .mcs("shop/web.yaml", &Mcs::new("shop", "web")),
    );
    assert_eq!(action(&plan, "cart"), Action::NotComparable);
    assert_eq!(
        plan.changes
            .iter()
            .find(|c| c.key.name == "cart")
            .unwrap()
            .source
            .as_ref()
            .unwrap()
            .file,
        "shop/moved.yaml"
    );
}
