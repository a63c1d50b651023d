//! `tkt ingest`: a line per message (what became of it), or JSON; and the
//! quarantine listing. Every text from a message is shown escaped.

use std::io::{self, Write};

use serde_json::json;
use tkt::inbound::Ingested;
use tkt::sanitize::line;
use tkt::store::{Quarantined, Repo};
use tkt::ticket::Event;

/// "T-…  customer replied (bob@acme.example): … — resumed".
pub fn ingested(out: &mut impl Write, repo: &Repo, done: &Ingested) -> io::Result<()> {
    match done {
        Ingested::Replied { id, event, resumed } => {
            let tail = if *resumed {
                " (the wait on the customer ends)"
            } else {
                ""
            };
            writeln!(out, "{id}  {}{tail}", super::event_summary(event))
        }
        Ingested::Opened { id, event } => {
            let from = match event {
                Event::CustomerReplied { from, .. } => from.as_str(),
                _ => "",
            };
            writeln!(out, "{id}  opened from mail ({})", line(from))
        }
        Ingested::Duplicate { id, message_id } => {
            writeln!(out, "{id}  already recorded: {}", line(message_id))
        }
        Ingested::Quarantined { reason, path } => writeln!(
            out,
            "quarantined  {} ({})",
            line(reason),
            repo.relative(path).display()
        ),
        Ingested::Failed { error } => writeln!(out, "not stored  {}", line(error)),
    }
}

/// `{"schema": 1, "messages": [{"outcome": "replied", "ticket": …}, …]}`.
pub fn ingested_json(out: &mut impl Write, repo: &Repo, all: &[Ingested]) -> io::Result<()> {
    let messages: Vec<serde_json::Value> = all
        .iter()
        .map(|done| match done {
            Ingested::Replied { id, event, resumed } => json!({
                "outcome": "replied",
                "ticket": id.as_str(),
                "event": event.reference(),
                "kind": kind(event),
                "message_id": message_id(event),
                "resumed": resumed,
            }),
            Ingested::Opened { id, event } => json!({
                "outcome": "opened",
                "ticket": id.as_str(),
                "event": event.reference(),
                "kind": kind(event),
                "message_id": message_id(event),
            }),
            Ingested::Duplicate { id, message_id } => json!({
                "outcome": "duplicate",
                "ticket": id.as_str(),
                "message_id": message_id,
            }),
            Ingested::Quarantined { reason, path } => json!({
                "outcome": "quarantined",
                "reason": reason,
                "file": repo.relative(path),
            }),
            Ingested::Failed { error } => json!({
                "outcome": "failed",
                "error": error,
            }),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &json!({ "schema": 1, "messages": messages }))?;
    writeln!(out)
}

fn kind(event: &Event) -> Option<&'static str> {
    match event {
        Event::CustomerReplied { kind, .. } => Some(kind.name()),
        _ => None,
    }
}

fn message_id(event: &Event) -> Option<&str> {
    match event {
        Event::CustomerReplied { message_id, .. } => Some(message_id),
        _ => None,
    }
}

/// The quarantine, oldest first: when, from whom, what, why, and where.
pub fn quarantined(out: &mut impl Write, repo: &Repo, kept: &[Quarantined]) -> io::Result<()> {
    let dir = repo.quarantine_dir();
    if kept.is_empty() {
        return writeln!(out, "no quarantined mail");
    }
    for q in kept {
        writeln!(
            out,
            "{}  {}  {}",
            q.at,
            line(q.from.as_deref().unwrap_or("(no sender)")),
            line(q.subject.as_deref().unwrap_or("(no subject)"))
        )?;
        writeln!(out, "    why: {}", line(&q.reason))?;
        writeln!(
            out,
            "    file: {}",
            repo.relative(&dir.join(&q.file)).display()
        )?;
    }
    writeln!(
        out,
        "{} message{} in {}",
        kept.len(),
        if kept.len() == 1 { "" } else { "s" },
        repo.relative(&dir).display()
    )
}

/// `{"schema": 1, "dir": …, "messages": [the notes]}`.
pub fn quarantined_json(out: &mut impl Write, repo: &Repo, kept: &[Quarantined]) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &json!({
            "schema": 1,
            "dir": repo.relative(&repo.quarantine_dir()),
            "messages": kept,
        }),
    )?;
    writeln!(out)
}
