//! The one comment mcs-gitops keeps on a pull request: found by its hidden
//! marker and by its author, the token's own user (someone else's comment
//! that quotes the marker is never touched), edited in place, created when
//! there is none.

use super::api::{Comment, User};
use super::{Forge, ForgeError, Kind, Repository};

/// The login GitHub Actions' `GITHUB_TOKEN` comments as; that token may not
/// read `GET /user`.
pub const GITHUB_ACTIONS_BOT: &str = "github-actions[bot]";

/// What posting did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posted {
    /// A new comment, with its id.
    Created(u64),
    /// The earlier comment, edited in place.
    Edited(u64),
}

/// Who the token comments as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Author {
    /// A user the forge named (`GET /user`).
    User(User),
    /// Only a login is known (GitHub Actions' bot).
    Login(String),
}

impl Author {
    fn wrote(&self, comment: &Comment) -> bool {
        match self {
            Author::User(user) => comment.author.id == user.id,
            Author::Login(login) => comment.author.login == *login,
        }
    }
}

/// The newest comment by `author` that carries `marker`.
pub fn own_comment<'a>(
    comments: &'a [Comment],
    author: &Author,
    marker: &str,
) -> Option<&'a Comment> {
    comments
        .iter()
        .rev()
        .find(|c| author.wrote(c) && c.body.contains(marker))
}

/// Posts `body` (which carries `marker`) on pull request `number`, editing
/// the earlier comment by the same user in place.
pub async fn upsert(
    forge: &Forge,
    repo: &Repository,
    number: u64,
    marker: &str,
    body: &str,
) -> Result<Posted, ForgeError> {
    let author = author(forge).await?;
    let comments = forge.comments(repo, number).await?;
    match own_comment(&comments, &author, marker) {
        Some(comment) => {
            forge.edit_comment(repo, number, comment.id, body).await?;
            Ok(Posted::Edited(comment.id))
        }
        None => forge
            .create_comment(repo, number, body)
            .await
            .map(Posted::Created),
    }
}

async fn author(forge: &Forge) -> Result<Author, ForgeError> {
    match forge.current_user().await {
        Ok(user) => Ok(Author::User(user)),
        // An Actions token is an installation token: `GET /user` is refused
        // with 403, and its comments are the Actions bot's.
        Err(ForgeError::Refused { status: 403, .. }) if forge.kind() == Kind::GitHub => {
            Ok(Author::Login(GITHUB_ACTIONS_BOT.to_owned()))
        }
        Err(error) => Err(error),
    }
}
