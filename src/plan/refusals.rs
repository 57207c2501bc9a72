//! API refusals pointed back at Git: the field an API error names is looked
//! up in the file that defines the object, so a refusal at apply or dry run
//! shows the file, line and column, as validation does.

use super::Plan;
use super::objects::{Blocker, ObjectChange};
use super::outcome::{ApplyReport, ObjectOutcome};
use crate::manifest::Location;
use crate::manifest::locate::field_location;

/// The bytes of a revision's file, by path.
pub type FileText<'a> = &'a dyn Fn(&str) -> Option<&'a [u8]>;

impl Plan {
    /// Points the refusals of the plan's changes (a server-side dry run) at
    /// their fields in Git.
    pub fn locate_refusals(&mut self, text: FileText<'_>) {
        for change in &mut self.changes {
            if let (Some(blocker), Some(source)) = (change.blocked.as_mut(), change.source.as_ref())
            {
                locate(blocker, source, text);
            }
        }
    }
}

impl ApplyReport {
    /// Points the refusals of an apply at their fields in Git; `plan` is the
    /// plan applied (it knows where each object is defined).
    pub fn locate_refusals(&mut self, plan: &Plan, text: FileText<'_>) {
        for result in &mut self.results {
            let source = plan
                .changes
                .binary_search_by(|c| c.key.cmp(&result.key))
                .ok()
                .and_then(|i| plan.changes[i].source.as_ref());
            let blocker = match &mut result.outcome {
                ObjectOutcome::Failed { blocker } | ObjectOutcome::Blocked { blocker } => blocker,
                _ => continue,
            };
            if let Some(source) = source {
                locate(blocker, source, text);
            }
        }
    }

    /// The files whose objects the API refused, to read for
    /// [`ApplyReport::locate_refusals`].
    pub fn refused_files(&self, plan: &Plan) -> Vec<String> {
        let mut files: Vec<String> = self
            .problems()
            .filter_map(|r| {
                let i = plan.changes.binary_search_by(|c| c.key.cmp(&r.key)).ok()?;
                change_file(&plan.changes[i])
            })
            .collect();
        files.sort();
        files.dedup();
        files
    }
}

fn change_file(change: &ObjectChange) -> Option<String> {
    change.source.as_ref().map(|s| s.file.clone())
}

fn locate(blocker: &mut Blocker, source: &Location, text: FileText<'_>) {
    let Blocker::Rejected { fields, at, .. } = blocker else {
        return;
    };
    if at.is_some() {
        return;
    }
    let Some(bytes) = text(&source.file) else {
        return;
    };
    *at = fields
        .iter()
        .find_map(|field| field_location(&source.file, bytes, source, field));
}
