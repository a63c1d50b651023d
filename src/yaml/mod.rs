//! The one place tkt touches a YAML library.
//!
//! Everything else calls [`from_str`] and [`to_string`], so the backend can be
//! swapped without touching the model. The backend is `serde-saphyr`: pure safe
//! Rust, linear on hostile input, with budgets on depth, nodes and aliases, and
//! duplicate keys rejected. Ticket files come from pull requests, so the
//! budgets below are deliberately tight: a ticket is a few kilobytes.

mod fast;
mod node;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A parse failure with a 1-based position when the backend knows one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = 32;
    budget.max_nodes = 100_000;
    budget.max_aliases = 64;
    budget.max_anchors = 64;
    budget.max_events = 200_000;
    budget.max_total_scalar_bytes = 8 << 20;
    budget.max_documents = 1;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    // `urgent: no` must not silently become `false`.
    options.strict_booleans = true;
    options.legacy_octal_numbers = false;
    options
}

/// Parses one YAML document into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    // A BOM is legal at the start of a file; editors on Windows add one.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Files in tkt's own layout take the fast path; anything it does not
    // accept, and every error, goes through serde-saphyr.
    if let Some(parsed) = from_str_fast(text) {
        return Ok(parsed);
    }
    from_str_saphyr(text)
}

/// The fast path alone: `None` when it does not accept the document.
pub fn from_str_fast<T: DeserializeOwned>(text: &str) -> Option<T> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    T::deserialize(fast::parse(text)?).ok()
}

/// Parses with serde-saphyr only (the reference reader). Explicit tags are
/// refused first: `!!binary` would decode a value a reviewer cannot read in
/// the diff, and tkt's files never need a tag.
pub fn from_str_saphyr<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(tagged) = first_tag(text) {
        return Err(tagged);
    }
    serde_saphyr::from_str_with_options(text, options()).map_err(|err| {
        let location = err.location();
        let rendered = err.render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        });
        YamlError {
            line: location.map(|l| l.line()),
            column: location.map(|l| l.column()),
            message: strip_location_suffix(&rendered),
        }
    })
}

/// The first explicit tag (`!!binary`, `!!str`, `!custom`) on any node, as
/// an error at the tag. Syntax errors are left to the deserializer, which
/// reports them in its own words.
fn first_tag(text: &str) -> Option<YamlError> {
    use granit_parser::{Event, Parser};
    for next in Parser::new_from_str(text) {
        let (event, span) = next.ok()?;
        let tag = match &event {
            Event::Scalar(_, _, _, tag)
            | Event::SequenceStart(_, _, tag)
            | Event::MappingStart(_, _, tag) => tag,
            _ => continue,
        };
        if let Some(tag) = tag {
            let at = span.tag_start.unwrap_or(span.start);
            return Some(YamlError {
                line: Some(at.line() as u64),
                column: Some(at.col() as u64 + 1),
                message: format!(
                    "YAML tags are not allowed in ticket files (found `{}`): write the value as plain text",
                    tag_name(tag)
                ),
            });
        }
    }
    None
}

/// A tag as people write it: `!!binary`, `!custom`.
fn tag_name(tag: &granit_parser::Tag) -> String {
    let text = tag.to_string();
    match text.strip_prefix("tag:yaml.org,2002:") {
        Some(core) => format!("!!{core}"),
        None => text,
    }
}

/// The backend appends " at line L, column C" to plain messages; we print
/// positions ourselves as `file:line:col`, so drop it.
fn strip_location_suffix(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    let first = match first.rfind(" at line ") {
        Some(pos) => &first[..pos],
        None => first,
    };
    // Advice meant for the library's users, not ours.
    let first = first
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(first);
    humanize(first)
}

/// Rewords backend messages that speak Rust rather than YAML.
fn humanize(message: &str) -> String {
    if message.starts_with("budget breached: Documents") {
        return "a ticket file holds one YAML document; remove the `---` separator and what follows".into();
    }
    if let Some(rest) = message.strip_prefix("budget breached: ") {
        let limit = rest.split([' ', '{', '(']).next().unwrap_or(rest);
        return format!(
            "over tkt's safety limits for YAML ({limit}): too deep, too many nodes or aliases"
        );
    }
    if message.starts_with("cannot deserialize null into string") {
        return "a value is required here".into();
    }
    if message == "input is out of range" {
        return "date or time out of range".into();
    }
    if message.starts_with("invalid type:") && message.ends_with("expected a string") {
        return format!("{message} (quote text that looks like a number or a boolean)");
    }
    message.replace("expected u8", "expected a whole number from 0 to 255")
}

/// Serializes `value` deterministically: block style, two-space indent, literal
/// blocks for multi-line text, and long lines never folded or re-wrapped.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, String> {
    let mut options = serde_saphyr::SerializerOptions::default();
    options.indent_step = 2;
    options.compact_list_indent = true;
    options.prefer_block_scalars = true;
    options.folded_wrap_chars = usize::MAX;
    options.min_fold_chars = usize::MAX;
    // YAML 1.2 quoting rules: timestamps stay unquoted, as people write them.
    options.yaml_12 = true;
    options.no_lang_directive = true;
    serde_saphyr::to_string_with_options(value, options).map_err(|e| e.to_string())
}
