//! Why settings could not be resolved, and reading secret files (whose
//! errors name the flag).

use std::path::{Path, PathBuf};

use crate::source::auth::Secret;

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
    /// An operator policy file holds an invalid policy.
    #[error("--policy: {0}")]
    Policy(String),
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

/// Reads a secret file; an empty secret is refused (an empty webhook secret
/// would let anyone sign requests).
pub(crate) fn read_secret(flag: &'static str, path: &Path) -> Result<Secret, ConfigError> {
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
