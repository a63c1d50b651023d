//! A fast reader for the plain block-style YAML that tkt writes.
//!
//! serde-saphyr parses a 2 KB ticket in about 200 µs; a repository of
//! 100,000 tickets would spend 20 s of CPU in it. Nearly every ticket file is
//! in the layout tkt writes, which uses a small corner of YAML: block maps
//! and sequences, plain, quoted and literal scalars. This reader handles
//! exactly that corner and gives up (returns `None`) on anything else:
//! flow collections other than `[]`/`{}`, anchors, aliases, tags, folded or
//! multi-line plain scalars, comments after values, tabs, null values, plain
//! scalars whose type is not obvious. The caller then uses serde-saphyr,
//! which also produces every error message. Whenever this reader accepts a
//! document it means the same as serde-saphyr's reading of it; property
//! tests in `format` check the two against each other.

use std::borrow::Cow;

use super::node::Node;

/// A map's entries as the reader collects them.
type Entries<'a> = Vec<(&'a str, Node<'a>)>;

/// Parses a document in tkt's block subset into a tree of its text, or
/// `None`.
pub fn parse(text: &str) -> Option<Node<'_>> {
    // Tabs, carriage returns and anything outside YAML's printable set are
    // left to saphyr (which refuses the latter). So is a byte-order mark
    // after the start: saphyr refuses one where a token starts (`title:
    // \u{feff}x`) and reads it as text elsewhere (`title: x\u{feff}`).
    if !in_plain_printable(text) {
        return None;
    }
    let mut p = Parser {
        lines: lines(text),
        pos: 0,
        depth: 0,
        nodes: 0,
    };
    // `split` yields a final empty piece after the last newline.
    if p.lines.last() == Some(&"") {
        p.lines.pop();
    }
    p.skip_blank();
    let first = p.peek()?;
    if indent(first) != 0 || first.starts_with("- ") || first == "-" {
        return None;
    }
    let value = p.map(0)?;
    p.skip_blank();
    (p.pos == p.lines.len()).then_some(value)
}

/// `text` cut at every newline, as `text.split('\n')` cuts it: the
/// newlines found a vector at a time (a ticket's lines are short, where a
/// search per line costs more than the line).
fn lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::with_capacity(text.len() / 32 + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..end]);
        start = end + 1;
    }
    lines.push(&text[start..]);
    lines
}

/// Whether every character of `text` is a newline or printable (below), and
/// none a byte-order mark. Most ticket files are ASCII: their bytes are
/// checked a block at a time (a loop without an early exit, which the
/// compiler makes vector code of), and only text with other characters is
/// decoded.
fn in_plain_printable(text: &str) -> bool {
    let ascii = |b: u8| b == b'\n' || (0x20..=0x7E).contains(&b);
    text.as_bytes()
        .chunks(64)
        .all(|block| block.iter().fold(true, |all, &b| all & ascii(b)))
        || text
            .chars()
            .all(|c| c != '\u{feff}' && (c == '\n' || printable(c)))
}

/// YAML's `c-printable`, without tab and carriage return.
fn printable(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    pos: usize,
    depth: usize,
    nodes: usize,
}

/// Below serde-saphyr's budgets (depth 32, 100,000 nodes), so that nothing
/// it would refuse is accepted here.
const MAX_DEPTH: usize = 24;
const MAX_NODES: usize = 50_000;

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a str> {
        self.lines.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while self.peek().is_some_and(is_blank_or_comment) {
            self.pos += 1;
        }
    }

    /// Counts a node and a level; `None` past the budgets.
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        self.nodes += 1;
        (self.depth <= MAX_DEPTH && self.nodes <= MAX_NODES).then_some(())
    }

    /// Runs `read` one level deeper, within the budgets.
    fn nested_in(&mut self, read: impl FnOnce(&mut Self) -> Option<Node<'a>>) -> Option<Node<'a>> {
        self.enter()?;
        let value = read(self);
        self.depth -= 1;
        value
    }

    /// A block map whose keys sit at column `at`.
    fn map(&mut self, at: usize) -> Option<Node<'a>> {
        self.nested_in(|p| p.map_entries(at))
    }

    fn map_entries(&mut self, at: usize) -> Option<Node<'a>> {
        let mut map = Entries::new();
        loop {
            self.skip_blank();
            let Some(line) = self.peek() else { break };
            let here = indent(line);
            if here < at {
                break;
            }
            if here > at || line[here..].starts_with('-') {
                return None; // a continuation line or a stray item
            }
            self.pos += 1;
            self.entry(&mut map, &line[at..], at)?;
        }
        // A duplicate key: saphyr reports it.
        (!Node::has_duplicate_key(&map)).then_some(Node::Map(map))
    }

    /// One `key: value` whose key starts at column `at`; `text` starts at
    /// the key.
    fn entry(&mut self, map: &mut Entries<'a>, text: &'a str, at: usize) -> Option<()> {
        // A key is a few bytes long: a byte loop finds its colon sooner
        // than a search set up for long text.
        let colon = text.bytes().position(|b| b == b':')?;
        let key = &text[..colon];
        // tkt's keys: lower-case words, digits after the first letter
        // (`sha256`); a key that starts with a digit is left to saphyr.
        let word = |b: u8| b.is_ascii_lowercase() || b == b'_';
        if !key.bytes().next().is_some_and(word)
            || !key.bytes().all(|b| word(b) || b.is_ascii_digit())
        {
            return None;
        }
        let rest = &text[colon + 1..];
        let value = if rest.is_empty() {
            self.nested(at)?
        } else {
            let value = rest.strip_prefix(' ')?;
            // More than one space: YAML skips them all; leave that to saphyr.
            if value.starts_with(' ') {
                return None;
            }
            self.scalar(value, at)?
        };
        map.push((key, value));
        Some(())
    }

    /// The block under `key:` (at column `at`): a sequence (possibly at the
    /// key's own column) or a more indented map.
    fn nested(&mut self, at: usize) -> Option<Node<'a>> {
        self.skip_blank();
        let line = self.peek()?;
        let here = indent(line);
        let item = line[here..].starts_with("- ") || &line[here..] == "-";
        if item && here >= at {
            self.seq(here)
        } else if here > at {
            self.map(here)
        } else {
            None // an empty value is null
        }
    }

    /// A block sequence whose dashes sit at column `at`.
    fn seq(&mut self, at: usize) -> Option<Node<'a>> {
        self.nested_in(|p| p.seq_items(at))
    }

    fn seq_items(&mut self, at: usize) -> Option<Node<'a>> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            let Some(line) = self.peek() else { break };
            let here = indent(line);
            if here < at {
                break;
            }
            let body = &line[here..];
            if here > at || !(body.starts_with("- ") || body == "-") {
                // A key at the dash column ends a compact sequence.
                if here == at && !body.starts_with('-') {
                    break;
                }
                return None;
            }
            self.pos += 1;
            let rest = body.strip_prefix('-')?.strip_prefix(' ')?;
            if rest.starts_with(' ') {
                return None;
            }
            let item_at = at + 2;
            let item = match rest
                .find(": ")
                .or_else(|| rest.strip_suffix(':').map(|k| k.len()))
            {
                // `- key: value` opens a map whose keys sit at `at + 2`.
                Some(_) if !rest.starts_with('"') && !rest.starts_with('\'') => {
                    let mut map = Entries::new();
                    self.entry(&mut map, rest, item_at)?;
                    let Node::Map(more) = self.map(item_at)? else {
                        return None;
                    };
                    map.extend(more);
                    if Node::has_duplicate_key(&map) {
                        return None;
                    }
                    Node::Map(map)
                }
                _ => self.scalar(rest, at)?,
            };
            items.push(item);
        }
        Some(Node::Seq(items))
    }

    /// A scalar value written after `key: ` or `- `; `at` is the column of
    /// the key (or dash), for block scalars.
    fn scalar(&mut self, text: &'a str, at: usize) -> Option<Node<'a>> {
        self.nodes += 1;
        if text.ends_with(' ') || self.nodes > MAX_NODES {
            return None;
        }
        match text.as_bytes().first()? {
            b'"' => double_quoted(text).map(owned),
            b'\'' => single_quoted(text).map(owned),
            b'|' => self.literal(text, at).map(owned),
            b'[' if text == "[]" => Some(Node::Seq(Vec::new())),
            b'{' if text == "{}" => Some(Node::Map(Vec::new())),
            _ => plain(text),
        }
    }

    /// A literal block scalar: `|`, `|-`, `|+`, with an optional indentation
    /// indicator.
    fn literal(&mut self, header: &str, at: usize) -> Option<String> {
        let mut chomp = ' ';
        let mut explicit = None;
        for c in header[1..].chars() {
            match c {
                '-' | '+' if chomp == ' ' => chomp = c,
                '1'..='9' if explicit.is_none() => explicit = Some(c as usize - '0' as usize),
                _ => return None,
            }
        }
        // The block's lines: everything more indented than `at`, and blank
        // lines in between.
        let start = self.pos;
        while let Some(line) = self.peek() {
            if line.trim_start_matches(' ').is_empty() || indent(line) > at {
                self.pos += 1;
            } else {
                break;
            }
        }
        let lines = &self.lines[start..self.pos];
        let width = match explicit {
            Some(n) => at + n,
            None => {
                // Leading lines of spaces longer than the content's
                // indentation would be an error: leave those to saphyr.
                let first = lines
                    .iter()
                    .find(|l| !l.trim_start_matches(' ').is_empty())?;
                let width = indent(first);
                if lines
                    .iter()
                    .take_while(|l| l.trim_start_matches(' ').is_empty())
                    .any(|l| l.len() > width)
                {
                    return None;
                }
                width
            }
        };
        if width <= at {
            return None;
        }
        let mut content: Vec<&str> = Vec::with_capacity(lines.len());
        for line in lines {
            if line.len() <= width && line.trim_start_matches(' ').is_empty() {
                content.push("");
            } else if indent(line) >= width {
                content.push(&line[width..]);
            } else {
                return None;
            }
        }
        // Trailing blank lines belong to the chomping, not the content.
        let body_len = content
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        let trailing = content.len() - body_len;
        let mut out = content[..body_len].join("\n");
        match chomp {
            '-' => {}
            '+' => {
                if body_len > 0 {
                    out.push('\n');
                }
                out.push_str(&"\n".repeat(trailing));
            }
            _ => {
                if body_len > 0 {
                    out.push('\n');
                }
            }
        }
        Some(out)
    }
}

/// A scalar whose text is not the file's (quoted, or a literal block).
fn owned<'a>(text: String) -> Node<'a> {
    Node::Str(Cow::Owned(text))
}

fn double_quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None, // an inner unescaped quote: not one scalar
            '\\' => {
                let escaped = match chars.next()? {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    'e' => '\u{1b}',
                    'f' => '\u{c}',
                    'v' => '\u{b}',
                    '\\' => '\\',
                    '"' => '"',
                    '/' => '/',
                    ' ' => ' ',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex(&mut chars, 2)?,
                    'u' => hex(&mut chars, 4)?,
                    'U' => hex(&mut chars, 8)?,
                    _ => return None,
                };
                out.push(escaped);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn hex(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let text: String = chars.take(digits).collect();
    if text.len() != digits {
        return None;
    }
    char::from_u32(u32::from_str_radix(&text, 16).ok()?)
}

fn single_quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' && chars.next() != Some('\'') {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// Whether `text` holds `: ` or ` #`, either of which ends a plain scalar
/// early: one pass over its spaces (most scalars are short, where a
/// substring search costs a comparison call per position).
fn ends_plain_early(text: &[u8]) -> bool {
    text.iter().enumerate().any(|(i, &b)| {
        b == b' ' && ((i > 0 && text[i - 1] == b':') || text.get(i + 1) == Some(&b'#'))
    })
}

/// A plain scalar, typed only where the type is beyond doubt: whole
/// decimal numbers, `true`/`false`, RFC 3339 dates and timestamps, and text
/// that cannot be read as anything but text.
fn plain(text: &str) -> Option<Node<'_>> {
    let first = text.as_bytes()[0];
    // `-`, `?` and `:` may start a plain scalar when a non-space follows.
    let lead_ok = b"-?:".contains(&first) && text.len() > 1 && text.as_bytes()[1] != b' ';
    if (b"-?:,[]{}#&*!|>'\"%@`~".contains(&first) && !lead_ok)
        || ends_plain_early(text.as_bytes())
        || text.ends_with(':')
    {
        return None;
    }
    match text {
        "true" => return Some(Node::Bool(true)),
        "false" => return Some(Node::Bool(false)),
        _ => {}
    }
    if ["null", "true", "false", ".inf", ".nan", "-.inf", "+.inf"]
        .iter()
        .any(|word| word.eq_ignore_ascii_case(text))
    {
        return None; // other spellings of null and booleans: leave to saphyr
    }
    if first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.' {
        if text.bytes().all(|b| b.is_ascii_digit()) {
            if text.len() > 1 && first == b'0' {
                return None;
            }
            return text.parse::<u64>().ok().map(Node::Int);
        }
        // Text that no number syntax (ints, floats, hex, octal, binary,
        // `1_000`) could match is plainly text; the rest is
        // left to saphyr.
        return (looks_like_date(text) || !could_be_number(text))
            .then_some(Node::Str(Cow::Borrowed(text)));
    }
    Some(Node::Str(Cow::Borrowed(text)))
}

/// YAML's number spellings (core schema ints and floats, hex, octal and
/// binary), with `_` allowed between digits as some readers do: an
/// over-approximation, so that nothing a reader might take for a number is
/// read here as text.
fn could_be_number(text: &str) -> bool {
    let t = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = t.to_ascii_lowercase();
    let digits =
        |s: &str, ok: fn(u8) -> bool| !s.is_empty() && s.bytes().all(|b| ok(b) || b == b'_');
    if let Some(rest) = lower.strip_prefix("0x") {
        return digits(rest, |b| b.is_ascii_hexdigit());
    }
    if let Some(rest) = lower.strip_prefix("0o") {
        return digits(rest, |b| (b'0'..=b'7').contains(&b));
    }
    if let Some(rest) = lower.strip_prefix("0b") {
        return digits(rest, |b| b == b'0' || b == b'1');
    }
    // [0-9_]* ( . [0-9_]* )? ( e [-+]? [0-9]+ )?, with at least one digit.
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let is_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    let mantissa_ok = is_digits(int)
        && is_digits(frac)
        && (int.bytes().any(|b| b.is_ascii_digit()) || frac.bytes().any(|b| b.is_ascii_digit()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// `YYYY-MM-DD`, optionally followed by `T` and a time: text to YAML 1.2.
fn looks_like_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    date && (b.len() == 10
        || (b[10] == b'T'
            && b[11..]
                .iter()
                .all(|c| c.is_ascii_digit() || b":.+-Z".contains(c))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// The tree as a JSON value, to look into.
    fn json(node: Node<'_>) -> serde_json::Value {
        serde_json::Value::deserialize(node).unwrap()
    }

    #[test]
    fn a_plain_scalar_ends_early_where_a_substring_search_says() {
        for text in [
            "a: b", "a :b", "a #b", "a# b", "x:", ":", " #", "#", "a  #", "a:  b", "ab", "",
            "é: ü", "ü #", "a:b", "a b c", "T: ", " ",
        ] {
            let expected = text.contains(": ") || text.contains(" #");
            assert_eq!(ends_plain_early(text.as_bytes()), expected, "{text:?}");
        }
    }

    #[test]
    fn other_spellings_of_null_and_booleans_are_left_to_saphyr() {
        for text in [
            "Null", "NULL", "True", "FALSE", ".Inf", ".NAN", "-.INF", "+.inf",
        ] {
            assert_eq!(plain(text), None, "{text}");
        }
        assert_eq!(plain("true"), Some(Node::Bool(true)));
        assert_eq!(plain("nulls"), Some(Node::Str("nulls".into())));
    }

    #[test]
    fn printable_text_is_what_every_character_says() {
        let texts = [
            "title: x\n",
            "",
            "a\tb",
            "a\rb",
            "x\u{7f}",
            "x\u{85}y",
            "x\u{feff}",
            "\u{feff}",
            "é ü ✓ 😀\n",
            "x\u{0}",
            "\u{1b}[31m",
            "\u{a0}",
            "\u{d7ff}\u{e000}",
            "\u{fffe}",
        ];
        for text in texts {
            // Long enough for whole blocks, with the odd one out anywhere.
            for at in [0, 63, 64, 130] {
                let long = format!("{}{text}{}", "a".repeat(at), "b".repeat(70));
                let expected = long
                    .chars()
                    .all(|c| c != '\u{feff}' && (c == '\n' || printable(c)));
                assert_eq!(in_plain_printable(&long), expected, "{text:?} at {at}");
            }
        }
    }

    #[test]
    fn lines_are_cut_as_split_cuts_them() {
        for text in [
            "",
            "\n",
            "a",
            "a\n",
            "\n\nb",
            "ab\ncd\n\nef",
            &"x\n".repeat(100),
        ] {
            assert_eq!(
                lines(text),
                text.split('\n').collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn reads_the_block_subset() {
        let text = "schema: 1\nid: T-7FQ2M9KD3A\ntitle: \"a: b\"\nflag: true\ncustomer:\n  name: Acme\nevents:\n- type: note\n  at: 2026-11-20T09:14:00Z\n  text: |-\n    one\n\n    two\n  codes:\n  - E1\n  - 'it''s'\n";
        let v = json(parse(text).unwrap());
        assert_eq!(v["schema"], 1);
        assert_eq!(v["title"], "a: b");
        assert_eq!(v["flag"], true);
        assert_eq!(v["customer"]["name"], "Acme");
        assert_eq!(v["events"][0]["text"], "one\n\ntwo");
        assert_eq!(v["events"][0]["codes"][1], "it's");
        assert_eq!(v["events"][0]["at"], "2026-11-20T09:14:00Z");
    }

    #[test]
    fn a_leading_modeline_stays_on_the_fast_path() {
        let v = json(
            parse("# yaml-language-server: $schema=../.tkt/schema/ticket.schema.json\nschema: 1\n")
                .expect("the fast reader takes it"),
        );
        assert_eq!(v["schema"], 1);
    }

    #[test]
    fn gives_up_on_everything_else() {
        for text in [
            "a: [1, 2]\n",
            "a: &x b\n",
            "a: *x\n",
            "a: !tag b\n",
            "a: >\n  folded\n",
            "a: b # comment\n",
            "a: b\n  continued\n",
            "a: 1.5\n",
            "a: 0x1F\n",
            "a: ~\n",
            "a: Null\n",
            "a: True\n",
            "a:\n",
            "a: b\na: c\n",
            "a:\r\n",
            "- a\n",
            "a: \"unterminated\n",
            "a: 012\n",
            "a:  b\n",
            "a:\n-  x\n",
            "a: -1\n",
            "a: -0x1F\n",
            "a: x\u{7f}y\n",
            "a: \"x\u{9c}\"\n",
            "a: b\tc\n",
            // Found by fuzzing: saphyr refuses a BOM that starts a token.
            "a: \u{feff}\n",
            "a:\n- \u{feff}b\n",
            "a: b\u{feff}\n",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
