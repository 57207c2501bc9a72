//! A repository on a forge, checked: `owner/name`, or a GitLab project
//! path with its groups.

use std::fmt;

use super::error::ForgeError;
use super::kind::Kind;

/// A repository on a forge: `owner/name`, or a GitLab project path with
/// its groups (`group/sub/name`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Repository(String);

impl Repository {
    /// Checks the form `owner/name` (more segments only for GitLab).
    pub fn parse(kind: Kind, text: &str) -> Result<Self, ForgeError> {
        let text = text.trim_matches('/').trim_end_matches(".git");
        let segments: Vec<&str> = text.split('/').collect();
        let allowed = segments.iter().all(|s| {
            !s.is_empty()
                && *s != "."
                && *s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        });
        let arity = match kind {
            Kind::GitLab => segments.len() >= 2,
            Kind::GitHub | Kind::Gitea => segments.len() == 2,
        };
        if allowed && arity {
            Ok(Repository(text.to_owned()))
        } else {
            Err(ForgeError::Config(format!(
                "{text:?} is not a {kind} repository (OWNER/NAME{})",
                if kind == Kind::GitLab {
                    ", or GROUP/.../NAME"
                } else {
                    ""
                }
            )))
        }
    }

    /// `owner/name`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
