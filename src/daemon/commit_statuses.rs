//! Which commit status the tracked commit should show, and when it
//! changes: `pending` once when a cycle takes the commit, then one final
//! state (success when applied and every desired flow is in place, failure
//! when invalid, refused, or not settled within the settle timeout, error
//! when superseded before it settled). A final state is never replaced.
//!
//! Pure: fed with what cycles saw and with the time; [`super::forge_task`]
//! posts what it says.

use std::time::{Duration, Instant};

use crate::report::commit_status::{self, CommitStatus, FlowCount};

/// What a cycle saw of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// A cycle took the commit.
    Taken,
    /// The commit is applied; its flows stand as counted.
    Applied(FlowCount),
    /// The commit's verdict is known and final (invalid, refused, stalled).
    Final(CommitStatus),
}

/// A status to post on a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    /// The commit.
    pub sha: String,
    /// Its status.
    pub status: CommitStatus,
}

/// The commit the branch points at, and what was posted on it.
#[derive(Debug)]
struct Current {
    sha: String,
    finished: bool,
    /// When it was first applied, with its latest flow count.
    applied: Option<(Instant, FlowCount)>,
}

/// The state machine of the tracked commit's status.
#[derive(Debug)]
pub struct Tracker {
    settle: Duration,
    current: Option<Current>,
}

impl Tracker {
    /// A tracker that gives flows `settle` to be in place after applying.
    pub fn new(settle: Duration) -> Self {
        Tracker {
            settle,
            current: None,
        }
    }

    /// Takes what a cycle saw of `sha` at `now`; returns what to post.
    pub fn observe(&mut self, sha: &str, seen: Seen, now: Instant) -> Vec<Post> {
        let mut posts = Vec::new();
        if self.current.as_ref().is_none_or(|c| c.sha != sha) {
            if let Some(old) = self.current.take().filter(|c| !c.finished) {
                posts.push(Post {
                    sha: old.sha,
                    status: commit_status::superseded(sha),
                });
            }
            self.current = Some(Current {
                sha: sha.to_owned(),
                finished: false,
                applied: None,
            });
            posts.push(self.post(commit_status::taken()));
        }
        let current = self.current.as_mut().expect("set above");
        if current.finished {
            return posts;
        }
        match seen {
            Seen::Taken => {}
            Seen::Final(status) => {
                current.finished = true;
                posts.push(self.post(status));
            }
            Seen::Applied(count) if count.settled() => {
                current.finished = true;
                posts.push(self.post(commit_status::applied(&count)));
            }
            Seen::Applied(count) => {
                let since = current.applied.map_or(now, |(since, _)| since);
                current.applied = Some((since, count));
            }
        }
        posts
    }

    /// The forge already shows a final status for `sha` (posted before a
    /// restart): nothing more is posted for it.
    pub fn known_final(&mut self, sha: &str) {
        if let Some(current) = self.current.as_mut().filter(|c| c.sha == sha) {
            current.finished = true;
        }
    }

    /// When the current commit's flows run out of time, if they can.
    pub fn deadline(&self) -> Option<Instant> {
        let current = self.current.as_ref().filter(|c| !c.finished)?;
        current.applied.map(|(since, _)| since + self.settle)
    }

    /// At `now`: the failure of a commit whose flows did not settle in time.
    pub fn expire(&mut self, now: Instant) -> Option<Post> {
        if self.deadline().is_none_or(|d| d > now) {
            return None;
        }
        let settle = self.settle;
        let current = self.current.as_mut()?;
        let (_, count) = current.applied?;
        current.finished = true;
        Some(self.post(commit_status::unsettled(&count, settle)))
    }

    fn post(&self, status: CommitStatus) -> Post {
        Post {
            sha: self.current.as_ref().expect("a current commit").sha.clone(),
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::commit_status::CommitState;

    fn count(in_place: usize, desired: usize) -> FlowCount {
        FlowCount {
            objects: 1,
            in_place,
            desired,
            unexpected: 0,
        }
    }

    fn states(posts: &[Post]) -> Vec<(String, CommitState)> {
        posts
            .iter()
            .map(|p| (p.sha.clone(), p.status.state))
            .collect()
    }

    #[test]
    fn a_taken_commit_is_pending_once_then_succeeds_when_its_flows_are_in_place() {
        let mut tracker = Tracker::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let first = tracker.observe("a", Seen::Taken, t0);
        assert_eq!(states(&first), [("a".into(), CommitState::Pending)]);
        assert!(
            tracker
                .observe("a", Seen::Applied(count(1, 2)), t0)
                .is_empty()
        );
        assert!(tracker.observe("a", Seen::Taken, t0).is_empty());
        let done = tracker.observe("a", Seen::Applied(count(2, 2)), t0);
        assert_eq!(states(&done), [("a".into(), CommitState::Success)]);
        assert_eq!(
            done[0].status.description,
            "1 MCS applied, 2 of 2 flows in place"
        );
        assert!(
            tracker
                .observe("a", Seen::Applied(count(1, 2)), t0)
                .is_empty()
        );
    }

    #[test]
    fn flows_still_missing_after_the_settle_timeout_fail_the_commit_once() {
        let mut tracker = Tracker::new(Duration::from_secs(60));
        let t0 = Instant::now();
        tracker.observe("a", Seen::Taken, t0);
        tracker.observe("a", Seen::Applied(count(0, 2)), t0);
        let later = t0 + Duration::from_secs(30);
        tracker.observe("a", Seen::Applied(count(1, 2)), later);
        assert_eq!(tracker.deadline(), Some(t0 + Duration::from_secs(60)));
        assert_eq!(tracker.expire(later), None);
        let failed = tracker.expire(t0 + Duration::from_secs(61)).unwrap();
        assert_eq!(failed.status.state, CommitState::Failure);
        assert_eq!(
            failed.status.description,
            "1 MCS applied, 1 of 2 flows in place after 1m"
        );
        assert_eq!(tracker.deadline(), None);
        assert!(
            tracker
                .observe("a", Seen::Applied(count(2, 2)), later)
                .is_empty()
        );
    }

    #[test]
    fn a_final_state_is_never_replaced() {
        let mut tracker = Tracker::new(Duration::from_secs(60));
        let t0 = Instant::now();
        let invalid = CommitStatus::new(CommitState::Failure, "invalid: 1 error in a.yaml");
        let posts = tracker.observe("a", Seen::Final(invalid), t0);
        assert_eq!(
            states(&posts),
            [
                ("a".into(), CommitState::Pending),
                ("a".into(), CommitState::Failure)
            ]
        );
        assert!(
            tracker
                .observe("a", Seen::Applied(count(1, 1)), t0)
                .is_empty()
        );
    }

    #[test]
    fn a_commit_the_branch_leaves_before_it_settles_ends_as_an_error() {
        let mut tracker = Tracker::new(Duration::from_secs(60));
        let t0 = Instant::now();
        tracker.observe("a", Seen::Applied(count(0, 1)), t0);
        let posts = tracker.observe("b", Seen::Taken, t0);
        assert_eq!(
            states(&posts),
            [
                ("a".into(), CommitState::Error),
                ("b".into(), CommitState::Pending)
            ]
        );
        assert_eq!(
            posts[0].status.description,
            "superseded by b before its flows were in place"
        );
    }

    #[test]
    fn a_commit_the_forge_already_shows_as_final_gets_nothing_more() {
        let mut tracker = Tracker::new(Duration::from_secs(60));
        let t0 = Instant::now();
        tracker.observe("a", Seen::Taken, t0);
        tracker.known_final("a");
        assert!(
            tracker
                .observe("a", Seen::Applied(count(0, 1)), t0)
                .is_empty()
        );
        assert_eq!(tracker.deadline(), None);
        let posts = tracker.observe("b", Seen::Taken, t0);
        assert_eq!(states(&posts), [("b".into(), CommitState::Pending)]);
    }

    #[test]
    fn a_settled_commit_the_branch_leaves_keeps_its_state() {
        let mut tracker = Tracker::new(Duration::from_secs(60));
        let t0 = Instant::now();
        tracker.observe("a", Seen::Applied(count(1, 1)), t0);
        let posts = tracker.observe("b", Seen::Taken, t0);
        assert_eq!(states(&posts), [("b".into(), CommitState::Pending)]);
    }
}
