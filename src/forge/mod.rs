//! Forge APIs (GitHub, GitLab, Gitea/Forgejo): commit statuses, and the one
//! pull-request comment mcs-gitops keeps up to date.
//!
//! An I/O edge, like `source` and `federation`: it sends what `report`
//! rendered. Requests are built in [`api`] (pure), sent by [`http`]; the
//! retry decision is made here, once, where the answer is read.

pub mod api;
pub mod comment;
pub mod error;
pub mod http;
pub mod kind;
pub mod locate;
pub mod repository;

use std::fmt;

use serde_json::Value;

use self::api::{Comment, Request, User};
pub use self::error::ForgeError;
use self::http::Http;
pub use self::kind::Kind;
pub use self::repository::Repository;
use crate::report::commit_status::CommitStatus;
use crate::source::auth::Secret;

/// A forge's API, with the token requests carry.
#[derive(Clone)]
pub struct Forge {
    kind: Kind,
    api: String,
    token: Secret,
    http: Http,
}

impl fmt::Debug for Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forge")
            .field("kind", &self.kind)
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

impl Forge {
    /// A client for the API rooted at `api` (e.g. `https://api.github.com`,
    /// `https://gitlab.example.com/api/v4`, `https://gitea.example.com/api/v1`).
    pub fn new(kind: Kind, api: &str, token: Secret) -> Result<Self, ForgeError> {
        let http = Http::new().map_err(|e| ForgeError::Config(e.to_string()))?;
        Ok(Forge {
            kind,
            api: api.trim_end_matches('/').to_owned(),
            token,
            http,
        })
    }

    /// Which forge this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Sets the status `context` of commit `sha`.
    pub async fn set_status(
        &self,
        repo: &Repository,
        sha: &str,
        context: &str,
        status: &CommitStatus,
        target_url: Option<&str>,
    ) -> Result<(), ForgeError> {
        let request = api::set_status(self.kind, repo, sha, context, status, target_url);
        self.call(&format!("setting the status of {sha}"), &request)
            .await
            .map(drop)
    }

    /// Whether commit `sha` already carries a final status `context` (a
    /// restarted daemon must not set a settled commit back to pending).
    pub async fn has_final_status(
        &self,
        repo: &Repository,
        sha: &str,
        context: &str,
    ) -> Result<bool, ForgeError> {
        let what = format!("reading the statuses of {sha}");
        let request = api::list_statuses(self.kind, repo, sha, context);
        let value = self.call(&what, &request).await?;
        api::has_final_status(self.kind, &value, context).ok_or_else(|| self.unexpected(&what))
    }

    /// The user the token acts as.
    pub async fn current_user(&self) -> Result<User, ForgeError> {
        let what = "reading the token's user";
        let value = self.call(what, &api::current_user()).await?;
        api::parse_user(self.kind, &value).ok_or_else(|| self.unexpected(what))
    }

    /// Every comment of pull request `number`, oldest first.
    pub async fn comments(
        &self,
        repo: &Repository,
        number: u64,
    ) -> Result<Vec<Comment>, ForgeError> {
        let what = format!("reading the comments of {repo}#{number}");
        let mut all = Vec::new();
        for page in 1..=100 {
            let request = api::list_comments(self.kind, repo, number, page);
            let value = self.call(&what, &request).await?;
            let comments =
                api::parse_comments(self.kind, &value).ok_or_else(|| self.unexpected(&what))?;
            let full = value.as_array().map_or(0, Vec::len) >= api::PAGE_SIZE;
            all.extend(comments);
            if !full || !api::paginated(self.kind) {
                break;
            }
        }
        Ok(all)
    }

    /// Creates a comment on pull request `number`; returns its id.
    pub async fn create_comment(
        &self,
        repo: &Repository,
        number: u64,
        body: &str,
    ) -> Result<u64, ForgeError> {
        let what = format!("commenting on {repo}#{number}");
        let value = self
            .call(&what, &api::create_comment(self.kind, repo, number, body))
            .await?;
        api::parse_comment_id(&value).ok_or_else(|| self.unexpected(&what))
    }

    /// Replaces the text of comment `id` on pull request `number`.
    pub async fn edit_comment(
        &self,
        repo: &Repository,
        number: u64,
        id: u64,
        body: &str,
    ) -> Result<(), ForgeError> {
        let what = format!("editing comment {id} on {repo}#{number}");
        let request = api::edit_comment(self.kind, repo, number, id, body);
        self.call(&what, &request).await.map(drop)
    }

    async fn call(&self, what: &str, request: &Request) -> Result<Value, ForgeError> {
        let url = format!("{}{}", self.api, request.path);
        let authorization = match self.kind {
            Kind::GitHub => ("authorization", format!("Bearer {}", self.token.expose())),
            Kind::GitLab => ("private-token", self.token.expose().to_owned()),
            Kind::Gitea => ("authorization", format!("token {}", self.token.expose())),
        };
        let mut headers = vec![(authorization.0, authorization.1.as_str())];
        if self.kind == Kind::GitHub {
            headers.push(("accept", "application/vnd.github+json"));
            headers.push(("x-github-api-version", "2022-11-28"));
        } else {
            headers.push(("accept", "application/json"));
        }
        let body = request
            .body
            .as_ref()
            .map(|b| serde_json::to_vec(b).expect("JSON of plain data"));
        let answer = self
            .http
            .send(request.method, &url, &headers, body)
            .await
            .map_err(|source| ForgeError::Unreachable {
                what: what.to_owned(),
                kind: self.kind,
                source,
            })?;
        if !(200..300).contains(&answer.status) {
            return Err(ForgeError::Refused {
                what: what.to_owned(),
                kind: self.kind,
                status: answer.status,
                message: message_of(&answer.body),
            });
        }
        if answer.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&answer.body).map_err(|_| self.unexpected(what))
    }

    fn unexpected(&self, what: &str) -> ForgeError {
        ForgeError::Unexpected {
            what: what.to_owned(),
            kind: self.kind,
        }
    }
}

/// The forge's own words for an error: the `message` (GitHub, Gitea) or
/// `message`/`error` (GitLab) field, else the start of the body.
fn message_of(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = parsed.as_ref().and_then(|v| {
        ["message", "error"]
            .iter()
            .find_map(|k| v.get(*k))
            .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
    });
    let text = field.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    if line.is_empty() {
        "no message".to_owned()
    } else {
        line
    }
}
