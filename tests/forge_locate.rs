//! Where the forge is, found from the Git remote's URL and from the CI's
//! environment, and what each forge calls a commit status's state.

use std::collections::HashMap;

use mcs_gitops::forge::api;
use mcs_gitops::forge::http::Method;
use mcs_gitops::forge::locate::{self, CiDefaults};
use mcs_gitops::forge::{Kind, Repository};
use mcs_gitops::report::commit_status::{CommitState, CommitStatus};

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn github_remotes_over_https_and_ssh_name_the_same_repository_and_api() {
    for url in [
        "https://github.com/octo-org/platform.git",
        "git@github.com:octo-org/platform.git",
        "ssh://git@github.com/octo-org/platform",
    ] {
        let located = locate::from_remote(url, None, None).unwrap();
        assert_eq!(located.kind, Kind::GitHub, "{url}");
        assert_eq!(located.api, "https://api.github.com", "{url}");
        assert_eq!(located.repo.as_str(), "octo-org/platform", "{url}");
        assert_eq!(
            located.file_url("mcs-gitops/status", "STATUS.md"),
            "https://github.com/octo-org/platform/blob/mcs-gitops/status/STATUS.md"
        );
    }
}

#[test]
fn a_self_hosted_forge_needs_its_kind_and_keeps_its_port_and_subgroups() {
    let unknown = locate::from_remote("http://127.0.0.1:3000/admin/config.git", None, None);
    assert!(
        unknown
            .unwrap_err()
            .to_string()
            .contains("give --forge github|gitlab|gitea")
    );
    let gitea = locate::from_remote(
        "http://127.0.0.1:3000/admin/config.git",
        Some(Kind::Gitea),
        None,
    )
    .unwrap();
    assert_eq!(gitea.api, "http://127.0.0.1:3000/api/v1");
    assert_eq!(
        gitea.file_url("st", "STATUS.md"),
        "http://127.0.0.1:3000/admin/config/src/branch/st/STATUS.md"
    );
    let gitlab = locate::from_remote(
        "git@gitlab.example.com:platform/networking/mcs.git",
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        (gitlab.kind, gitlab.api.as_str()),
        (Kind::GitLab, "https://gitlab.example.com/api/v4")
    );
    assert_eq!(gitlab.repo.as_str(), "platform/networking/mcs");
    let enterprise = locate::from_remote("https://github.example.com/a/b", None, None).unwrap();
    assert_eq!(enterprise.api, "https://github.example.com/api/v3");
}

#[test]
fn local_paths_and_file_urls_name_no_forge() {
    for url in [
        "/srv/config",
        "file:///srv/config",
        "git://127.0.0.1/config",
    ] {
        assert!(
            locate::from_remote(url, Some(Kind::Gitea), None).is_err(),
            "{url}"
        );
    }
}

#[test]
fn repositories_are_owner_and_name_except_gitlab_groups() {
    assert!(Repository::parse(Kind::GitHub, "octo-org/platform").is_ok());
    assert!(Repository::parse(Kind::GitHub, "a/b/c").is_err());
    assert!(Repository::parse(Kind::Gitea, "../etc").is_err());
    assert!(Repository::parse(Kind::Gitea, "owner/na me").is_err());
    assert!(Repository::parse(Kind::GitLab, "a/b/c").is_ok());
}

#[test]
fn ci_variables_of_github_gitea_and_gitlab_give_the_pull_request() {
    let github = locate::ci_defaults(&env(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REPOSITORY", "o/r"),
        ("GITHUB_REF", "refs/pull/42/merge"),
        ("GITHUB_SERVER_URL", "https://github.com"),
    ]));
    assert_eq!(
        (github.kind, github.pull_request),
        (Some(Kind::GitHub), Some(42))
    );
    let gitea = locate::ci_defaults(&env(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITEA_ACTIONS", "true"),
        ("GITHUB_REF", "refs/pull/3/head"),
    ]));
    assert_eq!(
        (gitea.kind, gitea.pull_request),
        (Some(Kind::Gitea), Some(3))
    );
    let push = locate::ci_defaults(&env(&[
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_REF", "refs/heads/main"),
    ]));
    assert_eq!(push.pull_request, None);
    let gitlab = locate::ci_defaults(&env(&[
        ("GITLAB_CI", "true"),
        ("CI_PROJECT_PATH", "g/p"),
        ("CI_MERGE_REQUEST_IID", "9"),
    ]));
    assert_eq!(gitlab.repository.as_deref(), Some("g/p"));
    assert_eq!(
        (gitlab.kind, gitlab.pull_request),
        (Some(Kind::GitLab), Some(9))
    );
    assert_eq!(locate::ci_defaults(&env(&[])), CiDefaults::default());
}

#[test]
fn each_forge_gets_a_state_it_documents() {
    let repo = Repository::parse(Kind::GitLab, "g/p").unwrap();
    let expected = [
        (CommitState::Pending, "pending", "running"),
        (CommitState::Success, "success", "success"),
        (CommitState::Failure, "failure", "failed"),
        (CommitState::Error, "error", "canceled"),
    ];
    for (state, github, gitlab) in expected {
        let status = CommitStatus::new(state, "x");
        let hub = api::set_status(Kind::GitHub, &repo, "abc", "c", &status, None);
        let lab = api::set_status(Kind::GitLab, &repo, "abc", "c", &status, Some("https://x"));
        assert_eq!(hub.body.unwrap()["state"], github);
        let lab_body = lab.body.unwrap();
        assert_eq!(
            (lab.method, lab_body["state"].as_str()),
            (Method::Post, Some(gitlab))
        );
        assert_eq!(lab_body["name"], "c");
        assert_eq!(lab_body["target_url"], "https://x");
        assert_eq!(lab.path, "/projects/g%2Fp/statuses/abc");
    }
}

#[test]
fn descriptions_are_one_line_a_forge_shows_whole() {
    let long = "x".repeat(300);
    let status = CommitStatus::new(CommitState::Failure, format!("{long}\nsecond line"));
    assert_eq!(status.description.chars().count(), 140);
    assert!(status.description.ends_with('…'));
}

#[test]
fn a_final_status_of_the_context_is_found_in_each_forges_listing() {
    use serde_json::json;
    let github = json!([
        { "state": "pending", "context": "mcs-gitops/default" },
        { "state": "success", "context": "ci/other" }
    ]);
    assert_eq!(
        api::has_final_status(Kind::GitHub, &github, "mcs-gitops/default"),
        Some(false)
    );
    let gitea = json!([{ "status": "success", "context": "mcs-gitops/default" }]);
    assert_eq!(
        api::has_final_status(Kind::Gitea, &gitea, "mcs-gitops/default"),
        Some(true)
    );
    let gitlab = json!([{ "status": "failed", "name": "mcs-gitops/default" }]);
    assert_eq!(
        api::has_final_status(Kind::GitLab, &gitlab, "mcs-gitops/default"),
        Some(true)
    );
    let repo = Repository::parse(Kind::GitHub, "o/r").unwrap();
    assert_eq!(
        api::list_statuses(Kind::GitHub, &repo, "abc", "x").path,
        "/repos/o/r/commits/abc/statuses?per_page=100"
    );
    let project = Repository::parse(Kind::GitLab, "g/p").unwrap();
    assert_eq!(
        api::list_statuses(Kind::GitLab, &project, "abc", "mcs-gitops/default").path,
        "/projects/g%2Fp/repository/commits/abc/statuses?name=mcs-gitops%2Fdefault&per_page=100"
    );
}
