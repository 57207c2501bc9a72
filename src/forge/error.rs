//! Why a forge request failed, and whether asking again may help.

use super::http::SendError;
use super::kind::Kind;
use crate::plan::Retry;

/// Why a forge request failed.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// The forge settings are unusable (flags, environment, token file).
    #[error("{0}")]
    Config(String),
    /// The forge could not be reached.
    #[error("{what}: {kind} unreachable: {source}")]
    Unreachable {
        /// What was asked.
        what: String,
        /// The forge.
        kind: Kind,
        /// Why.
        source: SendError,
    },
    /// The forge answered with an error.
    #[error("{what}: {kind} answered {status}: {message}")]
    Refused {
        /// What was asked.
        what: String,
        /// The forge.
        kind: Kind,
        /// HTTP status code.
        status: u16,
        /// The forge's message.
        message: String,
    },
    /// The answer is not what the API documents.
    #[error("{what}: unexpected answer from {kind}")]
    Unexpected {
        /// What was asked.
        what: String,
        /// The forge.
        kind: Kind,
    },
}

impl ForgeError {
    /// Whether asking again may succeed: connection trouble, 429 and 5xx
    /// may pass; a refused token or a wrong repository will not.
    pub fn retry(&self) -> Retry {
        match self {
            ForgeError::Unreachable { .. } => Retry::Transient,
            ForgeError::Refused { status, .. } if *status == 429 || *status >= 500 => {
                Retry::Transient
            }
            _ => Retry::Terminal,
        }
    }
}
