//! Settings resolution for the daemon: flags, environment and secret files
//! become one [`crate::daemon::DaemonConfig`], with explicit
//! precedence (flag > environment > default) and errors that name the flag.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::RunArgs;
use crate::daemon::DaemonConfig;
use crate::daemon::cycle::{CycleConfig, Mode};
use crate::daemon::http::WebhookSettings;
use crate::daemon::lease::LeaseConfig;
use crate::daemon::status::StatusWriter;
use crate::federation::ApplyOptions;
use crate::reconcile::Settings;
use crate::source::auth::{GitAuth, Secret};
use crate::source::status::Author;
use crate::source::trust::TrustedKeys;

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A secret or key file cannot be read.
    #[error("{flag}: cannot read {path}: {source}")]
    Unreadable {
        /// The flag naming the file.
        flag: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Flags that do not go together.
    #[error("{0}")]
    Conflict(String),
    /// The trusted-keys file is invalid.
    #[error("--trusted-keys {path}: {source}")]
    TrustedKeys {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: crate::source::trust::TrustError,
    },
}

/// Parses `500ms`, `30s`, `10m`, `1h` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30s, 10m or 1h"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use ms, s, m or h)"
            ));
        }
    };
    if seconds <= 0.0 {
        return Err(format!("`{text}` must be positive"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Reads a secret file; an empty secret is refused (an empty webhook secret
/// would let anyone sign requests).
fn read_secret(flag: &'static str, path: &Path) -> Result<Secret, ConfigError> {
    let secret = std::fs::read_to_string(path)
        .map(Secret::new)
        .map_err(|source| ConfigError::Unreadable {
            flag,
            path: path.to_owned(),
            source,
        })?;
    if secret.expose().trim().is_empty() {
        return Err(ConfigError::Conflict(format!(
            "{flag}: {} is empty",
            path.display()
        )));
    }
    Ok(secret)
}

/// Git credentials from flags.
pub fn git_auth(args: &RunArgs) -> Result<GitAuth, ConfigError> {
    if let Some(key) = &args.ssh_key_file {
        let known_hosts = args.ssh_known_hosts.clone().ok_or_else(|| {
            ConfigError::Conflict(
                "--ssh-key-file needs --ssh-known-hosts: the server's host key must be pinned"
                    .to_owned(),
            )
        })?;
        std::fs::metadata(key).map_err(|source| ConfigError::Unreadable {
            flag: "--ssh-key-file",
            path: key.clone(),
            source,
        })?;
        let passphrase = match &args.ssh_passphrase_file {
            Some(path) => Some(read_secret("--ssh-passphrase-file", path)?),
            None => None,
        };
        return Ok(GitAuth::SshKey {
            key: key.clone(),
            known_hosts,
            passphrase,
        });
    }
    let password = match (
        &args.git_password_file,
        &args.git_token_file,
        &args.git_token,
    ) {
        (Some(path), _, _) => Some(read_secret("--git-password-file", path)?),
        (None, Some(path), _) => Some(read_secret("--git-token-file", path)?),
        (None, None, Some(token)) => Some(Secret::new(token.clone())),
        _ => None,
    };
    Ok(match password {
        Some(password) => GitAuth::Basic {
            username: args
                .git_username
                .clone()
                .unwrap_or_else(|| "git".to_owned()),
            password,
        },
        None => GitAuth::Anonymous,
    })
}

fn default_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("mcs-gitops/repos")
}

fn identity() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| format!("mcs-gitops-{}", std::process::id()))
}

/// Resolves the daemon's configuration from `run` flags.
pub fn daemon(args: &RunArgs, settings: Settings) -> Result<DaemonConfig, ConfigError> {
    if !args.no_status && args.status_branch == args.branch {
        return Err(ConfigError::Conflict(
            "--status-branch must differ from --branch: the daemon would trigger itself".to_owned(),
        ));
    }
    let webhook = match &args.webhook_secret_file {
        Some(path) => Some(WebhookSettings {
            secret: read_secret("--webhook-secret-file", path)?,
            branch: args.branch.clone(),
        }),
        None => None,
    };
    let lease = args.leader_elect.then(|| LeaseConfig {
        namespace: args.lease_namespace.clone(),
        name: args
            .lease_name
            .clone()
            .unwrap_or_else(|| format!("mcs-gitops-{}", args.federation.instance)),
        identity: args.identity.clone().unwrap_or_else(identity),
        duration: Duration::from_secs(15),
        retry: Duration::from_secs(2),
    });
    let trust = trusted_keys(args)?;
    let status = (!args.no_status).then(|| StatusWriter {
        branch: args.status_branch.clone(),
        author: Author {
            name: args.status_author_name.clone(),
            email: args.status_author_email.clone(),
        },
    });
    Ok(DaemonConfig {
        repo: args.repo.clone(),
        auth: git_auth(args)?,
        cache_dir: args.cache_dir.clone().unwrap_or_else(default_cache_dir),
        cycle: CycleConfig {
            branch: args.branch.clone(),
            subdir: args.path.trim_matches('/').to_owned(),
            mode: if args.dry_run {
                Mode::DryRun
            } else {
                Mode::Apply
            },
            status,
            trust,
        },
        settings,
        interval: args.interval,
        resync: args.resync,
        webhook,
        lease,
    })
}

/// The trusted keys, when signature verification is on.
fn trusted_keys(args: &RunArgs) -> Result<Option<std::sync::Arc<TrustedKeys>>, ConfigError> {
    let (true, Some(path)) = (args.verify_signatures, &args.trusted_keys) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
        flag: "--trusted-keys",
        path: path.clone(),
        source,
    })?;
    let keys = TrustedKeys::parse(&text).map_err(|source| ConfigError::TrustedKeys {
        path: path.clone(),
        source,
    })?;
    if keys.is_empty() {
        return Err(ConfigError::Conflict(format!(
            "--trusted-keys {}: no key in the file; every revision would be refused",
            path.display()
        )));
    }
    Ok(Some(std::sync::Arc::new(keys)))
}

/// Apply options of the daemon.
pub fn apply_options(args: &RunArgs) -> ApplyOptions {
    ApplyOptions {
        force_conflicts: args.force_conflicts,
        concurrency: args.concurrency,
        dry_run: false,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_read_like_kubernetes_flags() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert!(parse_duration("10 minutes").is_err());
        assert!(parse_duration("0s").is_err());
    }
}
