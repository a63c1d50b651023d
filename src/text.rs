//! Values that are written as text (instants, ticket IDs) read through
//! serde from the text as the format lends it.

use std::fmt;

use serde::Deserializer;
use serde::de::{self, Visitor};

/// Deserializes a text and makes a `T` of it with `parse`, from the text
/// as the deserializer lends it: no `String` copied first. What it expects
/// is worded as `String`'s ("a string"), so a message reads as it did when
/// these values were read through a `String`.
pub(crate) fn parse_text<'de, D, T, E>(
    deserializer: D,
    parse: fn(&str) -> Result<T, E>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    E: fmt::Display,
{
    struct Text<T, E>(fn(&str) -> Result<T, E>);

    impl<T, E: fmt::Display> Visitor<'_> for Text<T, E> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<Er: de::Error>(self, text: &str) -> Result<T, Er> {
            (self.0)(text).map_err(Er::custom)
        }
    }

    deserializer.deserialize_str(Text(parse))
}
