//! Untrusted text made safe to print: every title, name, note, message,
//! file name and policy name comes from a file, an argument or the
//! environment, and may hold what a terminal or a CI log would obey.
//!
//! - **Controls are shown, not sent.** C0 (U+0000–U+001F), DEL, C1
//!   (U+0080–U+009F), the bidirectional controls (U+202A–U+202E,
//!   U+2066–U+2069, the marks U+200E, U+200F, U+061C) and the line and
//!   paragraph separators U+2028, U+2029 are written as `\n`, `\r`, `\t`
//!   or `\u{1b}`. A screen clear, an OSC 52 clipboard write, an OSC 8
//!   link, a bell or a right-to-left override reaches the reader as text.
//! - **No CI command starts in our output.** GitHub Actions obeys a line
//!   that starts with `::` after whitespace, and `##[` anywhere in a line
//!   (the v1 syntax); Azure Pipelines obeys `##vso[` anywhere. The first
//!   character of each is escaped (`\u{3a}:`, `\u{23}#[`).
//!
//! [`line`] is for single-line fields (a newline is shown as `\n`);
//! [`block`] for bodies, where `\n` stays a line break (the caller
//! indents the lines). Both return the text borrowed when nothing needs
//! escaping, and both are idempotent: their output contains nothing they
//! would escape. JSON output does not use this module: serde_json escapes
//! controls itself and tools get the exact text.
//!
//! Pure: no I/O. HTML, CSV, mail and chat output are meant to build on it.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is shown escaped: C0 and C1 controls, DEL, bidirectional
/// controls and marks, and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// `c` as it is shown: `\n`, `\r`, `\t`, else `\u{HEX}` (lower case, as
/// Rust writes it).
pub fn escape_char(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// A single-line field (title, name, reason, file name, error message)
/// safe to print: controls escaped, a newline shown as `\n`, no CI
/// command prefix left.
pub fn line(text: &str) -> Cow<'_, str> {
    if is_clean(text, false) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(escape(text, false))
    }
}

/// A multi-line body (description, note, notice) safe to print: as
/// [`line`], except that `\n` stays a line break (a lone `\r`, and the `\r`
/// of `\r\n`, are escaped) and no line of it can start a CI command.
/// Print its lines indented, so that none starts at column 0.
pub fn block(text: &str) -> Cow<'_, str> {
    if is_clean(text, true) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(escape(text, true))
    }
}

/// Whether a line would start a GitHub workflow command: `::` after
/// whitespace (the runner trims every Unicode space).
fn starts_command(line: &str) -> bool {
    line.trim_start_matches(|c: char| c.is_whitespace() && !is_unsafe(c))
        .starts_with("::")
}

/// `##[` (GitHub's v1 commands) or `##vso[` (Azure's), which both
/// runners find anywhere in a line.
fn has_anywhere_command(text: &str) -> bool {
    // Most text has no `##` at all: one pass over its bytes says so (a
    // substring search costs more to set up than a short cell takes).
    let hashes = text.as_bytes().windows(2).any(|w| w == b"##");
    hashes && (text.contains("##[") || text.contains("##vso["))
}

/// Whether `bytes` are printable ASCII holding no `##` and starting with
/// neither a space nor `:`: clean whatever the field, and so most text.
/// One pass over every byte without stopping early, which the compiler
/// does many bytes at a time (a cell is a few tens of bytes).
fn is_plain(bytes: &[u8]) -> bool {
    let outside = bytes
        .iter()
        .fold(false, |any, &b| any | (b.wrapping_sub(0x20) >= 0x5f));
    let hashes = bytes
        .iter()
        .zip(bytes.get(1..).unwrap_or_default())
        .fold(false, |any, (&a, &b)| any | ((a == b'#') & (b == b'#')));
    !outside && !hashes && !matches!(bytes.first(), Some(b' ' | b':'))
}

fn is_clean(text: &str, keep_newline: bool) -> bool {
    is_plain(text.as_bytes()) || obeys_rules(text, keep_newline)
}

/// Whether `text` holds nothing [`line`] (or, keeping newlines, [`block`])
/// escapes: the rules themselves, for text that is not plain.
fn obeys_rules(text: &str, keep_newline: bool) -> bool {
    let controls_free = if text.is_ascii() {
        // Printable ASCII is 0x20..0x7f: one comparison a byte.
        let printable = |b: u8| b.wrapping_sub(0x20) < 0x5f;
        if keep_newline {
            text.bytes().all(|b| printable(b) || b == b'\n')
        } else {
            text.bytes().all(printable)
        }
    } else {
        text.chars()
            .all(|c| !is_unsafe(c) || (keep_newline && c == '\n'))
    };
    if !controls_free || has_anywhere_command(text) {
        return false;
    }
    if keep_newline {
        !text.split('\n').any(starts_command)
    } else {
        !starts_command(text)
    }
}

fn escape(text: &str, keep_newline: bool) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    // Only whitespace so far on the current output line.
    let mut line_start = true;
    for (i, c) in text.char_indices() {
        if keep_newline && c == '\n' {
            out.push('\n');
            line_start = true;
            continue;
        }
        if is_unsafe(c) {
            escape_char(c, &mut out);
            line_start = false;
            continue;
        }
        let rest = &text[i..];
        if (c == ':' && line_start && rest.starts_with("::"))
            || (c == '#' && (rest.starts_with("##[") || rest.starts_with("##vso[")))
        {
            escape_char(c, &mut out);
            line_start = false;
            continue;
        }
        if !c.is_whitespace() {
            line_start = false;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn borrowed(c: Cow<'_, str>) -> bool {
        matches!(c, Cow::Borrowed(_))
    }

    #[test]
    fn controls_are_shown_escaped() {
        assert_eq!(line("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(line("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(line("x\u{7}\u{7f}\u{9b}1m"), "x\\u{7}\\u{7f}\\u{9b}1m");
        assert_eq!(line("\u{202e}txt.exe"), "\\u{202e}txt.exe");
        assert_eq!(line("\u{1b}]52;c;aGk=\u{7}"), "\\u{1b}]52;c;aGk=\\u{7}");
        assert_eq!(
            line("\u{200e}\u{200f}\u{61c}\u{2066}\u{2069}\u{2028}"),
            "\\u{200e}\\u{200f}\\u{61c}\\u{2066}\\u{2069}\\u{2028}"
        );
        assert_eq!(line("\u{0}"), "\\u{0}");
    }

    #[test]
    fn safe_text_is_borrowed_unchanged() {
        for text in [
            "",
            "Checkout returns 502",
            "Ünïcödé — “quotes” · 日本語 ✓",
            "a # b ## c #[ d",
            "ratio 1:2 and a::b",
            "C:\\path\\n is two characters",
        ] {
            assert!(borrowed(line(text)), "{text:?}");
            assert!(borrowed(block(text)), "{text:?}");
        }
        let body = "first line\nsecond line\n\n  indented";
        assert!(borrowed(block(body)));
        assert_eq!(line(body), "first line\\nsecond line\\n\\n  indented");
    }

    #[test]
    fn a_block_keeps_line_breaks_but_escapes_carriage_returns() {
        assert_eq!(block("a\nb"), "a\nb");
        assert_eq!(block("a\r\nb\rc"), "a\\r\nb\\rc");
        assert_eq!(block("tab\there"), "tab\\there");
    }

    #[test]
    fn no_line_starts_a_ci_command() {
        assert_eq!(line("::error file=x::spoof"), "\\u{3a}:error file=x::spoof");
        assert_eq!(line("  ::warning::x"), "  \\u{3a}:warning::x");
        assert_eq!(line("\u{a0}\u{3000}::x"), "\u{a0}\u{3000}\\u{3a}:x");
        assert_eq!(
            block("ok\n::error file=x::spoof\n \t::debug::y"),
            "ok\n\\u{3a}:error file=x::spoof\n \\t::debug::y"
        );
        // GitHub's v1 syntax and Azure's are obeyed anywhere in a line.
        assert_eq!(line("a ##[error]b"), "a \\u{23}#[error]b");
        assert_eq!(
            line("a ##vso[task.complete]"),
            "a \\u{23}#vso[task.complete]"
        );
        assert_eq!(line("###[x"), "#\\u{23}#[x");
        assert_eq!(block("x\n##[group]y"), "x\n\\u{23}#[group]y");
        // `::` inside a line is not a command.
        assert!(borrowed(line("see a::b")));
        assert!(borrowed(block("see\na::b")));
    }

    #[test]
    fn escaping_twice_changes_nothing() {
        for text in ["a\u{1b}b", "::x", "##[x", "a\nb", "\u{202e}"] {
            let once = line(text).into_owned();
            assert!(borrowed(line(&once)), "{once:?}");
            let once = block(text).into_owned();
            assert!(borrowed(block(&once)), "{once:?}");
        }
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Text rich in what gets escaped.
        fn hostile() -> impl Strategy<Value = String> {
            proptest::collection::vec(
                prop_oneof![
                    any::<char>(),
                    Just('\n'),
                    Just('\r'),
                    Just('\u{1b}'),
                    Just('\u{9b}'),
                    Just('\u{202e}'),
                    Just('#'),
                    Just(':'),
                    Just('['),
                    Just(' '),
                    Just('\u{a0}'),
                    Just('v'),
                ],
                0..40,
            )
            .prop_map(|cs| cs.into_iter().collect())
        }

        fn line_is_safe(l: &str) -> bool {
            !l.chars().any(is_unsafe) && !has_anywhere_command(l) && !starts_command(l)
        }

        proptest! {
            #[test]
            fn output_holds_nothing_unsafe(text in hostile()) {
                let l = line(&text);
                prop_assert!(line_is_safe(&l), "{l:?}");
                let b = block(&text);
                for each in b.split('\n') {
                    prop_assert!(line_is_safe(each), "{b:?}");
                }
                prop_assert_eq!(b.matches('\n').count(), text.matches('\n').count());
            }

            #[test]
            fn borrowed_exactly_when_unchanged(text in hostile()) {
                for out in [line(&text), block(&text)] {
                    match out {
                        Cow::Borrowed(b) => prop_assert_eq!(b, text.as_str()),
                        Cow::Owned(o) => prop_assert_ne!(o, text.clone()),
                    }
                }
            }

            /// Plain text is clean by the rules, whichever the field.
            #[test]
            fn plain_text_obeys_the_rules(text in "[ -~]{0,40}|[ #:\\[a-z]{0,12}") {
                if is_plain(text.as_bytes()) {
                    prop_assert!(obeys_rules(&text, false), "{text:?}");
                    prop_assert!(obeys_rules(&text, true), "{text:?}");
                }
            }

            #[test]
            fn safe_text_is_unchanged(text in "[a-zA-Z0-9 .,;:!?()\"'/@#<>|_{}-]{0,40}") {
                prop_assume!(!has_anywhere_command(&text) && !starts_command(&text));
                let l = line(&text);
                prop_assert!(matches!(l, Cow::Borrowed(_)));
                prop_assert_eq!(l, text.as_str());
            }

            #[test]
            fn idempotent(text in hostile()) {
                let once = line(&text).into_owned();
                prop_assert!(matches!(line(&once), Cow::Borrowed(_)));
                let once = block(&text).into_owned();
                prop_assert!(matches!(block(&once), Cow::Borrowed(_)));
            }

            /// A control never vanishes: the text with it escapes to
            /// something else than the text without it.
            #[test]
            fn a_control_never_disappears(
                text in hostile(),
                at in any::<prop::sample::Index>(),
                c in prop_oneof![
                    (0u32..0x20).prop_map(|n| char::from_u32(n).unwrap()),
                    (0x7fu32..0xa0).prop_map(|n| char::from_u32(n).unwrap()),
                    (0x202au32..0x202f).prop_map(|n| char::from_u32(n).unwrap()),
                    (0x2066u32..0x206a).prop_map(|n| char::from_u32(n).unwrap()),
                ],
            ) {
                let chars: Vec<char> = text.chars().collect();
                let i = at.index(chars.len() + 1);
                let mut with: Vec<char> = chars.clone();
                with.insert(i, c);
                let with: String = with.into_iter().collect();
                prop_assert_ne!(line(&with), line(&text));
                prop_assert_ne!(block(&with), block(&text));
            }
        }
    }
}
