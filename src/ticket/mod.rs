//! The ticket file: a header (what was known at open) and an append-only list
//! of events. Nothing derived is stored; see `workflow` for the replay.
//!
//! Field order in these types is the key order on disk, so it is part of the
//! format (docs/format.md).

pub mod file;
mod notices;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::TicketId;
use crate::time::Timestamp;

pub use notices::DeliveryFacts;

/// The version of the ticket format this build reads and writes.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub schema: u32,
    pub id: TicketId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Customer::is_empty")]
    pub customer: Customer,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub impact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Customer {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub contact: String,
}

impl Customer {
    pub fn is_empty(&self) -> bool {
        self.name.is_empty() && self.contact.is_empty()
    }
}

/// Parts of a post-escalation review.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewPart {
    Assessment,
    Feedback,
    Lessons,
    ActionItems,
}

impl ReviewPart {
    /// The name on disk and in the policy: `action-items`.
    pub fn name(self) -> &'static str {
        match self {
            ReviewPart::Assessment => "assessment",
            ReviewPart::Feedback => "feedback",
            ReviewPart::Lessons => "lessons",
            ReviewPart::ActionItems => "action-items",
        }
    }
}

/// The troubleshooting checklist of the SOP, in its order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosisStep {
    Identify,
    Analyze,
    Test,
    Document,
    Correct,
}

impl DiagnosisStep {
    pub const ALL: [DiagnosisStep; 5] = [
        DiagnosisStep::Identify,
        DiagnosisStep::Analyze,
        DiagnosisStep::Test,
        DiagnosisStep::Document,
        DiagnosisStep::Correct,
    ];

    /// The name on disk and on the command line: `analyze`.
    pub fn name(self) -> &'static str {
        match self {
            DiagnosisStep::Identify => "identify",
            DiagnosisStep::Analyze => "analyze",
            DiagnosisStep::Test => "test",
            DiagnosisStep::Document => "document",
            DiagnosisStep::Correct => "correct",
        }
    }

    /// What the SOP's checklist calls the stage.
    pub fn meaning(self) -> &'static str {
        match self {
            DiagnosisStep::Identify => "initial problem identification",
            DiagnosisStep::Analyze => "root-cause analysis",
            DiagnosisStep::Test => "testing and verification",
            DiagnosisStep::Document => "documentation of findings",
            DiagnosisStep::Correct => "corrective action",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogExcerpt {
    pub name: String,
    pub text: String,
}

/// Evidence stored beside the tickets, under
/// `attachments/<ticket-id>/<sha256>-<name>`, and referenced from an event
/// by name, size and hash, so the ticket file stays small however large the
/// evidence. The hash names the content: the same file attached twice is
/// stored once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// A bare, safe file name (letters, digits, `.`, `_`, `-`).
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
}

impl Attachment {
    /// The stored file's name: `<sha256>-<name>`.
    pub fn file_name(&self) -> String {
        format!("{}-{}", self.sha256, self.name)
    }

    /// `path`'s last component reduced to a bare, safe file name: letters,
    /// digits, `.`, `_` and `-` kept, anything else `_`, no leading dot, at
    /// most 100 characters; `file` when nothing is left.
    pub fn safe_name(path: &str) -> String {
        let last = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let mut name: String = last
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .take(100)
            .collect();
        while name.starts_with('.') {
            name.remove(0);
        }
        if name.is_empty() || name.chars().all(|c| c == '_') {
            "file".to_string()
        } else {
            name
        }
    }

    /// Whether the reference is well-formed: a safe name and a 64-digit
    /// lower-case hex hash (a hand edit could write anything).
    pub fn is_well_formed(&self) -> bool {
        Attachment::safe_name(&self.name) == self.name
            && self.sha256.len() == 64
            && self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// Header facts learned after open are recorded as `amended` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AmendedField {
    Title,
    Description,
    Impact,
    Contact,
    Customer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    Email,
    Phone,
    Portal,
    Chat,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeKind {
    Acknowledgement,
    Update,
    Resolution,
}

/// What kind of mail a customer sent back (`customer-replied`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReplyKind {
    /// Written by a person: it ends a wait on the customer.
    Reply,
    /// An automatic answer (out of office, `Auto-Submitted`): recorded,
    /// never resumes anything.
    AutoReply,
    /// A delivery status notification: the notice did not arrive.
    Bounce,
}

impl ReplyKind {
    /// The name on disk: `auto-reply`.
    pub fn name(self) -> &'static str {
        match self {
            ReplyKind::Reply => "reply",
            ReplyKind::AutoReply => "auto-reply",
            ReplyKind::Bounce => "bounce",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    pub text: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    #[schemars(with = "String", regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub due: NaiveDate,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// One entry of a ticket's history. Every variant carries `at` (when it
/// happened) and `by` (who recorded it); `type` names the variant on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Event {
    Opened {
        at: Timestamp,
        by: String,
        severity: String,
        level: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
        #[serde(default, skip_serializing_if = "is_false")]
        repeated_outage: bool,
    },
    Note {
        at: Timestamp,
        by: String,
        text: String,
    },
    Amended {
        at: Timestamp,
        by: String,
        field: AmendedField,
        text: String,
    },
    Diagnosed {
        at: Timestamp,
        by: String,
        step: DiagnosisStep,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        error_codes: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        logs: Vec<LogExcerpt>,
        /// Logs too large to keep inline, stored in full.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
    Flagged {
        at: Timestamp,
        by: String,
        repeated_outage: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    SeverityChanged {
        at: Timestamp,
        by: String,
        to: String,
        reason: String,
    },
    Escalated {
        at: Timestamp,
        by: String,
        to: String,
        reason: String,
        /// Who takes it at the new level (the person on call, or named).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee: Option<String>,
    },
    Assigned {
        at: Timestamp,
        by: String,
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Notified {
        at: Timestamp,
        by: String,
        channel: Channel,
        kind: NoticeKind,
        message: String,
        /// Who else gets the notice when it is mailed, besides the
        /// customer contact.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        cc: Vec<String>,
    },
    Paused {
        at: Timestamp,
        by: String,
        reason: String,
    },
    Resumed {
        at: Timestamp,
        by: String,
    },
    Involved {
        at: Timestamp,
        by: String,
        team: String,
        request: String,
    },
    Answered {
        at: Timestamp,
        by: String,
        team: String,
        text: String,
    },
    Resolved {
        at: Timestamp,
        by: String,
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        root_cause: Option<String>,
    },
    /// Closure approved: recorded by the approver themselves.
    Approved {
        at: Timestamp,
        by: String,
        text: String,
    },
    Closed {
        at: Timestamp,
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirmed_by: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        no_confirmation: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        approved_by: Option<String>,
        /// Why it was closed with requests to other teams unanswered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        forced: Option<String>,
    },
    Reopened {
        at: Timestamp,
        by: String,
        reason: String,
    },
    /// A correction: the replay ignores the event `event` names (by its
    /// [`Event::reference`]) from this event's instant on. The voided event
    /// stays in the file.
    Voided {
        at: Timestamp,
        by: String,
        event: String,
        reason: String,
    },
    /// Evidence that is not a log: screenshots, dumps, exports.
    Attached {
        at: Timestamp,
        by: String,
        files: Vec<Attachment>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    Reviewed {
        at: Timestamp,
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        went_well: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        went_poorly: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        satisfaction: Option<u8>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer_feedback: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lessons: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        action_items: Vec<ActionItem>,
    },
    /// A review action item is done: `item` is `REF#N`, the review's
    /// reference and the item's position there (from 1).
    ActionDone {
        at: Timestamp,
        by: String,
        item: String,
        text: String,
    },
    /// A notice reached a delivery channel: `of` is the reference of the
    /// `notified` event delivered, `to` the recipient, `message_id` the
    /// key the receiver can recognise a repeat by.
    Delivered {
        at: Timestamp,
        by: String,
        of: String,
        channel: String,
        to: String,
        message_id: String,
        attempt: u32,
    },
    /// An attempt to deliver the notice `of` names failed; a later run
    /// tries again, up to the channels' limit.
    DeliveryFailed {
        at: Timestamp,
        by: String,
        of: String,
        channel: String,
        to: String,
        attempt: u32,
        error: String,
    },
    /// Mail from the customer threaded into the ticket (`ingest`): `at` is
    /// when it was received, `from` the sender, `message_id` the key a
    /// second copy is recognised by. A `reply` ends a pause for one of the
    /// policy's `[pause] customer` reasons.
    CustomerReplied {
        at: Timestamp,
        by: String,
        from: String,
        message_id: String,
        kind: ReplyKind,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        subject: String,
        /// The new text: quoted history and signature trimmed.
        text: String,
        /// The reference of the `notified` event the mail answers, when
        /// it names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        of: Option<String>,
        /// The `Date:` header as the sender wrote it (information only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        date: Option<String>,
        /// The whole message (`message.eml`) and its attachments.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        attachments: Vec<Attachment>,
    },
}

/// Expands to a match that binds the `at` and `by` every variant carries.
macro_rules! each_variant {
    ($event:expr, $at:ident, $by:ident => $body:expr) => {
        match $event {
            Event::Opened {
                at: $at, by: $by, ..
            }
            | Event::Note {
                at: $at, by: $by, ..
            }
            | Event::Amended {
                at: $at, by: $by, ..
            }
            | Event::Diagnosed {
                at: $at, by: $by, ..
            }
            | Event::Flagged {
                at: $at, by: $by, ..
            }
            | Event::SeverityChanged {
                at: $at, by: $by, ..
            }
            | Event::Escalated {
                at: $at, by: $by, ..
            }
            | Event::Assigned {
                at: $at, by: $by, ..
            }
            | Event::Notified {
                at: $at, by: $by, ..
            }
            | Event::Paused {
                at: $at, by: $by, ..
            }
            | Event::Resumed {
                at: $at, by: $by, ..
            }
            | Event::Involved {
                at: $at, by: $by, ..
            }
            | Event::Answered {
                at: $at, by: $by, ..
            }
            | Event::Resolved {
                at: $at, by: $by, ..
            }
            | Event::Approved {
                at: $at, by: $by, ..
            }
            | Event::Closed {
                at: $at, by: $by, ..
            }
            | Event::Reopened {
                at: $at, by: $by, ..
            }
            | Event::Reviewed {
                at: $at, by: $by, ..
            }
            | Event::ActionDone {
                at: $at, by: $by, ..
            }
            | Event::Attached {
                at: $at, by: $by, ..
            }
            | Event::Voided {
                at: $at, by: $by, ..
            }
            | Event::Delivered {
                at: $at, by: $by, ..
            }
            | Event::DeliveryFailed {
                at: $at, by: $by, ..
            }
            | Event::CustomerReplied {
                at: $at, by: $by, ..
            } => $body,
        }
    };
}

impl Event {
    pub fn at(&self) -> Timestamp {
        each_variant!(self, at, _by => *at)
    }

    pub fn by(&self) -> &str {
        each_variant!(self, _at, by => by.as_str())
    }

    /// The `type` as written on disk.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Opened { .. } => "opened",
            Event::Note { .. } => "note",
            Event::Amended { .. } => "amended",
            Event::Diagnosed { .. } => "diagnosed",
            Event::Flagged { .. } => "flagged",
            Event::SeverityChanged { .. } => "severity-changed",
            Event::Escalated { .. } => "escalated",
            Event::Assigned { .. } => "assigned",
            Event::Notified { .. } => "notified",
            Event::Paused { .. } => "paused",
            Event::Resumed { .. } => "resumed",
            Event::Involved { .. } => "involved",
            Event::Answered { .. } => "answered",
            Event::Resolved { .. } => "resolved",
            Event::Approved { .. } => "approved",
            Event::Closed { .. } => "closed",
            Event::Reopened { .. } => "reopened",
            Event::Reviewed { .. } => "reviewed",
            Event::ActionDone { .. } => "action-done",
            Event::Attached { .. } => "attached",
            Event::Voided { .. } => "voided",
            Event::Delivered { .. } => "delivered",
            Event::DeliveryFailed { .. } => "delivery-failed",
            Event::CustomerReplied { .. } => "customer-replied",
        }
    }
}

impl Event {
    /// Every free text the event holds (messages, reasons, summaries,
    /// results, error codes, log excerpts, review texts), for searching.
    pub fn texts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        match self {
            Event::Opened { .. } | Event::Resumed { .. } | Event::Delivered { .. } => {}
            Event::DeliveryFailed { error, .. } => out.push(error),
            Event::CustomerReplied { subject, text, .. } => {
                out.push(subject);
                out.push(text);
            }
            Event::Note { text, .. }
            | Event::Amended { text, .. }
            | Event::Answered { text, .. }
            | Event::Approved { text, .. }
            | Event::ActionDone { text, .. } => out.push(text),
            Event::Diagnosed {
                text,
                result,
                error_codes,
                logs,
                ..
            } => {
                out.push(text);
                out.extend(result.as_deref());
                out.extend(error_codes.iter().map(String::as_str));
                out.extend(logs.iter().map(|l| l.text.as_str()));
            }
            Event::Flagged { reason, .. } => out.extend(reason.as_deref()),
            Event::SeverityChanged { reason, .. }
            | Event::Escalated { reason, .. }
            | Event::Paused { reason, .. }
            | Event::Reopened { reason, .. }
            | Event::Voided { reason, .. } => out.push(reason),
            Event::Assigned { note, .. } | Event::Attached { note, .. } => {
                out.extend(note.as_deref())
            }
            Event::Notified { message, .. } => out.push(message),
            Event::Involved { request, .. } => out.push(request),
            Event::Resolved {
                summary,
                root_cause,
                ..
            } => {
                out.push(summary);
                out.extend(root_cause.as_deref());
            }
            Event::Closed {
                confirmed_by,
                no_confirmation,
                forced,
                ..
            } => {
                out.extend(confirmed_by.as_deref());
                out.extend(no_confirmation.as_deref());
                out.extend(forced.as_deref());
            }
            Event::Reviewed {
                went_well,
                went_poorly,
                customer_feedback,
                lessons,
                action_items,
                ..
            } => {
                out.extend(went_well.as_deref());
                out.extend(went_poorly.as_deref());
                out.extend(customer_feedback.as_deref());
                out.extend(lessons.as_deref());
                out.extend(action_items.iter().map(|a| a.text.as_str()));
            }
        }
        out
    }

    /// The review parts a `reviewed` event records (none for other events).
    pub fn review_parts(&self) -> Vec<ReviewPart> {
        let Event::Reviewed {
            went_well,
            went_poorly,
            satisfaction,
            customer_feedback,
            lessons,
            action_items,
            ..
        } = self
        else {
            return Vec::new();
        };
        let mut parts = Vec::new();
        if went_well.is_some() || went_poorly.is_some() {
            parts.push(ReviewPart::Assessment);
        }
        if satisfaction.is_some() || customer_feedback.is_some() {
            parts.push(ReviewPart::Feedback);
        }
        if lessons.is_some() {
            parts.push(ReviewPart::Lessons);
        }
        if !action_items.is_empty() {
            parts.push(ReviewPart::ActionItems);
        }
        parts
    }
}

/// How many hex digits of an event's hash make its reference.
pub const REFERENCE_LEN: usize = 10;

/// The first [`REFERENCE_LEN`] hex digits of the SHA-256 of `text`.
fn digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(text.as_bytes())[..REFERENCE_LEN / 2])
}

/// `bytes` as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `bytes`, lower-case hex: the name of stored content
/// (attachments, quarantined mail).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

impl Event {
    /// The event's stable reference: the first [`REFERENCE_LEN`] hex
    /// digits of the SHA-256 of its canonical form. It names the event
    /// whatever its position (merges and late logging reorder files), and
    /// the same fact recorded twice has the same reference.
    pub fn reference(&self) -> String {
        // Serializing our own plain data types cannot fail.
        digest(&serde_json::to_string(self).expect("event serializes"))
    }

    /// The attachments an event references.
    pub fn attachments(&self) -> &[Attachment] {
        match self {
            Event::Diagnosed { attachments, .. } => attachments,
            Event::Attached { files, .. } => files,
            Event::CustomerReplied { attachments, .. } => attachments,
            _ => &[],
        }
    }
}

impl Ticket {
    /// Every event's [reference](Event::reference), in file order. The same
    /// fact recorded twice (identical events) gets distinct references: the
    /// second and later copies are hashed with their occurrence number, so a
    /// correction can name one of them.
    pub fn references(&self) -> Vec<String> {
        let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        self.events
            .iter()
            .map(|event| {
                let first = event.reference();
                let count = seen.entry(first.clone()).or_insert(0);
                *count += 1;
                if *count == 1 {
                    first
                } else {
                    digest(&format!("{first}#{count}"))
                }
            })
            .collect()
    }

    /// When the ticket was opened: its first event's time.
    pub fn opened_at(&self) -> Option<Timestamp> {
        self.events.first().map(Event::at)
    }

    /// The time of its latest event, whatever the file order: from this
    /// instant on, what its events say no longer changes with the instant
    /// asked.
    pub fn latest_at(&self) -> Option<Timestamp> {
        self.events.iter().map(Event::at).max()
    }
}

/// The JSON Schema of a ticket file (see `crate::schema`).
pub fn schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(Ticket);
    schema.insert("title".into(), "A tkt ticket file".into());
    schema.insert(
        "description".into(),
        "One ticket: a header and its append-only events (docs/format.md). Generated from tkt's types."
            .into(),
    );
    schema
}
