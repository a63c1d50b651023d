//! `tkt sla explain`: the derivation of every timer, for a person to audit.

use std::io::{self, Write};

use chrono::NaiveDate;
use serde::Serialize;
use tkt::duration;
use tkt::policy::Policy;
use tkt::sanitize;
use tkt::sla::{Action, Effect, Evaluation, Segment, Timer};
use tkt::ticket::{Event, Ticket};
use tkt::time::Timestamp;
use tkt::workflow::Status;

use super::sla::{cycle_name, describe, metric_label};
use super::{JSON_SCHEMA, event_summary, event_summary_exact};
use crate::render::style;

pub struct ExplainView<'a> {
    pub policy: &'a Policy,
    pub ticket: &'a Ticket,
    pub status: &'a Status,
    pub evaluation: &'a Evaluation,
    pub now: Timestamp,
}

/// Calendar facts inside one segment that change how it counts.
#[derive(Serialize)]
struct SegmentNotes {
    holidays: Vec<NaiveDate>,
    dst_changes: Vec<Timestamp>,
}

fn notes(policy: &Policy, seg: &Segment, now: Timestamp) -> SegmentNotes {
    let Some(calendar) = policy.calendar(&seg.calendar) else {
        return SegmentNotes {
            holidays: Vec::new(),
            dst_changes: Vec::new(),
        };
    };
    let to = seg.to.unwrap_or(now);
    SegmentNotes {
        holidays: calendar.holidays_between(seg.from.utc(), to.utc()),
        dst_changes: calendar
            .dst_transitions_between(seg.from.utc(), to.utc())
            .into_iter()
            .map(Timestamp::from_utc)
            .collect(),
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Started => "started",
        Action::Paused => "paused",
        Action::Resumed => "resumed",
        Action::Stopped => "stopped",
        Action::Restarted => "restarted",
        Action::Recalendared => "moved to the new tier's calendar",
        Action::Dropped => "dropped",
    }
}

fn effect_label(effect: &Effect) -> String {
    format!(
        "{} {}",
        cycle_name(effect.metric, effect.level.as_deref(), effect.cycle),
        action_word(effect.action)
    )
}

fn calendar_label(policy: &Policy, name: &str) -> String {
    match policy.calendar(name).and_then(|c| c.zone()) {
        Some(zone) => format!("{name} ({zone})"),
        None => name.to_string(),
    }
}

fn long_time(t: Timestamp) -> String {
    t.utc().format("%Y-%m-%d %H:%M:%SZ").to_string()
}

pub fn text(out: &mut impl Write, v: &ExplainView<'_>) -> io::Result<()> {
    let b = style::BOLD;
    let safe = sanitize::line;
    writeln!(out, "{b}{}{b:#}  {}", v.ticket.id, safe(&v.ticket.title))?;
    writeln!(
        out,
        "  {} · {} · {} · evaluated at {}",
        safe(&v.status.severity),
        safe(&v.status.level),
        v.status.state.name(),
        v.now
    )?;
    writeln!(
        out,
        "\n{b}Events{b:#} (in replay order: opened first, then by time; same instant: file order)"
    )?;
    // The replay's own order; voided events follow, marked.
    let timeline = tkt::workflow::Timeline::of(v.ticket, tkt::time::Timestamp::MAX);
    let mut order = timeline.current;
    let voided: Vec<usize> = (0..v.ticket.events.len())
        .filter(|i| !order.contains(i))
        .collect();
    order.extend(voided);
    for i in order {
        let event: &Event = &v.ticket.events[i];
        let note = if v.evaluation.ignored_future.contains(&i) {
            "  (after the evaluation instant: ignored)"
        } else if !v.evaluation.replayed.contains(&i) {
            "  (voided: ignored)"
        } else {
            ""
        };
        writeln!(
            out,
            "  #{:<3} {}  {}{note}",
            i + 1,
            long_time(event.at()),
            event_summary(event),
        )?;
        let effects: Vec<String> = v
            .evaluation
            .effects
            .iter()
            .filter(|e| e.event == i)
            .map(effect_label)
            .collect();
        if !effects.is_empty() {
            writeln!(out, "        → {}", safe(&effects.join("; ")))?;
        }
    }
    for timer in &v.evaluation.timers {
        writeln!(
            out,
            "\n{b}{}{b:#} · {} · target {} ({} s)",
            safe(&metric_label(timer)),
            safe(&calendar_label(v.policy, &timer.calendar)),
            duration::format_hours(timer.target_s),
            timer.target_s
        )?;
        if timer.segments.is_empty() {
            writeln!(out, "  never ran")?;
        }
        for seg in &timer.segments {
            let to = match seg.to {
                Some(to) => long_time(to),
                None => format!("now ({})", long_time(v.now)),
            };
            writeln!(
                out,
                "  {} → {}  {} business ({} s, {} calendar)",
                long_time(seg.from),
                to,
                duration::format_hours(seg.business_s),
                seg.business_s,
                safe(&seg.calendar)
            )?;
            let n = notes(v.policy, seg, v.now);
            for day in n.holidays {
                writeln!(out, "      holiday {day}: not counted")?;
            }
            for change in n.dst_changes {
                writeln!(
                    out,
                    "      clock change at {}: windows after it use the new offset",
                    long_time(change)
                )?;
            }
        }
        let verdict = match (timer.due, timer.stopped_at) {
            (_, Some(stopped)) => format!("stopped {}", long_time(stopped)),
            (Some(due), None) => format!("due {}", long_time(due)),
            (None, None) => "not counting".to_string(),
        };
        writeln!(
            out,
            "  elapsed {} s of {} s, remaining {} s → {}{}{:#} · {} · {verdict}",
            timer.elapsed_s,
            timer.target_s,
            timer.remaining_s,
            style::BOLD,
            timer.status.name(),
            style::BOLD,
            describe(timer, v.now)
        )?;
    }
    for dropped in &v.evaluation.dropped {
        writeln!(
            out,
            "\n{b}{}{b:#} · dropped {} after {} business ({} s): no verdict",
            safe(&cycle_name(
                dropped.metric,
                dropped.level.as_deref(),
                dropped.cycle
            )),
            long_time(dropped.dropped_at),
            duration::format_hours(dropped.elapsed_s),
            dropped.elapsed_s
        )?;
    }
    if v.evaluation.timers.is_empty() {
        writeln!(
            out,
            "\nno timers: the severity `{}` has no targets in policy.toml",
            safe(&v.status.severity)
        )?;
    }
    Ok(())
}

#[derive(Serialize)]
struct SegmentJson<'a> {
    #[serde(flatten)]
    segment: &'a Segment,
    #[serde(flatten)]
    notes: SegmentNotes,
}

#[derive(Serialize)]
struct TimerJson<'a> {
    #[serde(flatten)]
    timer: &'a Timer,
    segments: Vec<SegmentJson<'a>>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    index: usize,
    at: Timestamp,
    #[serde(rename = "type")]
    kind: &'static str,
    summary: String,
    ignored: bool,
    effects: Vec<&'a Effect>,
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    schema: u32,
    now: Timestamp,
    id: &'a str,
    events: Vec<EventJson<'a>>,
    timers: Vec<TimerJson<'a>>,
    /// Cycles that ended without a verdict (only explain shows them).
    dropped: &'a [tkt::sla::Dropped],
}

pub fn json(out: &mut impl Write, v: &ExplainView<'_>) -> io::Result<()> {
    let doc = ExplainJson {
        schema: JSON_SCHEMA,
        now: v.now,
        id: v.ticket.id.as_str(),
        events: v
            .ticket
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| EventJson {
                index: i,
                at: e.at(),
                kind: e.kind(),
                summary: event_summary_exact(e),
                ignored: !v.evaluation.replayed.contains(&i),
                effects: v
                    .evaluation
                    .effects
                    .iter()
                    .filter(|x| x.event == i)
                    .collect(),
            })
            .collect(),
        timers: v
            .evaluation
            .timers
            .iter()
            .map(|timer| TimerJson {
                timer,
                segments: timer
                    .segments
                    .iter()
                    .map(|segment| SegmentJson {
                        segment,
                        notes: notes(v.policy, segment, v.now),
                    })
                    .collect(),
            })
            .collect(),
        dropped: &v.evaluation.dropped,
    };
    serde_json::to_writer_pretty(super::JsonOut(&mut *out), &doc)?;
    writeln!(out)
}
