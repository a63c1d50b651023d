//! `tkt deliver`: sends every notice the channels are owed (the outbox of
//! `tkt::delivery`), records each attempt on its ticket, then exits. Run by
//! CI or cron; one run at a time (a desk-wide lock).

use std::io::Write;
use std::time::Duration;

use clap::Args;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{SmtpTransport, Transport as _};
use tkt::delivery::{Owed, Smtp, Tls, Transport, Undelivered, Webhook};
use tkt::store::Repo;
use tkt::ticket::Event;
use tkt::workflow;

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
    let (mut sent, mut failed, mut stuck, mut unreadable, mut would) = (0, 0, 0, 0, 0);
    for entry in repo.entries()? {
        let Ok(ticket) = Repo::parse_entry(&entry, Repo::read_entry(&entry)) else {
            unreadable += 1;
            continue;
        };
        let status = workflow::replay_at(&ticket, ctx.now);
        let (owed, not_now) = tkt::delivery::outbox(&channels, &ticket, &status, ctx.now);
        for (ticket_id, notice, why) in &not_now {
            if !matches!(why, Undelivered::Later { .. }) {
                stuck += 1;
            }
            render::not_now(&mut out, ticket_id, notice, why)?;
        }
        for item in owed {
            if args.dry_run {
                render::would_send(&mut out, &item)?;
                would += 1;
                continue;
            }
            let outcome = match &item.channel.transport {
                Transport::Smtp(smtp) => send_mail(smtp, &item),
                Transport::Webhook(hook) => post(hook, &item),
            };
            let attempt = match outcome {
                Ok(()) => Attempt::Sent,
                Err(error) => Attempt::Failed(error),
            };
            let event = |at, by: String| match &attempt {
                Attempt::Sent => Event::Delivered {
                    at,
                    by,
                    of: item.notice.clone(),
                    channel: item.channel.name.clone(),
                    to: item.message.to.clone(),
                    message_id: item.message.message_id.clone(),
                    attempt: item.attempt,
                },
                Attempt::Failed(error) => Event::DeliveryFailed {
                    at,
                    by,
                    of: item.notice.clone(),
                    channel: item.channel.name.clone(),
                    to: item.message.to.clone(),
                    attempt: item.attempt,
                    error: error.clone(),
                },
            };
            // Sent and not recorded is the one loss that matters: said
            // loudly; the next run sends the same Message-ID again.
            if let Err(e) = record::record_on(
                ctx,
                &desk,
                &ticket.id,
                &EventTime::default(),
                by.clone(),
                |d| Ok(event(d.at, d.by.clone())),
            ) {
                render::unrecorded(&mut anstream::stderr(), &item, &e.to_string())?;
                return Err(e);
            }
            match &attempt {
                Attempt::Sent => sent += 1,
                Attempt::Failed(_) => failed += 1,
            }
            let failure = match &attempt {
                Attempt::Sent => None,
                Attempt::Failed(error) => Some(error.as_str()),
            };
            render::attempted(&mut out, &item, failure, channels.max_attempts)?;
        }
    }
    if args.dry_run {
        render::dry_summary(&mut out, would, stuck)?;
    } else {
        render::summary(&mut out, sent, failed, stuck)?;
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(if failed > 0 || stuck > 0 {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

/// The value of the environment variable `name`, which holds a secret.
fn secret(name: &str) -> Result<String, String> {
    std::env::var(name)
        .map_err(|_| format!("the environment variable {name} (a secret) is not set"))
}

/// Mails `item` through the SMTP channel: a connection per message, every
/// step within the channel's timeout. The error says what failed, never a
/// credential.
fn send_mail(smtp: &Smtp, item: &Owed<'_>) -> Result<(), String> {
    let message = &item.message;
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|e| format!("from `{}`: {e}", smtp.from))?;
    let to: Mailbox = message
        .to
        .parse()
        .map_err(|e| format!("to `{}`: {e}", message.to))?;
    let mut builder = lettre::Message::builder()
        .message_id(Some(message.message_id.clone()))
        .from(from)
        .to(to)
        .subject(message.subject.clone());
    if let Some(reply_to) = &smtp.reply_to {
        builder = builder.reply_to(
            reply_to
                .parse()
                .map_err(|e| format!("reply_to `{reply_to}`: {e}"))?,
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
        .map_err(|e| e.to_string())?;
    let transport = match smtp.tls {
        Tls::Implicit => SmtpTransport::relay(&smtp.host),
        Tls::StartTls => SmtpTransport::starttls_relay(&smtp.host),
        Tls::None => Ok(SmtpTransport::builder_dangerous(&smtp.host)),
    }
    .map_err(|e| e.to_string())?;
    let mut transport = transport
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_s)));
    if let (Some(user), Some(password)) = (&smtp.user_env, &smtp.password_env) {
        transport = transport.credentials(Credentials::new(secret(user)?, secret(password)?));
    }
    transport
        .build()
        .send(&email)
        .map(|_| ())
        .map_err(|e| format!("{}:{}: {e}", smtp.host, smtp.port))
}

/// Posts `item` to the webhook: HTTPS (plain HTTP to a loopback host
/// only), within the channel's timeout, with an `Idempotency-Key` and,
/// when the channel has a secret, an `X-Tkt-Signature`. Any 2xx is
/// delivered. The URL is a secret: errors name its variable instead.
fn post(hook: &Webhook, item: &Owed<'_>) -> Result<(), String> {
    let url = secret(&hook.url_env)?;
    let redact = |text: String| text.replace(&url, &format!("${}", hook.url_env));
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|_| format!("${} is not a URL", hook.url_env))?;
    let plain_ok = uri.host().is_some_and(tkt::delivery::is_loopback);
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if plain_ok => {}
        _ => {
            return Err(format!(
                "${} must be an https:// URL (http:// only to a loopback host)",
                hook.url_env
            ));
        }
    }
    let body = tkt::delivery::webhook_body(hook.style, item);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(hook.timeout_s)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut request = agent
        .post(&url)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", &item.message.message_id)
        .header("User-Agent", concat!("tkt/", env!("CARGO_PKG_VERSION")));
    if let Some(name) = &hook.secret_env {
        let key = secret(name)?;
        request = request.header(
            "X-Tkt-Signature",
            tkt::delivery::signature(key.as_bytes(), body.as_bytes()),
        );
    }
    let response = request
        .send(body.as_bytes())
        .map_err(|e| redact(format!("POST ${}: {e}", hook.url_env)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response
        .into_body()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    let snippet: String = text.trim().chars().take(200).collect();
    Err(redact(
        format!("POST ${}: HTTP {status} {snippet}", hook.url_env)
            .trim()
            .to_string(),
    ))
}
