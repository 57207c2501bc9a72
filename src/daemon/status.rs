//! Publishing status reports: commit on the status branch, push, and on a
//! non-fast-forward rejection fetch the new tip, rebuild on it and push again.
//! Never a force-push. The first push of a fresh mirror is rejected the same
//! way when the remote already has a status branch, which brings it in.

use std::sync::{Arc, Mutex};

use crate::report::status::StatusFiles;
use crate::source::mirror::{Origin, RemoteError};
use crate::source::status::{Author, Committed, commit_reports};

/// Where and as whom reports are committed.
#[derive(Clone, Debug)]
pub struct StatusWriter {
    /// The status branch (never the tracked branch).
    pub branch: String,
    /// Commit author.
    pub author: Author,
}

/// Attempts before giving up on a contended status branch.
const ATTEMPTS: usize = 5;

/// Errors publishing a report.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Committing failed.
    #[error("committing the status report: {0}")]
    Commit(String),
    /// Talking to the remote failed.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// Others kept pushing to the status branch.
    #[error("the status branch kept moving; gave up after {ATTEMPTS} attempts")]
    Contended,
}

/// Commits and pushes `files` on the status branch.
pub async fn publish(
    origin: Arc<Mutex<Origin>>,
    writer: StatusWriter,
    files: StatusFiles,
    message: String,
) -> Result<Committed, PublishError> {
    tokio::task::spawn_blocking(move || {
        let origin = origin.lock().expect("origin lock");
        publish_blocking(&origin, &writer, &files, &message)
    })
    .await
    .expect("status publishing task panicked")
}

fn publish_blocking(
    origin: &Origin,
    writer: &StatusWriter,
    files: &StatusFiles,
    message: &str,
) -> Result<Committed, PublishError> {
    for attempt in 1..=ATTEMPTS {
        let committed = commit_reports(
            origin.repo(),
            &writer.branch,
            files,
            message,
            &writer.author,
        )
        .map_err(|e| PublishError::Commit(e.message().to_owned()))?;
        match origin.push(&writer.branch) {
            Ok(()) => {
                if let Committed::Commit(id) = committed {
                    tracing::info!(commit = %id, branch = %writer.branch, "status report committed");
                }
                return Ok(committed);
            }
            Err(RemoteError::PushRejected { message, .. }) => {
                tracing::info!(attempt, %message, "status branch moved; rebuilding on its new tip");
                fetch_status_branch(origin, &writer.branch)?;
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(PublishError::Contended)
}

/// Brings the remote's status branch in, if it has one.
fn fetch_status_branch(origin: &Origin, branch: &str) -> Result<(), RemoteError> {
    if !matches!(origin, Origin::Remote { .. }) {
        return Ok(());
    }
    match origin.fetch(&[branch]) {
        Err(RemoteError::Fetch { message, .. }) if message.contains("couldn't find remote ref") => {
            Ok(())
        }
        other => other,
    }
}
