//! Failures talking to the control plane, each put in words and classified
//! (worth retrying or not) once, where the API's answer is read.

use crate::plan::{Blocker, Retry};

/// One answer of the API server, or the lack of one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{words}")]
pub struct ApiError {
    /// The HTTP status code; `None` when the server was not reached.
    pub code: Option<u16>,
    /// The API's reason (`Forbidden`, `Invalid`, ...), or the code when it
    /// gave none, or `Unreachable`.
    pub reason: String,
    /// The API's message, or the transport error.
    pub message: String,
    /// Whether trying again may help.
    pub retry: Retry,
    /// The fields the answer names: its `details.causes`, else the paths an
    /// admission webhook wrote into its message.
    pub fields: Vec<String>,
    words: String,
}

impl ApiError {
    /// Classifies a client error and puts it in words: 410 (an expired
    /// watch), 429 and 5xx, and a server that did not answer, are worth
    /// retrying; any other refusal
    /// will be repeated until something changes.
    pub fn from_kube(error: &kube::Error) -> Self {
        let kube::Error::Api(status) = error else {
            return ApiError {
                code: None,
                reason: "Unreachable".to_owned(),
                message: error.to_string(),
                retry: Retry::Transient,
                fields: Vec::new(),
                words: error.to_string(),
            };
        };
        // 410 Gone ("too old resource version", reason Expired) is what a
        // watch gets when it fell behind etcd's compaction: the watcher
        // lists again by itself, so the next try finds it caught up.
        let retry = match status.code {
            410 | 429 | 500..=599 => Retry::Transient,
            _ => Retry::Terminal,
        };
        let words = match status.code {
            401 => format!(
                "unauthorized: the credentials were refused ({})",
                status.message
            ),
            403 => format!("forbidden: {}", status.message),
            404 => format!(
                "not found: {} (is Karmada's API installed?)",
                status.message
            ),
            _ => format!("{} ({})", status.message, status.reason),
        };
        let mut fields: Vec<String> = status
            .details
            .iter()
            .flat_map(|d| d.causes.iter())
            .map(|c| c.field.clone())
            .filter(|f| !f.is_empty())
            .collect();
        if fields.is_empty() {
            fields = fields_in(&status.message);
        }
        ApiError {
            fields,
            code: Some(status.code),
            reason: if status.reason.is_empty() {
                status.code.to_string()
            } else {
                status.reason.clone()
            },
            message: status.message.clone(),
            retry,
            words,
        }
    }

    /// The refusal of one object's change, naming the other field managers
    /// of a conflict.
    pub fn into_blocker(self) -> Blocker {
        Blocker::Rejected {
            managers: conflicting_managers(&self.message),
            api_reason: self.reason,
            message: self.message,
            code: self.code,
            retry: self.retry,
            fields: self.fields,
            at: None,
        }
    }
}

/// The field paths an error message names before a colon, as admission
/// webhooks write them (`spec.types[0]: Invalid value: ...`) and as
/// server-side apply's typing does (`.spec.ports[0].port: expected ...`).
pub fn fields_in(message: &str) -> Vec<String> {
    let mut fields = Vec::new();
    for (index, _) in message.match_indices(": ") {
        let before = &message[..index];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "._-[]/".contains(c)))
            .map_or(0, |i| i + 1);
        let path = before[start..].trim_start_matches(['.', '[']);
        let rooted = ["spec", "metadata", "status"].iter().any(|root| {
            path == *root
                || path.starts_with(&format!("{root}."))
                || path.starts_with(&format!("{root}["))
        });
        if rooted && !fields.iter().any(|f| f == path) {
            fields.push(path.to_owned());
        }
    }
    fields
}

/// Manager names in a server-side apply conflict message
/// (`conflict with "kubectl-edit" using ...`).
pub fn conflicting_managers(message: &str) -> Vec<String> {
    let mut managers: Vec<String> = message
        .split("conflict with \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect();
    managers.sort();
    managers.dedup();
    managers
}

/// No client could be configured (kubeconfig, context, in-cluster).
#[derive(Debug, thiserror::Error)]
#[error("cannot configure the Kubernetes client: {0}")]
pub struct ConnectError(pub String);

/// Reading the live state failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Listing a resource failed.
    #[error("listing {resource} failed: {source}")]
    ListFailed {
        /// What was listed.
        resource: &'static str,
        /// The API's answer.
        #[source]
        source: ApiError,
    },
    /// A watch of the live state is failing.
    #[error("watching {watch}: {source}")]
    WatchFailed {
        /// Which watch.
        watch: String,
        /// The API's answer.
        #[source]
        source: ApiError,
    },
    /// The watches have not listed everything yet.
    #[error("listing watched resources failed: {reason}")]
    NotSynced {
        /// What is still missing, or the watches' errors.
        reason: String,
    },
    /// A running daemon did not hand over its placement (`plan --daemon`).
    #[error("reading placement from the daemon at {url}: {reason}")]
    Daemon {
        /// The daemon's URL.
        url: String,
        /// Its answer, or why there was none.
        reason: String,
        /// Whether asking again may help.
        retry: Retry,
    },
}

impl ReadError {
    /// Whether retrying may help.
    pub fn retry(&self) -> Retry {
        match self {
            ReadError::ListFailed { source, .. } | ReadError::WatchFailed { source, .. } => {
                source.retry
            }
            ReadError::NotSynced { .. } => Retry::Transient,
            ReadError::Daemon { retry, .. } => *retry,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, reason: &str) -> ApiError {
        ApiError::from_kube(&kube::Error::Api(Box::new(
            kube::core::Status::failure("it went wrong", reason).with_code(code),
        )))
    }

    #[test]
    fn refusals_are_terminal_and_overload_is_transient() {
        assert_eq!(api(403, "Forbidden").retry, Retry::Terminal);
        assert_eq!(api(422, "Invalid").retry, Retry::Terminal);
        assert_eq!(api(409, "Conflict").retry, Retry::Terminal);
        assert_eq!(api(429, "TooManyRequests").retry, Retry::Transient);
        assert_eq!(
            api(410, "Expired").retry,
            Retry::Transient,
            "a watch that fell behind relists"
        );
        assert_eq!(api(503, "").retry, Retry::Transient);
        assert_eq!(api(503, "").reason, "503");
    }

    #[test]
    fn webhook_messages_name_their_fields() {
        let message = "admission webhook \"multiclusterservice.karmada.io\" denied the request: [spec.types[0]: Invalid value: \"x\": ExposureType Error, spec.range.providerClusters[1]: Invalid value: \"A\": must be no more than 48 characters]";
        assert_eq!(
            fields_in(message),
            ["spec.types[0]", "spec.range.providerClusters[1]"]
        );
        let typed = "failed to create typed patch object (default/foo; networking.karmada.io/v1alpha1, Kind=MultiClusterService): .spec.ports[0].port: expected numeric (int or float), got string";
        assert_eq!(fields_in(typed), ["spec.ports[0].port"]);
    }

    #[test]
    fn conflict_messages_name_their_managers() {
        let message = "Apply failed with 2 conflicts: conflict with \"kubectl-edit\" using networking.karmada.io/v1alpha1: .spec.consumerClusters\nconflict with \"ops-script\" using networking.karmada.io/v1alpha1: .spec.types";
        assert_eq!(
            conflicting_managers(message),
            ["kubectl-edit", "ops-script"]
        );
    }
}
