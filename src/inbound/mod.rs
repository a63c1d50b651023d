//! Inbound mail: one RFC 5322 message read into what a ticket records
//! ([`Mail`]), and where it belongs ([`route`]). Pure: the command reads
//! stdin, an mbox or a Maildir, looks tickets up and writes; this module
//! only parses (with `mail-parser`), classifies and trims.
//!
//! A message is refused ([`Refused`], then quarantined by the command)
//! when it is too large, has headers past their limits, has no usable
//! sender, or carries line breaks or controls in a header that names
//! anything (header injection). Nothing a message says is trusted beyond
//! what [`route`] checks against the ticket.

mod record;
mod route;
mod trim;

#[cfg(test)]
mod tests;

use mail_parser::{HeaderValue, MessageParser, MimeHeaders, PartType};

pub use record::{ended_a_wait, place_reply, received_at};
pub use route::{Decision, Known, cited_reply, has_message, route, sent_by_tkt};
pub use trim::trim;

use std::path::PathBuf;

use crate::id::TicketId;
use crate::ticket::{Event, ReplyKind};
use crate::time::Timestamp;

/// The largest message read (bytes); larger ones are refused.
pub const MAX_MESSAGE_BYTES: usize = 32 << 20;
/// The largest header block (bytes before the first empty line).
pub const MAX_HEADER_BYTES: usize = 256 << 10;
/// At most this many header fields.
pub const MAX_HEADERS: usize = 1000;
/// The longest text kept in an event (characters); the whole message is
/// stored beside it anyway.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The longest sender address, `Message-ID` or subject kept (the line
/// length RFC 5322 allows).
pub const MAX_FIELD_CHARS: usize = 998;
/// At most this many of `In-Reply-To` and `References` are followed.
pub const MAX_THREAD_IDS: usize = 100;
/// At most this many lines that open a MIME part (`--…`) are read.
pub const MAX_PARTS: usize = 10_000;
/// At most this many lines that look like header fields, in all parts.
pub const MAX_FIELD_LINES: usize = 50_000;
/// At most this many attachments are stored from one message.
pub const MAX_ATTACHMENTS: usize = 20;

/// Why a message cannot be recorded: shown to the operator, kept with the
/// quarantined copy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the message is over the {MAX_MESSAGE_BYTES}-byte limit (only its beginning is kept)")]
    TooLarge,
    #[error("the message is empty")]
    Empty,
    #[error("the header block is over {MAX_HEADER_BYTES} bytes or {MAX_HEADERS} fields")]
    HugeHeaders,
    #[error("not a mail message (no header fields could be read)")]
    Malformed,
    #[error("no sender: the From header holds no mail address")]
    NoSender,
    #[error("the {0} header carries a line break or control character (header injection)")]
    Injection(&'static str),
    #[error("the {0} header is longer than {MAX_FIELD_CHARS} characters")]
    Oversized(&'static str),
    #[error(
        "more than {MAX_PARTS} MIME parts or {MAX_FIELD_LINES} header-like lines: too complex to read"
    )]
    TooComplex,
    #[error("more than one sender (From) in one message")]
    AmbiguousSender,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Ingested {
    Replied {
        id: TicketId,
        event: Event,
        /// It ended the ticket's wait on the customer.
        resumed: bool,
    },
    Opened {
        id: TicketId,
        event: Event,
    },
    Duplicate {
        id: TicketId,
        message_id: String,
    },
    Quarantined {
        reason: String,
        path: PathBuf,
    },
    /// Nothing kept: the operator (or the mail system) should try again.
    Failed {
        error: String,
    },
}

/// A file that came with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// A bare, safe file name.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One message as tkt reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// The sender's address, lower case.
    pub from: String,
    pub subject: String,
    /// `<id@host>`, with angle brackets; for a message without one, a
    /// stand-in made from its SHA-256 so a second copy is still known.
    pub message_id: String,
    /// `In-Reply-To` then `References`, newest first, with brackets.
    pub replies_to: Vec<String>,
    /// The `Date:` header as written.
    pub date: Option<String>,
    /// When the receiving server took it: the newest `Received:` header.
    pub received: Option<Timestamp>,
    pub kind: ReplyKind,
    /// The text body (an HTML-only message converted to text), controls
    /// other than line breaks and tabs removed.
    pub text: String,
    pub attachments: Vec<Part>,
    /// Attachments left out: over the size or count limit, as "name (N
    /// bytes)" (the first few), and how many in all.
    pub left_out: Vec<String>,
    pub left_out_count: usize,
    /// For a bounce: the Message-IDs of the returned message, found in the
    /// report.
    pub returned: Vec<String>,
}

/// Reads one message. `max_attachment` caps each stored attachment.
pub fn read(raw: &[u8], max_attachment: u64) -> Result<Mail, Refused> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(Refused::TooLarge);
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Refused::Empty);
    }
    let header_end = header_block_len(raw);
    if header_end > MAX_HEADER_BYTES {
        return Err(Refused::HugeHeaders);
    }
    prescan(raw)?;
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(Refused::Malformed)?;
    if message.headers().len() > MAX_HEADERS {
        return Err(Refused::HugeHeaders);
    }
    if message.headers().is_empty() {
        return Err(Refused::Malformed);
    }

    let senders = message
        .headers()
        .iter()
        .filter(|h| h.name.as_str().eq_ignore_ascii_case("from"))
        .count();
    let addresses = message.from().map_or(0, |a| a.iter().count());
    if senders > 1 || addresses > 1 {
        return Err(Refused::AmbiguousSender);
    }
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .ok_or(Refused::NoSender)?;
    if has_breaks(from) || from.chars().any(is_invisible) {
        return Err(Refused::Injection("From"));
    }
    if from.chars().count() > MAX_FIELD_CHARS {
        return Err(Refused::Oversized("From"));
    }
    let from = from.trim().to_ascii_lowercase();
    if !crate::workflow::gate::is_mail_address(&from) {
        return Err(Refused::NoSender);
    }
    let subject = message.subject().unwrap_or("");
    if subject.contains(['\r', '\n']) {
        return Err(Refused::Injection("Subject"));
    }
    let subject: String = clean(subject)
        .trim()
        .chars()
        .take(MAX_FIELD_CHARS)
        .collect();
    let message_id = match message.message_id() {
        Some(id) if has_breaks(id) || id.contains(char::is_whitespace) => {
            return Err(Refused::Injection("Message-ID"));
        }
        Some(id) if id.chars().count() > MAX_FIELD_CHARS => {
            return Err(Refused::Oversized("Message-ID"));
        }
        Some(id) if !id.trim().is_empty() => format!("<{}>", id.trim()),
        _ => format!("<sha256-{}@tkt.invalid>", crate::ticket::sha256_hex(raw)),
    };
    let mut replies_to = Vec::new();
    for (header, value) in [
        ("In-Reply-To", message.in_reply_to()),
        ("References", message.references()),
    ] {
        let ids = ids(value);
        if ids.iter().any(|id| has_breaks(id)) {
            return Err(Refused::Injection(header));
        }
        // References run oldest first; the newest names the notice.
        for id in ids.into_iter().rev() {
            let id = format!("<{}>", id.trim());
            if !replies_to.contains(&id) && id.chars().count() <= MAX_FIELD_CHARS {
                replies_to.push(id);
            }
        }
    }
    replies_to.truncate(MAX_THREAD_IDS);
    let date = message
        .header_raw("Date")
        .map(|d| clean(d).trim().chars().take(200).collect::<String>())
        .filter(|d| !d.is_empty());
    // The topmost `Received:` is the one the receiving server added; the
    // ones below it come with the message and could say anything.
    let received = message
        .received_all()
        .next()
        .and_then(|r| r.date.as_ref())
        .filter(|d| d.is_valid())
        .and_then(|d| Timestamp::from_unix(d.to_timestamp()));

    let kind = kind(&message, &from, &subject);
    let text = message
        .body_text(0)
        .map(|t| clean(&t).into_owned())
        .unwrap_or_default();
    let returned = if kind == ReplyKind::Bounce {
        let mut ids = returned_ids(raw);
        ids.truncate(MAX_THREAD_IDS);
        ids
    } else {
        Vec::new()
    };

    let mut attachments: Vec<Part> = Vec::new();
    let mut left_out = Vec::new();
    let mut left_out_count = 0;
    for part in message.attachments() {
        let name = part
            .attachment_name()
            .map(str::to_string)
            .unwrap_or_else(|| unnamed(part));
        let name = crate::ticket::Attachment::safe_name(&clean(&name));
        let bytes = part.contents();
        if bytes.len() as u64 > max_attachment || attachments.len() >= MAX_ATTACHMENTS {
            left_out_count += 1;
            if left_out.len() < 5 {
                left_out.push(format!("{name} ({} bytes)", bytes.len()));
            }
            continue;
        }
        attachments.push(Part {
            name,
            bytes: bytes.to_vec(),
        });
    }
    Ok(Mail {
        from,
        subject,
        message_id,
        replies_to,
        date,
        received,
        kind,
        text,
        attachments,
        left_out,
        left_out_count,
        returned,
    })
}

/// A name for an attachment that has none, from its type:
/// `message.eml`, `delivery-status.txt`, `attachment.pdf`.
fn unnamed(part: &mail_parser::MessagePart<'_>) -> String {
    if matches!(part.body, PartType::Message(_)) {
        return "message.eml".to_string();
    }
    let Some(ct) = part.content_type() else {
        return "attachment".to_string();
    };
    let sub = ct.subtype().unwrap_or("bin").to_ascii_lowercase();
    match ct.ctype().to_ascii_lowercase().as_str() {
        "message" if sub == "rfc822" => "message.eml".to_string(),
        "message" | "text" => format!("{sub}.txt"),
        _ => format!("attachment.{sub}"),
    }
}

/// Refuses what would cost the parser far more memory than the message's
/// size: a flood of MIME parts, or of header fields inside the parts.
fn prescan(raw: &[u8]) -> Result<(), Refused> {
    let (mut parts, mut fields) = (0usize, 0usize);
    for line in raw.split(|b| *b == b'\n') {
        if line.starts_with(b"--") {
            parts += 1;
        } else if let Some(colon) = line.iter().position(|b| *b == b':')
            && colon > 0
            && line[..colon]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        {
            fields += 1;
        }
        if parts > MAX_PARTS || fields > MAX_FIELD_LINES {
            return Err(Refused::TooComplex);
        }
    }
    Ok(())
}

/// Bytes up to the first empty line (the whole message when none).
fn header_block_len(raw: &[u8]) -> usize {
    raw.windows(2)
        .position(|w| w == b"\n\n")
        .into_iter()
        .chain(raw.windows(4).position(|w| w == b"\r\n\r\n"))
        .min()
        .unwrap_or(raw.len())
}

fn has_breaks(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Message IDs a header holds (without brackets).
fn ids<'a>(value: &'a HeaderValue<'a>) -> Vec<&'a str> {
    match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(|id| id.as_ref()).collect(),
        _ => Vec::new(),
    }
}

/// Text without controls, but for line breaks and tabs; `\r\n` becomes
/// `\n`.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    let dirty = |c: char| (c.is_control() && c != '\n' && c != '\t') || is_invisible(c);
    if !text.chars().any(dirty) {
        return text.into();
    }
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| !dirty(c))
        .collect::<String>()
        .into()
}

/// Bidirectional controls, zero-width and other invisible format
/// characters (the byte-order mark among them): never wanted in a ticket,
/// and each one a six-byte escape in its file. The zero-width joiner
/// (emoji sequences) stays.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200B}'
            | '\u{200C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// Automatic answers (RFC 3834 and the headers and subjects mail systems
/// use in practice) and delivery status notifications.
fn kind(message: &mail_parser::Message<'_>, from: &str, subject: &str) -> ReplyKind {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    let report = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    let local = from.split('@').next().unwrap_or("");
    let daemon = matches!(local, "mailer-daemon" | "postmaster" | "mail-daemon");
    let lower = subject.to_lowercase();
    let failure_subject = [
        "undelivered mail",
        "undeliverable",
        "delivery status notification (failure)",
        "mail delivery failed",
        "delivery failure",
        "returned mail",
        "failure notice",
    ]
    .iter()
    .any(|p| lower.contains(p));
    if report || (daemon && failure_subject) {
        return ReplyKind::Bounce;
    }
    let auto_submitted = header("Auto-Submitted").is_some_and(|v| !v.starts_with("no"));
    let flagged = ["X-Autoreply", "X-Autorespond", "X-Autoresponder"]
        .iter()
        .any(|h| header(h).is_some_and(|v| !v.is_empty() && v != "no"));
    let precedence = ["Precedence", "X-Precedence"]
        .iter()
        .filter_map(|h| header(h))
        .any(|v| matches!(v.as_str(), "auto_reply" | "bulk" | "junk"));
    let away = [
        "auto:",
        "automatic reply",
        "autoreply",
        "auto-reply",
        "out of office",
        "out of the office",
        "abwesenheitsnotiz",
        "réponse automatique",
        "respuesta automática",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    if auto_submitted || flagged || precedence || away || daemon {
        ReplyKind::AutoReply
    } else {
        ReplyKind::Reply
    }
}

/// The Message-IDs a delivery report quotes of the message it returns
/// (its `Message-ID:` lines), newest-looking first, with brackets.
fn returned_ids(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("message-id") {
            continue;
        }
        let value = value.trim();
        if let Some(id) = value
            .strip_prefix('<')
            .and_then(|v| v.split_once('>'))
            .map(|(id, _)| id)
            .filter(|id| !id.is_empty() && !id.contains(char::is_whitespace))
        {
            let id = format!("<{id}>");
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out
}
