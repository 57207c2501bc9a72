//! Status reports of the daemon: built from what a cycle found, pushed to
//! the status branch unless identical to the last one pushed.

use std::sync::{Arc, Mutex};

use super::memory::Memory;
use super::status::{StatusWriter, publish};
use crate::report::status::StatusFiles;
use crate::report::status_input::{ReportInput, RevisionResult};
use crate::source::mirror::Origin;

/// Where reports go, if anywhere.
pub(super) struct Reporter {
    pub(super) origin: Arc<Mutex<Origin>>,
    pub(super) writer: Option<StatusWriter>,
}

impl Reporter {
    /// Whether reports are written at all.
    pub(super) fn enabled(&self) -> bool {
        self.writer.is_some()
    }

    /// Builds the report and pushes it, unless it is the one pushed last.
    pub(super) async fn publish(&self, input: &ReportInput<'_>, memory: &mut Memory) {
        let Some(writer) = self.writer.clone() else {
            return;
        };
        let files = crate::report::status::build(input);
        let digest = digest(&files);
        if memory.published() == Some(digest) {
            return;
        }
        let message = commit_message(input);
        match publish(self.origin.clone(), writer, files, message).await {
            Ok(_) => memory.set_published(Some(digest)),
            Err(error) => {
                memory.set_published(None);
                tracing::warn!(%error, "status report not pushed; the next run retries");
            }
        }
    }
}

/// A digest of a report, to tell an unchanged one without keeping a copy.
fn digest(files: &StatusFiles) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (path, content) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(content);
    }
    hasher.finalize().into()
}

fn commit_message(input: &ReportInput<'_>) -> String {
    let short = input.revision.short();
    let what = match (&input.result, input.plan) {
        (RevisionResult::Invalid, _) => {
            format!("{short} is invalid ({} problems)", input.diagnostics.len())
        }
        (RevisionResult::Refused, _) => {
            format!("{short} is refused: {}", input.reason.unwrap_or(""))
        }
        (RevisionResult::Stalled, _) => {
            format!("{short} is stalled: {}", input.reason.unwrap_or(""))
        }
        (result, Some(plan)) => format!(
            "{short} {} ({})",
            result.label(),
            crate::report::words::summary(&plan.summary())
        ),
        (result, None) => format!("{short} {}", result.label()),
    };
    format!(
        "mcs-gitops status: {}@{what}\n\nSource revision: {}\n",
        input.branch, input.revision
    )
}
