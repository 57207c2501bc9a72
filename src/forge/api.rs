//! The requests each forge's REST API documents, and the parts of its
//! answers mcs-gitops reads. Pure: builds and parses, sends nothing.
//!
//! - GitHub: `POST /repos/{owner}/{repo}/statuses/{sha}`, issue comments
//!   (`GET|POST /repos/{owner}/{repo}/issues/{n}/comments`,
//!   `PATCH /repos/{owner}/{repo}/issues/comments/{id}`), `GET /user`.
//! - GitLab: `POST /projects/{id}/statuses/{sha}`, merge request notes
//!   (`GET|POST /projects/{id}/merge_requests/{iid}/notes`,
//!   `PUT .../notes/{note_id}`), `GET /user`; the project id is the
//!   URL-encoded path.
//! - Gitea (and Forgejo): `POST /repos/{owner}/{repo}/statuses/{sha}`,
//!   issue comments as on GitHub, `GET /user`.

use serde_json::{Value, json};

use super::http::Method;
use super::kind::Kind;
use super::repository::Repository;
use crate::report::commit_status::{CommitState, CommitStatus};

/// Comments read per page.
pub const PAGE_SIZE: usize = 100;

/// One request, relative to the API's root.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// Path and query, starting with `/`.
    pub path: String,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

/// The user a token acts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Numeric id.
    pub id: u64,
    /// Login (user name).
    pub login: String,
}

/// A comment on a pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: u64,
    /// Its author.
    pub author: User,
    /// Its text.
    pub body: String,
}

fn repo_root(kind: Kind, repo: &Repository) -> String {
    match kind {
        Kind::GitHub | Kind::Gitea => format!("/repos/{}", repo.as_str()),
        Kind::GitLab => format!("/projects/{}", encode_path(repo.as_str())),
    }
}

/// Sets a commit status (`context` is the check's name).
pub fn set_status(
    kind: Kind,
    repo: &Repository,
    sha: &str,
    context: &str,
    status: &CommitStatus,
    target_url: Option<&str>,
) -> Request {
    let state = state_name(kind, status.state);
    let mut body = match kind {
        Kind::GitLab => {
            json!({ "state": state, "name": context, "description": status.description })
        }
        Kind::GitHub | Kind::Gitea => {
            json!({ "state": state, "context": context, "description": status.description })
        }
    };
    if let Some(url) = target_url {
        body["target_url"] = Value::String(url.to_owned());
    }
    Request {
        method: Method::Post,
        path: format!("{}/statuses/{sha}", repo_root(kind, repo)),
        body: Some(body),
    }
}

/// The state's name in the forge's vocabulary. GitLab has no `error`, and
/// its `pending` means queued: a taken commit is `running`.
fn state_name(kind: Kind, state: CommitState) -> &'static str {
    match (kind, state) {
        (Kind::GitLab, CommitState::Pending) => "running",
        (Kind::GitLab, CommitState::Failure) => "failed",
        (Kind::GitLab, CommitState::Error) => "canceled",
        (_, CommitState::Pending) => "pending",
        (_, CommitState::Success) => "success",
        (_, CommitState::Failure) => "failure",
        (_, CommitState::Error) => "error",
    }
}

/// The statuses of commit `sha` (newest first on every forge; GitLab's
/// filtered to `context`).
pub fn list_statuses(kind: Kind, repo: &Repository, sha: &str, context: &str) -> Request {
    let root = repo_root(kind, repo);
    let path = match kind {
        Kind::GitHub => format!("{root}/commits/{sha}/statuses?per_page={PAGE_SIZE}"),
        Kind::Gitea => format!("{root}/statuses/{sha}?limit=50"),
        Kind::GitLab => format!(
            "{root}/repository/commits/{sha}/statuses?name={}&per_page={PAGE_SIZE}",
            encode_path(context)
        ),
    };
    Request {
        method: Method::Get,
        path,
        body: None,
    }
}

/// Whether a list of statuses holds a final one (success, failure, error)
/// for `context`. `None` when the answer is not such a list.
pub fn has_final_status(kind: Kind, value: &Value, context: &str) -> Option<bool> {
    let items = value.as_array()?;
    let (context_key, state_key) = match kind {
        Kind::GitHub => ("context", "state"),
        Kind::Gitea => ("context", "status"),
        Kind::GitLab => ("name", "status"),
    };
    Some(items.iter().any(|item| {
        let state = item.get(state_key).and_then(Value::as_str).unwrap_or("");
        item.get(context_key).and_then(Value::as_str) == Some(context)
            && matches!(
                state,
                "success" | "failure" | "error" | "failed" | "canceled"
            )
    }))
}

/// Who the token is.
pub fn current_user() -> Request {
    Request {
        method: Method::Get,
        path: "/user".to_owned(),
        body: None,
    }
}

/// One page (from 1) of a pull request's comments, oldest first.
pub fn list_comments(kind: Kind, repo: &Repository, number: u64, page: usize) -> Request {
    let root = repo_root(kind, repo);
    let path = match kind {
        Kind::GitHub => format!("{root}/issues/{number}/comments?per_page={PAGE_SIZE}&page={page}"),
        // Gitea answers every comment at once (only `since` and `before`).
        Kind::Gitea => format!("{root}/issues/{number}/comments"),
        Kind::GitLab => format!(
            "{root}/merge_requests/{number}/notes?sort=asc&order_by=created_at&per_page={PAGE_SIZE}&page={page}"
        ),
    };
    Request {
        method: Method::Get,
        path,
        body: None,
    }
}

/// Whether [`list_comments`] pages (Gitea answers all comments at once).
pub fn paginated(kind: Kind) -> bool {
    kind != Kind::Gitea
}

/// Adds a comment to a pull request.
pub fn create_comment(kind: Kind, repo: &Repository, number: u64, body: &str) -> Request {
    let root = repo_root(kind, repo);
    let path = match kind {
        Kind::GitHub | Kind::Gitea => format!("{root}/issues/{number}/comments"),
        Kind::GitLab => format!("{root}/merge_requests/{number}/notes"),
    };
    Request {
        method: Method::Post,
        path,
        body: Some(json!({ "body": body })),
    }
}

/// Replaces the text of a comment.
pub fn edit_comment(kind: Kind, repo: &Repository, number: u64, id: u64, body: &str) -> Request {
    let root = repo_root(kind, repo);
    let (method, path) = match kind {
        Kind::GitHub | Kind::Gitea => (Method::Patch, format!("{root}/issues/comments/{id}")),
        Kind::GitLab => (
            Method::Put,
            format!("{root}/merge_requests/{number}/notes/{id}"),
        ),
    };
    Request {
        method,
        path,
        body: Some(json!({ "body": body })),
    }
}

/// Reads a user (`login` on GitHub and Gitea, `username` on GitLab).
pub fn parse_user(kind: Kind, value: &Value) -> Option<User> {
    let login = match kind {
        Kind::GitHub | Kind::Gitea => value.get("login"),
        Kind::GitLab => value.get("username"),
    };
    Some(User {
        id: value.get("id")?.as_u64()?,
        login: login?.as_str()?.to_owned(),
    })
}

/// Reads a page of comments; GitLab's system notes ("added 1 commit") are
/// left out. `None` when the answer is not a list of comments.
pub fn parse_comments(kind: Kind, value: &Value) -> Option<Vec<Comment>> {
    let items = value.as_array()?;
    let mut comments = Vec::with_capacity(items.len());
    for item in items {
        if item.get("system").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let author = match kind {
            Kind::GitLab => item.get("author"),
            Kind::GitHub | Kind::Gitea => item.get("user"),
        };
        comments.push(Comment {
            id: item.get("id")?.as_u64()?,
            author: parse_user(kind, author?)?,
            body: item.get("body")?.as_str().unwrap_or_default().to_owned(),
        });
    }
    Some(comments)
}

/// Reads the id of a comment the forge just created or edited.
pub fn parse_comment_id(value: &Value) -> Option<u64> {
    value.get("id")?.as_u64()
}

/// Percent-encodes a project path as GitLab's `:id` (`group/app` becomes
/// `group%2Fapp`).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
