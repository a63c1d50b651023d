//! A post-escalation review document drafted from a ticket's timeline; the
//! parts a recorded review still lacks; the closed tickets owing one.

use std::io::{self, Write};

use tkt::desk::Timed;
use tkt::duration;
use tkt::sanitize;
use tkt::sla::Timer;
use tkt::ticket::{Event, ReviewPart, Ticket};
use tkt::time::Timestamp;
use tkt::workflow::Status;

use super::sla::metric_label;
use super::{event_summary, md_cell as cell, short_time};

/// A recorded review text as a Markdown paragraph: controls escaped, its
/// lines after the first indented (they continue the paragraph), pipes
/// escaped so that no line of it can make a table row.
fn paragraph(text: &str) -> String {
    let body = sanitize::block(text);
    let body = if body.contains('|') {
        body.replace('|', "\\|")
    } else {
        body.into_owned()
    };
    let mut out = String::with_capacity(body.len());
    for (i, line) in body.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            if !line.is_empty() {
                out.push_str("  ");
            }
        }
        out.push_str(line);
    }
    out
}

/// `review incomplete: still needs …`, after the confirmation.
pub fn incomplete(out: &mut impl Write, missing: &[ReviewPart]) -> io::Result<()> {
    let names: Vec<&str> = missing.iter().map(|p| p.name()).collect();
    writeln!(out, "review incomplete: still needs {}", names.join(", "))
}

/// `review --due` when no closed ticket owes a review.
pub fn nothing_due(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "no review is due")
}

/// `review --due` without review timers (none in the policy): one line
/// per ticket.
pub fn due_tickets(out: &mut impl Write, tickets: &[Timed]) -> io::Result<()> {
    for t in tickets {
        writeln!(
            out,
            "{}  {}  {}",
            t.id(),
            sanitize::line(t.severity()),
            sanitize::line(t.title())
        )?;
    }
    Ok(())
}

pub fn draft(
    out: &mut impl Write,
    ticket: &Ticket,
    status: &Status,
    timers: &[Timer],
    now: Timestamp,
) -> io::Result<()> {
    writeln!(
        out,
        "# Post-escalation review: {} {}\n",
        ticket.id,
        sanitize::line(&status.title)
    )?;
    let mut facts = vec![
        format!("severity {}", sanitize::line(&status.severity)),
        format!("highest level {}", sanitize::line(&status.level)),
        format!("opened {}", short_time(status.opened_at)),
    ];
    if let Some(t) = status.resolved_at {
        facts.push(format!("resolved {}", short_time(t)));
    }
    if let Some(t) = status.closed_at {
        facts.push(format!("closed {}", short_time(t)));
    }
    writeln!(out, "{}\n", facts.join(" · "))?;
    if !ticket.customer.name.is_empty() {
        writeln!(out, "Customer: {}\n", sanitize::line(&ticket.customer.name))?;
    }
    writeln!(out, "## Timeline\n\n| when | who | what |\n|---|---|---|")?;
    for event in ticket.events.iter().filter(|e| e.at() <= now) {
        writeln!(
            out,
            "| {} | {} | {} |",
            short_time(event.at()),
            cell(event.by()),
            cell(&event_summary(event))
        )?;
    }
    if !timers.is_empty() {
        writeln!(
            out,
            "\n## SLA\n\n| timer | status | used of target |\n|---|---|---|"
        )?;
        for t in timers {
            writeln!(
                out,
                "| {} | {} | {} of {} |",
                cell(&metric_label(t)),
                t.status.name(),
                duration::format_hours(t.elapsed_s),
                duration::format_hours(t.target_s)
            )?;
        }
    }
    let mut went_well = Vec::new();
    let mut went_poorly = Vec::new();
    let mut feedback = Vec::new();
    let mut lessons = Vec::new();
    let mut actions = Vec::new();
    for event in &ticket.events {
        if let Event::Reviewed {
            went_well: w,
            went_poorly: p,
            satisfaction,
            customer_feedback,
            lessons: l,
            action_items,
            ..
        } = event
        {
            went_well.extend(w.clone());
            went_poorly.extend(p.clone());
            if let Some(n) = satisfaction {
                feedback.push(format!("Satisfaction: {n} of 5"));
            }
            feedback.extend(customer_feedback.clone());
            lessons.extend(l.clone());
            actions.extend(action_items.iter().cloned());
        }
    }
    let section =
        |out: &mut dyn Write, heading: &str, items: &[String], prompt: &str| -> io::Result<()> {
            writeln!(out, "\n{heading}\n")?;
            if items.is_empty() {
                writeln!(out, "_{prompt}_")
            } else {
                items
                    .iter()
                    .try_for_each(|i| writeln!(out, "{}", paragraph(i)))
            }
        };
    writeln!(out, "\n## Assessment")?;
    section(
        out,
        "### What went well",
        &went_well,
        "To write: what helped the escalation.",
    )?;
    section(
        out,
        "### What went poorly",
        &went_poorly,
        "To write: delays, hand-offs, missing information.",
    )?;
    section(
        out,
        "## Customer feedback",
        &feedback,
        "To collect: satisfaction (1–5) and the customer's words.",
    )?;
    section(out, "## Lessons learned", &lessons, "To write.")?;
    writeln!(out, "\n## Action items\n")?;
    if actions.is_empty() {
        writeln!(
            out,
            "_To agree: each with an owner and a due date (`tkt review {} --action \"TEXT;OWNER;YYYY-MM-DD\"`)._",
            ticket.id
        )?;
    } else {
        writeln!(out, "| action | owner | due |\n|---|---|---|")?;
        for a in actions {
            writeln!(
                out,
                "| {} | {} | {} |",
                cell(&a.text),
                cell(&a.owner),
                a.due
            )?;
        }
    }
    Ok(())
}
