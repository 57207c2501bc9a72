//! A `known_hosts` reader for pinning SSH host keys, matching host names as
//! OpenSSH does (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT").
//!
//! A host is looked up by its name: `host` for port 22, `[host]:port` for
//! any other port, lower-cased. A line names its hosts either by patterns
//! (comma-separated, `*` and `?` wildcards, matched against that name, so
//! `host` pins port 22 only, `[host]:2222` port 2222 only, and `*` every
//! host and port) or by a hash (`|1|salt|hash`, as `ssh-keygen -H` writes:
//! HMAC-SHA1 of the name keyed by the salt). A negated pattern (`!pattern`)
//! that matches takes the host out of the line whatever else matches, and
//! negations alone match nothing. A key on an `@revoked` line is refused for
//! every host. `@cert-authority` lines are read but not honoured (host
//! certificates are not checked): a host named only by them is refused with
//! that reason. Unusable lines are skipped.

use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};

/// How a line names its hosts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostNames {
    /// Host patterns, as written.
    Patterns(Vec<String>),
    /// A hashed host name (`|1|salt|hash`).
    Hashed {
        /// The HMAC key.
        salt: Vec<u8>,
        /// HMAC-SHA1 of the host name.
        hash: Vec<u8>,
    },
}

/// The marker a line starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `@revoked`: the key is never accepted.
    Revoked,
    /// `@cert-authority`: the key signs host certificates (not supported).
    CertAuthority,
}

/// One usable line of a `known_hosts` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The line's marker, if any.
    pub marker: Option<Marker>,
    /// The hosts the line is for.
    pub hosts: HostNames,
    /// Key type, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// The raw key blob (base64-decoded).
    pub key: Vec<u8>,
}

/// Why a host key is not accepted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The key is on an `@revoked` line.
    #[error("the host key is marked @revoked")]
    Revoked,
    /// Only `@cert-authority` lines name the host.
    #[error(
        "the only entries for {name} are @cert-authority lines, which are not supported: pin the host key itself"
    )]
    CertAuthorityOnly {
        /// The name looked up.
        name: String,
    },
    /// Lines name the host, with other keys.
    #[error("{name} is pinned to another key")]
    OtherKey {
        /// The name looked up.
        name: String,
    },
    /// No line names the host.
    #[error("no entry names {name}")]
    NotListed {
        /// The name looked up.
        name: String,
    },
}

/// Parses `known_hosts` text; unusable lines are skipped.
pub fn parse(text: &str) -> Vec<Entry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Entry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut fields = line.split_whitespace().peekable();
    let mut marker = None;
    if let Some(text) = fields.peek().filter(|f| f.starts_with('@')) {
        marker = Some(match *text {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            _ => return None,
        });
        fields.next();
    }
    let hosts = parse_hosts(fields.next()?)?;
    let key_type = fields.next()?.to_owned();
    let key = decode_base64(fields.next()?)?;
    Some(Entry {
        marker,
        hosts,
        key_type,
        key,
    })
}

fn parse_hosts(field: &str) -> Option<HostNames> {
    let Some(hashed) = field.strip_prefix("|1|") else {
        return (!field.starts_with('|'))
            .then(|| HostNames::Patterns(field.split(',').map(str::to_owned).collect()));
    };
    let (salt, hash) = hashed.split_once('|')?;
    Some(HostNames::Hashed {
        salt: decode_base64(salt)?,
        hash: decode_base64(hash)?,
    })
}

/// Whether `key` is pinned for `host` on `port` in the file at `path`.
pub fn check_file(
    path: &Path,
    host: &str,
    port: u16,
    key: &[u8],
) -> std::io::Result<Result<(), Refusal>> {
    let text = std::fs::read_to_string(path)?;
    Ok(check(&parse(&text), host, port, key))
}

/// Whether `key` is pinned for `host` on `port` among `entries`: an entry
/// that names the host holds the key, and no `@revoked` entry does.
pub fn check(entries: &[Entry], host: &str, port: u16, key: &[u8]) -> Result<(), Refusal> {
    let revoked = |e: &&Entry| e.marker == Some(Marker::Revoked);
    if entries.iter().filter(revoked).any(|e| e.key == key) {
        return Err(Refusal::Revoked);
    }
    let name = lookup_name(host, port);
    let naming: Vec<&Entry> = entries
        .iter()
        .filter(|e| !revoked(e) && names(&e.hosts, &name))
        .collect();
    let pins = |e: &&&Entry| e.marker.is_none();
    if naming.iter().filter(pins).any(|e| e.key == key) {
        return Ok(());
    }
    Err(if naming.iter().any(|e| pins(&e)) {
        Refusal::OtherKey { name }
    } else if naming.is_empty() {
        Refusal::NotListed { name }
    } else {
        Refusal::CertAuthorityOnly { name }
    })
}

/// The name OpenSSH looks a host up by: `host` on port 22, else
/// `[host]:port`.
pub fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Whether a line's hosts include `name`.
fn names(hosts: &HostNames, name: &str) -> bool {
    match hosts {
        HostNames::Hashed { salt, hash } => {
            let Ok(mut mac) = <Hmac<sha1::Sha1> as KeyInit>::new_from_slice(salt) else {
                return false;
            };
            mac.update(name.as_bytes());
            mac.verify_slice(hash).is_ok()
        }
        HostNames::Patterns(patterns) => {
            let mut positive = false;
            for pattern in patterns {
                match pattern.strip_prefix('!') {
                    Some(negated) if wildcard(negated, name) => return false,
                    Some(_) => {}
                    None => positive |= wildcard(pattern, name),
                }
            }
            positive
        }
    }
}

fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi].eq_ignore_ascii_case(&t[ti])) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Standard base64 (with or without padding).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes().filter(|b| *b != b'=') {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

    fn key() -> Vec<u8> {
        decode_base64(KEY).unwrap()
    }

    fn check_text(text: &str, host: &str, port: u16) -> Result<(), Refusal> {
        check(&parse(text), host, port, &key())
    }

    #[test]
    fn plain_and_bracketed_hosts_pin_their_key() {
        let entries = parse(&format!(
            "# comment\n[127.0.0.1]:2222 ssh-ed25519 {KEY}\ngit.example.com,10.0.0.1 ssh-ed25519 {KEY} c\n"
        ));
        assert_eq!(check(&entries, "127.0.0.1", 2222, &key()), Ok(()));
        assert_eq!(check(&entries, "Git.Example.com", 22, &key()), Ok(()));
        assert!(matches!(
            check(&entries, "evil.example.com", 22, &key()),
            Err(Refusal::NotListed { .. })
        ));
        assert!(matches!(
            check(&entries, "127.0.0.1", 2222, b"another key"),
            Err(Refusal::OtherKey { .. })
        ));
    }

    #[test]
    fn a_plain_host_means_port_22_and_a_bracketed_one_only_its_port() {
        let plain = format!("git.example.com ssh-ed25519 {KEY}\n");
        assert!(check_text(&plain, "git.example.com", 2222).is_err());
        let bracketed = format!("[git.example.com]:2222 ssh-ed25519 {KEY}\n");
        assert!(check_text(&bracketed, "git.example.com", 22).is_err());
        assert!(check_text(&bracketed, "git.example.com", 2223).is_err());
        let wildcard = format!("[*.example.com]:2222 ssh-ed25519 {KEY}\n");
        assert_eq!(check_text(&wildcard, "git.example.com", 2222), Ok(()));
        assert!(check_text(&wildcard, "git.example.com", 22).is_err());
    }

    #[test]
    fn a_matching_negation_takes_the_host_out_of_the_line() {
        let text = format!("*.example.com,!evil.example.com ssh-ed25519 {KEY}\n");
        assert_eq!(check_text(&text, "git.example.com", 22), Ok(()));
        assert!(matches!(
            check_text(&text, "evil.example.com", 22),
            Err(Refusal::NotListed { .. })
        ));
        let reversed = format!("!evil.example.com,*.example.com ssh-ed25519 {KEY}\n");
        assert!(check_text(&reversed, "evil.example.com", 22).is_err());
    }

    #[test]
    fn negations_alone_match_no_host() {
        let text = format!("!evil.example.com ssh-ed25519 {KEY}\n");
        assert!(check_text(&text, "git.example.com", 22).is_err());
        assert!(check_text(&text, "evil.example.com", 22).is_err());
    }

    #[test]
    fn revoked_keys_are_never_pinned() {
        let text = format!("host ssh-ed25519 {KEY}\n@revoked * ssh-ed25519 {KEY}\n");
        assert_eq!(check_text(&text, "host", 22), Err(Refusal::Revoked));
    }

    #[test]
    fn a_host_named_only_by_certificate_authorities_is_refused_saying_so() {
        let text = format!("@cert-authority *.example.com ssh-ed25519 {KEY}\n");
        let error = check_text(&text, "git.example.com", 22).unwrap_err();
        assert!(error.to_string().contains("@cert-authority"), "{error}");
        assert!(error.to_string().contains("not supported"), "{error}");
    }

    #[test]
    fn hashed_names_match_the_host_and_port_they_hash() {
        // `ssh-keygen -H` of `git.example.com` and `[git.example.com]:2222`.
        let text = format!(
            "|1|Hf8nPz0CXPPB/bf4ckaV1rJW9so=|5otz7gQYI/mdzZhJAhHWJaSa2vs= ssh-ed25519 {KEY}\n\
             |1|qJxkDo+Ji1HooLeASH+hrYiq8Q4=|sac2BLiArRoeB4jfOFJDwuO40HA= ssh-ed25519 {KEY}\n"
        );
        assert_eq!(check_text(&text, "git.example.com", 22), Ok(()));
        assert_eq!(check_text(&text, "git.example.com", 2222), Ok(()));
        assert!(check_text(&text, "git.example.com", 2223).is_err());
        assert!(check_text(&text, "evil.example.com", 22).is_err());
        let one = format!(
            "|1|qJxkDo+Ji1HooLeASH+hrYiq8Q4=|sac2BLiArRoeB4jfOFJDwuO40HA= ssh-ed25519 {KEY}\n"
        );
        assert!(check_text(&one, "git.example.com", 22).is_err());
    }

    #[test]
    fn wildcards_match_like_openssh() {
        assert!(wildcard("*.example.com", "git.example.com"));
        assert!(wildcard("git?.example.com", "git1.example.com"));
        assert!(!wildcard("*.example.com", "example.org"));
        assert!(wildcard("*", "[git.example.com]:2222"));
    }

    #[test]
    fn base64_round_trips_known_vectors() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("a!b"), None);
    }
}
