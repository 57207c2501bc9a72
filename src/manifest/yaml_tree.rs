//! A document read as a plain tree of located keys and values, to answer
//! questions the typed reading cannot: where a key was written, which field
//! a parser error is about, and where the field an API error names is.
//!
//! Paths are written as Kubernetes writes them: `spec.providerClusters[0].name`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// One node of a document.
#[derive(Debug)]
pub enum Node {
    /// A mapping: located keys and values, in written order.
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
    /// A list.
    Seq(Vec<Spanned<Node>>),
    /// Any scalar.
    Scalar,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Node::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar)
    }
}

/// The keys of the document's root and of its `metadata`, by dotted path,
/// where each was written.
pub fn top_keys(root: &Spanned<Node>) -> BTreeMap<String, Location> {
    let mut keys = BTreeMap::new();
    let Node::Map(entries) = &root.value else {
        return keys;
    };
    for (key, value) in entries {
        keys.insert(key.value.clone(), key.referenced);
        if let (true, Node::Map(inner)) = (key.value == "metadata", &value.value) {
            for (key, _) in inner {
                keys.insert(format!("metadata.{}", key.value), key.referenced);
            }
        }
    }
    keys
}

/// The path of the deepest value that starts at or before `at`: the field
/// a parser error at `at` is about.
pub fn path_at(root: &Spanned<Node>, at: &Location) -> String {
    let mut path = String::new();
    let mut node = root;
    loop {
        if position(&node.referenced) >= position(at) {
            return path;
        }
        let next = match &node.value {
            Node::Map(entries) => entries
                .iter()
                .rev()
                .find(|(key, _)| position(&key.referenced) <= position(at))
                .map(|(key, value)| (format!(".{}", key.value), value)),
            Node::Seq(items) => items
                .iter()
                .enumerate()
                .rev()
                .find(|(_, item)| position(&item.referenced) <= position(at))
                .map(|(index, item)| (format!("[{index}]"), item)),
            Node::Scalar => None,
        };
        let Some((segment, child)) = next else {
            return path;
        };
        path.push_str(&segment);
        if path.starts_with('.') {
            path.remove(0);
        }
        node = child;
    }
}

/// Where the value at `path` (`spec.ports[0].port`) was written.
pub fn locate(root: &Spanned<Node>, path: &str) -> Option<Location> {
    let mut node = root;
    for segment in segments(path) {
        node = match (&node.value, segment) {
            (Node::Map(entries), Segment::Key(name)) => {
                &entries.iter().find(|(key, _)| key.value == name)?.1
            }
            (Node::Seq(items), Segment::Index(index)) => items.get(index)?,
            _ => return None,
        };
    }
    Some(node.referenced)
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// `spec.ports[0].name` as `spec`, `ports`, `0`, `name`.
fn segments(path: &str) -> impl Iterator<Item = Segment<'_>> {
    path.split('.').flat_map(|part| {
        let mut pieces = part.split('[');
        let key = pieces.next().filter(|k| !k.is_empty()).map(Segment::Key);
        let indexes =
            pieces.filter_map(|p| p.trim_end_matches(']').parse().ok().map(Segment::Index));
        key.into_iter().chain(indexes)
    })
}

fn position(location: &Location) -> (u64, u64) {
    (location.line(), location.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "apiVersion: v1\nmetadata:\n  name: foo\nspec:\n  consumerClusters:\n    - {}\n    - name: b\n  range: x\nstatus:\n  conditions: []\n";

    fn tree() -> Spanned<Node> {
        serde_saphyr::from_str(DOC).unwrap()
    }

    fn at(line: u64, column: u64) -> Location {
        let root = tree();
        let mut found = root.referenced;
        // Any located node at that line and column will do.
        fn walk(node: &Spanned<Node>, line: u64, column: u64, found: &mut Location) {
            if node.referenced.line() == line && node.referenced.column() == column {
                *found = node.referenced;
            }
            match &node.value {
                Node::Map(entries) => entries
                    .iter()
                    .for_each(|(_, v)| walk(v, line, column, found)),
                Node::Seq(items) => items.iter().for_each(|v| walk(v, line, column, found)),
                Node::Scalar => {}
            }
        }
        walk(&root, line, column, &mut found);
        found
    }

    #[test]
    fn keys_of_the_root_and_metadata_are_located() {
        let keys = top_keys(&tree());
        assert_eq!(keys["status"].line(), 9);
        assert_eq!(keys["metadata.name"].line(), 3);
    }

    #[test]
    fn a_location_is_named_by_the_path_of_its_value() {
        assert_eq!(path_at(&tree(), &at(6, 7)), "spec.consumerClusters[0]");
        assert_eq!(path_at(&tree(), &at(8, 10)), "spec.range");
    }

    #[test]
    fn a_path_is_located_at_its_value() {
        let found = locate(&tree(), "spec.consumerClusters[1].name").unwrap();
        assert_eq!((found.line(), found.column()), (7, 13));
        assert!(locate(&tree(), "spec.providerClusters[0]").is_none());
    }
}
