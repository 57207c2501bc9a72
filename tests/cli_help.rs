//! The command-line interface as users read it: every subcommand's help.

use assert_cmd::cargo::cargo_bin_cmd;

fn help(args: &[&str]) -> String {
    let output = cargo_bin_cmd!("mcs-gitops")
        .args(args)
        .arg("--help")
        .env_remove("MCS_GITOPS_REPO")
        .env_remove("POD_NAMESPACE")
        .env_remove("POD_NAME")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_command_documents_its_flags_and_exit_codes() {
    for command in [
        &[][..],
        &["validate"],
        &["plan"],
        &["apply"],
        &["review"],
        &["history"],
        &["run"],
    ] {
        let name = if command.is_empty() {
            "mcs-gitops".to_owned()
        } else {
            format!("mcs-gitops-{}", command[0])
        };
        let text = help(command);
        assert!(text.contains("Exit codes:"), "{name} documents exit codes");
        insta::assert_snapshot!(name, text);
    }
}
