//! Per-file results kept between revisions, so that a revision that changes
//! one file of ten thousand parses one file.
//!
//! Results are keyed by path and content identity: the Git blob id when the
//! source knows it (then the unchanged file is not even read), else a hash
//! of the bytes. Files gone from a revision are forgotten.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;

use super::diagnostic::Diagnostic;
use super::inventory::Inventory;
use super::model::MultiClusterService;
use super::repository::{Desired, FileContent, Policy, RepoFile, load_file, load_with};

/// What one file yielded.
#[derive(Clone, Debug)]
struct Entry {
    id: String,
    objects: Vec<(Arc<MultiClusterService>, bool)>,
    diagnostics: Vec<Diagnostic>,
}

/// Parsed files by path.
#[derive(Debug, Default)]
pub struct ParseCache {
    entries: HashMap<String, Entry>,
    hasher: RandomState,
    /// Files parsed (not found in the cache) by the last load.
    pub last_parsed: usize,
}

impl ParseCache {
    /// An empty cache.
    pub fn new() -> Self {
        ParseCache::default()
    }

    /// The content id of every cached file, for the source to skip reading them.
    pub fn known(&self) -> HashMap<String, String> {
        self.entries
            .iter()
            .map(|(path, e)| (path.clone(), e.id.clone()))
            .collect()
    }

    fn id_of(&self, file: &RepoFile) -> Option<String> {
        if let Some(id) = &file.id {
            return Some(id.clone());
        }
        let FileContent::Bytes(bytes) = &file.content else {
            return None;
        };
        let mut hasher = self.hasher.build_hasher();
        hasher.write(bytes);
        Some(format!("h{:016x}{:08x}", hasher.finish(), bytes.len()))
    }

    /// Like [`load_against`](super::load_against), parsing only files whose
    /// content the cache has not seen at that path.
    pub fn load(
        &mut self,
        files: &[RepoFile],
        policy: &Policy,
        inventory: Option<&Inventory>,
    ) -> Desired {
        let mut fresh: HashMap<String, Entry> = HashMap::with_capacity(self.entries.len());
        let mut parsed = 0;
        let desired = load_with(files, policy, inventory, |file, diagnostics| {
            let cached = self.entries.remove(&file.path);
            let id = self.id_of(file);
            let entry = match (cached, id) {
                (Some(entry), Some(id)) if entry.id == id => entry,
                (Some(entry), None) if matches!(file.content, FileContent::Unchanged) => entry,
                (_, id) => {
                    parsed += 1;
                    let mut found = Vec::new();
                    let objects = load_file(file, &mut found);
                    Entry {
                        id: id.unwrap_or_default(),
                        objects,
                        diagnostics: found,
                    }
                }
            };
            diagnostics.extend(entry.diagnostics.iter().cloned());
            let objects = entry.objects.clone();
            if !entry.id.is_empty() {
                fresh.insert(file.path.clone(), entry);
            }
            objects
        });
        self.entries = fresh;
        self.last_parsed = parsed;
        desired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MCS: &str = "apiVersion: networking.karmada.io/v1alpha1\nkind: MultiClusterService\nmetadata:\n  name: NAME\n  namespace: shop\nspec:\n  types: [CrossCluster]\n";

    fn file(name: &str, id: &str) -> RepoFile {
        RepoFile {
            id: Some(id.to_owned()),
            ..RepoFile::new(format!("shop/{name}.yaml"), MCS.replace("NAME", name))
        }
    }

    #[test]
    fn unchanged_files_are_not_parsed_again() {
        let mut cache = ParseCache::new();
        let policy = Policy::default();
        let first = cache.load(&[file("a", "1"), file("b", "2")], &policy, None);
        assert_eq!((first.objects.len(), cache.last_parsed), (2, 2));
        let unchanged = RepoFile {
            content: FileContent::Unchanged,
            ..file("a", "1")
        };
        let second = cache.load(&[unchanged, file("b", "3")], &policy, None);
        assert_eq!((second.objects.len(), cache.last_parsed), (2, 1));
        assert_eq!(first.objects, second.objects);
    }

    #[test]
    fn files_without_an_id_are_recognised_by_content() {
        let mut cache = ParseCache::new();
        let policy = Policy::default();
        let bare =
            |name: &str| RepoFile::new(format!("shop/{name}.yaml"), MCS.replace("NAME", name));
        cache.load(&[bare("a")], &policy, None);
        cache.load(&[bare("a")], &policy, None);
        assert_eq!(cache.last_parsed, 0);
        assert_eq!(cache.known().len(), 1);
    }

    #[test]
    fn files_gone_from_a_revision_are_forgotten() {
        let mut cache = ParseCache::new();
        cache.load(&[file("a", "1"), file("b", "2")], &Policy::default(), None);
        cache.load(&[file("a", "1")], &Policy::default(), None);
        assert_eq!(cache.known().len(), 1);
    }
}
