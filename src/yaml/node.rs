//! What the fast reader ([`super::fast`]) makes of a document, and how serde
//! reads a value out of it.
//!
//! A tree of the document's own text: keys and plain scalars are borrowed
//! from it, only quoted and literal scalars (whose text differs from the
//! file's) are owned, and a map is its entries in order. Handed to a type's
//! `Deserialize` as a serde `Deserializer`, it gives what a JSON value of
//! the same document would (a map, a sequence, a string, a whole number, a
//! boolean), so the type reads it as it would that value, without a JSON
//! value built first (a `String` per key, a `BTreeMap` per map).

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};

/// One node of a document in the fast reader's subset. There is no null:
/// the reader leaves an empty value to serde-saphyr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node<'a> {
    Bool(bool),
    /// A whole decimal number.
    Int(u64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// The entries in the document's order; no key twice.
    Map(Vec<(&'a str, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// Whether `entries` holds a key twice: a look at each pair for the few
    /// keys a ticket's maps have, a sorted copy of the keys past that.
    pub fn has_duplicate_key(entries: &[(&'a str, Node<'a>)]) -> bool {
        if entries.len() <= 16 {
            return entries
                .iter()
                .enumerate()
                .any(|(i, (k, _))| entries[..i].iter().any(|(other, _)| other == k));
        }
        let mut keys: Vec<&str> = entries.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }
}

/// Why a node did not read as the type asked: the caller gives up on the
/// fast path and lets serde-saphyr read the document (and word any error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch(String);

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Mismatch(msg.to_string())
    }
}

/// A map's key: borrowed from the document, as the key's own text.
struct Key<'a>(&'a str);

impl<'de> IntoDeserializer<'de, Mismatch> for Key<'de> {
    type Deserializer = BorrowedStrDeserializer<'de, Mismatch>;

    fn into_deserializer(self) -> Self::Deserializer {
        BorrowedStrDeserializer::new(self.0)
    }
}

impl<'de> IntoDeserializer<'de, Mismatch> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self {
            Node::Bool(b) => visitor.visit_bool(b),
            Node::Int(n) => visitor.visit_u64(n),
            Node::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Node::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Node::Seq(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Node::Map(entries) => {
                let mut map = MapDeserializer::new(entries.into_iter().map(|(k, v)| (Key(k), v)));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    /// Every node is a value: the reader never makes a null.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant, named by a string. (A variant with data, a map of
    /// one key in JSON's form, is never in a ticket: it is refused.)
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        match self {
            Node::Str(Cow::Borrowed(s)) => visitor.visit_enum(BorrowedStrDeserializer::new(s)),
            Node::Str(Cow::Owned(s)) => visitor.visit_enum(s.into_deserializer()),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

impl Node<'_> {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Node::Bool(b) => de::Unexpected::Bool(*b),
            Node::Int(n) => de::Unexpected::Unsigned(*n),
            Node::Str(s) => de::Unexpected::Str(s),
            Node::Seq(_) => de::Unexpected::Seq,
            Node::Map(_) => de::Unexpected::Map,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::{Value, json};

    fn str(s: &str) -> Node<'_> {
        Node::Str(Cow::Borrowed(s))
    }

    #[test]
    fn a_tree_reads_as_the_json_value_of_the_same_document() {
        let node = Node::Map(vec![
            ("schema", Node::Int(1)),
            ("flag", Node::Bool(true)),
            ("title", Node::Str(Cow::Owned("a: b".into()))),
            ("codes", Node::Seq(vec![str("E1"), Node::Seq(Vec::new())])),
            ("empty", Node::Map(Vec::new())),
        ]);
        let value = Value::deserialize(node).unwrap();
        assert_eq!(
            value,
            json!({"schema": 1, "flag": true, "title": "a: b", "codes": ["E1", []], "empty": {}})
        );
    }

    #[test]
    fn types_read_from_a_tree_as_from_json() {
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(rename_all = "kebab-case")]
        enum Kind {
            Phone,
            Email,
        }
        #[derive(Debug, Deserialize, PartialEq)]
        struct Id(String);
        #[derive(Debug, Deserialize, PartialEq)]
        #[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
        enum Event {
            Note { text: String, kind: Kind, id: Id },
            Paused { small: u8, maybe: Option<String> },
        }
        let note = Node::Map(vec![
            ("type", str("note")),
            ("text", Node::Str(Cow::Owned("x\ny".into()))),
            ("kind", str("email")),
            ("id", str("T-1")),
        ]);
        let json = Value::deserialize(note.clone()).unwrap();
        let expected = Event::Note {
            text: "x\ny".into(),
            kind: Kind::Email,
            id: Id("T-1".into()),
        };
        assert_eq!(Event::deserialize(note).unwrap(), expected);
        assert_eq!(Event::deserialize(json).unwrap(), expected);
        // What JSON refuses, the tree refuses.
        for bad in [
            Node::Map(vec![("type", str("paused")), ("small", Node::Int(300))]),
            Node::Map(vec![("type", str("paused")), ("small", str("1"))]),
            Node::Map(vec![("type", str("note")), ("text", Node::Int(1))]),
            Node::Map(vec![("type", str("other"))]),
            Node::Map(vec![
                ("type", str("paused")),
                ("small", Node::Int(1)),
                ("x", Node::Int(1)),
            ]),
            Node::Map(vec![
                ("type", str("note")),
                ("text", str("t")),
                ("kind", str("fax")),
                ("id", str("i")),
            ]),
            Node::Seq(vec![str("note")]),
        ] {
            let json = Value::deserialize(bad.clone()).unwrap();
            assert!(Event::deserialize(json).is_err(), "{bad:?}");
            assert!(Event::deserialize(bad.clone()).is_err(), "{bad:?}");
        }
        let paused = Node::Map(vec![("type", str("paused")), ("small", Node::Int(7))]);
        assert_eq!(
            Event::deserialize(paused).unwrap(),
            Event::Paused {
                small: 7,
                maybe: None
            }
        );
    }

    #[test]
    fn duplicate_keys_are_found_in_small_and_large_maps() {
        let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        for n in [2, 16, 17, 40] {
            let mut entries: Vec<(&str, Node<'_>)> = keys[..n]
                .iter()
                .map(|k| (k.as_str(), Node::Int(1)))
                .collect();
            assert!(!Node::has_duplicate_key(&entries), "{n}");
            entries.push((keys[n / 2].as_str(), Node::Int(2)));
            assert!(Node::has_duplicate_key(&entries), "{n}");
        }
    }
}
