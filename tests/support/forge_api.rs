//! A scripted forge API on loopback: it records every request and answers
//! from a handler, so tests can check the exact requests a client sends
//! (method, path, headers, JSON body) against a forge's public API docs.
//! Plain HTTP/1.1, one request per connection.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (JSON when the client sent one).
    pub body: String,
}

impl Recorded {
    /// A header's value; fails the test when it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| {
                panic!(
                    "{} {} has no header {name}: {:?}",
                    self.method, self.path, self.headers
                )
            })
    }

    /// The body as JSON; fails the test when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {}: body is not JSON ({e}): {}",
                self.method, self.path, self.body
            )
        })
    }

    /// `METHOD path`.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// An answer: status code and JSON text.
pub type Answer = (u16, String);

/// A running scripted API.
pub struct ForgeApi {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

impl ForgeApi {
    /// Serves `handler`'s answers until the test ends.
    pub fn start(handler: impl Fn(&Recorded) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let log = recorded.clone();
        let handler = Arc::new(handler);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, handler) = (log.clone(), handler.clone());
                std::thread::spawn(move || serve(stream, &log, &*handler));
            }
        });
        ForgeApi { url, recorded }
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// `METHOD path` of every request so far.
    pub fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Recorded::line).collect()
    }

    /// The one request `METHOD path`; fails the test unless there is exactly one.
    pub fn one(&self, line: &str) -> Recorded {
        let matching: Vec<_> = self
            .requests()
            .into_iter()
            .filter(|r| r.line() == line)
            .collect();
        assert_eq!(matching.len(), 1, "requests {line}: {:?}", self.lines());
        matching.into_iter().next().unwrap()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Recorded>>, handler: &dyn Fn(&Recorded) -> Answer) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let (status, body) = handler(&request);
    log.lock().unwrap().push(request);
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Recorded> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A repository whose head makes shop/checkout reachable from one more
/// cluster: (its directory, base commit, head commit).
pub fn pull_request_repository() -> (tempfile::TempDir, String, String) {
    use super::fixtures::Mcs;
    use super::git::{git, write};
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let checkout = Mcs::new("shop", "checkout")
        .providers(&["clustera"])
        .consumers(&["clusterb"]);
    git(repo, &["init", "-q", "-b", "main"]);
    write(
        repo,
        "mcs-gitops.yaml",
        "clusters:\n  - name: clustera\n  - name: clusterb\n  - name: clusterc\n",
    );
    write(repo, "shop/checkout.yaml", &checkout.yaml());
    git(repo, &["add", "."]);
    git(repo, &["commit", "-q", "-m", "base"]);
    let base = git(repo, &["rev-parse", "HEAD"]);
    let wider = checkout.consumers(&["clusterb", "clusterc"]);
    write(repo, "shop/checkout.yaml", &wider.yaml());
    git(repo, &["commit", "-q", "-am", "checkout reaches clusterc"]);
    let head = git(repo, &["rev-parse", "HEAD"]);
    (dir, base, head)
}

/// Where a `review --post` of [`pull_request_repository`] goes.
pub struct PostTo<'a> {
    /// `github`, `gitlab` or `gitea`.
    pub forge: &'a str,
    /// The repository on the forge.
    pub repository: &'a str,
    /// The pull request's number.
    pub pull_request: u64,
    /// The token, written to a file the command reads.
    pub token: &'a str,
}

/// Runs `review --post` from `base` to `head` of `repo` against `api`,
/// outside any CI environment.
pub fn review_post(
    api: &ForgeApi,
    to: &PostTo<'_>,
    repo: &std::path::Path,
    base: &str,
    head: &str,
) -> assert_cmd::assert::Assert {
    let token = repo.join(".token");
    std::fs::write(&token, format!("{}\n", to.token)).unwrap();
    assert_cmd::cargo::cargo_bin_cmd!("mcs-gitops")
        .args([
            "review", "--base", base, "--head", head, "--post", "--forge", to.forge,
        ])
        .args(["--forge-url", &api.url, "--repository", to.repository])
        .args(["--pull-request", &to.pull_request.to_string()])
        .arg("--forge-token-file")
        .arg(&token)
        .arg(repo)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITEA_ACTIONS")
        .env_remove("GITLAB_CI")
        .assert()
}
