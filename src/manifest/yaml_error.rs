//! The YAML parser's errors in a user's words.
//!
//! serde-saphyr's messages are written for the developer embedding it
//! ("budget breached: Nodes { nodes: 250001 }", "invalid i64", "set
//! DuplicateKeyPolicy in Options"). This module reads the error's variant
//! instead and says what is wrong in the file, under the right rule, with a
//! hint. Anything quoted from the file is escaped and shortened.

use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::granit_parser::ErrorKind;
use serde_saphyr::{Error as YamlError, ExternalMessageSource};

use super::diagnostic::{Diagnostic, Location, Rule, printable, spanned_location};
use super::limits::{MAX_ALIAS_EVENTS, MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_NODES};
use super::names::closest;

/// What a diagnostic says, before it is placed in a file.
struct Explained {
    rule: Rule,
    message: String,
    hint: Option<String>,
}

impl Explained {
    fn new(rule: Rule, message: impl Into<String>) -> Self {
        Explained {
            rule,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Turns a serde-saphyr error into a diagnostic with a plain-language message.
pub fn yaml_error(path: &str, error: &YamlError) -> Diagnostic {
    yaml_error_at(path, error, None)
}

/// Like [`yaml_error`], naming `field` (the path of the value the error is
/// about, e.g. `spec.consumerClusters`) in a message about a wrong shape or
/// a missing field.
pub fn yaml_error_at(path: &str, error: &YamlError, field: Option<&str>) -> Diagnostic {
    let location = error
        .location()
        .map(|l| spanned_location(path, &l))
        .unwrap_or_else(|| Location::file(path));
    let cause = cause(error);
    let mut explained = explain(cause);
    if let Some(field) = field.filter(|f| !f.is_empty()) {
        name_field(&mut explained, cause, field);
    }
    let diagnostic = Diagnostic::error(explained.rule, location, explained.message);
    match explained.hint {
        Some(hint) => diagnostic.with_hint(hint),
        None => diagnostic,
    }
}

/// The error itself, without the wrappers that add a snippet or the place
/// an alias was defined.
fn cause(error: &YamlError) -> &YamlError {
    match error {
        YamlError::WithSnippet { error, .. } | YamlError::AliasError { error, .. } => cause(error),
        other => other,
    }
}

/// Puts the field's path into a message about its shape.
fn name_field(explained: &mut Explained, error: &YamlError, field: &str) {
    match error {
        YamlError::SerdeMissingField { field: missing, .. } => {
            explained.message = format!("`{field}.{missing}` is missing");
        }
        YamlError::SerdeInvalidType { .. }
        | YamlError::SerdeInvalidValue { .. }
        | YamlError::Unexpected { .. }
        | YamlError::InvalidScalar { .. }
        | YamlError::NullIntoString { .. } => {
            explained.message = format!("`{field}`: {}", explained.message);
        }
        _ => {}
    }
}

fn explain(error: &YamlError) -> Explained {
    match error {
        YamlError::Budget { breach, .. } => over_budget(breach),
        YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => alias_bomb(),
        YamlError::UnknownAnchor { .. } => Explained::new(
            Rule::YamlSyntax,
            "an alias (`*name`) refers to an anchor (`&name`) this document does not define",
        )
        .hint("anchors do not carry over a `---`: each document must define the anchors it uses"),
        YamlError::DuplicateMappingKey { key, .. } => duplicate_key(key.as_deref()),
        YamlError::UnsupportedTag { tag, .. } => Explained::new(
            Rule::YamlSyntax,
            format!("YAML tag `{}` is not supported", printable(tag)),
        )
        .hint("remove the tag: a MultiClusterService is plain text, numbers and lists"),
        YamlError::SerdeUnknownField {
            field, expected, ..
        } => unknown_field(field, expected),
        YamlError::SerdeMissingField { field, .. } => {
            Explained::new(Rule::Schema, format!("`{field}` is missing"))
        }
        YamlError::SerdeInvalidType {
            unexpected,
            expected,
            ..
        }
        | YamlError::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => Explained::new(
            Rule::Schema,
            format!(
                "expected {}, found {}",
                printable(expected),
                printable(unexpected)
            ),
        ),
        YamlError::Unexpected { expected, .. } => unexpected(expected),
        YamlError::InvalidScalar { ty, .. } => {
            Explained::new(Rule::Schema, format!("expected {} here", scalar_kind(ty)))
        }
        YamlError::NullIntoString { .. } => {
            Explained::new(Rule::Schema, "expected text here, found nothing (null)")
        }
        YamlError::InvalidBinaryBase64 { .. } | YamlError::BinaryNotUtf8 { .. } => Explained::new(
            Rule::Schema,
            "a `!!binary` value is not base64-encoded UTF-8 text",
        )
        .hint("write the value as plain text, without `!!binary`"),
        YamlError::Eof { .. } => {
            Explained::new(Rule::YamlSyntax, "the file ends in the middle of a value")
        }
        YamlError::IOError { cause } => Explained::new(
            Rule::FileUnreadable,
            format!("the file could not be read: {cause}"),
        ),
        YamlError::ExternalMessage { source, msg, .. } => parser_error(source, msg),
        other => Explained::new(
            Rule::YamlSyntax,
            printable(&strip_position(&other.to_string())),
        ),
    }
}

fn over_budget(breach: &BudgetBreach) -> Explained {
    let message = match breach {
        BudgetBreach::Depth { .. } => {
            format!("lists and mappings are nested more than {MAX_DEPTH} levels deep")
        }
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => {
            format!(
                "the document has more than {MAX_NODES} values (counting what aliases expand to)"
            )
        }
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::RecordedAnchorEvents { .. }
        | BudgetBreach::RecordedAnchorBytes { .. } => return alias_bomb(),
        BudgetBreach::ScalarBytes { .. } | BudgetBreach::InputBytes { .. } => {
            format!(
                "the document's text adds up to more than {MAX_FILE_BYTES} bytes (counting what aliases expand to)"
            )
        }
        BudgetBreach::MergeKeys { .. } => {
            format!("the document has more than {MAX_ALIASES} merge keys (`<<`)")
        }
        _ => "the document exceeds the parser's safety limits".to_owned(),
    };
    Explained::new(Rule::YamlSyntax, message).hint(
        "a MultiClusterService is small and shallow; a file over this limit is generated or hostile",
    )
}

fn alias_bomb() -> Explained {
    Explained::new(
        Rule::YamlSyntax,
        format!(
            "aliases (`*name`) expand beyond the parser's limits ({MAX_ALIASES} aliases, {MAX_ALIAS_EVENTS} replayed values): this looks like an alias bomb"
        ),
    )
    .hint("write the values out; a MultiClusterService needs no anchors or aliases")
}

fn duplicate_key(key: Option<&str>) -> Explained {
    let message = match key {
        Some(key) => format!("duplicate key `{}`", printable(key)),
        None => "duplicate key".to_owned(),
    };
    Explained::new(Rule::YamlSyntax, message)
        .hint("each key may appear only once in a mapping; remove or merge the repeated one")
}

fn unknown_field(field: &str, expected: &[&str]) -> Explained {
    let message = format!(
        "unknown field `{}`, expected one of {}",
        printable(field),
        expected.join(", ")
    );
    let explained = Explained::new(Rule::Schema, message);
    match closest(field, expected.iter().copied()) {
        Some(near) => explained.hint(format!("did you mean `{near}`?")),
        None => explained,
    }
}

fn unexpected(expected: &str) -> Explained {
    let message = match expected {
        "mapping start" => "expected a mapping (`key: value` lines) here".to_owned(),
        "sequence start" => "expected a list (`- item` lines or `[a, b]`) here".to_owned(),
        other => format!("expected {}", printable(other)),
    };
    Explained::new(Rule::Schema, message)
}

/// A Rust type name as a user would say it.
fn scalar_kind(ty: &str) -> &'static str {
    match ty {
        "bool" => "`true` or `false`",
        "f32" | "f64" => "a number",
        "char" | "string" | "str" | "String" => "text",
        _ => "a whole number",
    }
}

fn parser_error(source: &ExternalMessageSource, message: &str) -> Explained {
    let kind = match source {
        ExternalMessageSource::Parser(error) => Some(error.kind()),
        _ => None,
    };
    let message = printable(message);
    match kind {
        Some(ErrorKind::RecursionLimitExceeded) => Explained::new(
            Rule::YamlSyntax,
            format!("lists and mappings are nested more than {MAX_DEPTH} levels deep"),
        )
        .hint("a MultiClusterService is small and shallow; a file over this limit is generated or hostile"),
        Some(ErrorKind::SimpleKeyExpected) => Explained::new(
            Rule::YamlSyntax,
            "expected `key: value`: the `:` after a key is missing (or the key is longer than 1024 characters)",
        ),
        _ if message.contains("tab") => Explained::new(Rule::YamlSyntax, message)
            .hint("YAML indentation must use spaces, not tabs"),
        _ if message.contains("BOM") => Explained::new(Rule::YamlSyntax, message)
            .hint("remove the byte-order mark (U+FEFF); it usually comes from joining files"),
        _ => Explained::new(Rule::YamlSyntax, message),
    }
}

/// Removes serde-saphyr's trailing " at line N, column M": the location is
/// shown separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}
