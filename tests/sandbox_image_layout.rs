//! The image of `deploy/image/build` holds exactly what `deploy/Dockerfile`'s
//! final stage places and its distroless base provides: the same entry
//! point, command, user, environment and ports, and the same files with
//! their modes (the binary, the libraries `ldd` names, the CA bundle, the
//! non-root user). Each run first brings the image up to date (seconds when
//! nothing changed).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use support::image::*;
use support::sandbox::repo_root;

/// The last stage of `deploy/Dockerfile`: what it copies and how it configures the image.
#[derive(Debug, Default)]
struct FinalStage {
    base: String,
    copied: Vec<String>,
    env: Vec<(String, String)>,
    user: String,
    ports: Vec<String>,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
}

fn dockerfile_final_stage() -> FinalStage {
    let dockerfile = std::fs::read_to_string(repo_root().join("deploy/Dockerfile")).unwrap();
    let mut stage = FinalStage::default();
    // Instructions, with `\` continuations joined and comments left out.
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if line.starts_with('#') || (line.is_empty() && current.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => current.push_str(start),
            None => {
                current.push_str(line);
                instructions.push(std::mem::take(&mut current));
            }
        }
    }
    for instruction in instructions {
        let (keyword, rest) = instruction.split_once(' ').unwrap_or((&instruction, ""));
        let rest = rest.trim();
        match keyword.to_ascii_uppercase().as_str() {
            "FROM" => {
                stage = FinalStage {
                    base: rest.to_owned(),
                    ..FinalStage::default()
                }
            }
            "COPY" => {
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                stage.copied.push(words.last().unwrap().to_string());
            }
            "ENV" => {
                let (k, v) = rest.split_once('=').expect("ENV KEY=VALUE");
                stage.env.push((k.to_owned(), v.to_owned()));
            }
            "USER" => stage.user = rest.to_owned(),
            "EXPOSE" => stage.ports = rest.split_whitespace().map(str::to_owned).collect(),
            "ENTRYPOINT" => stage.entrypoint = strings(&serde_json::from_str(rest).unwrap()),
            "CMD" => stage.cmd = strings(&serde_json::from_str(rest).unwrap()),
            _ => {}
        }
    }
    stage
}

/// Every entry under `root` as path -> (kind, mode, uid, gid).
fn tree(root: &Path) -> BTreeMap<String, (char, u32, u32, u32)> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let kind = if meta.is_dir() {
                pending.push(path.clone());
                'd'
            } else if meta.file_type().is_symlink() {
                'l'
            } else {
                'f'
            };
            let name = format!("/{}", path.strip_prefix(root).unwrap().display());
            entries.insert(name, (kind, meta.mode() & 0o7777, meta.uid(), meta.gid()));
        }
    }
    entries
}

/// The path and every directory above it, `/` excluded.
fn with_parents(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = Path::new(path);
    while current != Path::new("/") {
        out.push(current.display().to_string());
        current = current.parent().unwrap();
    }
    out
}

/// The shared libraries and the loader `ldd` names for a binary.
fn ldd(binary: &Path) -> Vec<String> {
    let output = run_ok(Command::new("ldd").arg(binary));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            match line.split_once("=> ") {
                Some((_, target)) => target.split_whitespace().next(),
                None => line.split_whitespace().next(),
            }
        })
        .filter(|path| path.starts_with('/'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_image_holds_what_the_dockerfile_places_and_its_base_provides_and_nothing_else() {
    let unpacked = Unpacked::new(image());
    let stage = dockerfile_final_stage();
    assert_eq!(stage.base, "gcr.io/distroless/cc-debian12:nonroot");

    // The configuration is the Dockerfile's.
    let config = &unpacked.config;
    assert_eq!(strings(&config["Entrypoint"]), stage.entrypoint);
    assert_eq!(strings(&config["Cmd"]), stage.cmd);
    assert_eq!(config["User"], stage.user.as_str());
    for (key, value) in &stage.env {
        assert!(
            unpacked.env().contains(&(key.clone(), value.clone())),
            "ENV {key}={value} in {:?}",
            unpacked.env()
        );
    }
    let ports: BTreeSet<String> = config["ExposedPorts"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let expected_ports: BTreeSet<String> = stage
        .ports
        .iter()
        .map(|p| {
            if p.contains('/') {
                p.clone()
            } else {
                format!("{p}/tcp")
            }
        })
        .collect();
    assert_eq!(ports, expected_ports);
    let labels = &config["Labels"];
    for key in [
        "source", "revision", "version", "licenses", "title", "created",
    ] {
        assert!(
            labels[format!("org.opencontainers.image.{key}")].is_string(),
            "label org.opencontainers.image.{key}: {labels}"
        );
    }
    assert_eq!(labels["org.opencontainers.image.licenses"], "Apache-2.0");
    assert_eq!(
        labels["org.opencontainers.image.version"],
        env!("CARGO_PKG_VERSION")
    );

    // What the Dockerfile copies, and what it takes from distroless: the
    // user and group of USER, its home, /tmp, the CA bundle SSL_CERT_FILE
    // names, the name service switch, and the C libraries of the binary.
    let root = unpacked.rootfs();
    let tree = tree(&root);
    let (uid, gid) = unpacked.user();
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let account = passwd
        .lines()
        .find(|l| l.split(':').nth(2) == Some(&uid.to_string()))
        .unwrap_or_else(|| panic!("/etc/passwd names UID {uid}:\n{passwd}"));
    let fields: Vec<&str> = account.split(':').collect();
    assert_eq!(
        (fields[0], fields[3]),
        ("nonroot", gid.to_string().as_str())
    );
    let home = fields[5].to_owned();
    let group = std::fs::read_to_string(root.join("etc/group")).unwrap();
    assert!(
        group.lines().any(|l| l == format!("nonroot:x:{gid}:")),
        "/etc/group names GID {gid}:\n{group}"
    );
    let ca_bundle = stage
        .env
        .iter()
        .find(|(k, _)| k == "SSL_CERT_FILE")
        .map(|(_, v)| v.clone())
        .expect("the Dockerfile sets SSL_CERT_FILE");
    assert!(
        std::fs::read_to_string(root.join(&ca_bundle[1..]))
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );

    let mut expected: BTreeSet<String> = BTreeSet::new();
    let binary = &stage.copied[0];
    assert_eq!(stage.copied.len(), 1, "one COPY: {:?}", stage.copied);
    assert_eq!(&stage.entrypoint[0], binary);
    let from_base = [
        "/etc/passwd",
        "/etc/group",
        "/etc/nsswitch.conf",
        "/tmp",
        home.as_str(),
        ca_bundle.as_str(),
    ];
    let libraries = ldd(&root.join(&binary[1..]));
    for path in from_base
        .iter()
        .copied()
        .chain(std::iter::once(binary.as_str()))
        .chain(libraries.iter().map(String::as_str))
    {
        expected.extend(with_parents(path));
    }
    let found: BTreeSet<String> = tree.keys().cloned().collect();
    assert_eq!(
        found, expected,
        "the image's files vs. the Dockerfile's COPY, its base's user, CA bundle and /tmp, and ldd"
    );

    assert_eq!(tree[binary], ('f', 0o755, 0, 0));
    assert_eq!(tree["/tmp"], ('d', 0o1777, 0, 0));
    assert_eq!(tree[&home], ('d', 0o700, uid, gid));
    for (path, (kind, mode, owner, _)) in &tree {
        if path != &home {
            assert_eq!(*owner, 0, "{path} belongs to root");
        }
        assert!(
            *kind != 'f' || mode & 0o022 == 0,
            "{path} is writable only by its owner"
        );
    }
}
