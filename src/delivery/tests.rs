use super::*;
use crate::policy::{DEFAULT_POLICY, Policy};
use crate::ticket::Ticket;
use crate::ticket::file::parse;

const CHANNELS: &str = r#"schema = 1
since = "2026-11-01T00:00:00Z"
max_attempts = 3

[channels.mail]
type = "smtp"
host = "127.0.0.1"
port = 2525
tls = "none"
from = "Support <support@example.com>"

[[routes]]
channel = "mail"
kinds = ["acknowledgement", "resolution"]

[[routes]]
channel = "mail"
severities = ["critical"]

[templates.resolution]
subject = "[{id}] Resolved: {title}"
"#;

fn channels(text: &str) -> Result<Channels, PolicyError> {
    let policy = Policy::parse(DEFAULT_POLICY).unwrap();
    Channels::parse(text, |s| policy.expect_severity(s).map(|_| ()))
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// A medium ticket opened on 2026-11-02 with the given events after it.
fn ticket(severity: &str, contact: &str, events: &str) -> Ticket {
    let text = format!(
        "schema: 1\nid: T-0000000001\ntitle: Checkout fails\ncustomer:\n  name: Acme\n  contact: {contact}\nevents:\n\
- type: opened\n  at: 2026-11-02T09:00:00Z\n  by: ana\n  severity: {severity}\n  level: L1\n{events}"
    );
    parse(text.as_bytes()).unwrap()
}

fn notice(at: &str, kind: &str, channel: &str) -> String {
    format!(
        "- type: notified\n  at: {at}\n  by: ana\n  channel: {channel}\n  kind: {kind}\n  message: We are on it.\n"
    )
}

fn owed_at(c: &Channels, t: &Ticket, now: &str) -> (Vec<(String, u32, String)>, Vec<Undelivered>) {
    let now = at(now);
    let status = crate::workflow::replay_at_without_policy(t, now);
    let (owed, not_now) = outbox(c, t, &status, now);
    (
        owed.into_iter()
            .map(|o| (o.kind.to_string(), o.attempt, o.message.subject))
            .collect(),
        not_now.into_iter().map(|(_, _, u)| u).collect(),
    )
}

#[test]
fn routes_pick_kinds_and_severities() {
    let c = channels(CHANNELS).unwrap();
    assert_eq!(c.max_attempts, 3);
    assert!(matches!(&c.channels[0].transport, Transport::Smtp(s) if s.tls == Tls::None));
    let names = |k, s| {
        c.channels_for(Medium::Email, k, s)
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(NoticeKind::Acknowledgement, "low"), ["mail"]);
    assert!(names(NoticeKind::Update, "low").is_empty());
    // Two routes to one channel: sent once.
    assert_eq!(names(NoticeKind::Update, "critical"), ["mail"]);
    assert_eq!(
        c.subject(NoticeKind::Resolution, "T-1", "Line\nbreak", "low"),
        "[T-1] Resolved: Line break"
    );
    assert_eq!(c.subject(NoticeKind::Update, "T-1", "x", "low"), "[T-1] x");
}

#[test]
fn mistakes_are_placed_at_their_line_and_column() {
    let bad = CHANNELS
        .replace("host = \"127.0.0.1\"", "host = \"smtp.example.com\"")
        .replace("severities = [\"critical\"]", "severities = [\"critcal\"]")
        .replace("channel = \"mail\"\nkinds", "channel = \"mial\"\nkinds");
    let e = channels(&bad).unwrap_err();
    let found: Vec<(u64, String)> = e.0.iter().map(|i| (i.line, i.message.clone())).collect();
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 9 && m.contains("only to a loopback host")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 13 && m.contains("no channel `mial`")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(l, m)| *l == 18 && m.contains("critcal")),
        "{found:?}"
    );
    let bare =
        channels(&CHANNELS.replace("\"2026-11-01T00:00:00Z\"", "2026-11-01T00:00:00Z")).unwrap();
    assert_eq!(bare.since, at("2026-11-01T00:00:00Z"));
    let e = channels(&CHANNELS.replace("\"2026-11-01T00:00:00Z\"", "2026-11-01")).unwrap_err();
    assert_eq!(e.0[0].line, 2, "{e:?}");
    let typo = channels(&CHANNELS.replace("max_attempts", "max_attempt")).unwrap_err();
    assert_eq!(typo.0[0].line, 3, "{typo:?}");
    let secret = CHANNELS.replace(
        "tls = \"none\"",
        "tls = \"none\"\nuser_env = \"me@example.com\"\npassword_env = \"TKT_PASS\"",
    );
    let e = channels(&secret).unwrap_err();
    assert!(
        e.0[0].message.contains("not an environment variable name"),
        "{e:?}"
    );
}

#[test]
fn a_notice_is_owed_until_delivered_and_retried_with_backoff() {
    let c = channels(CHANNELS).unwrap();
    let ack = notice("2026-11-02T09:10:00Z", "acknowledgement", "email");
    let t = ticket("medium", "ops@acme.example", &ack);
    let (owed, _) = owed_at(&c, &t, "2026-11-02T10:00:00Z");
    assert_eq!(
        owed,
        [(
            "acknowledgement".into(),
            1,
            "[T-0000000001] Checkout fails".into()
        )]
    );
    let reference = t.references()[1].clone();
    let failed = |at: &str, n: u32| {
        format!(
            "- type: delivery-failed\n  at: {at}\n  by: tkt\n  of: {reference}\n  channel: mail\n  to: ops@acme.example\n  attempt: {n}\n  error: connection refused\n"
        )
    };
    // One failure: the next attempt waits 5 minutes.
    let t = ticket(
        "medium",
        "ops@acme.example",
        &(ack.clone() + &failed("2026-11-02T10:00:00Z", 1)),
    );
    let (owed, not_now) = owed_at(&c, &t, "2026-11-02T10:04:59Z");
    assert!(owed.is_empty());
    assert_eq!(
        not_now,
        [Undelivered::Later {
            attempt: 2,
            at: at("2026-11-02T10:05:00Z")
        }]
    );
    let (owed, _) = owed_at(&c, &t, "2026-11-02T10:05:00Z");
    assert_eq!(owed[0].1, 2);
    // Three failures: given up, with the last error.
    let t = ticket(
        "medium",
        "ops@acme.example",
        &(ack.clone()
            + &failed("2026-11-02T10:00:00Z", 1)
            + &failed("2026-11-02T10:05:00Z", 2)
            + &failed("2026-11-02T10:15:00Z", 3)),
    );
    let (owed, not_now) = owed_at(&c, &t, "2026-11-03T10:00:00Z");
    assert!(owed.is_empty());
    assert_eq!(
        not_now,
        [Undelivered::GaveUp {
            attempts: 3,
            error: "connection refused".into()
        }]
    );
    // Delivered: owed no more, and the next notice replies to it.
    let delivered = format!(
        "- type: delivered\n  at: 2026-11-02T10:06:00Z\n  by: tkt\n  of: {reference}\n  channel: mail\n  to: ops@acme.example\n  message_id: <first@example.com>\n  attempt: 2\n"
    );
    let resolution = notice("2026-11-03T09:00:00Z", "resolution", "email");
    let t = ticket(
        "medium",
        "ops@acme.example",
        &(ack.clone() + &failed("2026-11-02T10:00:00Z", 1) + &delivered + &resolution),
    );
    let now = at("2026-11-03T10:00:00Z");
    let status = crate::workflow::replay_at_without_policy(&t, now);
    let (owed, not_now) = outbox(&c, &t, &status, now);
    assert!(not_now.is_empty());
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].kind, "resolution");
    assert_eq!(owed[0].message.references, ["<first@example.com>"]);
    assert_eq!(
        owed[0].message.message_id,
        format!("<T-0000000001.{}.mail@example.com>", owed[0].notice)
    );
}

#[test]
fn what_is_never_owed() {
    let c = channels(CHANNELS).unwrap();
    // Before `since`, by phone, an update a route does not take, voided.
    let old = notice("2026-10-30T09:10:00Z", "acknowledgement", "email");
    let t = ticket("medium", "ops@acme.example", &old);
    assert!(owed_at(&c, &t, "2026-11-03T00:00:00Z").0.is_empty());
    let phone = notice("2026-11-02T09:10:00Z", "acknowledgement", "phone");
    let update = notice("2026-11-02T09:20:00Z", "update", "email");
    let t = ticket("medium", "ops@acme.example", &(phone + &update));
    assert!(owed_at(&c, &t, "2026-11-03T00:00:00Z").0.is_empty());
    let ack = notice("2026-11-02T09:10:00Z", "acknowledgement", "email");
    let t = ticket("medium", "ops@acme.example", &ack);
    let reference = t.references()[1].clone();
    let voided = format!(
        "- type: voided\n  at: 2026-11-02T09:30:00Z\n  by: ana\n  event: {reference}\n  reason: sent by mistake\n"
    );
    let t = ticket("medium", "ops@acme.example", &(ack.clone() + &voided));
    assert!(owed_at(&c, &t, "2026-11-03T00:00:00Z").0.is_empty());
    // Not yet recorded at `now`.
    let t = ticket("medium", "ops@acme.example", &ack);
    assert!(owed_at(&c, &t, "2026-11-02T09:05:00Z").0.is_empty());
    // No address to send to: reported, not attempted.
    let t = ticket("medium", "+49 30 1234", &ack);
    let (owed, not_now) = owed_at(&c, &t, "2026-11-03T00:00:00Z");
    assert!(owed.is_empty());
    assert_eq!(not_now, [Undelivered::NoRecipient]);
}

#[test]
fn backoff_doubles_up_to_six_hours() {
    assert_eq!(backoff_s(1), 300);
    assert_eq!(backoff_s(2), 600);
    assert_eq!(backoff_s(3), 1200);
    assert_eq!(backoff_s(9), 6 * 3600);
    assert_eq!(backoff_s(100), 6 * 3600);
}

#[test]
fn signatures_are_hmac_sha256() {
    // RFC 4231, test case 2.
    assert_eq!(
        signature(b"Jefe", b"what do ya want for nothing?"),
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn chat_notices_go_to_webhooks_in_their_style() {
    let text = CHANNELS.to_string()
        + "\n[channels.chat]\ntype = \"webhook\"\nurl_env = \"TKT_HOOK\"\nstyle = \"slack\"\n\n[[routes]]\nchannel = \"chat\"\n";
    let c = channels(&text).unwrap();
    let chat = notice("2026-11-02T09:10:00Z", "acknowledgement", "chat");
    let t = ticket("medium", "ops@acme.example", &chat);
    let now = at("2026-11-03T00:00:00Z");
    let status = crate::workflow::replay_at_without_policy(&t, now);
    let (owed, _) = outbox(&c, &t, &status, now);
    // The chat notice goes to the webhook only, addressed to the channel.
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].channel.name, "chat");
    assert_eq!(owed[0].message.to, "chat");
    assert_eq!(
        owed[0].message.message_id,
        format!("T-0000000001.{}.chat", owed[0].notice)
    );
    let body: serde_json::Value =
        serde_json::from_str(&webhook_body(Style::Slack, &owed[0])).unwrap();
    assert_eq!(
        body["text"],
        "*[T-0000000001] Checkout fails*\nWe are on it."
    );
    let body: serde_json::Value =
        serde_json::from_str(&webhook_body(Style::Teams, &owed[0])).unwrap();
    assert_eq!(body["@type"], "MessageCard");
    assert_eq!(body["text"], "We are on it.");
    let body: serde_json::Value =
        serde_json::from_str(&webhook_body(Style::Json, &owed[0])).unwrap();
    assert_eq!(body["idempotency_key"], owed[0].message.message_id.as_str());
    assert_eq!(body["severity"], "medium");
    // Keys of the other kind, a missing one, an unknown style: placed.
    let bad = text.replace("style = \"slack\"", "style = \"irc\"\nhost = \"x\"");
    let e = channels(&bad).unwrap_err();
    let messages: Vec<&str> = e.0.iter().map(|i| i.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("style `irc`")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`host` is not a key of a webhook channel")),
        "{messages:?}"
    );
    let e = channels(&text.replace("url_env = \"TKT_HOOK\"\n", "")).unwrap_err();
    assert!(e.0[0].message.contains("needs `url_env`"), "{e:?}");
}

#[test]
fn pagers_default_to_pagerduty_and_name_their_routing_key() {
    let text = CHANNELS.to_string()
        + "\n[channels.pager]\ntype = \"pager\"\nrouting_key_env = \"TKT_PD_KEY\"\n";
    let c = channels(&text).unwrap();
    let pager = c.channel("pager").unwrap();
    assert!(
        matches!(&pager.transport, Transport::Pager(p) if p.url == PAGERDUTY_EVENTS_URL && p.routing_key_env == "TKT_PD_KEY")
    );
    assert_eq!(pager.medium(), None, "a pager delivers no notices");
    let bad = text.replace(
        "routing_key_env = \"TKT_PD_KEY\"",
        "routing_key_env = \"a-real-key!\"\nurl = \"http://events.example.com/v2\"\nstyle = \"json\"",
    );
    let e = channels(&bad).unwrap_err();
    let messages: Vec<&str> = e.0.iter().map(|i| i.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("not an environment variable name")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("not an https:// URL")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`style` is not a key of a pager channel")),
        "{messages:?}"
    );
    assert!(url_allowed("http://127.0.0.1:8080/x") && url_allowed("http://[::1]/x"));
    assert!(url_allowed("https://hooks.example.com/x"));
    assert!(!url_allowed("http://hooks.example.com/x") && !url_allowed("ftp://x"));
}

#[test]
fn notices_are_routed_by_the_severity_they_were_told_at_and_voided_deliveries_do_not_count() {
    let c = channels(CHANNELS).unwrap();
    // Updates go to mail only for critical tickets (the second route).
    let update = notice("2026-11-02T09:20:00Z", "update", "email");
    let lowered = "- type: severity-changed\n  at: 2026-11-02T09:30:00Z\n  by: ana\n  to: medium\n  reason: contained\n";
    let t = ticket("critical", "ops@acme.example", &(update.clone() + lowered));
    let (owed, _) = owed_at(&c, &t, "2026-11-02T10:00:00Z");
    assert_eq!(owed.len(), 1, "told while critical: still owed");
    let raised = "- type: severity-changed\n  at: 2026-11-02T09:30:00Z\n  by: ana\n  to: critical\n  reason: spreading\n";
    let t = ticket("medium", "ops@acme.example", &(update + raised));
    assert!(
        owed_at(&c, &t, "2026-11-02T10:00:00Z").0.is_empty(),
        "told while medium: never owed"
    );
    // A voided `delivered` is as if it had not happened.
    let ack = notice("2026-11-02T09:10:00Z", "acknowledgement", "email");
    let t = ticket("medium", "ops@acme.example", &ack);
    let reference = t.references()[1].clone();
    let delivered = format!(
        "- type: delivered\n  at: 2026-11-02T09:15:00Z\n  by: tkt\n  of: {reference}\n  channel: mail\n  to: ops@acme.example\n  message_id: <x@example.com>\n  attempt: 1\n"
    );
    let t = ticket("medium", "ops@acme.example", &(ack.clone() + &delivered));
    assert!(owed_at(&c, &t, "2026-11-02T10:00:00Z").0.is_empty());
    let delivered_ref = t.references()[2].clone();
    let void = format!(
        "- type: voided\n  at: 2026-11-02T09:20:00Z\n  by: ana\n  event: {delivered_ref}\n  reason: bounced after all\n"
    );
    let t = ticket("medium", "ops@acme.example", &(ack + &delivered + &void));
    assert_eq!(owed_at(&c, &t, "2026-11-02T10:00:00Z").0.len(), 1);
}

#[test]
fn a_page_tried_is_resolved_whatever_ends_the_escalation() {
    let text = CHANNELS.to_string()
        + "\n[channels.pager]\ntype = \"pager\"\nrouting_key_env = \"K\"\n\n[[routes]]\nchannel = \"pager\"\nseverities = [\"high\"]\n";
    let c = channels(&text).unwrap();
    let policy = Policy::parse(DEFAULT_POLICY).unwrap();
    let pages_at = |t: &Ticket, now: &str| {
        let now = at(now);
        let e = crate::sla::evaluate(&policy, t, now);
        let (owed, _) = pages(&c, &policy, t, &e.status, &e.timers, now, &|_| None);
        owed.into_iter()
            .map(|p| (p.action, p.of, p.dedup_key))
            .collect::<Vec<_>>()
    };
    // High, opened 09:00: L2 overdue from 13:00.
    let t = ticket("high", "ops@acme.example", "");
    assert!(pages_at(&t, "2026-11-02T12:59:00Z").is_empty());
    assert_eq!(
        pages_at(&t, "2026-11-02T13:30:00Z"),
        [(
            PageAction::Trigger,
            "escalation:L2#1".to_string(),
            "T-0000000001.escalation.L2.1".to_string()
        )]
    );
    // The trigger timed out (it may have arrived), then the ticket was
    // lowered to a severity the pager's route does not take, and without
    // an L2 deadline: resolved all the same.
    let failed = "- type: delivery-failed\n  at: 2026-11-02T13:30:00Z\n  by: tkt\n  of: escalation:L2#1\n  channel: pager\n  to: L2\n  attempt: 1\n  error: timed out\n";
    let lowered = "- type: severity-changed\n  at: 2026-11-02T14:00:00Z\n  by: ana\n  to: low\n  reason: contained\n";
    let t = ticket("high", "ops@acme.example", &(failed.to_string() + lowered));
    assert_eq!(
        pages_at(&t, "2026-11-02T15:00:00Z"),
        [(
            PageAction::Resolve,
            "escalation:L2#1:resolve".to_string(),
            "T-0000000001.escalation.L2.1".to_string()
        )]
    );
    // Escalated late, with an `at` before the deadline: the cycle is met,
    // and the page is resolved.
    let delivered = "- type: delivered\n  at: 2026-11-02T13:30:00Z\n  by: tkt\n  of: escalation:L2#1\n  channel: pager\n  to: L2\n  message_id: T-0000000001.escalation.L2.1\n  attempt: 1\n";
    let late = "- type: escalated\n  at: 2026-11-02T12:00:00Z\n  by: ana\n  to: L2\n  reason: logged late\n";
    let t = ticket("high", "ops@acme.example", &(delivered.to_string() + late));
    assert_eq!(
        pages_at(&t, "2026-11-02T15:00:00Z")[0].0,
        PageAction::Resolve
    );
}

#[test]
fn chat_bodies_show_ticket_text_never_as_markup() {
    let text = CHANNELS.to_string()
        + "\n[channels.chat]\ntype = \"webhook\"\nurl_env = \"TKT_HOOK\"\nstyle = \"slack\"\n\n[[routes]]\nchannel = \"chat\"\n";
    let c = channels(&text).unwrap();
    let hostile = "- type: notified\n  at: 2026-11-02T09:10:00Z\n  by: ana\n  channel: chat\n  kind: update\n  message: '<!channel> see <https://evil.example|reset> & [x](https://evil.example)'\n";
    let t = ticket("medium", "ops@acme.example", hostile);
    let now = at("2026-11-03T00:00:00Z");
    let status = crate::workflow::replay_at_without_policy(&t, now);
    let (owed, _) = outbox(&c, &t, &status, now);
    let slack: serde_json::Value =
        serde_json::from_str(&webhook_body(Style::Slack, &owed[0])).unwrap();
    let slack = slack["text"].as_str().unwrap();
    assert!(
        slack.contains("&lt;!channel&gt;") && !slack.contains("<!channel>"),
        "{slack}"
    );
    assert!(slack.contains("&amp;"), "{slack}");
    let teams: serde_json::Value =
        serde_json::from_str(&webhook_body(Style::Teams, &owed[0])).unwrap();
    let teams = teams["text"].as_str().unwrap();
    assert!(
        teams.contains("\\[x\\]\\(https://evil.example\\)"),
        "{teams}"
    );
    assert!(!teams.contains("<https"), "{teams}");
}
