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

use crate::config::{Issues, PolicyError, PolicyIssue, line_col};
use crate::names::UnknownName;
use crate::ticket::{Channel as Medium, Event, NoticeKind};
use crate::time::Timestamp;

mod outbox;
pub use outbox::{Message, Owed, Undelivered, backoff_s, outbox};

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
    /// Connecting, each command and the whole message, in seconds.
    pub timeout_s: u64,
}

/// A named delivery channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub name: String,
    pub smtp: Smtp,
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
        let raw: RawChannels = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            PolicyError(vec![PolicyIssue {
                line,
                column,
                message: e.message().trim().to_string(),
            }])
        })?;
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
            let smtp = raw.check(&mut issues);
            channels.push(Channel { name, smtp });
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
        issues.finish(Channels {
            since,
            max_attempts,
            channels,
            routes,
            subjects,
        })
    }

    pub fn channel(&self, name: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// The channels a notice of `kind` on a ticket of `severity` goes to,
    /// each once, in the order of the routes.
    pub fn channels_for(&self, kind: NoticeKind, severity: &str) -> Vec<&Channel> {
        let mut out: Vec<&Channel> = Vec::new();
        for route in self.routes.iter().filter(|r| r.takes(kind, severity)) {
            if let Some(c) = self.channel(&route.channel)
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum RawKind {
    Smtp,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    #[serde(rename = "type")]
    #[allow(dead_code)] // one kind so far; the field says which
    kind: RawKind,
    host: Spanned<String>,
    port: Option<u16>,
    tls: Spanned<String>,
    from: Spanned<String>,
    reply_to: Option<Spanned<String>>,
    user_env: Option<Spanned<String>>,
    password_env: Option<Spanned<String>>,
    timeout_s: Option<Spanned<u64>>,
}

impl RawChannel {
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
            let ok = !name.get_ref().is_empty()
                && name
                    .get_ref()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                issues.push(
                    name.span(),
                    format!(
                        "`{}` is not an environment variable name (credentials are never written in the file)",
                        name.get_ref()
                    ),
                );
            }
        }
        let timeout_s = self.timeout_s.map_or(30, |t| {
            if !(1..=600).contains(t.get_ref()) {
                issues.push(t.span(), "timeout_s must be 1 to 600");
            }
            *t.get_ref()
        });
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

/// Whether `event` is a notice told by e-mail, and its kind.
fn mailed_notice(event: &Event) -> Option<NoticeKind> {
    match event {
        Event::Notified {
            channel: Medium::Email,
            kind,
            ..
        } => Some(*kind),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
