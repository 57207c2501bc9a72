//! The grammar Kubernetes holds label keys, label values and annotation
//! keys to (`ValidateObjectMeta`), with the problem in words.
//!
//! A key is a name of at most 63 characters (letters, digits, `-`, `_`,
//! `.`, starting and ending with a letter or digit), optionally after a
//! DNS-1123 subdomain prefix of at most 253 characters and a `/`. A label
//! value follows the name's grammar and may be empty. Lengths count bytes,
//! as the API server does.

/// Longest name part of a key, and longest label value, in bytes.
pub const MAX_NAME_BYTES: usize = 63;
/// Longest prefix of a key, in bytes.
pub const MAX_PREFIX_BYTES: usize = 253;
/// Most bytes all annotation keys and values of an object may take together.
pub const MAX_ANNOTATION_BYTES: usize = 256 * 1024;

/// What is wrong with a label key (or, after lowercasing it, an annotation
/// key), if anything.
pub fn key_problem(key: &str) -> Option<String> {
    let parts: Vec<&str> = key.split('/').collect();
    match parts.as_slice() {
        [name] => name_problem(name),
        [prefix, name] => prefix_problem(prefix).or_else(|| name_problem(name)),
        _ => Some("has more than one `/`: a key is a name, optionally after a DNS subdomain prefix and one `/` (e.g. `example.com/team`)".to_owned()),
    }
}

/// What is wrong with a label value, if anything.
pub fn value_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    if value.len() > MAX_NAME_BYTES {
        return Some(format!(
            "a label value has at most {MAX_NAME_BYTES} bytes, this one {}",
            value.len()
        ));
    }
    grammar_problem(value, "a label value")
}

fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("has an empty name part".to_owned());
    }
    if name.len() > MAX_NAME_BYTES {
        return Some(format!(
            "has a name part of {} bytes, more than {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    grammar_problem(name, "the name part")
}

/// Letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
fn grammar_problem(text: &str, what: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if let Some(c) = text.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "contains '{}': {what} may hold letters, digits, '-', '_' and '.'",
            c.escape_debug()
        ));
    }
    let first = text.chars().next()?;
    let last = text.chars().next_back()?;
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Some(format!("{what} must start and end with a letter or digit"));
    }
    None
}

fn prefix_problem(prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return Some("has an empty prefix before `/`".to_owned());
    }
    if prefix.len() > MAX_PREFIX_BYTES {
        return Some(format!(
            "has a prefix of {} bytes, more than {MAX_PREFIX_BYTES}",
            prefix.len()
        ));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    (!prefix.split('.').all(label_ok)).then(|| {
        "has a prefix that is not a DNS subdomain (lowercase letters, digits, '-' and '.', e.g. `example.com`)".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_kubernetes_qualified_names() {
        for good in [
            "app",
            "App.Name_x-1",
            "example.com/team",
            "a.b-c.d/X_y",
            &"a".repeat(63),
        ] {
            assert_eq!(key_problem(good), None, "{good}");
        }
        let long_prefix = format!("{}/a", "a".repeat(254));
        for bad in [
            "bad key!",
            "_app",
            "app-",
            "",
            "/app",
            "example.com/",
            "a/b/c",
            "Example.com/app",
            "my_domain.com/app",
            &"a".repeat(64),
            &long_prefix,
        ] {
            assert!(key_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(key_problem(&format!("{}/a", "a".repeat(253))), None);
    }

    #[test]
    fn values_may_be_empty_and_hold_at_most_63_bytes() {
        assert_eq!(value_problem(""), None);
        assert_eq!(value_problem(&"v".repeat(63)), None);
        assert!(value_problem(&"v".repeat(64)).is_some());
        assert!(value_problem("-x").is_some());
        assert!(value_problem("a b").is_some());
        assert_eq!(value_problem("v1.2_3-x"), None);
    }
}
