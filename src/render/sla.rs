//! `tkt sla`: timers as a table, JSON, GitHub annotations, JUnit XML or a
//! Markdown summary. Also the words used for one timer everywhere.

use std::io::{self, Write};

use serde::Serialize;
use tkt::desk::{Flipped, Timed};
use tkt::duration;
use tkt::sla::{Gate, Metric, Timer, TimerStatus};
use tkt::time::Timestamp;

use super::table::{Reach, Table};
use super::{JSON_SCHEMA, github_escape_data, github_escape_property, md_cell};
use crate::render::style;

/// "first response", "escalation to L3".
/// "first response", "customer update #3" (a cycle after the first).
pub fn metric_label(timer: &Timer) -> String {
    cycle_name(timer.metric, timer.level.as_deref(), timer.cycle)
}

/// A metric's name with its cycle number when it is not the first.
pub fn cycle_name(metric: Metric, level: Option<&str>, cycle: u32) -> String {
    CycleName(metric, level, cycle).to_string()
}

/// [`cycle_name`] as a value that writes itself.
struct CycleName<'a>(Metric, Option<&'a str>, u32);

impl std::fmt::Display for CycleName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let CycleName(metric, level, cycle) = *self;
        match (metric, level) {
            (Metric::Escalation, Some(level)) => write!(f, "escalation to {level}")?,
            (Metric::Escalation, None) => f.write_str("escalation")?,
            (metric, _) => f.write_str(plain_name(metric))?,
        }
        if cycle > 1 {
            write!(f, " #{cycle}")?;
        }
        Ok(())
    }
}

/// The name of a metric other than an escalation.
fn plain_name(metric: Metric) -> &'static str {
    match metric {
        Metric::FirstResponse => "first response",
        Metric::UpdateCadence => "customer update",
        Metric::Resolution => "resolution",
        Metric::Review => "review",
        Metric::Escalation => "escalation",
    }
}

/// One vocabulary for time: "due in 23m" and "overdue by 1h 5m" for a
/// timer still counting, "breached 19d ago" for one that stopped late,
/// "paused, 2h left", "met with 1h to spare". With `--absolute`, instants
/// instead of distances ("due 2026-11-20 16:00 CET").
pub fn describe(timer: &Timer, now: Timestamp) -> String {
    Describe(timer, now).to_string()
}

/// [`describe`] as a value that writes itself.
struct Describe<'a>(&'a Timer, Timestamp);

impl std::fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use duration::{Compact, Hours};
        let Describe(timer, now) = *self;
        let absolute = super::absolute_zone().is_some();
        let when = |t: Timestamp| super::instant(t);
        match timer.status {
            TimerStatus::Breached => match (timer.stopped_at, timer.breached_at) {
                // History: it stopped (resolved, answered, met late).
                (Some(_), Some(at)) if absolute => {
                    write!(f, "breached {} by {}", when(at), Hours(-timer.remaining_s))
                }
                (Some(_), Some(at)) => write!(
                    f,
                    "breached {} ago by {}",
                    Compact((now.unix() - at.unix()).max(0)),
                    Hours(-timer.remaining_s)
                ),
                (Some(_), None) => write!(f, "breached by {}", Hours(-timer.remaining_s)),
                // Still counting past its target.
                (None, Some(at)) if absolute => write!(f, "overdue since {}", when(at)),
                (None, Some(at)) => {
                    write!(f, "overdue by {}", Compact((now.unix() - at.unix()).max(0)))
                }
                (None, None) => write!(f, "overdue by {}", Compact(-timer.remaining_s)),
            },
            TimerStatus::Warning | TimerStatus::Running => match timer.due {
                Some(due) if absolute => write!(f, "due {}", when(due)),
                Some(due) => write!(f, "due in {}", Compact((due.unix() - now.unix()).max(0))),
                None => write!(f, "{} left", Hours(timer.remaining_s)),
            },
            TimerStatus::Paused => write!(f, "paused, {} left", Hours(timer.remaining_s)),
            TimerStatus::Met => write!(f, "met with {} to spare", Hours(timer.remaining_s)),
        }
    }
}

pub fn table(out: &mut impl Write, rows: &[(&Timed, &Timer)], now: Timestamp) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "no timers match");
    }
    let table = Table::new(&[
        "TICKET", "SEVERITY", "LEVEL", "ASSIGNEE", "TIMER", "STATUS", "WHEN", "USED", "TITLE",
    ])
    .droppable(&["USED", "ASSIGNEE", "LEVEL", "SEVERITY"]);
    let fill = |(ticket, timer): &(&Timed, &Timer), cells: &mut super::table::Cells| {
        cells
            .style(match timer.status {
                TimerStatus::Breached => style::ERROR,
                TimerStatus::Warning => style::WARN,
                _ => anstyle::Style::new(),
            })
            .push(ticket.id())
            .push(ticket.severity())
            .push(ticket.level())
            .push(ticket.assignee().unwrap_or("-"))
            .push_fmt(format_args!(
                "{}",
                CycleName(timer.metric, timer.level.as_deref(), timer.cycle)
            ))
            .push(timer.status.name())
            .push_fmt(format_args!("{}", Describe(timer, now)))
            .push_fmt(format_args!(
                "{} / {}",
                duration::Hours(timer.elapsed_s),
                duration::Hours(timer.target_s)
            ))
            .push(ticket.title());
    };
    // Streamed: the cells of a million timers are not copied first. The
    // rows go by urgency, the timers lie ticket after ticket: the columns
    // are measured in the timers' order.
    let in_memory_order = || {
        use rayon::prelude::*;
        let mut rows = rows.to_vec();
        rows.par_sort_unstable_by_key(|(_, timer)| std::ptr::from_ref(*timer).addr());
        rows
    };
    // The writing pass goes by urgency, from ticket to ticket: each row's
    // ticket and timer, then the ticket's texts, are asked for ahead.
    let prefetch = |(ticket, timer): &(&Timed, &Timer), reach| match reach {
        Reach::Row => {
            super::table::prefetch(*ticket);
            super::table::prefetch(*timer);
        }
        Reach::Within => super::table::prefetch(ticket.id()),
    };
    table.stream_measured(out, rows, in_memory_order, prefetch, fill)
}

/// For stderr under the table: the counts line and the evaluation instant.
pub fn summary_at(
    out: &mut impl Write,
    rows: &[(&Timed, &Timer)],
    now: Timestamp,
) -> io::Result<()> {
    writeln!(out, "{} at {now}", summary(rows))
}

/// The counts line: "2 breached, 1 warning, 14 running, 3 paused".
pub fn summary(rows: &[(&Timed, &Timer)]) -> String {
    // One pass over the rows (a million timers lie all over memory).
    let mut counts = [0usize; TimerStatus::ALL.len()];
    for (_, t) in rows {
        counts[t.status as usize] += 1;
    }
    let count = |s: TimerStatus| counts[s as usize];
    let parts: Vec<String> = [
        TimerStatus::Breached,
        TimerStatus::Warning,
        TimerStatus::Running,
        TimerStatus::Paused,
        TimerStatus::Met,
    ]
    .into_iter()
    .map(|s| (s, count(s)))
    .filter(|(_, n)| *n > 0)
    .map(|(s, n)| format!("{n} {}", s.name()))
    .collect();
    if parts.is_empty() {
        "no timers".to_string()
    } else {
        parts.join(", ")
    }
}

#[derive(Serialize)]
struct TicketJson<'a> {
    id: &'a str,
    title: &'a str,
    file: &'a str,
    severity: &'a str,
    state: &'a str,
    level: &'a str,
    assignee: Option<&'a str>,
    team: Option<&'a str>,
    timers: &'a [Timer],
}

#[derive(Serialize)]
struct Counts {
    breached: usize,
    warning: usize,
    running: usize,
    paused: usize,
    met: usize,
}

#[derive(Serialize)]
struct SlaJson<'a> {
    schema: u32,
    now: Timestamp,
    counts: Counts,
    tickets: Vec<TicketJson<'a>>,
    /// `review --due` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    overdue_actions: Option<Vec<super::action::ActionJson<'a>>>,
}

pub fn json(out: &mut impl Write, tickets: &[Timed], now: Timestamp) -> io::Result<()> {
    json_document(out, tickets, None, now)
}

/// `review --due`: the document of [`json`] and the review action items
/// past their due date.
pub fn json_with_overdue(
    out: &mut impl Write,
    tickets: &[Timed],
    overdue: &[super::action::ActionRow<'_>],
    now: Timestamp,
) -> io::Result<()> {
    json_document(out, tickets, Some(overdue), now)
}

fn json_document(
    out: &mut impl Write,
    tickets: &[Timed],
    overdue: Option<&[super::action::ActionRow<'_>]>,
    now: Timestamp,
) -> io::Result<()> {
    let all = || tickets.iter().flat_map(|t| t.timers());
    let count = |s: TimerStatus| all().filter(|t| t.status == s).count();
    let doc = SlaJson {
        schema: JSON_SCHEMA,
        now,
        counts: Counts {
            breached: count(TimerStatus::Breached),
            warning: count(TimerStatus::Warning),
            running: count(TimerStatus::Running),
            paused: count(TimerStatus::Paused),
            met: count(TimerStatus::Met),
        },
        tickets: tickets
            .iter()
            .map(|t| TicketJson {
                id: t.id(),
                title: t.title(),
                file: t.file(),
                severity: t.severity(),
                state: t.state().name(),
                level: t.level(),
                assignee: t.assignee(),
                team: t.team(),
                timers: t.timers(),
            })
            .collect(),
        overdue_actions: overdue.map(|rows| super::action::items_json(rows, now)),
    };
    serde_json::to_writer_pretty(super::JsonOut(&mut *out), &doc)?;
    writeln!(out)
}

/// One annotation per breach (and per warning when `warnings`), on the
/// ticket's file.
/// One annotation per row that fails the gate (`error`; `warning` for a
/// warning under `--fail-on warning`), and a `notice` for a breach that is
/// history.
pub fn github(
    out: &mut impl Write,
    rows: &[(&Timed, &Timer)],
    now: Timestamp,
    gate: Gate,
) -> io::Result<()> {
    for (ticket, timer) in rows {
        let level = match (gate.fails(timer), timer.status) {
            (true, TimerStatus::Warning) => "warning",
            (true, _) => "error",
            (false, TimerStatus::Breached) => "notice",
            _ => continue,
        };
        let message = format!(
            "{} {}: {} {} (used {} of {})",
            ticket.id(),
            ticket.title(),
            metric_label(timer),
            describe(timer, now),
            duration::format_hours(timer.elapsed_s),
            duration::format_hours(timer.target_s)
        );
        writeln!(
            out,
            "::{level} file={},line=1,title={}::{}",
            github_escape_property(ticket.file()),
            github_escape_property(&format!(
                "SLA {}: {}",
                timer.status.name(),
                metric_label(timer)
            )),
            github_escape_data(&message)
        )?;
    }
    Ok(())
}

/// One line of text for an XML attribute or element. XML 1.0 cannot
/// carry most control characters at all, even as references, so they are
/// shown escaped first (`tkt::sanitize::line`), as are the non-characters
/// U+FFFE and U+FFFF.
fn xml_escape(text: &str) -> String {
    let text = tkt::sanitize::line(text);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\u{fffe}' | '\u{ffff}' => tkt::sanitize::escape_char(ch, &mut out),
            c => out.push(c),
        }
    }
    out
}

/// One test case per timer; breaches (and warnings when `warnings`) fail.
pub fn junit(
    out: &mut impl Write,
    rows: &[(&Timed, &Timer)],
    now: Timestamp,
    gate: Gate,
) -> io::Result<()> {
    let fails = |t: &Timer| gate.fails(t);
    let failures = rows.iter().filter(|(_, t)| fails(t)).count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="tkt sla" tests="{}" failures="{failures}">"#,
        rows.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="tkt sla" tests="{}" failures="{failures}" errors="0" skipped="0" timestamp="{}">"#,
        rows.len(),
        now
    )?;
    for (ticket, timer) in rows {
        let name = xml_escape(&metric_label(timer));
        let class = xml_escape(&format!("{} {}", ticket.id(), ticket.title()));
        let detail = xml_escape(&format!(
            "{}: {} {} (status {}, used {} of {}, file {})",
            ticket.id(),
            metric_label(timer),
            describe(timer, now),
            timer.status.name(),
            duration::format_hours(timer.elapsed_s),
            duration::format_hours(timer.target_s),
            ticket.file()
        ));
        if fails(timer) {
            writeln!(
                out,
                r#"    <testcase classname="{class}" name="{name}" time="0">"#
            )?;
            writeln!(
                out,
                r#"      <failure message="{detail}" type="{}">{detail}</failure>"#,
                timer.status.name()
            )?;
            writeln!(out, "    </testcase>")?;
        } else {
            writeln!(
                out,
                r#"    <testcase classname="{class}" name="{name}" time="0"><system-out>{detail}</system-out></testcase>"#
            )?;
        }
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// A summary for a pull request comment or `$GITHUB_STEP_SUMMARY`.
pub fn markdown(out: &mut impl Write, rows: &[(&Timed, &Timer)], now: Timestamp) -> io::Result<()> {
    writeln!(out, "## SLA status at {now}\n")?;
    writeln!(out, "{}\n", summary(rows))?;
    let urgent: Vec<_> = rows
        .iter()
        .filter(|(_, t)| matches!(t.status, TimerStatus::Breached | TimerStatus::Warning))
        .collect();
    if urgent.is_empty() {
        return writeln!(out, "No timer is breached or at risk.");
    }
    writeln!(
        out,
        "| Ticket | Severity | Level | Assignee | Timer | Status | When | Title |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|")?;
    for (ticket, timer) in urgent {
        writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | **{}** | {} | {} |",
            ticket.id(),
            md_cell(ticket.severity()),
            md_cell(ticket.level()),
            md_cell(ticket.assignee().unwrap_or("-")),
            md_cell(&metric_label(timer)),
            timer.status.name(),
            describe(timer, now),
            md_cell(ticket.title())
        )?;
    }
    Ok(())
}

fn flip_side(side: &Option<(TimerStatus, Option<Timestamp>)>) -> String {
    match side {
        None => "(no timer)".to_string(),
        Some((status, Some(due))) => format!("{}, due {}", status.name(), super::short_time(*due)),
        Some((status, None)) => status.name().to_string(),
    }
}

/// `tkt sla --policy-from REV`: per ticket, the timers the new policy flips.
pub fn policy_flips(out: &mut impl Write, rev: &str, tickets: &[Flipped]) -> io::Result<()> {
    if tickets.is_empty() {
        return writeln!(
            out,
            "no open ticket's timers change between policy.toml at {} and the working tree",
            tkt::sanitize::line(rev)
        );
    }
    let before = format!("AT {rev}");
    let mut table = Table::new(&["TICKET", "TIMER", &before, "NOW", "TITLE"]);
    for Flipped { id, title, flips } in tickets {
        for f in flips {
            table.row(
                anstyle::Style::new(),
                vec![
                    id.clone(),
                    cycle_name(f.metric, f.level.as_deref(), f.cycle),
                    flip_side(&f.before),
                    flip_side(&f.after),
                    title.clone(),
                ],
            );
        }
    }
    table.write(out)
}

#[derive(Serialize)]
struct FlipJson<'a> {
    metric: Metric,
    level: Option<&'a str>,
    before_status: Option<TimerStatus>,
    before_due: Option<Timestamp>,
    after_status: Option<TimerStatus>,
    after_due: Option<Timestamp>,
}

#[derive(Serialize)]
struct FlippedTicketJson<'a> {
    id: &'a str,
    title: &'a str,
    timers: Vec<FlipJson<'a>>,
}

#[derive(Serialize)]
struct PolicyDiffJson<'a> {
    schema: u32,
    now: Timestamp,
    policy_from: &'a str,
    tickets: Vec<FlippedTicketJson<'a>>,
}

pub fn policy_flips_json(
    out: &mut impl Write,
    rev: &str,
    tickets: &[Flipped],
    now: Timestamp,
) -> io::Result<()> {
    let doc = PolicyDiffJson {
        schema: JSON_SCHEMA,
        now,
        policy_from: rev,
        tickets: tickets
            .iter()
            .map(|Flipped { id, title, flips }| FlippedTicketJson {
                id,
                title,
                timers: flips
                    .iter()
                    .map(|f| FlipJson {
                        metric: f.metric,
                        level: f.level.as_deref(),
                        before_status: f.before.map(|b| b.0),
                        before_due: f.before.and_then(|b| b.1),
                        after_status: f.after.map(|a| a.0),
                        after_due: f.after.and_then(|a| a.1),
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(super::JsonOut(&mut *out), &doc)?;
    writeln!(out)
}
