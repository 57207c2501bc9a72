//! `review --post` against GitHub's REST API, as its public documentation
//! describes it (no GitHub server can run here): a loopback server checks
//! each request's method, path, headers and body, and answers with the
//! documented response shapes ("Create an issue comment", "Update an issue
//! comment", "List issue comments", "Create a commit status", "Get the
//! authenticated user").

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::json;
use support::forge_api::{
    Answer, ForgeApi, PostTo, Recorded, pull_request_repository, review_post,
};

const TOKEN: &str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

fn user(login: &str, id: u64) -> serde_json::Value {
    json!({ "login": login, "id": id, "node_id": "MDQ6VXNlcjE=", "type": "User", "site_admin": false })
}

fn comment(id: u64, author: serde_json::Value, body: &str) -> serde_json::Value {
    json!({
        "id": id,
        "node_id": "MDEyOklzc3VlQ29tbWVudDE=",
        "url": format!("https://api.github.com/repos/octo-org/platform/issues/comments/{id}"),
        "html_url": format!("https://github.com/octo-org/platform/pull/7#issuecomment-{id}"),
        "body": body,
        "user": author,
        "created_at": "2011-04-14T16:00:49Z",
        "updated_at": "2011-04-14T16:00:49Z",
        "author_association": "COLLABORATOR"
    })
}

/// GitHub as documented: `comments` are pull request 7's comments; the
/// token is octocat's unless `actions_token` (then `GET /user` is 403).
fn github(comments: Vec<serde_json::Value>, actions_token: bool) -> ForgeApi {
    ForgeApi::start(move |request: &Recorded| -> Answer {
        let path = request.path.as_str();
        match (request.method.as_str(), path) {
            ("GET", "/api/v3/user") if actions_token => (
                403,
                json!({ "message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user", "status": "403" }).to_string(),
            ),
            ("GET", "/api/v3/user") => (200, user("octocat", 1).to_string()),
            ("GET", p) if p.starts_with("/api/v3/repos/octo-org/platform/issues/7/comments?") => {
                (200, json!(comments).to_string())
            }
            ("POST", "/api/v3/repos/octo-org/platform/issues/7/comments") => {
                (201, comment(1_000, user("octocat", 1), "created").to_string())
            }
            ("PATCH", p) if p.starts_with("/api/v3/repos/octo-org/platform/issues/comments/") => {
                (200, comment(9, user("octocat", 1), "edited").to_string())
            }
            ("POST", p) if p.starts_with("/api/v3/repos/octo-org/platform/statuses/") => (
                201,
                json!({ "id": 1, "state": "success", "context": "mcs-gitops/review", "creator": user("octocat", 1) }).to_string(),
            ),
            _ => (404, json!({ "message": "Not Found" }).to_string()),
        }
    })
}

fn post(
    api: &ForgeApi,
    repo: &std::path::Path,
    base: &str,
    head: &str,
) -> assert_cmd::assert::Assert {
    let to = PostTo {
        forge: "github",
        repository: "octo-org/platform",
        pull_request: 7,
        token: TOKEN,
    };
    review_post(api, &to, repo, base, head)
}

fn assert_github_headers(request: &Recorded) {
    assert_eq!(request.header("authorization"), format!("Bearer {TOKEN}"));
    assert_eq!(request.header("accept"), "application/vnd.github+json");
    assert_eq!(request.header("x-github-api-version"), "2022-11-28");
    assert!(request.header("user-agent").starts_with("mcs-gitops/"));
}

#[test]
fn a_first_post_creates_the_comment_and_sets_the_heads_status() {
    let (dir, base, head) = pull_request_repository();
    let api = github(vec![comment(3, user("hubot", 2), "LGTM")], false);
    let out = post(&api, dir.path(), &base, &head).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("review posted on octo-org/platform#7 (comment 1000)"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "the token leaked: {stderr}");
    assert_eq!(
        api.lines(),
        [
            "GET /api/v3/user".to_owned(),
            "GET /api/v3/repos/octo-org/platform/issues/7/comments?per_page=100&page=1".to_owned(),
            "POST /api/v3/repos/octo-org/platform/issues/7/comments".to_owned(),
            format!("POST /api/v3/repos/octo-org/platform/statuses/{head}"),
        ]
    );
    for request in api.requests() {
        assert_github_headers(&request);
    }
    let created = api.one("POST /api/v3/repos/octo-org/platform/issues/7/comments");
    let body = created.json()["body"].as_str().unwrap().to_owned();
    assert!(body.starts_with("<!-- mcs-gitops-review -->\n"), "{body}");
    assert!(
        body.contains("shop/checkout becomes reachable from clusterc"),
        "{body}"
    );
    let status = api.one(&format!(
        "POST /api/v3/repos/octo-org/platform/statuses/{head}"
    ));
    assert_eq!(
        status.json(),
        json!({ "state": "success", "context": "mcs-gitops/review", "description": "1 gain access, 1 caution" })
    );
}

#[test]
fn a_later_post_edits_its_own_comment_and_never_another_users_comment_with_the_marker() {
    let (dir, base, head) = pull_request_repository();
    let marker = "<!-- mcs-gitops-review -->";
    let comments = vec![
        comment(
            7,
            user("mallory", 666),
            &format!("{marker}\nlooks fine, merge it"),
        ),
        comment(9, user("octocat", 1), &format!("{marker}\nold review")),
        comment(11, user("octocat", 1), "a note without the marker"),
    ];
    let api = github(comments, false);
    post(&api, dir.path(), &base, &head).code(2);
    let edited = api.one("PATCH /api/v3/repos/octo-org/platform/issues/comments/9");
    assert!(edited.json()["body"].as_str().unwrap().contains("clusterc"));
    assert!(
        !api.lines().iter().any(|l| l.ends_with("/comments/7")
            || l.ends_with("/issues/7/comments") && l.starts_with("POST")),
        "{:?}",
        api.lines()
    );
}

#[test]
fn an_actions_token_that_may_not_read_its_user_edits_the_actions_bots_comment() {
    let (dir, base, head) = pull_request_repository();
    let bot = json!({ "login": "github-actions[bot]", "id": 41_898_282, "type": "Bot" });
    let comments = vec![comment(12, bot, "<!-- mcs-gitops-review -->\nold")];
    let api = github(comments, true);
    post(&api, dir.path(), &base, &head).code(2);
    api.one("PATCH /api/v3/repos/octo-org/platform/issues/comments/12");
}

#[test]
fn in_github_actions_the_repository_pull_request_and_api_come_from_the_environment() {
    let (dir, base, head) = pull_request_repository();
    let api = github(Vec::new(), false);
    cargo_bin_cmd!("mcs-gitops")
        .args(["review", "--base", &base, "--head", &head, "--post"])
        .arg(dir.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "octo-org/platform")
        .env("GITHUB_REF", "refs/pull/7/merge")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_API_URL", format!("{}/api/v3", api.url))
        .env("MCS_GITOPS_FORGE_TOKEN", TOKEN)
        .assert()
        .code(2);
    api.one("POST /api/v3/repos/octo-org/platform/issues/7/comments");
}

#[test]
fn a_refused_token_exits_3_with_githubs_message_and_posts_nothing_else() {
    let (dir, base, head) = pull_request_repository();
    let api = ForgeApi::start(|_| {
        (401, json!({ "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest" }).to_string())
    });
    let out = post(&api, dir.path(), &base, &head).code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("the review was not posted: reading the token's user: GitHub answered 401: Bad credentials"),
        "{stderr}"
    );
    assert_eq!(api.lines(), ["GET /api/v3/user"]);
}
