//! Settings resolution: flags, environment and secret files become the
//! [`Settings`] of a reconcile and the [`DaemonConfig`] of the daemon, in
//! one place, with errors that name the flag.
//!
//! Precedence is the same for every setting: a flag, then its environment
//! variable (`MCS_GITOPS_*`, as `--help` shows), then the default. Every
//! default is written once, next to the type it configures
//! (`ApplyOptions::DEFAULT_CONCURRENCY`, `PruneGuard::DEFAULT_MAX_FRACTION`,
//! `DEFAULT_INSTANCE`, `Author::DEFAULT_NAME`), and the flags take it from
//! there. A secret comes from a file rather than a flag's value:
//! `--git-password-file` before `--git-token-file` before the
//! `MCS_GITOPS_GIT_TOKEN` variable. The repository's own `mcs-gitops.yaml`
//! never widens these settings: tenancy is the operator's.

mod error;
mod forge;

pub use error::ConfigError;
use error::read_secret;
pub use forge::post_target;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{ApplyArgs, ChangeArgs, DaemonPlacementArgs, FederationArgs, PolicyArgs, RunArgs};
use crate::daemon::cycle::Mode;
use crate::daemon::http::WebhookSettings;
use crate::daemon::lease::LeaseConfig;
use crate::daemon::status::StatusWriter;
use crate::daemon::{CycleConfig, DaemonConfig};
use crate::federation::remote::RemotePlacement;
use crate::federation::{ApplyOptions, ConnectOptions, Scope};
use crate::manifest::Policy;
use crate::plan::ownership::DEFAULT_INSTANCE;
use crate::plan::{ChangeOptions, PruneGuard};
use crate::policy::{PolicySet, PolicySource};
use crate::reconcile::Settings;
use crate::source::auth::{GitAuth, Secret, redact_url};
use crate::source::status::Author;
use crate::source::trust::TrustedKeys;

/// The operator's tenancy policy from flags.
pub fn policy(args: &PolicyArgs) -> Policy {
    let set = |list: &Option<Vec<String>>| -> Option<BTreeSet<String>> {
        list.as_ref().map(|l| {
            l.iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
    };
    Policy {
        allowed_namespaces: set(&args.allowed_namespaces),
        allowed_clusters: set(&args.allowed_clusters),
    }
}

/// Longest policy file read, in bytes.
pub const MAX_POLICY_FILE_BYTES: u64 = 1024 * 1024;

/// The operator's exposure policies (`--policy FILE|DIR`): every file given,
/// and the `.yaml`/`.yml` files of every directory given, in name order. A
/// file that cannot be read or holds an invalid policy is an error naming
/// its file:line: a reconciler never runs with fewer policies than asked.
pub fn exposure_policies(args: &PolicyArgs) -> Result<PolicySet, ConfigError> {
    let mut files = Vec::new();
    for path in &args.policies {
        let unreadable = |source| ConfigError::Unreadable {
            flag: "--policy",
            path: path.clone(),
            source,
        };
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(unreadable)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect();
            entries.sort();
            for entry in entries {
                files.push(read_policy_file(&entry)?);
            }
        } else {
            files.push(read_policy_file(path)?);
        }
    }
    let (set, problems) = crate::policy::read(&files, PolicySource::Operator);
    if problems.is_empty() {
        Ok(set)
    } else {
        let lines: Vec<String> = problems
            .iter()
            .map(|d| match &d.location {
                Some(at) => format!("{at}: {}", d.message),
                None => d.message.clone(),
            })
            .collect();
        Err(ConfigError::Policy(lines.join("\n")))
    }
}

fn read_policy_file(path: &Path) -> Result<(String, Vec<u8>), ConfigError> {
    let unreadable = |source| ConfigError::Unreadable {
        flag: "--policy",
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(unreadable)?.len();
    if size > MAX_POLICY_FILE_BYTES {
        return Err(ConfigError::Policy(format!(
            "{}: {size} bytes; a policy file has at most {MAX_POLICY_FILE_BYTES}",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(unreadable)?;
    Ok((path.display().to_string(), bytes))
}

/// Reconcile settings: the instance and change flags when a command has
/// them (`review` has neither and takes the defaults), and how to write.
pub fn settings(
    policy_args: &PolicyArgs,
    instance: Option<&str>,
    change: Option<&ChangeArgs>,
    apply: ApplyOptions,
) -> Result<Settings, ConfigError> {
    let exposure = exposure_policies(policy_args)?;
    let policy = policy(policy_args);
    let scope = match &policy.allowed_namespaces {
        Some(namespaces) => Scope::Namespaces(namespaces.clone()),
        None => Scope::AllNamespaces,
    };
    let prune = change.map_or_else(PruneGuard::default, |c| PruneGuard {
        max_fraction: c.max_prune_fraction,
        allow_mass_prune: c.allow_mass_prune,
    });
    Ok(Settings {
        policy,
        exposure,
        scope,
        changes: ChangeOptions {
            instance: instance.unwrap_or(DEFAULT_INSTANCE).to_owned(),
            source: None,
            revision: None,
            adopt: change.is_some_and(|c| c.adopt),
            recreate: change.is_some_and(|c| c.recreate),
            prune,
        },
        apply,
    })
}

/// How `apply` writes.
pub fn apply_options(args: &ApplyArgs) -> ApplyOptions {
    ApplyOptions {
        force_conflicts: args.force_conflicts,
        concurrency: args.concurrency,
        dry_run: args.dry_run,
    }
}

/// Where the client's configuration comes from.
pub fn connect_options(args: &FederationArgs) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    }
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
pub fn daemon(args: &RunArgs) -> Result<DaemonConfig, ConfigError> {
    let write = ApplyOptions {
        force_conflicts: args.force_conflicts,
        concurrency: args.concurrency,
        dry_run: false,
    };
    let mut settings = settings(
        &args.policy,
        Some(&args.federation.instance),
        Some(&args.change),
        write,
    )?;
    settings.changes.source = Some(source_identity(args));
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
    let placement_token = match &args.placement_token_file {
        Some(path) => Some(read_secret("--placement-token-file", path)?),
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
            record: trust.is_some().then(|| {
                let lease = args
                    .lease_name
                    .clone()
                    .unwrap_or_else(|| format!("mcs-gitops-{}", args.federation.instance));
                (args.lease_namespace.clone(), format!("{lease}-verified"))
            }),
            trust,
            trust_from: args.trust_from.clone(),
        },
        settings,
        interval: args.interval,
        resync: args.resync,
        webhook,
        placement_token,
        lease,
        forge: forge::statuses(args)?,
    })
}

/// The daemon `plan --daemon` reads placement from, if one is named.
pub fn daemon_placement(
    args: &DaemonPlacementArgs,
) -> Result<Option<RemotePlacement>, ConfigError> {
    let (Some(url), Some(path)) = (&args.daemon, &args.daemon_token_file) else {
        return Ok(None);
    };
    let token = read_secret("--daemon-token-file", path)?;
    RemotePlacement::new(url, token)
        .map(Some)
        .map_err(|e| ConfigError::Conflict(format!("--daemon {url}: {e}")))
}

/// The daemon's Git source in words, as recorded on the objects it writes:
/// the repository without credentials, the branch and the path.
fn source_identity(args: &RunArgs) -> String {
    let path = args.path.trim_matches('/');
    let path = if path.is_empty() {
        String::new()
    } else {
        format!(":{path}")
    };
    format!("{}@{}{path}", redact_url(&args.repo), args.branch)
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
