//! Property tests for the trusted-keys file parser: it never panics on
//! arbitrary text, and every `allowed_signers` line it writes it reads back.

use mcs_gitops::source::trust::{TrustedKeys, parse_signer, principal_matches};
use proptest::prelude::*;

const KEYS: [&str; 2] = [
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB5dNn9wPq4bPVCzXU1/5zGeK/3h1iF+8gBeaqcc1gS1",
];

fn principal() -> impl Strategy<Value = String> {
    "[a-z]{1,8}(@[a-z]{1,8}\\.(com|org))?|\\*@[a-z]{1,8}\\.com"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        let _ = TrustedKeys::parse(&text);
        let _ = parse_signer(&text);
    }

    #[test]
    fn lines_built_from_allowed_signers_syntax_read_back(
        principals in prop::collection::vec(principal(), 1..4),
        namespaces in prop::option::of(prop::collection::vec("[a-z]{1,6}", 1..3)),
        key in 0..KEYS.len(),
        comment in prop::option::of("[a-z ]{0,12}"),
    ) {
        let mut line = principals.join(",");
        if let Some(ns) = &namespaces {
            line.push_str(&format!(" namespaces=\"{}\"", ns.join(",")));
        }
        line.push(' ');
        line.push_str(KEYS[key]);
        if let Some(comment) = &comment {
            line.push(' ');
            line.push_str(comment);
        }
        let signer = parse_signer(&line).unwrap();
        prop_assert_eq!(&signer.principals, &principals);
        prop_assert_eq!(&signer.namespaces, &namespaces);
        prop_assert_eq!(signer.key.to_openssh().unwrap().split(' ').take(2).collect::<Vec<_>>().join(" "), KEYS[key]);
        let keys = TrustedKeys::parse(&format!("# comment\n\n{line}\n")).unwrap();
        prop_assert_eq!(keys.ssh.len(), 1);
    }

    #[test]
    fn a_principal_pattern_matches_itself_and_star_matches_everything(email in "[a-z]{1,8}@[a-z]{1,8}\\.com") {
        prop_assert!(principal_matches(&email, &email));
        prop_assert!(principal_matches("*", &email));
        let domain = email.split('@').nth(1).unwrap();
        let pattern = format!("*@{domain}");
        prop_assert!(principal_matches(&pattern, &email));
    }
}
