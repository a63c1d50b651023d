//! `tkt deliver`: sends every notice the channels are owed (the outbox of
//! `tkt::delivery`), records each attempt on its ticket, then exits. Run by
//! CI or cron; one run at a time (a desk-wide lock).

use std::io::Write;
use std::time::Duration;

use clap::Args;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport as _};
use tkt::delivery::{Owed, Page, Pager, Smtp, Tls, Transport, Undelivered, Webhook};
use tkt::store::Repo;
use tkt::ticket::Event;

use super::record::{self, Desk};
use super::who::Who;
use crate::cli::{CliError, Ctx, EventTime, Kind, Outcome};
use crate::render::deliver as render;

#[derive(Args, Debug)]
pub struct DeliverArgs {
    /// Print what would be sent, send nothing, record nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// What one attempt came to.
enum Attempt {
    Sent,
    Failed(String),
}

pub fn run(ctx: &Ctx, args: DeliverArgs) -> Result<Outcome, CliError> {
    let (repo, policy) = ctx.repo_and_policy()?;
    let Some(channels) = repo.load_channels(&policy)? else {
        return Err(CliError::usage(format!(
            "no {} here: nothing to deliver through (docs/delivery.md)",
            tkt::delivery::CHANNELS_FILE
        )));
    };
    // Two runs at once would both send what neither has recorded yet.
    let _lock = match repo.try_run_lock("deliver")? {
        Ok(file) => file,
        Err(holder) => {
            return Err(CliError::new(
                Kind::Environment,
                match holder {
                    Some(pid) => format!("another delivery is running (process {pid})"),
                    None => "another delivery is running".to_string(),
                },
            ));
        }
    };
    let who = Who::new(&policy);
    let by = if args.dry_run {
        String::new()
    } else {
        ctx.actor(&repo, &who)?
    };
    let desk = Desk {
        repo: &repo,
        policy: &policy,
        who: &who,
    };
    let mut out = crate::cli::output::stdout();
    let mut tally = Tally::default();
    // What each ticket owes is worked out in parallel, a step of files at a
    // time; sending and recording then go one by one.
    let plan = |entry: &tkt::store::Entry, bytes| -> Option<Work<'_>> {
        let ticket = Repo::parse_entry(entry, bytes).ok()?;
        // The timers only when pages or reminders follow them.
        let (status, timers) = if channels.follows_timers() {
            let e = tkt::sla::evaluate(&policy, &ticket, ctx.now);
            (e.status, e.timers)
        } else {
            (
                tkt::workflow::replay_at(&policy, &ticket, ctx.now),
                Vec::new(),
            )
        };
        let status = &status;
        let (mut notices, mut not_now) = tkt::delivery::outbox(&channels, &ticket, status, ctx.now);
        let on_call = |level: &str| {
            (policy.people)
                .on_call(level, status.team.as_deref(), ctx.now)
                .map(|p| p.handle.clone())
        };
        let (pages, pages_not_now) = tkt::delivery::pages(
            &channels, &policy, &ticket, status, &timers, ctx.now, &on_call,
        );
        not_now.extend(pages_not_now);
        let (reminders, reminders_not_now) =
            tkt::delivery::reminders(&channels, &ticket, status, &timers, ctx.now);
        not_now.extend(reminders_not_now);
        notices.extend(reminders);
        Some(Work {
            id: ticket.id,
            notices,
            pages,
            not_now,
        })
    };
    let entries = repo.entries()?;
    let works = entries
        .chunks(4096)
        .flat_map(|chunk| Repo::scan_entries(chunk, plan));
    for work in works {
        let Some(Work {
            id,
            notices,
            pages,
            not_now,
        }) = work
        else {
            tally.unreadable += 1;
            continue;
        };
        for (ticket_id, what, why) in &not_now {
            if !matches!(why, Undelivered::Later { .. }) {
                tally.stuck += 1;
            }
            render::not_now(&mut out, ticket_id, what, why)?;
        }
        let record = |attempt: Attempt, what: Delivery<'_>| {
            record_attempt(ctx, &desk, &id, &by, attempt, what)
        };
        for item in notices {
            if args.dry_run {
                render::would_send(&mut out, &item)?;
                tally.would += 1;
                continue;
            }
            let outcome = match &item.channel.transport {
                Transport::Smtp(smtp) => send_mail(smtp, &item),
                Transport::Webhook(hook) => post_notice(hook, &item),
                Transport::Pager(_) => Err(Failure::Setup("a pager delivers no notices".into())),
            };
            let what = Delivery {
                of: &item.notice,
                channel: &item.channel.name,
                to: &item.message.to,
                key: &item.message.message_id,
                attempt: item.attempt,
            };
            match settle(outcome, what, &mut tally, record)? {
                Settled::NotSent(why) => render::not_sent(
                    &mut out,
                    &item.ticket,
                    &item.notice,
                    &item.channel.name,
                    &why,
                )?,
                Settled::Attempted(failure) => {
                    render::attempted(&mut out, &item, failure.as_deref(), channels.max_attempts)?
                }
            }
        }
        for page in pages {
            if args.dry_run {
                render::would_page(&mut out, &page)?;
                tally.would += 1;
                continue;
            }
            let Transport::Pager(pager) = &page.channel.transport else {
                continue;
            };
            let what = Delivery {
                of: &page.of,
                channel: &page.channel.name,
                to: page.to(),
                key: &page.dedup_key,
                attempt: page.attempt,
            };
            match settle(send_page(pager, &page), what, &mut tally, record)? {
                Settled::NotSent(why) => {
                    render::not_sent(&mut out, &page.ticket, &page.of, &page.channel.name, &why)?
                }
                Settled::Attempted(failure) => {
                    render::paged(&mut out, &page, failure.as_deref(), channels.max_attempts)?
                }
            }
        }
    }
    if args.dry_run {
        render::dry_summary(&mut out, tally.would, tally.stuck)?;
    } else {
        render::summary(&mut out, tally.sent, tally.failed, tally.stuck)?;
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), tally.unreadable)?;
    Ok(if tally.failed > 0 || tally.stuck > 0 {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

/// What one ticket owes now: notices and reminders, pages, and what is
/// not sent now with why.
struct Work<'c> {
    id: tkt::id::TicketId,
    notices: Vec<Owed<'c>>,
    pages: Vec<Page<'c>>,
    not_now: Vec<(String, String, Undelivered)>,
}

/// What a run did.
#[derive(Default)]
struct Tally {
    sent: usize,
    failed: usize,
    /// Given up, or without a recipient.
    stuck: usize,
    unreadable: usize,
    /// Dry run: what would be sent.
    would: usize,
}

impl Tally {
    fn count(&mut self, sent: bool) {
        if sent {
            self.sent += 1;
        } else {
            self.failed += 1;
        }
    }
}

/// How one send came out: not attempted (a setup problem, nothing
/// recorded), or attempted and recorded, with the error of a failed try.
enum Settled {
    NotSent(String),
    Attempted(Option<String>),
}

/// Records what a send came to (a setup problem records nothing) and
/// counts it.
fn settle(
    sent: Result<(), Failure>,
    what: Delivery<'_>,
    tally: &mut Tally,
    record: impl Fn(Attempt, Delivery<'_>) -> Result<(), CliError>,
) -> Result<Settled, CliError> {
    let error = match sent {
        Err(Failure::Setup(why)) => {
            tally.failed += 1;
            return Ok(Settled::NotSent(why));
        }
        Err(Failure::Attempt(error)) => Some(error),
        Ok(()) => None,
    };
    let attempt = match &error {
        None => Attempt::Sent,
        Some(error) => Attempt::Failed(error.clone()),
    };
    record(attempt, what)?;
    tally.count(error.is_none());
    Ok(Settled::Attempted(error))
}

/// What one attempt delivered, as its event names it.
struct Delivery<'a> {
    of: &'a str,
    channel: &'a str,
    to: &'a str,
    /// The Message-ID, idempotency key or dedup key.
    key: &'a str,
    attempt: u32,
}

/// Appends the attempt's `delivered` or `delivery-failed` event. Sent and
/// not recorded is the one loss that matters: said loudly; the next run
/// sends the same key again, which the receiver recognises.
fn record_attempt(
    ctx: &Ctx,
    desk: &Desk<'_>,
    id: &tkt::id::TicketId,
    by: &str,
    attempt: Attempt,
    what: Delivery<'_>,
) -> Result<(), CliError> {
    let event = |at, by: String| match &attempt {
        Attempt::Sent => Event::Delivered {
            at,
            by,
            of: what.of.to_string(),
            channel: what.channel.to_string(),
            to: what.to.to_string(),
            message_id: what.key.to_string(),
            attempt: what.attempt,
        },
        Attempt::Failed(error) => Event::DeliveryFailed {
            at,
            by,
            of: what.of.to_string(),
            channel: what.channel.to_string(),
            to: what.to.to_string(),
            attempt: what.attempt,
            error: tkt::delivery::recordable_error(error),
        },
    };
    let recorded = record::record_on(ctx, desk, id, &EventTime::default(), by.to_string(), |d| {
        Ok(event(d.at, d.by.clone()))
    });
    if let Err(e) = &recorded
        && matches!(attempt, Attempt::Sent)
    {
        render::unrecorded(
            &mut anstream::stderr(),
            id.as_str(),
            what.key,
            &e.to_string(),
        )?;
    }
    recorded.map(|_| ())
}

/// Why nothing reached the receiver.
enum Failure {
    /// Nothing was sent: a setting is missing or wrong (a secret not in the
    /// environment, an address or URL tkt will not use). No attempt is
    /// recorded, so fixing it loses no try.
    Setup(String),
    /// Sent, or tried to: the connection, the server or its answer failed.
    Attempt(String),
}

/// The value of the environment variable `name`, which holds a secret.
fn secret(name: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(Failure::Setup(format!(
            "the environment variable {name} (a secret) is not set"
        ))),
    }
}

/// Mails `item` through the SMTP channel: a connection per message, each
/// network step within the channel's timeout. The error says what failed,
/// never a credential.
fn send_mail(smtp: &Smtp, item: &Owed<'_>) -> Result<(), Failure> {
    let setup = Failure::Setup;
    let message = &item.message;
    let from: Mailbox =
        (smtp.from.parse()).map_err(|e| setup(format!("from `{}`: {e}", smtp.from)))?;
    let to: Mailbox =
        (message.to.parse()).map_err(|e| setup(format!("to `{}`: {e}", message.to)))?;
    let mut builder = lettre::Message::builder()
        .message_id(Some(message.message_id.clone()))
        .from(from)
        .to(to)
        .subject(message.subject.clone());
    for cc in &message.cc {
        builder = builder.cc(cc.parse().map_err(|e| setup(format!("cc `{cc}`: {e}")))?);
    }
    if let Some(reply_to) = &smtp.reply_to {
        builder = builder.reply_to(
            (reply_to.parse()).map_err(|e| setup(format!("reply_to `{reply_to}`: {e}")))?,
        );
    }
    if let Some(last) = message.references.last() {
        builder = builder
            .in_reply_to(last.clone())
            .references(message.references.join(" "));
    }
    let email = builder
        .header(ContentType::TEXT_PLAIN)
        .body(message.body.clone())
        .map_err(|e| setup(e.to_string()))?;
    let transport = match smtp.tls {
        Tls::Implicit => SmtpTransport::relay(&smtp.host),
        Tls::StartTls => SmtpTransport::starttls_relay(&smtp.host),
        Tls::None => Ok(SmtpTransport::builder_dangerous(&smtp.host)),
    }
    .map_err(|e| setup(e.to_string()))?;
    let mut transport = transport
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_s)));
    if let (Some(user), Some(password)) = (&smtp.user_env, &smtp.password_env) {
        transport = transport.credentials(Credentials::new(secret(user)?, secret(password)?));
    }
    // Each step waits `timeout_s` at most, but a server that answers a
    // line at a time and never finishes its reply would keep one step
    // going for ever: the attempt as a whole is bounded too. Sent from a
    // thread of its own, let go when the bound passes (it ends with the
    // process; the failure is recorded and the run goes on).
    let address = format!("{}:{}", smtp.host, smtp.port);
    let transport = transport.build();
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(transport.send(&email));
    });
    let limit = smtp.timeout_s.saturating_mul(ATTEMPT_STEPS);
    match outcome.recv_timeout(Duration::from_secs(limit)) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) if timed_out(&e) => Err(Failure::Attempt(format!(
            "{address}: no answer within {} s",
            smtp.timeout_s
        ))),
        Ok(Err(e)) => Err(Failure::Attempt(format!("{address}: {e}"))),
        Err(_) => Err(Failure::Attempt(format!(
            "{address}: the attempt took longer than {limit} s ({ATTEMPT_STEPS} × timeout_s): the server kept it going without finishing"
        ))),
    }
}

/// An attempt to mail a notice takes at most this many times the
/// channel's `timeout_s` as a whole.
const ATTEMPT_STEPS: u64 = 4;

/// Whether `error` is a step that waited out its timeout (a socket read
/// that timed out reports "would block").
fn timed_out(error: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            );
        }
        source = e.source();
    }
    false
}

/// Posts `item` to the webhook with an `Idempotency-Key` and, when the
/// channel has a secret, an `X-Tkt-Signature`. The URL is a secret: errors
/// name its variable instead, and never quote the server's answer (which
/// may echo the URL's path).
fn post_notice(hook: &Webhook, item: &Owed<'_>) -> Result<(), Failure> {
    let url = secret(&hook.url_env)?;
    let label = format!("${}", hook.url_env);
    let body = tkt::delivery::webhook_body(hook.style, item);
    let mut headers = vec![("Idempotency-Key", item.message.message_id.clone())];
    if let Some(name) = &hook.secret_env {
        let key = secret(name)?;
        headers.push((
            "X-Tkt-Signature",
            tkt::delivery::signature(key.as_bytes(), body.as_bytes()),
        ));
    }
    http_post(&url, &label, hook.timeout_s, &headers, &body).map_err(|e| match e {
        Failure::Attempt(text) => Failure::Attempt(text.replace(&url, &label)),
        Failure::Setup(text) => Failure::Setup(text.replace(&url, &label)),
    })
}

/// Sends `page` to the pager's Events API, with the routing key from the
/// environment (in the body only; never in an error).
fn send_page(pager: &Pager, page: &Page<'_>) -> Result<(), Failure> {
    let key = secret(&pager.routing_key_env)?;
    let body = tkt::delivery::pager_body(page, &key);
    http_post(&pager.url, &pager.url, pager.timeout_s, &[], &body)
}

/// One JSON `POST` to `url` (HTTPS; plain HTTP to a loopback host only)
/// within `timeout_s`, no redirects; any 2xx answer is success. Errors
/// call the URL `label` and give the status, never the answer's body.
fn http_post(
    url: &str,
    label: &str,
    timeout_s: u64,
    headers: &[(&str, String)],
    body: &str,
) -> Result<(), Failure> {
    if !tkt::delivery::url_allowed(url) {
        return Err(Failure::Setup(format!(
            "{label} must be an https:// URL (http:// only to a loopback host)"
        )));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(timeout_s)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut request = agent
        .post(url)
        .header("Content-Type", "application/json")
        .header("User-Agent", concat!("tkt/", env!("CARGO_PKG_VERSION")));
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request
        .send(body.as_bytes())
        .map_err(|e| Failure::Attempt(format!("POST {label}: {e}")))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    Err(Failure::Attempt(format!("POST {label}: HTTP {status}")))
}
