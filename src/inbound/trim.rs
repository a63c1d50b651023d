//! The new text of a reply: quoted history and the signature trimmed.
//!
//! The rules, in order, over the lines of the text body:
//!
//! 1. The text ends at a reply header the mail programs put above the
//!    history: Outlook's `-----Original Message-----`, an underscore rule
//!    or a `From:` line followed within a few lines by `Sent:`/`Date:` and
//!    `To:`/`Subject:`.
//! 2. It ends at the signature delimiter (`-- `), and a trailing "Sent
//!    from my phone" line is dropped.
//! 3. Lines quoted with `>` are dropped, and so is the attribution line
//!    just above them (Gmail and Apple Mail's `On … wrote:`, also when the
//!    mail program wrapped it over two lines, and its usual translations).
//!
//! A forwarded message (`---------- Forwarded message ---------`) is kept:
//! what was forwarded is what the customer wants read. When nothing is
//! left, the text is kept whole: a reply is never recorded empty because
//! it was all quotation.

/// The new text of `text`, at most [`super::MAX_TEXT_CHARS`] characters.
pub fn trim(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = history_start(&lines).unwrap_or(lines.len());
    let mut kept: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < end {
        let line = lines[i];
        if line.trim_end() == "--" || line == "-- " {
            break;
        }
        if is_quoted(line) {
            // Drop the attribution line(s) just above the quotation.
            while let Some(last) = kept.last() {
                if last.trim().is_empty() {
                    kept.pop();
                    continue;
                }
                break;
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
            i += 1;
            continue;
        }
        kept.push(line);
        i += 1;
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
/// like (English, French, German, Spanish, Dutch, Portuguese).
fn is_attribution(line: &str) -> bool {
    let line = line.trim();
    if line.len() > 400 {
        return false;
    }
    let lower = line.to_lowercase();
    let ends = [
        "wrote:",
        "a écrit :",
        "a écrit:",
        "schrieb:",
        "escribió:",
        "schreef:",
        "escreveu:",
    ]
    .iter()
    .any(|e| lower.ends_with(e));
    let starts = ["on ", "le ", "am ", "el ", "op ", "em "]
        .iter()
        .any(|s| lower.starts_with(s));
    ends && (starts || lower.contains('@'))
}

/// Where the quoted history below a top-posted reply starts, if it does.
fn history_start(lines: &[&str]) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let lower = t.to_lowercase();
        // What follows a forward marker is the forwarded message: kept.
        if lower.contains("forwarded message") || lower == "begin forwarded message:" {
            return None;
        }
        if lower.contains("original message") && t.starts_with("--") {
            return Some(i);
        }
        if t.len() >= 10 && t.chars().all(|c| c == '_') && header_block_follows(lines, i + 1) {
            return Some(i);
        }
        if header_block_follows(lines, i) {
            return Some(i);
        }
    }
    None
}

/// Whether `lines[at]` starts an Outlook-style header block: `From:` and,
/// within the next four lines, `Sent:` or `Date:`, and `To:` or
/// `Subject:`.
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
    if !field(first, &["From:", "Von:", "De :", "De:"]) {
        return false;
    }
    let next: Vec<&str> = lines.iter().skip(at + 1).take(4).copied().collect();
    next.iter()
        .any(|l| field(l, &["Sent:", "Date:", "Gesendet:", "Envoyé :", "Enviado:"]))
        && next
            .iter()
            .any(|l| field(l, &["To:", "Subject:", "An:", "Betreff:", "À :", "Objet :"]))
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
