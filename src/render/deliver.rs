//! `tkt deliver`: each attempt, what waits, what would be sent, the
//! totals. Every text from a ticket or a server is shown escaped.

use std::io::{self, Write};

use tkt::delivery::{Owed, Transport, Undelivered};
use tkt::sanitize::{block, line};

/// One attempt and how it went: `failure` is the error of a failed one.
pub fn attempted(
    out: &mut impl Write,
    item: &Owed<'_>,
    failure: Option<&str>,
    max_attempts: u32,
) -> io::Result<()> {
    match failure {
        None => writeln!(
            out,
            "sent      {} {} to {} by {} {}",
            item.ticket,
            item.kind,
            line(&item.message.to),
            item.channel.name,
            line(&item.message.message_id)
        ),
        Some(error) => writeln!(
            out,
            "failed    {} {} to {} by {} (attempt {} of {}): {}",
            item.ticket,
            item.kind,
            line(&item.message.to),
            item.channel.name,
            item.attempt,
            max_attempts,
            line(error)
        ),
    }
}

/// A notice not sent now, and why.
pub fn not_now(
    out: &mut impl Write,
    ticket: &str,
    notice: &str,
    why: &Undelivered,
) -> io::Result<()> {
    match why {
        Undelivered::Later { attempt, at } => writeln!(
            out,
            "waiting   {ticket} notice {notice}: attempt {attempt} after {at}"
        ),
        Undelivered::NoRecipient => writeln!(
            out,
            "undelivered {ticket} notice {notice}: the customer contact is not a mail address"
        ),
        Undelivered::GaveUp { attempts, error } => writeln!(
            out,
            "undelivered {ticket} notice {notice}: gave up after {attempts} attempt{}: {}",
            if *attempts == 1 { "" } else { "s" },
            line(error)
        ),
    }
}

/// `--dry-run`: the message exactly as it would go out.
pub fn would_send(out: &mut impl Write, item: &Owed<'_>) -> io::Result<()> {
    match &item.channel.transport {
        Transport::Smtp(smtp) => {
            writeln!(
                out,
                "would send {} {} by {} (smtp {}:{}, attempt {})",
                item.ticket, item.kind, item.channel.name, smtp.host, smtp.port, item.attempt
            )?;
            writeln!(out, "  From: {}", line(&smtp.from))?;
            if let Some(reply_to) = &smtp.reply_to {
                writeln!(out, "  Reply-To: {}", line(reply_to))?;
            }
            writeln!(out, "  To: {}", line(&item.message.to))?;
            writeln!(out, "  Subject: {}", line(&item.message.subject))?;
            writeln!(out, "  Message-ID: {}", line(&item.message.message_id))?;
            if let Some(last) = item.message.references.last() {
                writeln!(out, "  In-Reply-To: {}", line(last))?;
            }
            writeln!(out)?;
            for l in block(&item.message.body).lines() {
                writeln!(out, "  {l}")?;
            }
        }
        Transport::Webhook(hook) => {
            writeln!(
                out,
                "would post {} {} to {} (webhook ${}, attempt {})",
                item.ticket, item.kind, item.channel.name, hook.url_env, item.attempt
            )?;
            writeln!(out, "  Idempotency-Key: {}", line(&item.message.message_id))?;
            writeln!(out)?;
            let body = tkt::delivery::webhook_body(hook.style, item);
            writeln!(out, "  {}", line(&body))?;
        }
    }
    writeln!(out)
}

/// A message went out but its `delivered` event could not be written.
pub fn unrecorded(out: &mut impl Write, item: &Owed<'_>, error: &str) -> io::Result<()> {
    writeln!(
        out,
        "sent {} {} ({}) but could not record it: {}; the next run sends the same Message-ID again",
        item.ticket,
        item.kind,
        line(&item.message.message_id),
        line(error)
    )
}

pub fn summary(out: &mut impl Write, sent: usize, failed: usize, stuck: usize) -> io::Result<()> {
    writeln!(out, "{sent} sent, {failed} failed, {stuck} undelivered")
}

pub fn dry_summary(out: &mut impl Write, would: usize, stuck: usize) -> io::Result<()> {
    writeln!(
        out,
        "{would} would be sent, {stuck} undelivered (dry run: nothing sent)"
    )
}
