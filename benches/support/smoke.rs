//! The smoke run of the suite (`MCS_BENCH_SMOKE=1`): N = 100, one run, a
//! few pushes, so CI sees a regression by a factor within minutes. Its
//! floors are loose on purpose (a fraction of the targets the full suite
//! holds the product to): they catch a change that makes something several
//! times slower, not noise of a loaded two-core machine.

use super::report::{median, percentile};

/// A measurement the smoke run reads: its name and size, its samples.
pub type Lookup<'a> = &'a dyn Fn(&str, usize) -> Option<Vec<f64>>;

/// The size the smoke run measures.
pub const SIZE: usize = 100;

/// The knobs of a smoke run, as `(variable, value)` defaults.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("MCS_BENCH_SIZES", "100"),
    ("MCS_BENCH_RUNS", "1"),
    ("MCS_BENCH_PUSHES", "5"),
    ("MCS_BENCH_KUBECTL_DIFF_SIZES", "100"),
    ("MCS_BENCH_KUBECTL_APPLY_SIZES", "100"),
    ("MCS_BENCH_CEILING_CONCURRENCY", "16"),
];

/// Whether this is a smoke run.
pub fn enabled() -> bool {
    std::env::var_os("MCS_BENCH_SMOKE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The floors a smoke run must clear; each failure in words.
pub fn failures(samples: Lookup<'_>) -> Vec<String> {
    let mut failed = Vec::new();
    let mut floor = |what: &str, ok: Option<bool>, detail: String| match ok {
        Some(true) => eprintln!("smoke: ok   {what}: {detail}"),
        Some(false) => failed.push(format!("{what}: {detail}")),
        None => failed.push(format!("{what}: not measured")),
    };
    let m = |name: &str| samples(name, SIZE).map(|s| median(&s));
    if let (Some(ours), Some(kubectl)) = (m("plan"), m("kubectl-diff")) {
        // At N = 100 both are dominated by process start and the first
        // list, and come out level: the floor allows twice kubectl's time.
        floor(
            "plan within 2× kubectl diff --server-side (target 20× faster at 5,000)",
            Some(ours <= 2.0 * kubectl),
            format!("{ours:.3} s vs {kubectl:.3} s"),
        );
    } else {
        floor("plan vs kubectl diff", None, String::new());
    }
    if let (Some(remote), Some(kubectl)) = (m("plan-daemon"), m("kubectl-diff")) {
        floor(
            "plan --daemon within 2× kubectl diff --server-side (target 20× faster at 5,000)",
            Some(remote <= 2.0 * kubectl),
            format!("{remote:.3} s vs {kubectl:.3} s"),
        );
    } else {
        floor("plan --daemon vs kubectl diff", None, String::new());
    }
    if let (Some(ours), Some(kubectl)) = (m("apply"), m("kubectl-apply")) {
        floor(
            "apply no slower than kubectl apply --server-side (target 5× faster)",
            Some(ours <= kubectl),
            format!("{ours:.3} s vs {kubectl:.3} s"),
        );
    } else {
        floor("apply vs kubectl apply", None, String::new());
    }
    if let (Some(ours), Some(ceiling)) = (m("apply"), m("ceiling")) {
        let share = ceiling / ours;
        floor(
            "apply at ≥ 20% of the SSA ceiling (target 70%)",
            Some(share >= 0.2),
            format!("{:.0}%", 100.0 * share),
        );
    } else {
        floor("apply vs the SSA ceiling", None, String::new());
    }
    match samples("push-latency", SIZE) {
        Some(pushes) => {
            let p50 = percentile(&pushes, 50.0);
            floor(
                "push → applied p50 under 1 s (target 100 ms)",
                Some(p50 < 1.0),
                format!("{:.0} ms over {} pushes", p50 * 1000.0, pushes.len()),
            );
        }
        None => floor("push → applied", None, String::new()),
    }
    failed
}
