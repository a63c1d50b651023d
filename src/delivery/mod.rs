//! Delivery: the channels a desk sends customer notices through
//! (`channels.toml`), and what each ticket still owes them (the outbox).
//! Pure: which notices are owed, to whom, under which idempotency key, as
//! a function of (channels, ticket, now). Sending is the binary's.
//!
//! **The outbox.** A `notified` event recorded by e-mail at or after the
//! file's `since` is owed to every mail channel a route sends its kind and
//! severity to, until a `delivered` event names it (`of`, the notice's
//! reference) for that channel. A `delivery-failed` event counts an
//! attempt; the next one is owed after a backoff that doubles (5 minutes,
//! 10, 20, … at most 6 hours); after `max_attempts` failures the notice is
//! undelivered and stays so (reported, never retried by itself).
//!
//! **Idempotency.** Every message's key is made of the ticket ID, the
//! notice's reference and the channel, never of a position or a time: a
//! run that sent and crashed before recording sends the same `Message-ID`
//! again, which the receiver recognises.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::config::{Issues, PolicyError};
use crate::names::UnknownName;
use crate::ticket::{Channel as Medium, NoticeKind};
use crate::time::Timestamp;

mod outbox;
mod pages;
pub use outbox::{Message, Owed, Undelivered, backoff_s, outbox, reminders, webhook_body};
pub use pages::{Page, PageAction, pager_body, pages};

/// The file, beside `policy.toml`.
pub const CHANNELS_FILE: &str = "channels.toml";

/// How a mail channel secures its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// TLS from the first byte (port 465).
    Implicit,
    /// Plain, then STARTTLS, which the server must offer (port 587).
    StartTls,
    /// No TLS: only to a loopback host (a relay on the same machine).
    None,
}

/// An SMTP channel. Credentials are named, never held: `user_env` and
/// `password_env` are environment variables read when sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// `Support <support@example.com>`.
    pub from: String,
    pub reply_to: Option<String>,
    pub user_env: Option<String>,
    pub password_env: Option<String>,
    /// Each network step (connecting, each command, each write), in
    /// seconds.
    pub timeout_s: u64,
}

/// What a webhook's body looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `{"text": …}` (Slack incoming webhooks, Mattermost, Rocket.Chat).
    Slack,
    /// A `MessageCard` (Microsoft Teams incoming webhooks).
    Teams,
    /// tkt's own JSON: ticket, notice, kind, severity, subject, body, key.
    Json,
}

/// A webhook channel: an HTTPS POST per message. The URL is a secret
/// itself (chat webhook URLs are): named by `url_env`, never held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url_env: String,
    pub style: Style,
    /// The HMAC-SHA256 key of the signature header, when given.
    pub secret_env: Option<String>,
    pub timeout_s: u64,
}

/// A pager: an Events-API-style endpoint (PagerDuty Events v2) that
/// pages the on-call person of a level when an escalation is overdue, and
/// resolves the page once the ticket reaches the level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    /// Not a secret: the routing key is.
    pub url: String,
    pub routing_key_env: String,
    pub timeout_s: u64,
}

/// PagerDuty's Events API v2 endpoint, the pager's default `url`.
pub const PAGERDUTY_EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// How a channel sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Mail: delivers notices recorded `by email`, to the customer contact.
    Smtp(Smtp),
    /// Chat: delivers notices recorded `by chat`, to the channel itself.
    Webhook(Webhook),
    /// Pages for overdue escalations; no notices.
    Pager(Pager),
}

/// A named delivery channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub transport: Transport,
}

impl Channel {
    /// The medium of the notices it delivers (a pager delivers none).
    pub fn medium(&self) -> Option<Medium> {
        match self.transport {
            Transport::Smtp(_) => Some(Medium::Email),
            Transport::Webhook(_) => Some(Medium::Chat),
            Transport::Pager(_) => None,
        }
    }
}

/// Which notices go to a channel: kinds and severities (empty: all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub kinds: Vec<NoticeKind>,
    pub severities: Vec<String>,
    pub channel: String,
}

impl Route {
    fn takes(&self, kind: NoticeKind, severity: &str) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.severities.is_empty() || self.severities.iter().any(|s| s == severity))
    }
}

/// The desk's delivery configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channels {
    /// Notices recorded before this were told by hand: never delivered.
    pub since: Timestamp,
    pub max_attempts: u32,
    pub channels: Vec<Channel>,
    pub routes: Vec<Route>,
    /// The subject per notice kind; placeholders `{id}`, `{title}`,
    /// `{kind}`, `{severity}`.
    pub subjects: BTreeMap<NoticeKind, String>,
    /// Reminders to the team before a customer update is due.
    pub reminders: Option<Reminders>,
}

/// `[reminders]`: a webhook channel told when a ticket's first response
/// or next customer update falls due within `within_s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminders {
    pub channel: String,
    pub within_s: i64,
}

/// The subject when `channels.toml` gives none for the kind.
pub const DEFAULT_SUBJECT: &str = "[{id}] {title}";

pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

impl Channels {
    /// Parses and checks `channels.toml`; `severity` says whether a name
    /// is one of the policy's severities.
    pub fn parse(
        text: &str,
        severity: impl Fn(&str) -> Result<(), UnknownName>,
    ) -> Result<Channels, PolicyError> {
        let raw: RawChannels = crate::config::from_toml(text)?;
        let mut issues = Issues::new(text);
        if *raw.schema.get_ref() != 1 {
            issues.push(raw.schema.span(), "schema must be 1");
        }
        // A TOML date-time or an RFC 3339 string.
        let since_text = match raw.since.get_ref() {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let since = match Timestamp::parse(&since_text) {
            Ok(at) => at,
            Err(e) => {
                issues.push(raw.since.span(), e.to_string());
                Timestamp::MIN
            }
        };
        let max_attempts = raw.max_attempts.as_ref().map_or(DEFAULT_MAX_ATTEMPTS, |m| {
            if !(1..=100).contains(m.get_ref()) {
                issues.push(m.span(), "max_attempts must be 1 to 100");
            }
            *m.get_ref()
        });
        let mut channels = Vec::new();
        for (name, raw) in raw.channels {
            let transport = raw.check(&name, &mut issues);
            channels.push(Channel { name, transport });
        }
        let mut routes = Vec::new();
        for route in raw.routes {
            if !channels.iter().any(|c| c.name == *route.channel.get_ref()) {
                issues.push(
                    route.channel.span(),
                    format!(
                        "no channel `{}` in [channels] (known: {})",
                        route.channel.get_ref(),
                        names(channels.iter().map(|c| c.name.as_str()))
                    ),
                );
            }
            for s in &route.severities {
                if let Err(unknown) = severity(s.get_ref()) {
                    issues.push(s.span(), unknown.to_string());
                }
            }
            routes.push(Route {
                kinds: route.kinds,
                severities: route
                    .severities
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
                channel: route.channel.into_inner(),
            });
        }
        let subjects = raw
            .templates
            .into_iter()
            .map(|(kind, t)| (kind, t.subject))
            .collect();
        let reminders = raw.reminders.map(|r| {
            let webhook = channels.iter().any(|c| {
                c.name == *r.channel.get_ref() && matches!(c.transport, Transport::Webhook(_))
            });
            if !webhook {
                issues.push(
                    r.channel.span(),
                    format!(
                        "reminders go to a webhook channel; `{}` is none",
                        r.channel.get_ref()
                    ),
                );
            }
            let within_s = match crate::duration::parse(r.within.get_ref()) {
                Ok(s) if s > 0 => s,
                Ok(_) => {
                    issues.push(r.within.span(), "within must be more than 0");
                    0
                }
                Err(e) => {
                    issues.push(r.within.span(), e.to_string());
                    0
                }
            };
            Reminders {
                channel: r.channel.into_inner(),
                within_s,
            }
        });
        issues.finish(Channels {
            since,
            max_attempts,
            channels,
            routes,
            subjects,
            reminders,
        })
    }

    /// Whether pages or reminders are configured: both follow the SLA
    /// timers, which notices alone never need.
    pub fn follows_timers(&self) -> bool {
        self.reminders.is_some()
            || (self.channels.iter()).any(|c| matches!(c.transport, Transport::Pager(_)))
    }

    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// The channels a notice of `kind` told by `medium` on a ticket of
    /// `severity` goes to, each once, in the order of the routes.
    pub fn channels_for(&self, medium: Medium, kind: NoticeKind, severity: &str) -> Vec<&Channel> {
        let mut out: Vec<&Channel> = Vec::new();
        for route in self.routes.iter().filter(|r| r.takes(kind, severity)) {
            if let Some(c) = self.channel(&route.channel)
                && c.medium() == Some(medium)
                && !out.iter().any(|o| o.name == c.name)
            {
                out.push(c);
            }
        }
        out
    }

    /// The subject of a notice of `kind` on `ticket` (its current `title`
    /// and `severity`).
    pub fn subject(&self, kind: NoticeKind, id: &str, title: &str, severity: &str) -> String {
        let template = self
            .subjects
            .get(&kind)
            .map_or(DEFAULT_SUBJECT, String::as_str);
        template
            .replace("{id}", id)
            .replace("{title}", title)
            .replace("{kind}", kind_name(kind))
            .replace("{severity}", severity)
            // A subject is one line, whatever the title holds.
            .replace(['\r', '\n'], " ")
    }
}

fn names<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if all.is_empty() {
        "none".to_string()
    } else {
        all.join(", ")
    }
}

pub fn kind_name(kind: NoticeKind) -> &'static str {
    match kind {
        NoticeKind::Acknowledgement => "acknowledgement",
        NoticeKind::Update => "update",
        NoticeKind::Resolution => "resolution",
    }
}

/// `sha256=HEX`: the HMAC-SHA256 of `body` under `secret`, the value of
/// a webhook's `X-Tkt-Signature` header (the receiver computes the same
/// over the bytes it received and compares).
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// A delivery error as a ticket keeps it: one line of at most 300
/// characters, without control characters (a server's answer may be
/// quoted in it, and a ticket file refuses what it could not read back).
pub fn recordable_error(error: &str) -> String {
    let line: String = error
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    match line.trim() {
        "" => "failed without a message".to_string(),
        text => text.to_string(),
    }
}

/// Whether tkt posts to `url`: HTTPS, or plain HTTP to this machine.
pub fn url_allowed(url: &str) -> bool {
    if url.starts_with("https://") {
        return true;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    is_loopback(host)
}

/// Whether `host` is this machine: `localhost` or a loopback address.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannels {
    schema: Spanned<u32>,
    since: Spanned<toml::Value>,
    max_attempts: Option<Spanned<u32>>,
    #[serde(default)]
    channels: BTreeMap<String, RawChannel>,
    #[serde(default)]
    routes: Vec<RawRoute>,
    #[serde(default)]
    templates: BTreeMap<NoticeKind, RawTemplate>,
    reminders: Option<RawReminders>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReminders {
    channel: Spanned<String>,
    within: Spanned<String>,
}

/// One `[channels.NAME]` table: the keys of every kind, checked against
/// its `type` (a tagged enum would lose the keys' positions).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    #[serde(rename = "type")]
    kind: Spanned<String>,
    host: Option<Spanned<String>>,
    port: Option<u16>,
    tls: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    reply_to: Option<Spanned<String>>,
    user_env: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    url_env: Option<Spanned<String>>,
    style: Option<Spanned<String>>,
    secret_env: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    routing_key_env: Option<Spanned<String>>,
    timeout_s: Option<Spanned<u64>>,
}

impl RawChannel {
    fn check(self, name: &str, issues: &mut Issues<'_>) -> Transport {
        let kind = self.kind.get_ref().clone();
        let span = self.kind.span();
        let need = |issues: &mut Issues<'_>, value: Option<Spanned<String>>, key: &str| {
            value.unwrap_or_else(|| {
                issues.push(
                    span.clone(),
                    format!("channel `{name}` ({kind}) needs `{key}`"),
                );
                Spanned::new(span.clone(), String::new())
            })
        };
        // Every key given that the channel's type does not take.
        let present: Vec<(&str, std::ops::Range<usize>)> = [
            ("host", self.host.as_ref().map(Spanned::span)),
            ("tls", self.tls.as_ref().map(Spanned::span)),
            ("from", self.from.as_ref().map(Spanned::span)),
            ("reply_to", self.reply_to.as_ref().map(Spanned::span)),
            ("user_env", self.user_env.as_ref().map(Spanned::span)),
            (
                "password_env",
                self.password_env.as_ref().map(Spanned::span),
            ),
            ("url_env", self.url_env.as_ref().map(Spanned::span)),
            ("style", self.style.as_ref().map(Spanned::span)),
            ("secret_env", self.secret_env.as_ref().map(Spanned::span)),
            ("url", self.url.as_ref().map(Spanned::span)),
            (
                "routing_key_env",
                self.routing_key_env.as_ref().map(Spanned::span),
            ),
            ("port", self.port.map(|_| span.clone())),
        ]
        .into_iter()
        .filter_map(|(key, at)| Some((key, at?)))
        .collect();
        let foreign = |issues: &mut Issues<'_>, own: &[&str]| {
            for (key, at) in present.iter().filter(|(key, _)| !own.contains(key)) {
                issues.push(
                    at.clone(),
                    format!("`{key}` is not a key of a {kind} channel"),
                );
            }
        };
        match kind.as_str() {
            "smtp" => {
                foreign(
                    issues,
                    &[
                        "host",
                        "port",
                        "tls",
                        "from",
                        "reply_to",
                        "user_env",
                        "password_env",
                    ],
                );
                let smtp = RawSmtp {
                    host: need(issues, self.host, "host"),
                    port: self.port,
                    tls: need(issues, self.tls, "tls"),
                    from: need(issues, self.from, "from"),
                    reply_to: self.reply_to,
                    user_env: self.user_env,
                    password_env: self.password_env,
                    timeout_s: self.timeout_s,
                };
                Transport::Smtp(smtp.check(issues))
            }
            "webhook" => {
                foreign(issues, &["url_env", "style", "secret_env"]);
                let hook = RawWebhook {
                    url_env: need(issues, self.url_env, "url_env"),
                    style: need(issues, self.style, "style"),
                    secret_env: self.secret_env,
                    timeout_s: self.timeout_s,
                };
                Transport::Webhook(hook.check(issues))
            }
            "pager" => {
                foreign(issues, &["url", "routing_key_env"]);
                let key = need(issues, self.routing_key_env, "routing_key_env");
                env_name(
                    issues,
                    &key,
                    "a routing key is a secret: never written in the file",
                );
                let url = match self.url {
                    Some(url) => {
                        if !url_allowed(url.get_ref()) {
                            issues.push(
                                url.span(),
                                format!(
                                    "`{}` is not an https:// URL (http:// only to a loopback host)",
                                    url.get_ref()
                                ),
                            );
                        }
                        url.into_inner()
                    }
                    None => PAGERDUTY_EVENTS_URL.to_string(),
                };
                Transport::Pager(Pager {
                    url,
                    routing_key_env: key.into_inner(),
                    timeout_s: timeout(issues, self.timeout_s),
                })
            }
            other => {
                issues.push(
                    span.clone(),
                    format!("type `{other}` is not one of `smtp`, `webhook`, `pager`"),
                );
                Transport::Webhook(Webhook {
                    url_env: String::new(),
                    style: Style::Json,
                    secret_env: None,
                    timeout_s: 30,
                })
            }
        }
    }
}

struct RawWebhook {
    url_env: Spanned<String>,
    style: Spanned<String>,
    secret_env: Option<Spanned<String>>,
    timeout_s: Option<Spanned<u64>>,
}

impl RawWebhook {
    fn check(self, issues: &mut Issues<'_>) -> Webhook {
        let style = match self.style.get_ref().as_str() {
            "slack" => Style::Slack,
            "teams" => Style::Teams,
            "json" => Style::Json,
            other => {
                issues.push(
                    self.style.span(),
                    format!("style `{other}` is not one of `slack`, `teams`, `json`"),
                );
                Style::Json
            }
        };
        for name in std::iter::once(&self.url_env).chain(&self.secret_env) {
            env_name(
                issues,
                name,
                "a webhook URL is a secret: never written in the file",
            );
        }
        Webhook {
            url_env: self.url_env.into_inner(),
            style,
            secret_env: self.secret_env.map(Spanned::into_inner),
            timeout_s: timeout(issues, self.timeout_s),
        }
    }
}

/// `name` must be an environment variable's name.
fn env_name(issues: &mut Issues<'_>, name: &Spanned<String>, why: &str) {
    let ok = !name.get_ref().is_empty()
        && name
            .get_ref()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        issues.push(
            name.span(),
            format!(
                "`{}` is not an environment variable name ({why})",
                name.get_ref()
            ),
        );
    }
}

fn timeout(issues: &mut Issues<'_>, given: Option<Spanned<u64>>) -> u64 {
    given.map_or(30, |t| {
        if !(1..=600).contains(t.get_ref()) {
            issues.push(t.span(), "timeout_s must be 1 to 600");
        }
        *t.get_ref()
    })
}

struct RawSmtp {
    host: Spanned<String>,
    port: Option<u16>,
    tls: Spanned<String>,
    from: Spanned<String>,
    reply_to: Option<Spanned<String>>,
    user_env: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    timeout_s: Option<Spanned<u64>>,
}

impl RawSmtp {
    fn check(self, issues: &mut Issues<'_>) -> Smtp {
        let tls = match self.tls.get_ref().as_str() {
            "tls" => Tls::Implicit,
            "starttls" => Tls::StartTls,
            "none" => Tls::None,
            other => {
                issues.push(
                    self.tls.span(),
                    format!("tls `{other}` is not one of `tls`, `starttls`, `none`"),
                );
                Tls::StartTls
            }
        };
        if tls == Tls::None && !is_loopback(self.host.get_ref()) {
            issues.push(
                self.tls.span(),
                format!(
                    "tls = \"none\" sends mail in the clear: only to a loopback host, not `{}`",
                    self.host.get_ref()
                ),
            );
        }
        if self.host.get_ref().trim().is_empty() {
            issues.push(self.host.span(), "host is empty");
        }
        for address in std::iter::once(&self.from).chain(self.reply_to.as_ref()) {
            if !address.get_ref().contains('@') || address.get_ref().contains(['\r', '\n']) {
                issues.push(
                    address.span(),
                    format!("`{}` is not a mail address", address.get_ref()),
                );
            }
        }
        if self.user_env.is_some() != self.password_env.is_some() {
            let span = self
                .user_env
                .as_ref()
                .or(self.password_env.as_ref())
                .map(Spanned::span)
                .unwrap_or(0..0);
            issues.push(span, "user_env and password_env go together");
        }
        for name in self.user_env.iter().chain(&self.password_env) {
            env_name(issues, name, "credentials are never written in the file");
        }
        let timeout_s = timeout(issues, self.timeout_s);
        Smtp {
            port: self.port.unwrap_or(match tls {
                Tls::Implicit => 465,
                Tls::StartTls => 587,
                Tls::None => 25,
            }),
            host: self.host.into_inner(),
            tls,
            from: self.from.into_inner(),
            reply_to: self.reply_to.map(Spanned::into_inner),
            user_env: self.user_env.map(Spanned::into_inner),
            password_env: self.password_env.map(Spanned::into_inner),
            timeout_s,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    #[serde(default)]
    kinds: Vec<NoticeKind>,
    #[serde(default)]
    severities: Vec<Spanned<String>>,
    channel: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    subject: String,
}

#[cfg(test)]
mod tests;
