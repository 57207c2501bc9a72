//! Git credentials and host-key pinning, with secrets that never print.
//!
//! libgit2 calls the credential callback again each time the server refuses;
//! the callbacks here count attempts and give up instead of looping. libssh2
//! ignores `known_hosts`, so the SSH host key is checked here, against a
//! pinned `known_hosts` file (for the remote's host and port), before any
//! credential is sent.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::path::PathBuf;

use git2::{CertificateCheckStatus, Cred, CredentialType, RemoteCallbacks};

/// A secret value: its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret, trimming a trailing newline as secret files have.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into().trim_end_matches(['\n', '\r']).to_owned())
    }

    /// The secret itself; call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How to authenticate to a Git remote.
#[derive(Clone, Debug, Default)]
pub enum GitAuth {
    /// No credentials (`git://`, `file://`, public HTTPS).
    #[default]
    Anonymous,
    /// HTTP basic authentication; a token is a password.
    Basic {
        /// User name (for tokens, any non-empty name the server accepts).
        username: String,
        /// Password or token.
        password: Secret,
    },
    /// SSH with a private key and a pinned host key.
    SshKey {
        /// Private key file.
        key: PathBuf,
        /// `known_hosts` file holding the server's key.
        known_hosts: PathBuf,
        /// Key passphrase, if any.
        passphrase: Option<Secret>,
    },
}

/// Credential attempts before giving up.
const MAX_ATTEMPTS: u32 = 2;

/// What the callbacks of one connection remember: the credential attempts,
/// and why the host key was refused (libgit2 replaces the callback's message
/// with its own, so the reason is kept here for the error).
#[derive(Debug, Default)]
pub struct Connection {
    attempts: Cell<u32>,
    host_key_refusal: RefCell<Option<String>>,
}

impl Connection {
    /// Why the SSH host key was refused, if it was.
    pub fn host_key_refusal(&self) -> Option<String> {
        self.host_key_refusal.borrow().clone()
    }
}

/// Callbacks that authenticate as `auth` to the host of `remote` only, and
/// pin SSH host keys. A server that redirects elsewhere never receives the
/// credentials: they are refused for any other host.
pub fn callbacks<'a>(
    auth: &'a GitAuth,
    remote: &'a str,
    connection: &'a Connection,
) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, username, allowed| {
        if host_of(url) != host_of(remote) {
            return Err(git2::Error::from_str(&format!(
                "the Git server redirected to {}, another host than the configured remote: credentials are only sent to {}",
                host_of(url),
                host_of(remote)
            )));
        }
        let attempts = &connection.attempts;
        attempts.set(attempts.get() + 1);
        if attempts.get() > MAX_ATTEMPTS {
            return Err(git2::Error::from_str(
                "the Git server refused the credentials",
            ));
        }
        credential(auth, username, allowed)
    });
    if let GitAuth::SshKey { known_hosts, .. } = auth {
        let port = ssh_port_of(remote);
        callbacks.certificate_check(move |cert, host| {
            let Some(key) = cert.as_hostkey().and_then(|k| k.hostkey()) else {
                return Ok(CertificateCheckStatus::CertificatePassthrough);
            };
            let refusal = match super::known_hosts::check_file(known_hosts, host, port, key) {
                Ok(Ok(())) => return Ok(CertificateCheckStatus::CertificateOk),
                Ok(Err(refusal)) => refusal.to_string(),
                Err(error) => format!("reading {}: {error}", known_hosts.display()),
            };
            *connection.host_key_refusal.borrow_mut() = Some(refusal.clone());
            Err(git2::Error::from_str(&refusal))
        });
    }
    callbacks
}

fn credential(
    auth: &GitAuth,
    username: Option<&str>,
    allowed: CredentialType,
) -> Result<Cred, git2::Error> {
    match auth {
        GitAuth::Basic { username, password }
            if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) =>
        {
            Cred::userpass_plaintext(username, password.expose())
        }
        GitAuth::SshKey {
            key, passphrase, ..
        } if allowed.contains(CredentialType::SSH_KEY) => Cred::ssh_key(
            username.unwrap_or("git"),
            None,
            key,
            passphrase.as_ref().map(Secret::expose),
        ),
        _ if allowed.contains(CredentialType::USERNAME) => {
            Cred::username(username.unwrap_or("git"))
        }
        _ => Err(git2::Error::from_str(
            "the Git server asks for credentials that are not configured",
        )),
    }
}

/// The `host[:port]` of a remote URL (`https://user@host:8443/x` →
/// `host:8443`, `git@host:org/repo` → `host`), lowercased.
pub fn host_of(url: &str) -> String {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest,
        None => url.split_once(':').map_or(url, |(host, _)| host),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    host.to_ascii_lowercase()
}

/// The SSH port a remote URL names (`ssh://host:2222/...`), else 22 (the
/// scp-like `user@host:path` form has no port).
pub fn ssh_port_of(url: &str) -> u16 {
    let Some((_, rest)) = url.split_once("://") else {
        return 22;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let port = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once("]:").map(|(_, port)| port),
        None => host.split_once(':').map(|(_, port)| port),
    };
    port.and_then(|p| p.parse().ok()).unwrap_or(22)
}

/// A URL with any user name and password removed, for logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let separator = if rest.contains('/') { "/" } else { "" };
    format!("{scheme}://{host}{separator}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("hunter2\n");
        assert_eq!(format!("{secret} {secret:?}"), "*** ***");
        assert_eq!(secret.expose(), "hunter2");
        let auth = GitAuth::Basic {
            username: "bot".into(),
            password: secret,
        };
        assert!(!format!("{auth:?}").contains("hunter2"));
    }

    #[test]
    fn hosts_are_compared_with_their_port_and_without_user_info() {
        assert_eq!(
            host_of("https://tok:x@Git.Example.com:8443/a.git"),
            "git.example.com:8443"
        );
        assert_eq!(host_of("git@github.com:org/repo.git"), "github.com");
        assert_eq!(host_of("ssh://git@host:2222/repo"), "host:2222");
        assert_ne!(
            host_of("http://127.0.0.1:80/x"),
            host_of("http://127.0.0.2:80/x")
        );
    }

    #[test]
    fn the_ssh_port_is_the_urls_or_22() {
        assert_eq!(ssh_port_of("ssh://git@host:2222/repo"), 2222);
        assert_eq!(ssh_port_of("ssh://git@[::1]:2200/repo"), 2200);
        assert_eq!(ssh_port_of("ssh://git@host/repo"), 22);
        assert_eq!(ssh_port_of("git@host:org/repo.git"), 22);
    }

    #[test]
    fn urls_lose_their_credentials_in_logs() {
        assert_eq!(
            redact_url("https://bot:tok3n@git.example.com/org/repo.git"),
            "https://git.example.com/org/repo.git"
        );
        assert_eq!(
            redact_url("ssh://git@host:2222/r.git"),
            "ssh://host:2222/r.git"
        );
        assert_eq!(redact_url("/srv/repo"), "/srv/repo");
    }
}
