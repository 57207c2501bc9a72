//! `review --post` against GitLab's REST API (v4), as its public
//! documentation describes it (no GitLab server can run here): merge
//! request notes ("List all merge request notes", "Create new merge request
//! note", "Modify existing merge request note"), "Set the pipeline status
//! of a commit" and "Get the current user", checked request by request on a
//! loopback server answering with the documented response shapes.

mod support;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::json;
use support::forge_api::{
    Answer, ForgeApi, PostTo, Recorded, pull_request_repository, review_post,
};

const TOKEN: &str = "glpat-aB3cD4eF5gH6iJ7kL8mN";
const PROJECT: &str = "/api/v4/projects/platform%2Fnetworking%2Fmcs";

fn author(username: &str, id: u64) -> serde_json::Value {
    json!({ "id": id, "username": username, "name": username, "state": "active", "avatar_url": null, "web_url": format!("https://gitlab.example.com/{username}") })
}

fn note(id: u64, by: serde_json::Value, body: &str, system: bool) -> serde_json::Value {
    json!({
        "id": id, "type": null, "body": body, "attachment": null, "author": by,
        "created_at": "2013-10-02T09:22:45Z", "updated_at": "2013-10-02T10:22:45Z",
        "system": system, "noteable_id": 377, "noteable_type": "MergeRequest", "noteable_iid": 4,
        "resolvable": false, "confidential": false, "internal": false
    })
}

fn gitlab(notes: Vec<serde_json::Value>) -> ForgeApi {
    ForgeApi::start(move |request: &Recorded| -> Answer {
        let path = request.path.as_str();
        let notes_path = format!("{PROJECT}/merge_requests/4/notes");
        match request.method.as_str() {
            "GET" if path == "/api/v4/user" => (200, author("mcs-bot", 31).to_string()),
            "GET" if path.starts_with(&format!("{notes_path}?")) => (200, json!(notes).to_string()),
            "POST" if path == notes_path => (201, note(905, author("mcs-bot", 31), "new", false).to_string()),
            "PUT" if path.starts_with(&format!("{notes_path}/")) => (200, note(880, author("mcs-bot", 31), "edited", false).to_string()),
            "POST" if path.starts_with(&format!("{PROJECT}/statuses/")) => (
                201,
                json!({ "id": 93, "sha": path.rsplit('/').next(), "ref": null, "status": "success", "name": "mcs-gitops/review", "author": author("mcs-bot", 31) }).to_string(),
            ),
            _ => (404, json!({ "message": "404 Not found" }).to_string()),
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
        forge: "gitlab",
        repository: "platform/networking/mcs",
        pull_request: 4,
        token: TOKEN,
    };
    review_post(api, &to, repo, base, head)
}

#[test]
fn a_post_edits_its_own_note_skipping_system_notes_and_other_authors() {
    let (dir, base, head) = pull_request_repository();
    let marker = "<!-- mcs-gitops-review -->";
    let notes = vec![
        note(
            870,
            author("mcs-bot", 31),
            &format!("{marker} quoted by the system"),
            true,
        ),
        note(
            875,
            author("someone", 8),
            &format!("{marker}\ncopied"),
            false,
        ),
        note(
            880,
            author("mcs-bot", 31),
            &format!("{marker}\nold review"),
            false,
        ),
    ];
    let api = gitlab(notes);
    let out = post(&api, dir.path(), &base, &head).code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(!stderr.contains(TOKEN), "the token leaked: {stderr}");
    assert_eq!(
        api.lines(),
        [
            "GET /api/v4/user".to_owned(),
            format!(
                "GET {PROJECT}/merge_requests/4/notes?sort=asc&order_by=created_at&per_page=100&page=1"
            ),
            format!("PUT {PROJECT}/merge_requests/4/notes/880"),
            format!("POST {PROJECT}/statuses/{head}"),
        ]
    );
    for request in api.requests() {
        assert_eq!(request.header("private-token"), TOKEN);
        assert!(request.headers.iter().all(|(n, _)| n != "authorization"));
    }
    let edited = api.one(&format!("PUT {PROJECT}/merge_requests/4/notes/880"));
    assert!(edited.json()["body"].as_str().unwrap().contains("clusterc"));
    let status = api.one(&format!("POST {PROJECT}/statuses/{head}"));
    assert_eq!(
        status.json(),
        json!({ "state": "success", "name": "mcs-gitops/review", "description": "1 gain access, 1 caution" })
    );
}

#[test]
fn in_gitlab_ci_the_project_merge_request_and_api_come_from_the_environment() {
    let (dir, base, head) = pull_request_repository();
    let api = gitlab(Vec::new());
    cargo_bin_cmd!("mcs-gitops")
        .args(["review", "--base", &base, "--head", &head, "--post"])
        .arg(dir.path())
        .env("GITLAB_CI", "true")
        .env("CI_SERVER_URL", "https://gitlab.example.com")
        .env("CI_API_V4_URL", format!("{}/api/v4", api.url))
        .env("CI_PROJECT_PATH", "platform/networking/mcs")
        .env("CI_MERGE_REQUEST_IID", "4")
        .env("MCS_GITOPS_FORGE_TOKEN", TOKEN)
        .assert()
        .code(2);
    let created = api.one(&format!("POST {PROJECT}/merge_requests/4/notes"));
    assert!(
        created.json()["body"]
            .as_str()
            .unwrap()
            .starts_with("<!-- mcs-gitops-review -->")
    );
}
