//! `tkt deliver`: each attempt, what waits, what would be sent, the
//! totals. Every text from a ticket or a server is shown escaped.

use std::io::{self, Write};

use tkt::delivery::{Owed, Page, PageAction, Transport, Undelivered};
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
    what: &str,
    why: &Undelivered,
) -> io::Result<()> {
    // A notice by its reference; a page as `escalation:L2#1`, a reminder
    // as `reminder:update_cadence#3`.
    let notice = if what.starts_with("escalation:") || what.starts_with("reminder:") {
        what.to_string()
    } else {
        format!("notice {what}")
    };
    match why {
        Undelivered::Later { attempt, at } => writeln!(
            out,
            "waiting   {ticket} {notice}: attempt {attempt} after {at}"
        ),
        Undelivered::NoRecipient => writeln!(
            out,
            "undelivered {ticket} {notice}: the customer contact is not a mail address"
        ),
        Undelivered::GaveUp { attempts, error } => writeln!(
            out,
            "undelivered {ticket} {notice}: gave up after {attempts} attempt{}: {}",
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
            if !item.message.cc.is_empty() {
                writeln!(out, "  Cc: {}", line(&item.message.cc.join(", ")))?;
            }
            writeln!(out, "  Subject: {}", line(&item.message.subject))?;
            writeln!(out, "  Message-ID: {}", line(&item.message.message_id))?;
            if let Some(last) = item.message.references.last() {
                writeln!(out, "  In-Reply-To: {}", line(last))?;
                writeln!(
                    out,
                    "  References: {}",
                    line(&item.message.references.join(" "))
                )?;
            }
            writeln!(out)?;
            for l in block(&item.message.body).lines() {
                writeln!(out, "  {l}")?;
            }
        }
        Transport::Pager(_) => {}
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
pub fn unrecorded(out: &mut impl Write, ticket: &str, key: &str, error: &str) -> io::Result<()> {
    writeln!(
        out,
        "sent {ticket} {} but could not record it: {}; the next run sends the same key again",
        line(key),
        line(error)
    )
}

/// One page attempt and how it went.
pub fn paged(
    out: &mut impl Write,
    page: &Page<'_>,
    failure: Option<&str>,
    max_attempts: u32,
) -> io::Result<()> {
    let what = match page.action {
        PageAction::Trigger => "paged",
        PageAction::Resolve => "resolved",
    };
    let who = page.on_call.as_deref().unwrap_or("nobody on call");
    match failure {
        None => writeln!(
            out,
            "{what:<9} {} escalation to {} ({}) by {} {}",
            page.ticket,
            page.level,
            line(who),
            page.channel.name,
            page.dedup_key
        ),
        Some(error) => writeln!(
            out,
            "failed    {} page ({what}) for {} by {} (attempt {} of {}): {}",
            page.ticket,
            page.level,
            page.channel.name,
            page.attempt,
            max_attempts,
            line(error)
        ),
    }
}

/// `--dry-run`: the page as it would go out (without the routing key).
pub fn would_page(out: &mut impl Write, page: &Page<'_>) -> io::Result<()> {
    let action = match page.action {
        PageAction::Trigger => "trigger",
        PageAction::Resolve => "resolve",
    };
    writeln!(
        out,
        "would page {} {action}: escalation to {} by {} (on call: {}, dedup_key {}, attempt {})",
        page.ticket,
        page.level,
        page.channel.name,
        line(page.on_call.as_deref().unwrap_or("nobody")),
        page.dedup_key,
        page.attempt
    )?;
    // The body as sent, the routing key left out.
    writeln!(out, "  {}", line(&tkt::delivery::pager_body(page, "…")))?;
    writeln!(out)
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

/// Not sent, and no attempt recorded: a setting is missing or wrong.
pub fn not_sent(
    out: &mut impl Write,
    ticket: &str,
    what: &str,
    channel: &str,
    why: &str,
) -> io::Result<()> {
    writeln!(
        out,
        "not sent  {ticket} {what} by {channel}: {} (no attempt recorded)",
        line(why)
    )
}
