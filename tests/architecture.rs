//! The shape of the source tree: arrows point inward (the pure core imports
//! no I/O layer) and no two files import each other, directly or around a
//! loop. Read from the `use` statements of `src/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src`, by path relative to it.
fn sources() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, std::fs::read_to_string(&path).expect("read file"));
            }
        }
    }
    assert!(
        files.len() > 50,
        "found only {} files under src",
        files.len()
    );
    files
}

/// The module path of a file: `plan/live.rs` is `["plan", "live"]`.
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The file that defines a module path, or its deepest existing parent.
fn file_of(module: &[String], files: &BTreeMap<String, String>) -> Option<String> {
    (0..=module.len()).rev().find_map(|n| {
        let prefix = module[..n].join("/");
        let candidates = if n == 0 {
            vec!["lib.rs".to_owned()]
        } else {
            vec![format!("{prefix}.rs"), format!("{prefix}/mod.rs")]
        };
        candidates.into_iter().find(|c| files.contains_key(c))
    })
}

/// `a::{b, c::{d}}` as `a::b`, `a::c::d`.
fn expand(path: &str) -> Vec<String> {
    let path = path.trim();
    let Some(open) = path.find('{') else {
        return vec![path.to_owned()];
    };
    let (prefix, inner) = (&path[..open], &path[open + 1..path.len() - 1]);
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(p))
        .map(|p| format!("{prefix}{p}"))
        .collect()
}

/// The files each file imports (test modules left out).
fn imports(files: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges = BTreeMap::new();
    for (file, text) in files {
        let module = module_of(file);
        let is_dir = file.ends_with("mod.rs") || file == "lib.rs";
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
        let mut targets = BTreeSet::new();
        for statement in text.split(';') {
            // What follows the comments and attributes before the statement.
            let code: Vec<&str> = statement
                .lines()
                .map(str::trim)
                .skip_while(|l| l.is_empty() || l.starts_with("//") || l.starts_with("#["))
                .collect();
            let code = code.join(" ");
            let line = code.as_str();
            let line = line
                .strip_prefix("pub(crate) ")
                .or(line.strip_prefix("pub "))
                .unwrap_or(line);
            let Some(path) = line.strip_prefix("use ") else {
                continue;
            };
            for path in expand(path) {
                let path = path.split(" as ").next().unwrap().trim().to_owned();
                let segments: Vec<&str> = path
                    .split("::")
                    .filter(|s| !s.is_empty() && *s != "self")
                    .collect();
                let target: Vec<String> = match segments.first().copied() {
                    Some("crate") => segments[1..].iter().map(|s| s.to_string()).collect(),
                    Some("super") => {
                        let ups = segments.iter().take_while(|s| **s == "super").count();
                        let base = module.len().saturating_sub(ups);
                        module[..base]
                            .iter()
                            .cloned()
                            .chain(segments[ups..].iter().map(|s| s.to_string()))
                            .collect()
                    }
                    Some(first) => {
                        let dir = Path::new(file)
                            .parent()
                            .map(PathBuf::from)
                            .unwrap_or_default();
                        let own = if is_dir {
                            dir
                        } else {
                            dir.join(Path::new(file).file_stem().unwrap())
                        };
                        let child = own.join(first);
                        let known = files.contains_key(&format!("{}.rs", child.display()))
                            || files.contains_key(&format!("{}/mod.rs", child.display()));
                        if !known {
                            continue;
                        }
                        module
                            .iter()
                            .cloned()
                            .chain(segments.iter().map(|s| s.to_string()))
                            .collect()
                    }
                    None => continue,
                };
                if let Some(found) = file_of(&target, files).filter(|f| f != file) {
                    targets.insert(found);
                }
            }
        }
        edges.insert(file.clone(), targets);
    }
    edges
}

#[test]
fn no_two_files_import_each_other_even_around_a_loop() {
    let edges = imports(&sources());
    let mut loops = Vec::new();
    for start in edges.keys() {
        // Every file reachable from `start`; a loop comes back to it.
        let mut seen = BTreeSet::new();
        let mut pending: Vec<&String> = edges[start].iter().collect();
        while let Some(file) = pending.pop() {
            if file == start {
                loops.push(start.clone());
                break;
            }
            if seen.insert(file.clone()) {
                pending.extend(edges.get(file).into_iter().flatten());
            }
        }
    }
    assert!(loops.is_empty(), "files in an import loop: {loops:?}");
}

#[test]
fn the_pure_core_imports_no_io_layer() {
    let edges = imports(&sources());
    let allowed: [(&str, &[&str]); 5] = [
        ("manifest", &["manifest"]),
        ("history", &["history"]),
        ("plan", &["plan", "manifest"]),
        ("review", &["review", "plan", "manifest"]),
        (
            "report",
            &["report", "review", "plan", "manifest", "history"],
        ),
    ];
    let mut outward = Vec::new();
    for (file, targets) in &edges {
        let layer = file.split(['/', '.']).next().unwrap();
        let Some((_, may)) = allowed.iter().find(|(l, _)| *l == layer) else {
            continue;
        };
        for target in targets {
            let to = target.split(['/', '.']).next().unwrap();
            if !may.contains(&to) {
                outward.push(format!("{file} -> {target}"));
            }
        }
    }
    assert!(
        outward.is_empty(),
        "the pure core imports outward: {outward:?}"
    );
}

#[test]
fn the_checker_sees_an_import_loop_when_there_is_one() {
    let mut files = BTreeMap::new();
    files.insert("lib.rs".to_owned(), "mod a;\nmod b;\n".to_owned());
    files.insert("a.rs".to_owned(), "use crate::b::Thing;\n".to_owned());
    files.insert(
        "b.rs".to_owned(),
        "use super::a::{Other, more::{X}};\n".to_owned(),
    );
    let edges = imports(&files);
    assert_eq!(edges["a.rs"], BTreeSet::from(["b.rs".to_owned()]));
    assert_eq!(edges["b.rs"], BTreeSet::from(["a.rs".to_owned()]));
}
