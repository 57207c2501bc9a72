//! `review --post`: the review becomes the pull request's mcs-gitops
//! comment (edited in place on every push) and its head gets the commit
//! status `mcs-gitops/review`.

use crate::cli::PostArgs;
use crate::config;
use crate::forge::comment::{self, Posted};
use crate::report::{commit_status, review_markdown};
use crate::review::Review;

/// The check's name on the pull request's head.
pub const REVIEW_CONTEXT: &str = "mcs-gitops/review";

/// Posts the comment and the head's status; failures are printed, and say
/// which of the two did not happen.
pub async fn post(args: &PostArgs, review: &Review, head: &str) -> Result<(), ()> {
    let target = match config::post_target(args, &|name| std::env::var(name).ok()) {
        Ok(target) => target,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Err(());
        }
    };
    let body = review_markdown::render(review);
    let number = target.pull_request;
    let posted = comment::upsert(
        &target.forge,
        &target.repo,
        number,
        review_markdown::MARKER,
        &body,
    )
    .await;
    match posted {
        Ok(Posted::Created(id)) => eprintln!(
            "mcs-gitops: review posted on {}#{number} (comment {id})",
            target.repo
        ),
        Ok(Posted::Edited(id)) => eprintln!(
            "mcs-gitops: review updated on {}#{number} (comment {id})",
            target.repo
        ),
        Err(error) => {
            eprintln!("mcs-gitops: the review was not posted: {error}");
            return Err(());
        }
    }
    let status = commit_status::reviewed(review);
    let set = target
        .forge
        .set_status(&target.repo, head, REVIEW_CONTEXT, &status, None)
        .await;
    if let Err(error) = set {
        eprintln!("mcs-gitops: the review's commit status was not set: {error}");
        return Err(());
    }
    Ok(())
}
