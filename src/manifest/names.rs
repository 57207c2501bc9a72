//! Kubernetes name rules (DNS-1123 and DNS-1035 labels), with explanations.
//!
//! The API server only says "invalid"; these checks say what is wrong and,
//! where a fix is obvious (uppercase letters, a look-alike Unicode letter, a
//! zero-width or direction-control character that makes two different names
//! look the same), which name was probably meant.

/// Which label grammar applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    /// RFC 1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
    Dns1123,
    /// RFC 1035 label: like DNS-1123, but must start with a letter.
    Dns1035,
}

/// Why a name is not a valid label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty.
    Empty,
    /// The name is longer than allowed.
    TooLong { length: usize, max: usize },
    /// The name has uppercase ASCII letters; the lowercase form would be valid.
    Uppercase { lowercase: String },
    /// The name has a non-ASCII character, perhaps one that looks like an ASCII one.
    NonAscii {
        character: char,
        looks_like: Option<char>,
    },
    /// The name has a character outside `[a-z0-9-]`.
    InvalidCharacter { character: char },
    /// The name starts with a character the grammar forbids there.
    BadStart { character: char },
    /// The name ends with a character the grammar forbids there.
    BadEnd { character: char },
}

impl NameProblem {
    /// What is wrong, as a clause ("is empty", "has 70 characters, more than 63").
    pub fn describe(&self) -> String {
        match self {
            NameProblem::Empty => "is empty".to_owned(),
            NameProblem::TooLong { length, max } => {
                format!("has {length} characters, more than {max}")
            }
            NameProblem::Uppercase { .. } => "has uppercase letters".to_owned(),
            NameProblem::NonAscii {
                character,
                looks_like,
            } => match (invisible(*character), looks_like) {
                (Some(what), _) => format!(
                    "contains the invisible character {} ({what})",
                    codepoint(*character)
                ),
                (None, Some(ascii)) => format!(
                    "contains {} ({}), which looks like the ASCII character '{ascii}'",
                    codepoint(*character),
                    character.escape_debug()
                ),
                (None, None) => format!(
                    "contains the non-ASCII character {} ({})",
                    codepoint(*character),
                    character.escape_debug()
                ),
            },
            NameProblem::InvalidCharacter { character } => {
                format!("contains '{}'", character.escape_debug())
            }
            NameProblem::BadStart { character } => {
                format!("starts with '{}'", character.escape_debug())
            }
            NameProblem::BadEnd { character } => {
                format!("ends with '{}'", character.escape_debug())
            }
        }
    }

    /// A suggestion for the fix, when one is obvious.
    pub fn suggestion(&self, name: &str) -> Option<String> {
        match self {
            NameProblem::Uppercase { lowercase } => Some(lowercase.clone()),
            NameProblem::NonAscii { .. } => ascii_spelling(name)
                .map(|ascii| ascii.to_ascii_lowercase())
                .filter(|ascii| ascii != name && is_label_text(ascii)),
            _ => None,
        }
    }
}

/// Whether a suggestion is made of label characters only, so that it is
/// worth offering.
fn is_label_text(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn codepoint(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// Checks `name` against a label grammar of at most `max` characters.
pub fn check_label(name: &str, kind: LabelKind, max: usize) -> Result<(), NameProblem> {
    let Some(first) = name.chars().next() else {
        return Err(NameProblem::Empty);
    };
    if let Some(character) = name.chars().find(|c| !c.is_ascii()) {
        return Err(NameProblem::NonAscii {
            character,
            looks_like: lookalike(character),
        });
    }
    let length = name.len();
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        let lowercase = name.to_ascii_lowercase();
        if check_label(&lowercase, kind, max).is_ok() {
            return Err(NameProblem::Uppercase { lowercase });
        }
    }
    if let Some(character) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(NameProblem::InvalidCharacter { character });
    }
    let start_ok = match kind {
        LabelKind::Dns1123 => first.is_ascii_alphanumeric(),
        LabelKind::Dns1035 => first.is_ascii_lowercase(),
    };
    if !start_ok {
        return Err(NameProblem::BadStart { character: first });
    }
    let last = name.chars().last().unwrap_or(first);
    if last == '-' {
        return Err(NameProblem::BadEnd { character: last });
    }
    if length > max {
        return Err(NameProblem::TooLong { length, max });
    }
    Ok(())
}

/// The name with look-alike characters replaced by their ASCII twins and
/// invisible characters removed; `None` if some character has no ASCII twin.
fn ascii_spelling(name: &str) -> Option<String> {
    name.chars()
        .filter(|c| invisible(*c).is_none())
        .map(|c| if c.is_ascii() { Some(c) } else { lookalike(c) })
        .collect()
}

/// The ASCII character a Unicode character is commonly mistaken for.
pub fn lookalike(c: char) -> Option<char> {
    if let Some(ascii) = fullwidth(c) {
        return Some(ascii);
    }
    Some(match c {
        'а' | 'α' => 'a',
        'с' | 'ϲ' => 'c',
        'е' | 'ε' => 'e',
        'і' | 'ι' | 'ı' => 'i',
        'ј' => 'j',
        'κ' => 'k',
        'ο' | 'о' => 'o',
        'р' | 'ρ' => 'p',
        'ѕ' => 's',
        'у' => 'y',
        'х' | 'χ' => 'x',
        'ν' | 'ѵ' => 'v',
        'ԁ' => 'd',
        'ɡ' => 'g',
        'һ' => 'h',
        'ʟ' | 'ӏ' => 'l',
        'ո' => 'n',
        'ԛ' => 'q',
        'ս' => 'u',
        'ԝ' => 'w',
        '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
        _ => return None,
    })
}

/// The ASCII character of a fullwidth form (`ａ`, `１`, `－`), as East Asian
/// input methods type them.
fn fullwidth(c: char) -> Option<char> {
    let code = u32::from(c);
    if !(0xFF01..=0xFF5E).contains(&code) {
        return None;
    }
    char::from_u32(code - 0xFEE0)
}

/// The name of a character that takes no room on screen (zero-width and
/// direction-control characters), which makes two different names look equal.
pub fn invisible(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{00AD}' => "soft hyphen",
        '\u{061C}' => "Arabic letter mark",
        '\u{180E}' => "Mongolian vowel separator",
        '\u{200B}' => "zero width space",
        '\u{200C}' => "zero width non-joiner",
        '\u{200D}' => "zero width joiner",
        '\u{200E}' => "left-to-right mark",
        '\u{200F}' => "right-to-left mark",
        '\u{202A}' => "left-to-right embedding",
        '\u{202B}' => "right-to-left embedding",
        '\u{202C}' => "pop directional formatting",
        '\u{202D}' => "left-to-right override",
        '\u{202E}' => "right-to-left override",
        '\u{2060}' => "word joiner",
        '\u{2066}' => "left-to-right isolate",
        '\u{2067}' => "right-to-left isolate",
        '\u{2068}' => "first strong isolate",
        '\u{2069}' => "pop directional isolate",
        '\u{FEFF}' => "zero width no-break space",
        _ => return None,
    })
}

/// The candidate closest to `wanted` by edit distance, if it is close enough
/// to be a likely typo.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&wanted_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(wanted.len()) / 3).max(1))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_dns1123_labels_are_accepted() {
        assert_eq!(check_label("cluster-a1", LabelKind::Dns1123, 48), Ok(()));
        assert_eq!(check_label("1cluster", LabelKind::Dns1123, 48), Ok(()));
    }

    #[test]
    fn dns1035_labels_must_start_with_a_letter() {
        assert_eq!(
            check_label("1foo", LabelKind::Dns1035, 63),
            Err(NameProblem::BadStart { character: '1' })
        );
    }

    #[test]
    fn uppercase_names_suggest_their_lowercase_form() {
        let problem = check_label("clusterA", LabelKind::Dns1123, 48).unwrap_err();
        assert_eq!(problem.suggestion("clusterA").as_deref(), Some("clustera"));
    }

    #[test]
    fn cyrillic_lookalikes_are_named_and_replaced() {
        let problem = check_label("clustеra", LabelKind::Dns1123, 48).unwrap_err();
        assert!(problem.describe().contains("U+0435"));
        assert_eq!(problem.suggestion("clustеra").as_deref(), Some("clustera"));
    }

    #[test]
    fn fullwidth_letters_are_named_and_replaced() {
        let problem = check_label("ｆoo", LabelKind::Dns1035, 63).unwrap_err();
        assert!(
            problem
                .describe()
                .contains("looks like the ASCII character 'f'")
        );
        assert_eq!(problem.suggestion("ｆoo").as_deref(), Some("foo"));
    }

    #[test]
    fn invisible_characters_are_named_and_dropped() {
        for (name, what) in [
            ("fo\u{200d}o", "zero width joiner"),
            ("fo\u{202e}o", "right-to-left override"),
        ] {
            let problem = check_label(name, LabelKind::Dns1035, 63).unwrap_err();
            assert!(problem.describe().contains(what), "{}", problem.describe());
            assert_eq!(problem.suggestion(name).as_deref(), Some("foo"));
        }
    }

    #[test]
    fn a_non_ascii_letter_without_a_twin_gets_no_suggestion() {
        let problem = check_label("füo", LabelKind::Dns1035, 63).unwrap_err();
        assert_eq!(problem.suggestion("füo"), None);
    }

    #[test]
    fn length_limits_are_inclusive() {
        let at_limit = "a".repeat(48);
        let over = "a".repeat(49);
        assert_eq!(check_label(&at_limit, LabelKind::Dns1123, 48), Ok(()));
        assert_eq!(
            check_label(&over, LabelKind::Dns1123, 48),
            Err(NameProblem::TooLong {
                length: 49,
                max: 48
            })
        );
    }

    #[test]
    fn closest_finds_likely_typos_only() {
        let known = ["clustera", "clusterb", "edge-tokyo"];
        assert_eq!(closest("clustrea", known), Some("clustera"));
        assert_eq!(closest("completely-else", known), None);
    }
}
