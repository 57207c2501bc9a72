//! The trusted-keys file: OpenPGP public keys (ASCII-armored blocks) and SSH
//! `allowed_signers` lines, in one file.
//!
//! `allowed_signers` follows ssh-keygen(1): `principals [options] keytype
//! key [comment]`, principals a comma-separated list of patterns matched
//! against the committer's e-mail, options `namespaces="..."`,
//! `valid-after=`, `valid-before=` (`YYYYMMDD[HHMM[SS]]`, UTC; judged by the
//! verifier at the time of verification). Certificate
//! authorities (`cert-authority`) are refused rather than silently ignored.

use pgp::composed::{Deserializable, SignedPublicKey};

/// One `allowed_signers` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedSigner {
    /// Principal patterns (e-mail addresses, `*` and `?` allowed).
    pub principals: Vec<String>,
    /// Namespaces the key may sign for; `None` means any.
    pub namespaces: Option<Vec<String>>,
    /// Not valid before this time (seconds since the epoch).
    pub valid_after: Option<i64>,
    /// Not valid after this time (seconds since the epoch).
    pub valid_before: Option<i64>,
    /// The public key.
    pub key: ssh_key::PublicKey,
}

/// A problem in the trusted-keys file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TrustError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Keys whose signatures are trusted.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    /// OpenPGP keys.
    pub pgp: Vec<SignedPublicKey>,
    /// SSH signers.
    pub ssh: Vec<AllowedSigner>,
}

impl TrustedKeys {
    /// Parses the file; any unusable line or block is an error (a typo must
    /// not silently shrink the set of trusted keys).
    pub fn parse(text: &str) -> Result<TrustedKeys, TrustError> {
        let mut keys = TrustedKeys::default();
        let mut block: Option<(usize, String)> = None;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            if let Some((start, armored)) = block.as_mut() {
                armored.push_str(line);
                armored.push('\n');
                if line.starts_with("-----END PGP PUBLIC KEY BLOCK-----") {
                    keys.pgp.extend(parse_pgp(*start, armored)?);
                    block = None;
                }
                continue;
            }
            let trimmed = line.trim();
            if trimmed.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----") {
                block = Some((number, format!("{trimmed}\n")));
            } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
                keys.ssh
                    .push(parse_signer(trimmed).map_err(|message| TrustError {
                        line: number,
                        message,
                    })?);
            }
        }
        if let Some((start, _)) = block {
            return Err(TrustError {
                line: start,
                message: "unterminated PGP public key block".to_owned(),
            });
        }
        Ok(keys)
    }

    /// Whether no key is trusted at all.
    pub fn is_empty(&self) -> bool {
        self.pgp.is_empty() && self.ssh.is_empty()
    }
}

fn parse_pgp(line: usize, armored: &str) -> Result<Vec<SignedPublicKey>, TrustError> {
    let error = |e: pgp::errors::Error| TrustError {
        line,
        message: format!("OpenPGP key block: {e}"),
    };
    let (keys, _) = SignedPublicKey::from_string_many(armored).map_err(error)?;
    keys.map(|k| k.map_err(error)).collect()
}

/// Options of an `allowed_signers` line.
#[derive(Default)]
struct SignerOptions {
    namespaces: Option<Vec<String>>,
    valid_after: Option<i64>,
    valid_before: Option<i64>,
}

/// Parses one `allowed_signers` line.
pub fn parse_signer(line: &str) -> Result<AllowedSigner, String> {
    let (principals, rest) = split_field(line).ok_or("missing principals")?;
    let principals: Vec<String> = principals
        .split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    if principals.is_empty() {
        return Err("no principal".to_owned());
    }
    let mut rest = rest.trim_start();
    let mut options = SignerOptions::default();
    if !looks_like_key_type(rest) {
        let (text, after) = split_field(rest).ok_or("missing key after options")?;
        options = parse_options(text)?;
        rest = after.trim_start();
    }
    let mut parts = rest.split_whitespace();
    let kind = parts.next().ok_or("missing key type")?;
    let data = parts.next().ok_or("missing key")?;
    let key = ssh_key::PublicKey::from_openssh(&format!("{kind} {data}"))
        .map_err(|e| format!("bad public key: {e}"))?;
    Ok(AllowedSigner {
        principals,
        namespaces: options.namespaces,
        valid_after: options.valid_after,
        valid_before: options.valid_before,
        key,
    })
}

fn looks_like_key_type(text: &str) -> bool {
    ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
        .iter()
        .any(|p| text.starts_with(p))
}

/// Splits off the first whitespace-separated field, honouring double quotes.
fn split_field(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Some((&text[..i], &text[i..])),
            _ => {}
        }
    }
    (!text.is_empty()).then_some((text, ""))
}

fn parse_options(text: &str) -> Result<SignerOptions, String> {
    let mut options = SignerOptions::default();
    for option in split_options(text) {
        let (name, value) = option
            .split_once('=')
            .map_or((option.as_str(), None), |(n, v)| {
                (n, Some(v.trim_matches('"')))
            });
        match (name.to_ascii_lowercase().as_str(), value) {
            ("namespaces", Some(v)) => {
                options.namespaces = Some(v.split(',').map(str::to_owned).collect())
            }
            ("valid-after", Some(v)) => options.valid_after = Some(parse_time(v)?),
            ("valid-before", Some(v)) => options.valid_before = Some(parse_time(v)?),
            ("cert-authority", _) => {
                return Err(
                    "cert-authority entries are not supported; list the signing keys themselves"
                        .to_owned(),
                );
            }
            (other, _) => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(options)
}

fn split_options(options: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in options.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.last_mut().expect("never empty").push(c);
            }
            ',' if !quoted => out.push(String::new()),
            c => out.last_mut().expect("never empty").push(c),
        }
    }
    out.into_iter().filter(|o| !o.is_empty()).collect()
}

/// `YYYYMMDD[HHMM[SS]]`, optionally ending in `Z`, as UTC seconds.
fn parse_time(text: &str) -> Result<i64, String> {
    let digits = text.trim_end_matches(['Z', 'z']);
    let bad = || format!("bad time `{text}` (expected YYYYMMDD[HHMM[SS]])");
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let field = |range: std::ops::Range<usize>| {
        digits
            .get(range)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (field(0..4), field(4..6), field(6..8));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    Ok(days_from_civil(year, month, day) * 86_400
        + field(8..10) * 3600
        + field(10..12) * 60
        + field(12..14))
}

/// Seconds since the epoch as an RFC 3339 UTC time, for messages.
pub fn utc(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| format!("{seconds} s"), |t| t.to_string())
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether an e-mail matches a principal pattern (`*`, `?`).
pub fn principal_matches(pattern: &str, email: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), email.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    #[test]
    fn allowed_signers_lines_parse_with_options() {
        let signer = parse_signer(&format!("alice@example.com,*@ops.example.com namespaces=\"git,file\",valid-after=20240101 {KEY} laptop")).unwrap();
        assert_eq!(
            signer.principals,
            ["alice@example.com", "*@ops.example.com"]
        );
        assert_eq!(
            signer.namespaces.as_deref(),
            Some(&["git".to_owned(), "file".to_owned()][..])
        );
        assert_eq!(signer.valid_after, Some(1_704_067_200));
    }

    #[test]
    fn certificate_authorities_and_unknown_options_are_refused() {
        assert!(
            parse_signer(&format!("* cert-authority {KEY}"))
                .unwrap_err()
                .contains("cert-authority")
        );
        assert!(
            parse_signer(&format!("* no-touch-required {KEY}"))
                .unwrap_err()
                .contains("unknown option")
        );
        assert!(parse_signer("alice@example.com ssh-ed25519 notbase64").is_err());
    }

    #[test]
    fn a_bad_line_names_its_number() {
        let error = TrustedKeys::parse(&format!(
            "# trusted\n{}\nbogus\n",
            format_args!("a@b {KEY}")
        ))
        .unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn principals_match_with_wildcards() {
        assert!(principal_matches("*@example.com", "Alice@Example.com"));
        assert!(!principal_matches("*@example.com", "alice@example.org"));
    }
}
