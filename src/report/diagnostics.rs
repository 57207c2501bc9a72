//! Diagnostics as compiler-style text (with the offending source line) and
//! as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::style::Color;
use crate::manifest::{Desired, Diagnostic, Location, Severity};

/// The text of the files diagnostics point into, by repository path.
pub type Sources<'a> = BTreeMap<&'a str, &'a str>;

/// Renders one diagnostic, rustc-style.
pub fn render_diagnostic(diagnostic: &Diagnostic, sources: &Sources<'_>, color: Color) -> String {
    let mut out = String::new();
    let label = match diagnostic.severity {
        Severity::Error => color.error(&format!("error[{}]", diagnostic.rule)),
        Severity::Warning => color.warning(&format!("warning[{}]", diagnostic.rule)),
    };
    let _ = writeln!(
        out,
        "{label}{} {}",
        color.bold(":"),
        color.bold(&diagnostic.message)
    );
    let gutter_width = diagnostic
        .location
        .as_ref()
        .map_or(1, |l| l.line.to_string().len());
    let pad = " ".repeat(gutter_width);
    if let Some(location) = &diagnostic.location {
        let _ = writeln!(out, "{pad}{} {location}", color.dim("-->"));
        if let Some(snippet) = snippet(location, sources, &pad, color) {
            out.push_str(&snippet);
        }
    }
    let _ = writeln!(
        out,
        "{pad} {} rule: {}",
        color.dim("="),
        diagnostic.rule.statement()
    );
    if let Some(hint) = &diagnostic.hint {
        let _ = writeln!(
            out,
            "{pad} {} {}",
            color.dim("="),
            color.note(&format!("hint: {hint}"))
        );
    }
    for related in &diagnostic.related {
        let _ = writeln!(
            out,
            "{pad} {} note: {}: {}",
            color.dim("="),
            related.message,
            related.location
        );
    }
    out
}

/// Widest part of a source line shown in a snippet.
const SNIPPET_WIDTH: usize = 100;

fn snippet(location: &Location, sources: &Sources<'_>, pad: &str, color: Color) -> Option<String> {
    if location.line == 0 {
        return None;
    }
    let text = sources.get(location.file.as_str())?;
    let line_text = text.lines().nth(location.line as usize - 1)?;
    let (shown, column) =
        visible_window(line_text.trim_end_matches('\r'), location.column as usize);
    let mut out = String::new();
    let bar = color.dim("|");
    let _ = writeln!(out, "{pad} {bar}");
    let _ = writeln!(
        out,
        "{} {bar} {shown}",
        color.dim(&location.line.to_string())
    );
    if column > 0 {
        let indent = " ".repeat(column - 1);
        let width = (location.length.max(1) as usize).min(SNIPPET_WIDTH);
        let _ = writeln!(
            out,
            "{pad} {bar} {indent}{}",
            color.error(&"^".repeat(width))
        );
    }
    Some(out)
}

/// The part of a line around `column` that is safe to print: control and
/// direction characters are escaped (they could rewrite the terminal or
/// reorder what a reviewer sees), long lines are cropped around the column.
/// Returns the text and the column within it.
fn visible_window(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let start = if chars.len() <= SNIPPET_WIDTH {
        0
    } else {
        column.saturating_sub(SNIPPET_WIDTH / 2).min(chars.len())
    };
    let end = (start + SNIPPET_WIDTH).min(chars.len());
    let mut shown = String::new();
    let mut new_column = 0;
    if start > 0 {
        shown.push('…');
    }
    for (index, c) in chars[start..end].iter().enumerate() {
        if start + index + 1 == column {
            new_column = shown.chars().count() + 1;
        }
        match c {
            '\t' => shown.push(' '),
            c if c.is_control() || is_invisible(*c) => shown.extend(c.escape_unicode()),
            c => shown.push(*c),
        }
    }
    if end < chars.len() {
        shown.push('…');
    }
    (shown, if column == 0 { 0 } else { new_column.max(1) })
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Renders every diagnostic and a summary line.
pub fn render_text(desired: &Desired, sources: &Sources<'_>, color: Color) -> String {
    let mut out = String::new();
    for diagnostic in &desired.diagnostics {
        out.push_str(&render_diagnostic(diagnostic, sources, color));
        out.push('\n');
    }
    out.push_str(&summary(desired, color));
    out.push('\n');
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line saying whether the revision is valid.
pub fn summary(desired: &Desired, color: Color) -> String {
    let files = plural(desired.files_read, "file", "files");
    let objects = plural(
        desired.objects.len(),
        "MultiClusterService",
        "MultiClusterServices",
    );
    let warnings = plural(desired.warning_count(), "warning", "warnings");
    if desired.is_valid() {
        format!("{} {objects} in {files}, {warnings}", color.added("valid:"))
    } else {
        let errors = plural(desired.error_count(), "error", "errors");
        format!(
            "{} {errors}, {warnings} in {files}; nothing of this revision may be applied",
            color.error("invalid:")
        )
    }
}

/// The documented JSON shape of `validate -o json` (schema `mcs-gitops.io/validate/v1`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateJson<'a> {
    schema: &'static str,
    valid: bool,
    revision: Option<&'a str>,
    summary: SummaryJson,
    objects: Vec<ObjectJson<'a>>,
    diagnostics: Vec<DiagnosticJson<'a>>,
}

#[derive(Serialize)]
struct SummaryJson {
    files: usize,
    objects: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectJson<'a> {
    namespace: &'a str,
    name: &'a str,
    file: &'a str,
    line: u32,
    types: Vec<&'static str>,
    provider_clusters: Vec<&'a str>,
    consumer_clusters: Vec<&'a str>,
}

/// A diagnostic, flattened for JSON consumers.
#[derive(Serialize)]
pub struct DiagnosticJson<'a> {
    severity: Severity,
    rule: &'static str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    hint: Option<&'a str>,
    object: Option<String>,
    related: Vec<RelatedJson<'a>>,
}

#[derive(Serialize)]
struct RelatedJson<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    message: &'a str,
}

impl<'a> DiagnosticJson<'a> {
    /// Flattens a diagnostic.
    pub fn new(d: &'a Diagnostic) -> Self {
        let nonzero = |n: u32| (n > 0).then_some(n);
        DiagnosticJson {
            severity: d.severity,
            rule: d.rule.name(),
            message: &d.message,
            file: d.location.as_ref().map(|l| l.file.as_str()),
            line: d.location.as_ref().and_then(|l| nonzero(l.line)),
            column: d.location.as_ref().and_then(|l| nonzero(l.column)),
            hint: d.hint.as_deref(),
            object: d.object.as_ref().map(ToString::to_string),
            related: d
                .related
                .iter()
                .map(|r| RelatedJson {
                    file: &r.location.file,
                    line: r.location.line,
                    column: r.location.column,
                    message: &r.message,
                })
                .collect(),
        }
    }
}

/// Builds the JSON document of a validation run.
pub fn to_json<'a>(desired: &'a Desired, revision: Option<&'a str>) -> ValidateJson<'a> {
    ValidateJson {
        schema: "mcs-gitops.io/validate/v1",
        valid: desired.is_valid(),
        revision,
        summary: SummaryJson {
            files: desired.files_read,
            objects: desired.objects.len(),
            errors: desired.error_count(),
            warnings: desired.warning_count(),
        },
        objects: desired
            .objects
            .iter()
            .map(|o| ObjectJson {
                namespace: &o.key.namespace,
                name: &o.key.name,
                file: &o.origin.file,
                line: o.origin.line,
                types: o.types.iter().map(|t| t.as_str()).collect(),
                provider_clusters: o.providers().collect(),
                consumer_clusters: o.consumers().collect(),
            })
            .collect(),
        diagnostics: desired
            .diagnostics
            .iter()
            .map(DiagnosticJson::new)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::visible_window;

    #[test]
    fn control_and_direction_characters_are_escaped() {
        let (shown, column) = visible_window("name: a\u{1b}[31mb\u{202e}c", 7);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
            "{shown:?}"
        );
        assert_eq!(column, 7);
    }

    #[test]
    fn long_lines_are_cropped_around_the_column() {
        let line = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let (shown, column) = visible_window(&line, 5001);
        assert!(shown.chars().count() <= 102);
        assert_eq!(shown.chars().nth(column - 1), Some('X'));
    }
}
