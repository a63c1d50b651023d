//! The new text of a reply: quoted history and the signature trimmed.
//!
//! The rules, in order, over the lines of the text body:
//!
//! 1. Below the customer's own words, the text ends at a reply header the
//!    mail programs put above the history: Outlook's `-----Original
//!    Message-----`, an underscore rule or a `From:` line followed within a
//!    few lines by `Sent:`/`Date:` and `To:`/`Subject:` (and their French,
//!    German, Spanish, Portuguese, Dutch and Italian names), or an
//!    attribution line (`On … wrote:`) that no `>` quotation follows (what
//!    an HTML-only reply turns into).
//! 2. It ends at the signature delimiter (`-- `, or `--` alone) when at
//!    most ten lines follow it, and a trailing "Sent from my phone" line is
//!    dropped.
//! 3. Lines quoted with `>` are dropped, and so is the attribution line
//!    just above them (Gmail and Apple Mail's `On … wrote:`, also when the
//!    mail program wrapped it over two lines, and its usual translations).
//!
//! A header block at the very top is what the customer pasted, not
//! history. A forwarded message (a `---------- Forwarded message
//! ---------` or `Begin forwarded message:` line) is kept: what was
//! forwarded is what the customer wants read. When nothing is left, the
//! text is kept whole: a reply is never recorded empty because it was all
//! quotation.

/// The new text of `text`, at most [`super::MAX_TEXT_CHARS`] characters.
pub fn trim(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = history_start(&lines).unwrap_or(lines.len());
    let signature = (0..end).find(|&i| {
        let line = lines[i];
        (line == "-- " || line.trim_end() == "--")
            && lines[i + 1..end]
                .iter()
                .filter(|l| !l.trim().is_empty())
                .count()
                <= 10
    });
    let end = signature.unwrap_or(end);
    let mut kept: Vec<&str> = Vec::new();
    for &line in &lines[..end] {
        if is_quoted(line) {
            // Drop the attribution line(s) just above the quotation.
            while kept.last().is_some_and(|l| l.trim().is_empty()) {
                kept.pop();
            }
            if kept.last().is_some_and(|l| is_attribution(l)) {
                kept.pop();
            } else if kept.len() >= 2
                && is_attribution(&format!(
                    "{} {}",
                    kept[kept.len() - 2],
                    kept[kept.len() - 1]
                ))
            {
                kept.truncate(kept.len() - 2);
            }
            continue;
        }
        kept.push(line);
    }
    // A lone attribution line at the end (its quotation already cut).
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    if kept.last().is_some_and(|l| is_attribution(l)) {
        kept.pop();
    }
    while kept
        .last()
        .is_some_and(|l| l.trim().is_empty() || is_phone_signature(l))
    {
        kept.pop();
    }
    let mut out = collapse(&kept);
    if out.trim().is_empty() {
        out = collapse(&lines);
    }
    shorten(out)
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// "On Tue, 1 Dec 2026 at 10:00, Ana <ana@example.com> wrote:" and the
/// like (English, French, German, Spanish, Dutch, Portuguese, Italian).
fn is_attribution(line: &str) -> bool {
    let line = line.trim();
    if line.len() > 400 || !line.ends_with(':') {
        return false;
    }
    let lower = line.to_lowercase();
    let says = [
        "wrote",
        "a écrit",
        "schrieb",
        "escribió",
        "schreef",
        "escreveu",
        "ha scritto",
    ]
    .iter()
    .any(|verb| lower.contains(verb));
    let starts = ["on ", "le ", "am ", "el ", "op ", "em ", "il "]
        .iter()
        .any(|s| lower.starts_with(s));
    says && (starts || lower.contains('@'))
}

/// Where the quoted history below a top-posted reply starts, if it does.
fn history_start(lines: &[&str]) -> Option<usize> {
    let mut words_above = false;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let lower = t.to_lowercase();
        // What follows a forward marker is the forwarded message: kept.
        if is_forward_marker(&lower) {
            return None;
        }
        if words_above {
            if lower.contains("original message") && t.starts_with("--") {
                return Some(i);
            }
            if t.len() >= 10 && t.chars().all(|c| c == '_') && header_block_follows(lines, i + 1) {
                return Some(i);
            }
            if header_block_follows(lines, i) {
                return Some(i);
            }
            // An attribution no `>` quotation follows: an HTML reply's
            // history, made text.
            if is_attribution(t) && !quotation_follows(lines, i + 1) {
                return Some(i);
            }
        }
        if !t.is_empty() && !is_quoted(t) {
            words_above = true;
        }
    }
    None
}

/// Gmail's `---------- Forwarded message ---------`, Thunderbird's
/// `-------- Forwarded Message --------`, Apple Mail's `Begin forwarded
/// message:`.
fn is_forward_marker(lower: &str) -> bool {
    (lower.starts_with("--") && lower.contains("forwarded message"))
        || lower == "begin forwarded message:"
}

/// Whether the next line with text is quoted with `>`.
fn quotation_follows(lines: &[&str], from: usize) -> bool {
    lines
        .iter()
        .skip(from)
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| is_quoted(l))
}

/// Whether `lines[at]` starts an Outlook-style header block: `From:` and,
/// within the next four lines, `Sent:` or `Date:`, and `To:` or
/// `Subject:` (or their names in other languages).
fn header_block_follows(lines: &[&str], at: usize) -> bool {
    let field = |line: &str, names: &[&str]| {
        let line = line.trim_start().trim_start_matches('*');
        names.iter().any(|n| {
            line.get(..n.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(n))
        })
    };
    let Some(first) = lines.get(at) else {
        return false;
    };
    if !field(first, &["From:", "Von:", "De :", "De:", "Van:", "Da:"]) {
        return false;
    }
    let next: Vec<&str> = lines.iter().skip(at + 1).take(4).copied().collect();
    next.iter().any(|l| {
        field(
            l,
            &[
                "Sent:",
                "Date:",
                "Gesendet:",
                "Envoyé :",
                "Envoyé:",
                "Date :",
                "Enviado:",
                "Verzonden:",
                "Inviato:",
                "Datum:",
            ],
        )
    }) && next.iter().any(|l| {
        field(
            l,
            &[
                "To:",
                "Subject:",
                "An:",
                "Betreff:",
                "À :",
                "Objet :",
                "Para:",
                "Asunto:",
                "Assunto:",
                "Aan:",
                "Onderwerp:",
                "A:",
                "Oggetto:",
            ],
        )
    })
}

fn is_phone_signature(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    lower.starts_with("sent from my ")
        || lower.starts_with("get outlook for ")
        || lower.starts_with("envoyé de mon ")
        || lower.starts_with("von meinem ")
}

/// The lines joined, trailing spaces cut, runs of blank lines made one,
/// no blank lines at either end.
fn collapse(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        let line = line.trim_end();
        if line.is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
            blank = false;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

fn shorten(text: String) -> String {
    let max = super::MAX_TEXT_CHARS;
    match text.char_indices().nth(max) {
        None => text,
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!(
                "{}\n… ({rest} more characters in message.eml)",
                &text[..cut]
            )
        }
    }
}
