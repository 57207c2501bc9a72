//! A second apply of the same revision sends no write request at all,
//! counted by the API server itself (`apiserver_request_total`).

mod support;

use support::fixtures::Mcs;
use support::repo::{DiskRepo, run, text};
use support::sandbox::{sandbox, unique};

const WRITE_VERBS: [&str; 5] = ["APPLY", "PATCH", "POST", "PUT", "DELETE"];

#[tokio::test]
async fn a_no_op_apply_sends_zero_writes_and_one_list_of_mcs() {
    let sandbox = sandbox();
    let ns = sandbox.namespace("noop").await;
    let instance = unique("noop");
    let mut repo = DiskRepo::new();
    for i in 0..20 {
        let name = format!("svc-{i}");
        sandbox.service(&ns, &name).await;
        repo = repo.mcs(
            &format!("{}/{}.yaml", ns, name),
            &Mcs::new(&ns, &name)
                .providers(&["clustera"])
                .consumers(&["clusterb"]),
        );
    }
    let first = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));

    let before = sandbox.request_counts("multiclusterservices");
    let second = run(sandbox, "apply", repo.path(), &instance, &[]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let after = sandbox.request_counts("multiclusterservices");

    let delta =
        |verb: &str| after.get(verb).copied().unwrap_or(0) - before.get(verb).copied().unwrap_or(0);
    for verb in WRITE_VERBS {
        assert_eq!(
            delta(verb),
            0,
            "{verb} requests during a no-op apply: {before:?} -> {after:?}"
        );
    }
    assert_eq!(delta("LIST"), 1, "{before:?} -> {after:?}");
    assert_eq!(
        delta("GET"),
        0,
        "no per-object reads: {before:?} -> {after:?}"
    );
}
