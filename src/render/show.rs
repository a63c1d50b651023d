//! `tkt show`: one ticket as a page a person reads, or as JSON.

use std::io::{self, Write};

use serde::Serialize;
use tkt::due::NextStep;
use tkt::policy::{Doc, Level};
use tkt::sanitize;
use tkt::sla::{Timer, TimerStatus};
use tkt::ticket::{Event, Ticket};
use tkt::time::Timestamp;
use tkt::workflow::{Remedy, Status};

use super::remedy::{NextStepJson, remedy, step};
use super::sla::{describe, metric_label};
use super::{JSON_SCHEMA, event_summary, relative, short_time};
use crate::render::style;

pub struct ShowView<'a> {
    pub file: String,
    pub ticket: &'a Ticket,
    pub status: &'a Status,
    pub next_level: Option<(&'a Level, Vec<Doc>)>,
    pub timers: &'a [Timer],
    pub next_step: Option<NextStep>,
    pub now: Timestamp,
    /// One line per event, no bodies.
    pub brief: bool,
}

/// The page for people: every text from the file is escaped
/// (`tkt::sanitize`), bodies indented under their heading.
pub fn text(out: &mut impl Write, v: &ShowView<'_>) -> io::Result<()> {
    let (t, s) = (v.ticket, v.status);
    let b = style::BOLD;
    let safe = sanitize::line;
    writeln!(out, "{b}{}{b:#}  {}", t.id, safe(&s.title))?;
    writeln!(
        out,
        "  {} · {} · {} · assignee {} · team {}",
        safe(&s.severity),
        safe(&s.level),
        s.state.name(),
        safe(s.assignee.as_deref().unwrap_or("-")),
        safe(s.team.as_deref().unwrap_or("-")),
    )?;
    match (safe(&t.customer.name), safe(&t.customer.contact)) {
        (name, contact) if name.is_empty() && contact.is_empty() => {}
        (name, contact) if contact.is_empty() => writeln!(out, "  customer {name}")?,
        (name, contact) if name.is_empty() => writeln!(out, "  customer contact {contact}")?,
        (name, contact) => writeln!(out, "  customer {name} <{contact}>")?,
    }
    writeln!(
        out,
        "  opened {} ({})",
        short_time(s.opened_at),
        relative(v.now, s.opened_at)
    )?;
    if let Some(update) = s.last_customer_update {
        writeln!(
            out,
            "  last customer update {} ({})",
            short_time(update),
            relative(v.now, update)
        )?;
    }
    if let Some(reply) = s.last_customer_reply {
        let unanswered = if s.unanswered_reply().is_some() {
            ", unanswered"
        } else {
            ""
        };
        writeln!(
            out,
            "  last customer reply {} ({}{unanswered})",
            short_time(reply),
            relative(v.now, reply)
        )?;
    }
    if s.repeated_outage {
        writeln!(out, "  {}repeated outage{:#}", style::WARN, style::WARN)?;
    }
    if let Some(reason) = &s.pause_reason {
        writeln!(out, "  paused: {}", safe(reason))?;
    }
    if !s.waiting_on_teams.is_empty() {
        writeln!(
            out,
            "  waiting on: {}",
            safe(&s.waiting_on_teams.join(", "))
        )?;
    }
    for (heading, body) in [("Description", &t.description), ("Impact", &t.impact)] {
        if !body.is_empty() {
            writeln!(out, "\n{b}{heading}{b:#}")?;
            for line in sanitize::block(body).lines() {
                writeln!(out, "  {line}")?;
            }
        }
    }
    if !v.timers.is_empty() {
        writeln!(out, "\n{b}SLA{b:#}")?;
        let width = v
            .timers
            .iter()
            .map(|t| safe(&metric_label(t)).chars().count())
            .max()
            .unwrap_or(0);
        // Every cycle still counting or breached; of the met history only
        // the latest cycle of each timer (JSON and `sla explain` list all).
        let latest = |t: &Timer| {
            !v.timers
                .iter()
                .any(|o| o.metric == t.metric && o.level == t.level && o.cycle > t.cycle)
        };
        for timer in v
            .timers
            .iter()
            .filter(|t| t.status != TimerStatus::Met || latest(t))
        {
            let s = match timer.status {
                TimerStatus::Breached => style::ERROR,
                TimerStatus::Warning => style::WARN,
                TimerStatus::Met => style::OK,
                _ => anstyle::Style::new(),
            };
            writeln!(
                out,
                "  {:width$}  {s}{:8}{s:#}  {}",
                safe(&metric_label(timer)),
                timer.status.name(),
                describe(timer, v.now),
            )?;
        }
    }
    writeln!(out, "\n{b}Timeline{b:#}")?;
    let voided = tkt::workflow::voided_refs(t, v.now);
    let references = t.references();
    // Reading order: `opened` first, then by time, ties in file order.
    let mut order: Vec<usize> = (0..t.events.len()).collect();
    order.sort_by_key(|&i| {
        let e = &t.events[i];
        (!matches!(e, Event::Opened { .. }), e.at(), i)
    });
    for i in order {
        let (event, reference) = (&t.events[i], &references[i]);
        let (summary, note) = if voided.contains(reference) {
            (style::VOIDED, " (voided)")
        } else {
            (anstyle::Style::new(), "")
        };
        writeln!(
            out,
            "  {}  {}{reference}  {}{:#}  {summary}{}{summary:#}{note}",
            short_time(event.at()),
            style::DIM,
            safe(event.by()),
            style::DIM,
            event_summary(event)
        )?;
        if !v.brief {
            for line in super::story::body(t, event, reference) {
                writeln!(out, "{:31}{summary}{line}{summary:#}", "")?;
            }
        }
    }
    let attachments: Vec<&tkt::ticket::Attachment> =
        t.events.iter().flat_map(|e| e.attachments()).collect();
    if !attachments.is_empty() {
        writeln!(out, "\n{b}Attachments{b:#}")?;
        for a in attachments {
            writeln!(
                out,
                "  {}  {}  {}attachments/{}/{}{:#}",
                tkt::sanitize::line(&a.name),
                super::bytes(a.size),
                style::DIM,
                t.id,
                tkt::sanitize::line(&a.file_name()),
                style::DIM
            )?;
        }
    }
    if let Some(next) = &v.next_step {
        let when = super::remedy::step_when(next, v.now)
            .map(|w| format!(" ({w})"))
            .unwrap_or_default();
        writeln!(
            out,
            "\n{b}Next step{b:#}: {}{when}  {}{}{:#}",
            safe(&next.step.action()),
            style::DIM,
            safe(&step(&next.step, t.id.as_str())),
            style::DIM
        )?;
        for need in &next.needs {
            let phrase = super::remedy::need_phrase(&need.what);
            match &need.remedy {
                Some(fix) => writeln!(
                    out,
                    "  {}{}{:#}: {}",
                    style::WARN,
                    safe(&phrase),
                    style::WARN,
                    safe(&remedy(fix, t.id.as_str()))
                )?,
                None => writeln!(out, "  {}{}{:#}", style::WARN, safe(&phrase), style::WARN)?,
            }
        }
    }
    if let Some((level, missing)) = &v.next_level {
        writeln!(
            out,
            "\n{b}Next level{b:#}: {} ({})",
            safe(&level.id),
            safe(&level.name)
        )?;
        if missing.is_empty() {
            writeln!(out, "  {}documentation complete{:#}", style::OK, style::OK)?;
        } else {
            for doc in missing {
                writeln!(
                    out,
                    "  {}missing{:#} {}: {}",
                    style::WARN,
                    style::WARN,
                    doc.name(),
                    remedy(&Remedy::Document(*doc), t.id.as_str())
                )?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct MissingJson {
    doc: Doc,
    name: &'static str,
    hint: String,
}

#[derive(Serialize)]
struct NextLevelJson<'a> {
    id: &'a str,
    name: &'a str,
    missing: Vec<MissingJson>,
}

/// An event as in the file, with its stable reference and whether a
/// correction voided it.
#[derive(Serialize)]
struct EventJson<'a> {
    #[serde(rename = "ref")]
    reference: String,
    voided: bool,
    #[serde(flatten)]
    event: &'a Event,
}

#[derive(Serialize)]
struct ShowJson<'a> {
    schema: u32,
    now: Timestamp,
    file: &'a str,
    id: &'a str,
    title: &'a str,
    customer: &'a tkt::ticket::Customer,
    description: &'a str,
    impact: &'a str,
    status: &'a Status,
    next_level: Option<NextLevelJson<'a>>,
    next_step: Option<NextStepJson>,
    timers: &'a [Timer],
    events: Vec<EventJson<'a>>,
}

pub fn json(out: &mut impl Write, v: &ShowView<'_>) -> io::Result<()> {
    let voided = tkt::workflow::voided_refs(v.ticket, v.now);
    let doc = ShowJson {
        schema: JSON_SCHEMA,
        now: v.now,
        file: &v.file,
        id: v.ticket.id.as_str(),
        title: &v.ticket.title,
        customer: &v.ticket.customer,
        description: &v.ticket.description,
        impact: &v.ticket.impact,
        status: v.status,
        next_level: v.next_level.as_ref().map(|(level, missing)| NextLevelJson {
            id: &level.id,
            name: &level.name,
            missing: missing
                .iter()
                .map(|&doc| MissingJson {
                    doc,
                    name: doc.name(),
                    hint: remedy(&Remedy::Document(doc), "ID"),
                })
                .collect(),
        }),
        next_step: v.next_step.as_ref().map(|n| NextStepJson::new(n, "ID")),
        timers: v.timers,
        events: v
            .ticket
            .events
            .iter()
            .zip(v.ticket.references())
            .map(|(event, reference)| EventJson {
                voided: voided.contains(&reference),
                reference,
                event,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(super::JsonOut(&mut *out), &doc)?;
    writeln!(out)
}
