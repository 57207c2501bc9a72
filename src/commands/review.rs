//! `mcs-gitops review`: explain what a change between two revisions does
//! to exposure, for a pull request.
//!
//! Offline by default: both revisions are read from Git and "all clusters"
//! is resolved against the base's `mcs-gitops.yaml` (a pull request cannot
//! shrink the cluster list it is reviewed against; the review says when it
//! changes it). With `--kubeconfig`
//! (or `--context`) the live federation adds the real cluster list, where
//! each Service runs today, and a server-side dry run of the head; if it
//! cannot be reached the review does not run (exit 3) rather than quietly
//! saying less than was asked.

use super::validate::sources;
use super::{Outcome, color_for_stdout, read_failed};
use crate::cli::{ColorWhen, ReviewArgs, ReviewFormat};
use crate::config;
use crate::federation::{ApplyOptions, ConnectOptions, KubeFederation, Reading};
use crate::plan::ownership::DEFAULT_INSTANCE;
use crate::reconcile::{self, Depth, Pipeline, Planned};
use crate::report::{review_json, review_markdown, review_text};
use crate::review::{self, Live, Review, Revision, Verdict};
use crate::source::{Snapshot, SourceError, git};

/// Runs `review`, printing the review to stdout and failures to stderr.
pub async fn run(args: &ReviewArgs, color: ColorWhen) -> Outcome {
    let (base, head) = match read_both(args) {
        Ok(snapshots) => snapshots,
        Err(error) => return super::source_failed(&error),
    };
    let policy = config::policy(&args.policy);
    let exposure = match config::exposure_policies(&args.policy) {
        Ok(exposure) => exposure,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return Outcome::CouldNotRun;
        }
    };
    let before = reconcile::check(&base.files, &policy, &exposure).desired;
    let base_rev = Revision::new(&args.base, base.revision.clone());
    let head_rev = Revision::new(&args.head, head.revision.clone());
    let review = if args.kubeconfig.is_some() || args.context.is_some() {
        let Some(planned) = plan_live(args, &head).await else {
            return Outcome::CouldNotRun;
        };
        let live = Live {
            state: &planned.live,
            plan: &planned.plan,
        };
        review::compare(base_rev, head_rev, &before, &planned.desired, Some(live))
    } else {
        let after = reconcile::check_head(&head.files, &policy, &exposure, &before);
        review::compare(base_rev, head_rev, &before, &after, None)
    };
    print(&review, args.output, &head, color);
    if args.post.post && !post(args, &review, &head).await {
        return Outcome::CouldNotRun;
    }
    match review.verdict() {
        Verdict::NoChanges => Outcome::Clean,
        Verdict::Changes => Outcome::ChangesPending,
        Verdict::Invalid => Outcome::Invalid,
    }
}

/// Reads both revisions. A configuration directory that exists in only one
/// of them is read as empty in the other (a change that creates or removes
/// it); missing in both, the path is wrong.
fn read_both(args: &ReviewArgs) -> Result<(Snapshot, Snapshot), SourceError> {
    let base = git::read_revision(&args.path, &args.base);
    let head = git::read_revision(&args.path, &args.head);
    let missing = |r: &Result<Snapshot, SourceError>| {
        matches!(r, Err(SourceError::MissingSubdirectory { .. }))
    };
    match (missing(&base), missing(&head)) {
        (true, false) => Ok((Snapshot::default(), head?)),
        (false, true) => Ok((base?, Snapshot::default())),
        _ => Ok((base?, head?)),
    }
}

/// Reads the federation and plans the head against it, with a server-side
/// dry run; failures are printed. A review has no instance of its own: it
/// sees the federation as the default instance does.
async fn plan_live(args: &ReviewArgs, head: &Snapshot) -> Option<Planned> {
    let options = ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    let client = match crate::federation::connect(&options).await {
        Ok(client) => client,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return None;
        }
    };
    let settings = match config::settings(&args.policy, None, None, ApplyOptions::default()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("mcs-gitops: {error}");
            return None;
        }
    };
    let pipeline = Pipeline::new(settings, KubeFederation::new(client, DEFAULT_INSTANCE));
    match pipeline
        .plan_revision(
            &head.files,
            head.revision.as_ref(),
            Depth::ServerDiff,
            Reading::Placement,
        )
        .await
    {
        Ok(planned) => Some(planned),
        Err(error) => {
            let _ = read_failed(&error);
            None
        }
    }
}

/// `--post`: the comment and the head's status; false when either failed.
async fn post(args: &ReviewArgs, review: &Review, head: &Snapshot) -> bool {
    let Some(sha) = head.revision.as_ref() else {
        eprintln!("mcs-gitops: --post: the head is not a commit");
        return false;
    };
    super::review_post::post(&args.post, review, sha.as_str())
        .await
        .is_ok()
}

fn print(review: &Review, format: ReviewFormat, head: &Snapshot, color: ColorWhen) {
    match format {
        ReviewFormat::Markdown => print!("{}", review_markdown::render(review)),
        ReviewFormat::Text => print!(
            "{}",
            review_text::render(review, &sources(head), color_for_stdout(color))
        ),
        ReviewFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&review_json::to_json(review))
                .expect("JSON of plain data")
        ),
    }
}
