//! Scalars as YAML types them, so that a value is read with the type every
//! Kubernetes tool gives it: unquoted `80` is a number, `"80"` text, `yes`
//! a boolean. The API types its fields (a port is an integer, a name is
//! text) and refuses the other kinds; mcs-gitops reads what was written and
//! says what the API expects instead of quietly converting it.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_saphyr::Spanned;

/// One scalar value as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// Text (quoted, or plain text that is not a number, boolean or null).
    Text(String),
    /// A whole number (`80`, `0x50`), however large.
    Integer(i128),
    /// A number with a fraction or an exponent (`80.5`, `1e3`), or a whole
    /// number too large even for `Integer`.
    Decimal(f64),
    /// `true` or `false` (YAML also reads `yes`, `no`, `on` and `off` as booleans).
    Boolean(bool),
    /// `null`, `~` or nothing.
    Empty,
}

impl Scalar {
    /// The text, when the value is text.
    pub fn text(&self) -> Option<&str> {
        match self {
            Scalar::Text(text) => Some(text),
            _ => None,
        }
    }

    /// What kind of value it is, in words ("a number").
    pub fn kind(&self) -> &'static str {
        match self {
            Scalar::Text(_) => "text",
            Scalar::Integer(_) | Scalar::Decimal(_) => "a number",
            Scalar::Boolean(_) => "a boolean",
            Scalar::Empty => "null",
        }
    }

    /// The value as a YAML reader shows it (`123`, `true`, `null`).
    pub fn shown(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Integer(n) => n.to_string(),
            Scalar::Decimal(x) => format!("{x:?}"),
            Scalar::Boolean(b) => b.to_string(),
            Scalar::Empty => "null".to_owned(),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl Visitor<'_> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a single value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Boolean(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Integer(i128::from(value)))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Integer(i128::from(value)))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Self::Value, E> {
        Ok(Scalar::Integer(value))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Self::Value, E> {
        Ok(match i128::try_from(value) {
            Ok(value) => Scalar::Integer(value),
            Err(_) => Scalar::Decimal(value as f64),
        })
    }

    fn visit_f64<E>(self, value: f64) -> Result<Self::Value, E> {
        Ok(Scalar::Decimal(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(value.to_owned()))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Empty)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Empty)
    }
}

/// A mapping of scalars to scalars in written order (`labels`,
/// `annotations`), each key and value located.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScalarMap(pub Vec<(Spanned<Scalar>, Spanned<Scalar>)>);

impl<'de> Deserialize<'de> for ScalarMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(MapVisitor)
    }
}

struct MapVisitor;

impl<'de> Visitor<'de> for MapVisitor {
    type Value = ScalarMap;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping of `key: value` lines")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(ScalarMap(entries))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ScalarMap::default())
    }
}
