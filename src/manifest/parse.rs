//! One file's bytes to typed documents, with located YAML errors.
//!
//! Parsing is strict (duplicate keys, unknown fields and unknown YAML tags
//! rejected) and per document: a broken document does not hide the problems
//! of its neighbours. Only when a document fails the strict pass is it read
//! a second time, leniently, to tell "not a MultiClusterService" apart from
//! "a broken MultiClusterService".
//!
//! A configuration file is small, so the parser runs on a tight budget
//! ([`options`]): a file over any limit is reported, never parsed to the end.
//! Before parsing, the bytes must be UTF-8 text without NUL bytes or merge
//! conflict markers, and hold at most [`MAX_DOCUMENTS`] documents.

use std::io::Cursor;

use serde_saphyr::{Error as YamlError, Spanned};

use super::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use super::document::{DocumentHead, DocumentShape, McsDocument};
use super::limits::{MAX_DOCUMENTS, MAX_FILE_BYTES, options};
use super::model::{API_VERSION, KIND};
use super::yaml_error::yaml_error_at;
use super::yaml_tree::{Node, path_at, top_keys};

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
    let text = match readable_text(path, bytes) {
        Ok(text) => text,
        Err(diagnostic) => {
            parsed.diagnostics.push(*diagnostic);
            return parsed;
        }
    };
    if let Some(diagnostic) = merge_conflict(path, text).or_else(|| too_many_documents(path, text))
    {
        parsed.diagnostics.push(diagnostic);
        return parsed;
    }
    let strict = read_documents::<Spanned<McsDocument>>(bytes);
    // The tree of every document, read only when a rule needs where a key
    // was written or which field an error is about.
    let needs_tree = strict
        .iter()
        .any(|d| d.as_ref().map_or(true, |d| d.value.names_keys()));
    let count = strict.len();
    let trees = needs_tree.then(|| read_documents::<Spanned<Node>>(bytes));
    let tree = |index: usize| {
        trees
            .as_ref()
            .filter(|t| t.len() == count)
            .and_then(|t| t.get(index)?.as_ref().ok())
    };
    if strict.iter().all(Result::is_ok) {
        for (index, document) in strict.into_iter().flatten().enumerate() {
            parsed.documents.push(located(document, tree(index)));
        }
        return parsed;
    }
    let shapes = read_documents::<Spanned<DocumentShape>>(bytes);
    let aligned = shapes.len() == strict.len();
    for (index, result) in strict.iter().enumerate() {
        match result {
            Ok(_) => {}
            Err(error) => {
                let shape = shapes.get(index).filter(|_| aligned);
                let field = tree(index)
                    .zip(error.location())
                    .map(|(tree, at)| path_at(tree, &at));
                let diagnostic = shape
                    .and_then(|s| s.as_ref().ok())
                    .and_then(|s| not_mcs(path, s))
                    .unwrap_or_else(|| yaml_error_at(path, error, field.as_deref()));
                parsed.diagnostics.push(diagnostic);
            }
        }
    }
    for (index, result) in strict.into_iter().enumerate() {
        if let Ok(document) = result {
            parsed.documents.push(located(document, tree(index)));
        }
    }
    parsed
}

/// The bytes as text, or why they are not a configuration file's text.
fn readable_text<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Box<Diagnostic>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Box::new(too_large(path, bytes.len())));
    }
    if let Some(encoding) = utf16_or_32(bytes) {
        return Err(Box::new(wrong_encoding(path, encoding)));
    }
    let text =
        std::str::from_utf8(bytes).map_err(|error| Box::new(not_utf8(path, bytes, &error)))?;
    match text.find('\0') {
        Some(index) => Err(Box::new(nul_byte(path, text, index))),
        None => Ok(text),
    }
}

fn read_documents<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Vec<Result<T, YamlError>> {
    let mut reader = Cursor::new(bytes);
    serde_saphyr::read_with_options(&mut reader, options()).collect()
}

fn located(spanned: Spanned<McsDocument>, tree: Option<&Spanned<Node>>) -> McsDocument {
    let mut document = spanned.value;
    document.start = Some(spanned.referenced);
    if let Some(tree) = tree {
        document.keys = top_keys(tree);
    }
    document
}

/// The diagnostic for a document that is not a MultiClusterService at all:
/// another kind, a list, a single value. `None` when it claims to be one.
fn not_mcs(path: &str, shape: &Spanned<DocumentShape>) -> Option<Diagnostic> {
    let start = spanned_location(path, &shape.referenced);
    let what = match &shape.value {
        DocumentShape::Mapping(head) if is_mcs(head) || is_mcs_without_kind(head) => return None,
        DocumentShape::Mapping(head) => {
            let mut diagnostic = foreign_kind(path, head.kind.as_ref(), head.api_version.as_ref());
            if head.kind.is_none() {
                diagnostic.location = Some(start);
            }
            return Some(diagnostic);
        }
        DocumentShape::List => "a list",
        DocumentShape::Scalar => "a single value",
    };
    Some(
        Diagnostic::error(
            Rule::Schema,
            start,
            format!("the document is {what}, but a {KIND} is a mapping"),
        )
        .with_hint(format!(
            "a document starts with `apiVersion: {API_VERSION}` and `kind: {KIND}`, then `metadata:` and `spec:`"
        )),
    )
}

fn is_mcs(head: &DocumentHead) -> bool {
    head.kind.as_ref().is_some_and(|k| k.value == KIND)
}

/// A document with MultiClusterService's apiVersion but no `kind` (perhaps
/// misspelled): the strict error says more than "not a MultiClusterService".
fn is_mcs_without_kind(head: &DocumentHead) -> bool {
    head.kind.is_none()
        && head
            .api_version
            .as_ref()
            .is_some_and(|a| a.value == API_VERSION)
}

/// The error for a document that is not a MultiClusterService.
pub fn foreign_kind(
    path: &str,
    kind: Option<&Spanned<String>>,
    api_version: Option<&Spanned<String>>,
) -> Diagnostic {
    let (what, location) = match (kind, api_version) {
        (Some(kind), Some(api)) => (
            format!("a {} ({})", printable(&kind.value), printable(&api.value)),
            spanned_location(path, &kind.referenced),
        ),
        (Some(kind), None) => (
            format!("a {}", printable(&kind.value)),
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

/// The name of a UTF-16 or UTF-32 encoding announced by a byte-order mark.
fn utf16_or_32(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32LE"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32BE"),
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        _ => None,
    }
}

fn wrong_encoding(path: &str, encoding: &str) -> Diagnostic {
    Diagnostic::error(
        Rule::FileUnreadable,
        Location::at(path, 1, 1),
        format!(
            "file is {encoding} text, not UTF-8: it starts with the {encoding} byte-order mark"
        ),
    )
    .with_hint(format!(
        "save the file as UTF-8, e.g. with `iconv -f {encoding} -t UTF-8`"
    ))
}

fn not_utf8(path: &str, bytes: &[u8], error: &std::str::Utf8Error) -> Diagnostic {
    let valid = &bytes[..error.valid_up_to()];
    let (line, column) = line_and_column(&String::from_utf8_lossy(valid), valid.len());
    let offending = bytes.get(error.valid_up_to()).copied().unwrap_or_default();
    Diagnostic::error(
        Rule::FileUnreadable,
        Location::at(path, line, column),
        format!("file is not valid UTF-8: byte 0x{offending:02X} cannot start a character here"),
    )
    .with_hint("save the file as UTF-8")
}

fn nul_byte(path: &str, text: &str, index: usize) -> Diagnostic {
    let (line, column) = line_and_column(text, index);
    Diagnostic::error(
        Rule::FileUnreadable,
        Location::at(path, line, column),
        "file contains a NUL byte: it is binary data (or UTF-16 without a byte-order mark), not text",
    )
    .with_hint("save the file as UTF-8 text, or exclude it in mcs-gitops.yaml")
}

/// The 1-based line and column (in characters) of byte `index` of `text`.
fn line_and_column(text: &str, index: usize) -> (u32, u32) {
    let before = text.get(..index).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (to_u32(line), to_u32(column))
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

/// Refuses a file with more than [`MAX_DOCUMENTS`] documents before
/// parsing, since the parser's own budget counts each document separately.
/// Every `---` or `...` line may start a document, so they are counted.
fn too_many_documents(path: &str, text: &str) -> Option<Diagnostic> {
    let (index, _) = text
        .lines()
        .enumerate()
        .filter(|(_, line)| is_document_marker(line))
        .nth(MAX_DOCUMENTS)?;
    Some(
        Diagnostic::error(
            Rule::YamlSyntax,
            Location::at(path, to_u32(index + 1), 1).spanning(3),
            format!("file has more than {MAX_DOCUMENTS} YAML documents"),
        )
        .with_hint(
            "keep one MultiClusterService per file; a file this long is generated or hostile",
        ),
    )
}

fn is_document_marker(line: &str) -> bool {
    ["---", "..."].iter().any(|marker| {
        line.strip_prefix(marker)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
    })
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
