//! Objects as YAML, and unified diffs between two versions.

use serde_json::Value;
use similar::TextDiff;

use super::style::Color;
use crate::plan::{Action, ObjectChange, normalize};

/// An object as YAML, server-owned fields removed, keys sorted.
pub fn to_yaml(object: &Value) -> String {
    serde_saphyr::to_string(&normalize(object))
        .unwrap_or_else(|e| format!("# cannot render: {e}\n"))
}

/// The before and after YAML of a change.
pub fn sides(change: &ObjectChange) -> (String, String) {
    let before = change.live.as_ref().map(to_yaml).unwrap_or_default();
    let after = match change.action {
        Action::Prune => String::new(),
        Action::Unchanged | Action::Detach => before.clone(),
        _ => change
            .after()
            .map(|object| to_yaml(&object))
            .unwrap_or_default(),
    };
    (before, after)
}

/// A unified diff with three lines of context, optionally coloured.
pub fn unified(change: &ObjectChange, color: Color) -> String {
    let (before, after) = sides(change);
    let name = change.key.to_string();
    unified_text(
        &before,
        &after,
        &format!("live/{name}"),
        &format!("git/{name}"),
        color,
    )
}

/// A unified diff of two texts with three lines of context, optionally
/// coloured.
pub fn unified_text(before: &str, after: &str, from: &str, to: &str, color: Color) -> String {
    let diff = TextDiff::from_lines(before, after);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(from, to)
        .to_string();
    text.lines()
        .map(|line| {
            let painted = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => color.added(line),
                Some('-') if !line.starts_with("---") => color.removed(line),
                Some('@') => color.dim(line),
                _ => line.to_owned(),
            };
            painted + "\n"
        })
        .collect()
}
