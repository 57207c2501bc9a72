//! The identity of one revision of the configuration repository.

use std::fmt;

use serde::Serialize;

/// A Git commit id (40 or 64 hex characters), as a revision of the
/// configuration repository.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Revision(String);

/// How many characters of a commit id people are shown.
const SHORT: usize = 12;

impl Revision {
    /// A revision from its commit id.
    pub fn new(id: impl Into<String>) -> Self {
        Revision(id.into())
    }

    /// The whole commit id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first twelve characters, as shown to people.
    pub fn short(&self) -> &str {
        let end = self
            .0
            .char_indices()
            .nth(SHORT)
            .map_or(self.0.len(), |(i, _)| i);
        &self.0[..end]
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Revision;

    #[test]
    fn a_revision_is_shown_by_its_first_twelve_characters() {
        let revision = Revision::new("0123456789abcdef0123456789abcdef01234567");
        assert_eq!(revision.short(), "0123456789ab");
        assert_eq!(Revision::new("abc").short(), "abc");
    }
}
