//! Ticket IDs: `T-` plus ten Crockford base32 characters (50 random bits).
//!
//! IDs are minted without coordination, so two branches that each open tickets
//! never collide in practice (no max+1 numbering), and random leading
//! characters keep the prefixes people type short. The strict pattern means an
//! ID can never name a path outside `tickets/`.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Which bytes are in [`ALPHABET`], by value.
const IN_ALPHABET: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = true;
        i += 1;
    }
    table
};
const PREFIX: &str = "T-";
const BODY_LEN: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TicketId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a ticket ID (expected `T-` and ten characters of 0-9, A-Z without I, L, O, U)"
)]
pub struct InvalidId(pub String);

impl TicketId {
    /// Parses a full ID exactly as written in files (upper case, with `T-`).
    pub fn parse(text: &str) -> Result<Self, InvalidId> {
        if TicketId::is_valid(text) {
            Ok(TicketId(text.to_string()))
        } else {
            Err(InvalidId(text.to_string()))
        }
    }

    /// Whether [`TicketId::parse`] takes `text` (nothing is allocated).
    pub fn is_valid(text: &str) -> bool {
        text.strip_prefix(PREFIX).is_some_and(|body| {
            body.len() == BODY_LEN && body.bytes().all(|b| IN_ALPHABET[b as usize])
        })
    }

    /// A fresh random ID. `salt` lets a caller retry after a collision.
    pub fn generate(salt: u64) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // RandomState is seeded from the OS per process; mixing in time, pid and
        // a counter makes IDs distinct across processes and calls.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u64(salt);
        let mut bits = hasher.finish();
        let mut id = String::with_capacity(PREFIX.len() + BODY_LEN);
        id.push_str(PREFIX);
        for _ in 0..BODY_LEN {
            id.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        TicketId(id)
    }

    /// The ID of a ticket opened from mail: taken from the SHA-256 of the
    /// message's ID, so the same message opens the same ticket however
    /// often it arrives, and a later mail that refers to it finds it.
    pub fn for_message(message_id: &str) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("mail-message-id:{message_id}").as_bytes());
        let mut bits = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
        let mut id = String::with_capacity(PREFIX.len() + BODY_LEN);
        id.push_str(PREFIX);
        for _ in 0..BODY_LEN {
            id.push(ALPHABET[(bits & 31) as usize] as char);
            bits >>= 5;
        }
        TicketId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name this ticket lives in.
    pub fn file_name(&self) -> String {
        format!("{}.yaml", self.0)
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalizes what a person typed into the canonical form of an ID prefix:
/// upper case, `T-` optional, and Crockford's forgiving reads (I, L → 1; O → 0).
/// Returns `None` when the text cannot be the start of any ID.
pub fn normalize_prefix(typed: &str) -> Option<String> {
    let upper = typed.trim().to_ascii_uppercase();
    let body = upper.strip_prefix(PREFIX).unwrap_or(&upper);
    if body.len() > BODY_LEN {
        return None;
    }
    let mut out = String::from(PREFIX);
    for ch in body.chars() {
        let ch = match ch {
            'I' | 'L' => '1',
            'O' => '0',
            other => other,
        };
        if !ch.is_ascii() || !ALPHABET.contains(&(ch as u8)) {
            return None;
        }
        out.push(ch);
    }
    Some(out)
}

impl Serialize for TicketId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl schemars::JsonSchema for TicketId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TicketId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^T-[0-9A-HJKMNP-TV-Z]{10}$",
            "description": "T- and ten Crockford base-32 characters, e.g. T-7FQ2M9KD3A"
        })
    }
}

impl<'de> Deserialize<'de> for TicketId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::text::parse_text(deserializer, TicketId::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_differ() {
        let a = TicketId::generate(0);
        let b = TicketId::generate(0);
        assert_ne!(a, b);
        assert_eq!(TicketId::parse(a.as_str()), Ok(a));
    }

    #[test]
    fn an_id_reads_alike_lent_or_owned() {
        let id = TicketId::generate(0);
        let json = format!("\"{id}\"");
        // Lent: from the JSON text; owned: from a value holding a String.
        let lent: TicketId = serde_json::from_str(&json).unwrap();
        let owned: TicketId = serde_json::from_value(serde_json::json!(id.as_str())).unwrap();
        assert_eq!((&lent, &owned), (&id, &id));
        for bad in ["\"T-1\"", "\"../x\"", "5"] {
            let lent = serde_json::from_str::<TicketId>(bad)
                .unwrap_err()
                .to_string();
            let value: serde_json::Value = serde_json::from_str(bad).unwrap();
            let owned = serde_json::from_value::<TicketId>(value)
                .unwrap_err()
                .to_string();
            assert!(lent.starts_with(&owned), "{lent} / {owned}");
        }
        let number = serde_json::from_str::<TicketId>("5")
            .unwrap_err()
            .to_string();
        assert!(number.contains("expected a string"), "{number}");
    }

    #[test]
    fn ids_cannot_escape_the_tickets_directory() {
        for bad in [
            "../x",
            "T-../../etc",
            "T-ABC",
            "T-ABCDEFGHJK/",
            "t-abcdefghjk",
            "T-ABCDEFGHJU",
        ] {
            assert!(TicketId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prefixes_are_forgiving() {
        assert_eq!(normalize_prefix("7fq").as_deref(), Some("T-7FQ"));
        assert_eq!(normalize_prefix("t-ol").as_deref(), Some("T-01"));
        assert_eq!(normalize_prefix("../x"), None);
        assert_eq!(normalize_prefix("T-"), Some("T-".into()));
    }
}
