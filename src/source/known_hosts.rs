//! A small `known_hosts` reader for pinning SSH host keys.
//!
//! Supported: plain host patterns (`host`, `host1,host2`, `[host]:port`,
//! `*` and `?` wildcards) and `@revoked` markers. Hashed entries (`|1|...`)
//! are skipped: write the file with `ssh-keyscan` (without `-H`).

use std::path::Path;

/// One usable line of a `known_hosts` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Host patterns.
    pub hosts: Vec<String>,
    /// Key type, e.g. `ssh-ed25519`.
    pub key_type: String,
    /// The raw key blob (base64-decoded).
    pub key: Vec<u8>,
    /// Whether the line is marked `@revoked`.
    pub revoked: bool,
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
    let mut revoked = false;
    if let Some(marker) = fields.peek().filter(|f| f.starts_with('@')) {
        if *marker != "@revoked" {
            return None;
        }
        revoked = true;
        fields.next();
    }
    let hosts = fields.next()?;
    if hosts.starts_with('|') {
        return None;
    }
    let key_type = fields.next()?.to_owned();
    let key = decode_base64(fields.next()?)?;
    Some(Entry {
        hosts: hosts.split(',').map(str::to_owned).collect(),
        key_type,
        key,
        revoked,
    })
}

/// Whether `key` is pinned for `host` in the file at `path` (and not revoked).
pub fn is_pinned(path: &Path, host: &str, key: &[u8]) -> std::io::Result<bool> {
    let text = std::fs::read_to_string(path)?;
    Ok(pinned_in(&parse(&text), host, key))
}

/// Whether `key` is pinned for `host` among `entries`.
pub fn pinned_in(entries: &[Entry], host: &str, key: &[u8]) -> bool {
    let matching = |e: &&Entry| e.key == key && e.hosts.iter().any(|p| host_matches(p, host));
    let revoked = entries.iter().filter(|e| e.revoked).any(|e| e.key == key);
    !revoked && entries.iter().filter(|e| !e.revoked).any(|e| matching(&e))
}

fn host_matches(pattern: &str, host: &str) -> bool {
    let bare = pattern
        .strip_prefix('[')
        .and_then(|p| p.split_once("]:"))
        .map_or(pattern, |(h, _)| h);
    if let Some(negated) = bare.strip_prefix('!') {
        return !wildcard(negated, host);
    }
    wildcard(bare, host)
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

    #[test]
    fn plain_and_bracketed_hosts_pin_their_key() {
        let entries = parse(&format!(
            "# comment\n[127.0.0.1]:2222 ssh-ed25519 {KEY}\ngit.example.com,10.0.0.1 ssh-ed25519 {KEY} c\n"
        ));
        let key = decode_base64(KEY).unwrap();
        assert!(pinned_in(&entries, "127.0.0.1", &key));
        assert!(pinned_in(&entries, "git.example.com", &key));
        assert!(!pinned_in(&entries, "evil.example.com", &key));
        assert!(!pinned_in(&entries, "127.0.0.1", b"another key"));
    }

    #[test]
    fn revoked_keys_are_never_pinned() {
        let entries = parse(&format!(
            "host ssh-ed25519 {KEY}\n@revoked * ssh-ed25519 {KEY}\n"
        ));
        assert!(!pinned_in(&entries, "host", &decode_base64(KEY).unwrap()));
    }

    #[test]
    fn wildcards_match_like_openssh() {
        assert!(host_matches("*.example.com", "git.example.com"));
        assert!(host_matches("git?.example.com", "git1.example.com"));
        assert!(!host_matches("*.example.com", "example.org"));
    }

    #[test]
    fn base64_round_trips_known_vectors() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("a!b"), None);
    }
}
