//! Figures and their presentation: medians and percentiles, the result
//! table (metric | mcs-gitops | reference | ratio | target | met), the
//! machine description, and the JSON and Markdown files under
//! `target/bench/`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// The median of samples (mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    if s.len() % 2 == 1 {
        s[mid]
    } else {
        (s[mid - 1] + s[mid]) / 2.0
    }
}

/// The nearest-rank percentile `p` (0..=100).
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut s = samples.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

/// Seconds in a readable unit.
pub fn secs(s: f64) -> String {
    if s.is_nan() {
        "n/a".to_owned()
    } else if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    /// What was measured.
    pub metric: String,
    /// The figure for mcs-gitops.
    pub ours: String,
    /// The reference figure (kubectl, the API ceiling, a published figure).
    pub reference: String,
    /// How they compare.
    pub ratio: String,
    /// The target.
    pub target: String,
    /// Whether the target is met; `None` when the row has no target.
    pub met: Option<bool>,
}

impl Row {
    /// A row.
    pub fn new(metric: impl Into<String>, ours: impl Into<String>) -> Row {
        Row {
            metric: metric.into(),
            ours: ours.into(),
            reference: "—".to_owned(),
            ratio: "—".to_owned(),
            target: "—".to_owned(),
            met: None,
        }
    }

    /// With a reference figure and the ratio.
    pub fn reference(mut self, reference: impl Into<String>, ratio: impl Into<String>) -> Row {
        self.reference = reference.into();
        self.ratio = ratio.into();
        self
    }

    /// With a target and whether it is met.
    pub fn target(mut self, target: impl Into<String>, met: bool) -> Row {
        self.target = target.into();
        self.met = Some(met);
        self
    }

    fn met_text(&self) -> &'static str {
        match self.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "—",
        }
    }
}

/// Everything measured in one run of the suite.
#[derive(Default)]
pub struct Results {
    /// The table, in order.
    pub rows: Vec<Row>,
    /// Raw figures by measurement name.
    pub raw: serde_json::Map<String, Value>,
    /// Notes printed under the table (what exactly was measured).
    pub notes: Vec<String>,
}

impl Results {
    /// Adds a row (and prints it at once, so a long run shows progress).
    pub fn row(&mut self, row: Row) {
        eprintln!(
            "  = {} | {} | {} | {} | {} | {}",
            row.metric,
            row.ours,
            row.reference,
            row.ratio,
            row.target,
            row.met_text()
        );
        self.rows.push(row);
    }

    /// Records raw figures.
    pub fn raw(&mut self, name: impl Into<String>, value: Value) {
        self.raw.insert(name.into(), value);
    }

    /// Adds a note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The table as Markdown.
    pub fn table(&self) -> String {
        let mut out = String::from(
            "| metric | mcs-gitops | reference | ratio | target | met |\n|---|---|---|---|---|---|\n",
        );
        for r in &self.rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r.metric,
                r.ours,
                r.reference,
                r.ratio,
                r.target,
                r.met_text()
            ));
        }
        out
    }

    /// Writes `suite.json` and `suite.md` under `dir`; returns their paths.
    pub fn write(&self, dir: &Path, machine: &Value, meta: &Value) -> (PathBuf, PathBuf) {
        std::fs::create_dir_all(dir).expect("create target/bench");
        let json_path = dir.join("suite.json");
        let md_path = dir.join("suite.md");
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({"metric": r.metric, "mcsGitops": r.ours, "reference": r.reference,
                       "ratio": r.ratio, "target": r.target, "met": r.met})
            })
            .collect();
        let document = json!({
            "machine": machine,
            "run": meta,
            "table": rows,
            "raw": Value::Object(self.raw.clone()),
            "notes": self.notes,
        });
        std::fs::write(
            &json_path,
            serde_json::to_string_pretty(&document).expect("JSON"),
        )
        .expect("write suite.json");
        let mut md = String::from("# mcs-gitops benchmark suite\n\n");
        md.push_str(&format!("Run: {}\n\nMachine: {}\n\n", meta, machine));
        md.push_str(&self.table());
        if !self.notes.is_empty() {
            md.push_str("\nNotes:\n\n");
            for n in &self.notes {
                md.push_str(&format!("- {n}\n"));
            }
        }
        std::fs::write(&md_path, md).expect("write suite.md");
        (json_path, md_path)
    }
}

fn first_line(command: &str, args: &[&str]) -> String {
    Command::new(command)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .unwrap_or_default()
}

/// The machine the suite runs on.
pub fn machine(kubectl_version: &str) -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    json!({
        "nproc": first_line("nproc", &[]),
        "cpu": model,
        "memory": memory,
        "kernel": first_line("uname", &["-r"]),
        "rustc": first_line("rustc", &["--version"]),
        "kubectl": kubectl_version,
        "git": first_line("git", &["--version"]),
    })
}
