//! The real karmada-webhook, CRD schema and kube-apiserver give the verdict
//! the boundary table (tests/support/karmada_cases.rs) records for every
//! document, asked with `kubectl apply --server-side --dry-run=server` as a
//! user's tool would send it; `tests/karmada_agreement.rs` holds `validate`
//! to the same verdicts. Together: whatever Karmada refuses, `validate`
//! refuses, and whatever it admits, `validate` admits, but for the stricter
//! rules that say so.

mod support;

use support::karmada_cases::{Karmada, cases};
use support::sandbox::start;

#[test]
fn karmadas_webhook_and_schema_give_the_verdicts_the_table_records() {
    let federation = start(&["--karmada"]);
    let dir = tempfile::tempdir().unwrap();
    let mut disagreements = Vec::new();
    for (index, case) in cases().into_iter().enumerate() {
        let file = dir.path().join(format!("case-{index}.yaml"));
        std::fs::write(&file, &case.yaml).unwrap();
        let out = federation.kubectl(&[
            "apply",
            "--server-side",
            "--dry-run=server",
            "--field-manager=validation-probe",
            "-f",
            file.to_str().unwrap(),
        ]);
        let verdict = if out.status.success() {
            Karmada::Admits
        } else {
            Karmada::Refuses
        };
        if verdict != case.karmada {
            disagreements.push(format!(
                "{}: the table says {:?}, Karmada says {verdict:?}: {}",
                case.name,
                case.karmada,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
