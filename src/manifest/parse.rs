//! One file's bytes to typed documents, with located YAML errors.
//!
//! Parsing is strict (duplicate keys and unknown fields rejected, serde-saphyr's
//! alias and size budgets on) and per document: a broken document does not
//! hide the problems of its neighbours. Only when a document fails the strict
//! pass is it read a second time, leniently, to tell "not a
//! MultiClusterService" apart from "a broken MultiClusterService".

use std::io::Cursor;

use serde_saphyr::{Error as YamlError, Options, Spanned};

use super::diagnostic::{Diagnostic, Location, Rule};
use super::document::{DocumentHead, McsDocument};
use super::model::{API_VERSION, KIND};
use super::names::closest;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// The result of parsing one file.
#[derive(Debug, Default)]
pub struct ParsedFile {
    /// Documents that have the MultiClusterService shape, not yet validated.
    pub documents: Vec<McsDocument>,
    /// Problems found while reading the file.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every YAML document of `bytes`, the content of repository file `path`.
pub fn parse_file(path: &str, bytes: &[u8]) -> ParsedFile {
    let mut parsed = ParsedFile::default();
    if bytes.len() > MAX_FILE_BYTES {
        parsed.diagnostics.push(too_large(path, bytes.len()));
        return parsed;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            parsed.diagnostics.push(not_utf8(path, bytes, &error));
            return parsed;
        }
    };
    if let Some(diagnostic) = merge_conflict(path, text) {
        parsed.diagnostics.push(diagnostic);
        return parsed;
    }
    let strict = read_documents::<McsDocument>(bytes);
    if strict.iter().all(Result::is_ok) {
        parsed.documents = strict.into_iter().flatten().collect();
        return parsed;
    }
    let heads = read_documents::<DocumentHead>(bytes);
    let aligned = heads.len() == strict.len();
    for (index, result) in strict.into_iter().enumerate() {
        match result {
            Ok(document) => parsed.documents.push(document),
            Err(error) => {
                let head = heads.get(index).filter(|_| aligned);
                let diagnostic = match head.and_then(|h| h.as_ref().ok()) {
                    Some(head) if !is_mcs(head) => {
                        foreign_kind(path, head.kind.as_ref(), head.api_version.as_ref())
                    }
                    _ => yaml_error(path, &error),
                };
                parsed.diagnostics.push(diagnostic);
            }
        }
    }
    parsed
}

fn read_documents<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Vec<Result<T, YamlError>> {
    let mut reader = Cursor::new(bytes);
    serde_saphyr::read_with_options(&mut reader, Options::default()).collect()
}

fn is_mcs(head: &DocumentHead) -> bool {
    head.kind.as_ref().is_some_and(|k| k.value == KIND)
}

/// The error for a document that is not a MultiClusterService.
pub fn foreign_kind(
    path: &str,
    kind: Option<&Spanned<String>>,
    api_version: Option<&Spanned<String>>,
) -> Diagnostic {
    let (what, location) = match (kind, api_version) {
        (Some(kind), Some(api)) => (
            format!("a {} ({})", kind.value, api.value),
            spanned_location(path, &kind.referenced),
        ),
        (Some(kind), None) => (
            format!("a {}", kind.value),
            spanned_location(path, &kind.referenced),
        ),
        (None, _) => ("a document without `kind`".to_owned(), Location::file(path)),
    };
    Diagnostic::error(
        Rule::ForeignKind,
        location,
        format!("{what} is not a {KIND} ({API_VERSION})"),
    )
    .with_hint(format!(
        "keep only {KIND} documents here, or exclude the file in mcs-gitops.yaml: `exclude: [\"{path}\"]`"
    ))
}

/// Turns a serde-saphyr error into a diagnostic with a plain-language message.
pub fn yaml_error(path: &str, error: &YamlError) -> Diagnostic {
    let location = error
        .location()
        .map(|l| spanned_location(path, &l))
        .unwrap_or_else(|| Location::file(path));
    let raw = error.without_snippet().to_string();
    let message = strip_position(&raw);
    if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        return Diagnostic::error(Rule::YamlSyntax, location, format!("duplicate key `{key}`"))
            .with_hint(
                "each key may appear only once in a mapping; remove or merge the repeated one",
            );
    }
    if message.starts_with("unknown field") {
        let diagnostic = Diagnostic::error(Rule::Schema, location, message.clone());
        return match unknown_field_suggestion(&message) {
            Some(field) => diagnostic.with_hint(format!("did you mean `{field}`?")),
            None => diagnostic,
        };
    }
    if is_schema_message(&message) {
        return Diagnostic::error(Rule::Schema, location, message);
    }
    let diagnostic = Diagnostic::error(Rule::YamlSyntax, location, message.clone());
    if message.contains("tab") {
        diagnostic.with_hint("YAML indentation must use spaces, not tabs")
    } else if message.contains("budget") || message.contains("limit") {
        diagnostic.with_hint("the file exceeds the parser's safety budget (aliases, nesting or size); an MCS file needs none of that")
    } else {
        diagnostic
    }
}

fn is_schema_message(message: &str) -> bool {
    [
        "missing field",
        "invalid type",
        "invalid value",
        "expected ",
        "invalid length",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
        && !message.contains("scanning")
}

fn unknown_field_suggestion(message: &str) -> Option<String> {
    let field = message.split('`').nth(1)?;
    let expected = message.split("expected one of ").nth(1)?;
    let candidates: Vec<&str> = expected
        .split(',')
        .map(|c| c.trim().trim_matches('`'))
        .collect();
    closest(field, candidates.iter().copied()).map(str::to_owned)
}

/// Removes serde-saphyr's trailing " at line N, column M": the location is
/// shown separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// A diagnostic location from a serde-saphyr location.
pub fn spanned_location(path: &str, location: &serde_saphyr::Location) -> Location {
    let line = u32::try_from(location.line()).unwrap_or(u32::MAX);
    let column = u32::try_from(location.column()).unwrap_or(u32::MAX);
    Location::at(path, line, column)
}

fn too_large(path: &str, size: usize) -> Diagnostic {
    Diagnostic::error(
        Rule::FileUnreadable,
        Location::file(path),
        format!(
            "file has {size} bytes, more than the {MAX_FILE_BYTES}-byte limit for a configuration file"
        ),
    )
    .with_hint("an MCS file is a few hundred bytes; exclude generated or data files in mcs-gitops.yaml")
}

fn not_utf8(path: &str, bytes: &[u8], error: &std::str::Utf8Error) -> Diagnostic {
    let valid = &bytes[..error.valid_up_to()];
    let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count()
        + 1;
    let offending = bytes[error.valid_up_to()];
    Diagnostic::error(
        Rule::FileUnreadable,
        Location::at(path, to_u32(line), to_u32(column)),
        format!("file is not valid UTF-8: byte 0x{offending:02X} cannot start a character here"),
    )
    .with_hint("save the file as UTF-8")
}

fn merge_conflict(path: &str, text: &str) -> Option<Diagnostic> {
    let (index, line) = text.lines().enumerate().find(|(_, line)| {
        line.starts_with("<<<<<<< ") || line == &"<<<<<<<" || line.starts_with(">>>>>>> ")
    })?;
    Some(
        Diagnostic::error(
            Rule::YamlSyntax,
            Location::at(path, to_u32(index + 1), 1).spanning(line.chars().count().min(7)),
            "unresolved merge conflict marker",
        )
        .with_hint("resolve the conflict and commit the result"),
    )
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
