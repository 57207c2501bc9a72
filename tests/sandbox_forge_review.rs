//! `review --post` on a real Gitea: a pull request opened through Gitea's
//! API gets one mcs-gitops comment and a status on its head; a second push
//! edits the same comment; another user's comment that carries the marker
//! is left alone.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use support::fixtures::Mcs;
use support::git::git;
use support::gitea::{Clone, Gitea};
use support::sandbox::{Sandbox, start};

const MARKER: &str = "<!-- mcs-gitops-review -->";
const INVENTORY: &str = "clusters:\n  - name: clustera\n  - name: clusterb\n  - name: clusterc\n";

/// One sandbox with a forge for the whole file.
fn forge() -> &'static Sandbox {
    static FORGE: std::sync::OnceLock<Sandbox> = std::sync::OnceLock::new();
    FORGE.get_or_init(|| start(&["--forge"]))
}

fn review(gitea: &Gitea, repo: &str, work: &Clone, number: u64) -> assert_cmd::assert::Assert {
    git(work.path(), &["fetch", "-q", "origin"]);
    cargo_bin_cmd!("mcs-gitops")
        .args([
            "review",
            "--base",
            "origin/main",
            "--head",
            "origin/wider",
            "--post",
        ])
        .args(["--forge", "gitea", "--forge-url", &gitea.url])
        .args(["--repository", &format!("{}/{repo}", gitea.user)])
        .args(["--pull-request", &number.to_string()])
        .arg("--forge-token-file")
        .arg(&gitea.token_file)
        .arg(work.path())
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITEA_ACTIONS")
        .assert()
}

#[test]
fn a_pull_request_gets_one_comment_edited_in_place_and_a_status_on_its_head() {
    let gitea = Gitea::of(forge());
    gitea.create_repo("config");
    let work = Clone::new(&gitea.push_url("config"));
    let checkout = Mcs::new("shop", "checkout")
        .providers(&["clustera"])
        .consumers(&["clusterb"]);
    work.write("mcs-gitops.yaml", INVENTORY);
    work.write("shop/checkout.yaml", &checkout.yaml());
    work.commit_and_push("base");
    work.branch("wider");
    let wider = checkout.consumers(&["clusterb", "clusterc"]);
    work.write("shop/checkout.yaml", &wider.yaml());
    let head = work.commit_and_push("checkout reaches clusterc");
    let number = gitea.open_pull_request("config", "wider", "main");

    let (intruder, token) = gitea.other_user("mallory");
    gitea.add_collaborator("config", &intruder);
    let quoted = serde_json::json!({ "body": format!("{MARKER}\nmerge it, it is fine") });
    let path = format!("/repos/{}/config/issues/{number}/comments", gitea.user);
    let (code, _) = gitea.api_as(&token, "POST", &path, Some(&quoted));
    assert_eq!(code, 201, "another user comments with the marker");

    let first = review(&gitea, "config", &work, number).code(2);
    let stderr = String::from_utf8_lossy(&first.get_output().stderr).into_owned();
    let token_text = std::fs::read_to_string(&gitea.token_file).unwrap();
    assert!(
        !stderr.contains(token_text.trim()),
        "the token leaked: {stderr}"
    );
    let comments = gitea.comments("config", number);
    let own: Vec<_> = comments
        .iter()
        .filter(|(_, by, _)| *by == gitea.user)
        .collect();
    assert_eq!(own.len(), 1, "{comments:?}");
    let (id, _, body) = own[0].clone();
    assert!(body.starts_with(MARKER), "{body}");
    assert!(
        body.contains("shop/checkout becomes reachable from clusterc"),
        "{body}"
    );
    let statuses = gitea.statuses("config", &head, "mcs-gitops/review");
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(statuses[0].state, "success");
    assert_eq!(statuses[0].description, "1 gain access, 1 caution");

    let narrower = Mcs::new("shop", "checkout")
        .providers(&["clustera", "clusterb"])
        .consumers(&["clusterc"]);
    work.write("shop/checkout.yaml", &narrower.yaml());
    let second_head = work.commit_and_push("checkout: clusterb provides instead");
    review(&gitea, "config", &work, number).code(2);
    let comments = gitea.comments("config", number);
    let own: Vec<_> = comments
        .iter()
        .filter(|(_, by, _)| *by == gitea.user)
        .collect();
    assert_eq!(own.len(), 1, "still one comment of ours: {comments:?}");
    assert_eq!(own[0].0, id, "the same comment, edited");
    assert_ne!(own[0].2, body, "its text follows the new head");
    let theirs = comments.iter().find(|(_, by, _)| *by == intruder).unwrap();
    assert_eq!(theirs.2, format!("{MARKER}\nmerge it, it is fine"));
    let statuses = gitea.statuses("config", &second_head, "mcs-gitops/review");
    assert_eq!(statuses.len(), 1, "{statuses:?}");
}

#[test]
fn an_invalid_head_gets_a_failure_naming_the_file() {
    let gitea = Gitea::of(forge());
    gitea.create_repo("broken");
    let work = Clone::new(&gitea.push_url("broken"));
    work.write("mcs-gitops.yaml", INVENTORY);
    work.write("shop/checkout.yaml", &Mcs::new("shop", "checkout").yaml());
    work.commit_and_push("base");
    work.branch("wider");
    work.write("shop/checkout.yaml", "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata: {name: checkout, namespace: shop}\nspec:\n  types: [Bogus]\n");
    let head = work.commit_and_push("broken");
    let number = gitea.open_pull_request("broken", "wider", "main");
    review(&gitea, "broken", &work, number).code(1);
    let statuses = gitea.statuses("broken", &head, "mcs-gitops/review");
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(statuses[0].state, "failure");
    assert_eq!(
        statuses[0].description,
        "invalid: 1 error in shop/checkout.yaml"
    );
}
