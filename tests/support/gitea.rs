//! The sandbox's Gitea (`sandbox up --forge`), driven through its REST API
//! with curl: repositories, webhooks, pull requests, commit statuses and
//! comments as a user would set them up in the web UI.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::git::{git, git_env};
use super::sandbox::{Sandbox, launcher};

/// The forge of a sandbox brought up with `--forge`.
pub struct Gitea {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The admin user.
    pub user: String,
    /// The file holding the admin's API token.
    pub token_file: PathBuf,
    token: String,
}

/// A commit status as Gitea lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// `pending`, `success`, `failure`, `error`.
    pub state: String,
    /// The check's name.
    pub context: String,
    /// Its description.
    pub description: String,
    /// Its link.
    pub target_url: String,
}

impl Gitea {
    /// The forge of `sandbox`, from `sandbox env`; fails when it has none.
    pub fn of(sandbox: &Sandbox) -> Gitea {
        let out = Command::new(launcher())
            .args(["env", "--dir"])
            .arg(&sandbox.dir)
            .output()
            .expect("sandbox env");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(|v| v.trim_matches('\'').to_owned())
                .unwrap_or_else(|| panic!("sandbox env prints no {name}:\n{text}"))
        };
        let token_file = PathBuf::from(var("FORGE_TOKEN_FILE"));
        let token = std::fs::read_to_string(&token_file)
            .expect("read FORGE_TOKEN_FILE")
            .trim()
            .to_owned();
        Gitea {
            url: var("FORGE_URL"),
            user: var("FORGE_USER"),
            token_file,
            token,
        }
    }

    /// Calls the API as the admin: (status, JSON answer).
    pub fn api(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.api_as(&self.token, method, path, body)
    }

    /// Calls the API with another user's token.
    pub fn api_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut child = Command::new("curl")
            .args(["-sS", "-X", method, "-w", "\n%{http_code}"])
            .args(["-H", &format!("Authorization: token {token}")])
            .args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                "@-",
            ])
            .arg(format!("{}/api/v1{path}", self.url))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run curl");
        let input = body.map(Value::to_string).unwrap_or_default();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().expect("curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (answer, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        let code = code.trim().parse().unwrap_or(0);
        (code, serde_json::from_str(answer).unwrap_or(Value::Null))
    }

    fn expect(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (code, answer) = self.api(method, path, body);
        assert!(
            (200..300).contains(&code),
            "{method} {path}: {code} {answer}"
        );
        answer
    }

    /// Creates an empty repository of the admin's; returns its clone URL.
    pub fn create_repo(&self, name: &str) -> String {
        self.expect(
            "POST",
            "/user/repos",
            Some(&json!({ "name": name, "private": true })),
        );
        format!("{}/{}/{name}.git", self.url, self.user)
    }

    /// A clone URL with the admin's credentials in it (for pushing in tests).
    pub fn push_url(&self, name: &str) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap();
        format!(
            "{scheme}://{}:{}@{rest}/{}/{name}.git",
            self.user, self.token, self.user
        )
    }

    /// Adds a push webhook to `url` signed with `secret`; returns its id.
    pub fn add_webhook(&self, repo: &str, url: &str, secret: &str) -> u64 {
        let hook = json!({
            "type": "gitea",
            "config": { "url": url, "content_type": "json", "secret": secret },
            "events": ["push"],
            "active": true
        });
        let answer = self.expect(
            "POST",
            &format!("/repos/{}/{repo}/hooks", self.user),
            Some(&hook),
        );
        answer["id"].as_u64().expect("hook id")
    }

    /// Opens a pull request from `head` into `base`; returns its number.
    pub fn open_pull_request(&self, repo: &str, head: &str, base: &str) -> u64 {
        let pull = json!({ "head": head, "base": base, "title": format!("{head} into {base}") });
        let answer = self.expect(
            "POST",
            &format!("/repos/{}/{repo}/pulls", self.user),
            Some(&pull),
        );
        answer["number"].as_u64().expect("pull request number")
    }

    /// The statuses of `sha` with `context`, oldest first.
    pub fn statuses(&self, repo: &str, sha: &str, context: &str) -> Vec<Status> {
        let path = format!(
            "/repos/{}/{repo}/statuses/{sha}?sort=oldest&limit=50",
            self.user
        );
        let answer = self.expect("GET", &path, None);
        let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
        answer
            .as_array()
            .expect("a list of statuses")
            .iter()
            .map(|s| Status {
                state: text(s, "status"),
                context: text(s, "context"),
                description: text(s, "description"),
                target_url: text(s, "target_url"),
            })
            .filter(|s| s.context == context)
            .collect()
    }

    /// The comments of issue or pull request `number`: (id, author, body).
    pub fn comments(&self, repo: &str, number: u64) -> Vec<(u64, String, String)> {
        let path = format!("/repos/{}/{repo}/issues/{number}/comments", self.user);
        let answer = self.expect("GET", &path, None);
        answer
            .as_array()
            .expect("a list of comments")
            .iter()
            .map(|c| {
                (
                    c["id"].as_u64().unwrap(),
                    c["user"]["login"].as_str().unwrap_or_default().to_owned(),
                    c["body"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Creates another (non-admin) user with a token; returns (login, token).
    pub fn other_user(&self, login: &str) -> (String, String) {
        let password = "Correct-Horse-9";
        let user = json!({ "username": login, "email": format!("{login}@example.com"), "password": password, "must_change_password": false });
        self.expect("POST", "/admin/users", Some(&user));
        let out = Command::new("curl")
            .args([
                "-sS",
                "-u",
                &format!("{login}:{password}"),
                "-H",
                "Content-Type: application/json",
            ])
            .args([
                "--data-binary",
                r#"{"name":"t","scopes":["write:issue","write:repository"]}"#,
            ])
            .arg(format!("{}/api/v1/users/{login}/tokens", self.url))
            .output()
            .expect("curl");
        let answer: Value = serde_json::from_slice(&out.stdout).expect("token JSON");
        let token = answer["sha1"].as_str().expect("a token").to_owned();
        (login.to_owned(), token)
    }

    /// Makes `login` a collaborator (write) of `repo`.
    pub fn add_collaborator(&self, repo: &str, login: &str) {
        let path = format!("/repos/{}/{repo}/collaborators/{login}", self.user);
        self.expect("PUT", &path, Some(&json!({ "permission": "write" })));
    }
}

/// A local clone of a Gitea repository that commits and pushes.
pub struct Clone {
    dir: tempfile::TempDir,
}

impl Clone {
    /// An empty work tree whose `origin` is `push_url`, on branch main.
    pub fn new(push_url: &str) -> Clone {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        git(dir.path(), &["remote", "add", "origin", push_url]);
        Clone { dir }
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file.
    pub fn write(&self, path: &str, content: &str) {
        super::git::write(self.path(), path, content);
    }

    /// Commits everything and pushes the current branch; returns the commit.
    pub fn commit_and_push(&self, message: &str) -> String {
        git(self.path(), &["add", "-A"]);
        git(self.path(), &["commit", "-q", "-m", message]);
        let branch = git(self.path(), &["rev-parse", "--abbrev-ref", "HEAD"]);
        git_env(
            self.path(),
            &["push", "-q", "origin", &format!("HEAD:{branch}")],
            &[],
        );
        git(self.path(), &["rev-parse", "HEAD"])
    }

    /// Switches to a new branch.
    pub fn branch(&self, name: &str) {
        git(self.path(), &["checkout", "-q", "-b", name]);
    }
}
