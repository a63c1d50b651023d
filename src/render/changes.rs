//! `tkt changes`: a branch's effect on tickets, as a story for reviewers.

use std::io::{self, Write};

use serde::Serialize;
use tkt::changes::{Changes, SlaChange, TicketChange};
use tkt::duration;
use tkt::history::Change;
use tkt::time::Timestamp;

use super::sla::cycle_name;
use super::{JSON_SCHEMA, event_summary, md_cell, short_time};

fn sla_line(c: &SlaChange) -> String {
    let name = md(&cycle_name(c.metric, c.level.as_deref(), c.cycle));
    let used = format!(
        "{} of {}",
        duration::format_hours(c.elapsed_s),
        duration::format_hours(c.target_s)
    );
    let rewritten = if c.rewrites_history {
        " ⚠️ *a stopped cycle's verdict changed*"
    } else {
        ""
    };
    match c.before {
        Some(before) => format!(
            "{name}: {} → **{}** ({used}){rewritten}",
            before.name(),
            c.after.name()
        ),
        None => format!("{name}: **{}** ({used})", c.after.name()),
    }
}

/// User text on one Markdown line: controls and line breaks shown escaped
/// (`\r` as well as `\n`), and kept from opening structures (tables, HTML).
fn md(text: &str) -> String {
    md_cell(text).replace('<', "&lt;")
}

pub fn markdown(out: &mut impl Write, base: &str, found: &Changes) -> io::Result<()> {
    let merge_base = &found.merge_base;
    let changes = &found.tickets;
    let short = &merge_base[..merge_base.len().min(10)];
    writeln!(
        out,
        "## Ticket changes against `{}` (merge-base `{short}`)\n",
        md(base)
    )?;
    if !found.desk_files.is_empty() {
        let files: Vec<String> = found.desk_files.iter().map(|f| format!("`{f}`")).collect();
        writeln!(
            out,
            "⚠️ The branch also changes {}: what judges, approves and delivers for every ticket (`tkt sla --policy-from {}` shows the timers a policy change flips).\n",
            files.join(", "),
            md(base)
        )?;
    }
    if changes.is_empty() {
        return writeln!(out, "No ticket changes.");
    }
    let count = |k: Change| changes.iter().filter(|c| c.change == k).count();
    let events: usize = changes.iter().map(|c| c.added.len()).sum();
    writeln!(
        out,
        "{} new, {} updated, {} deleted; {events} event{} added.\n",
        count(Change::Added),
        count(Change::Modified),
        count(Change::Deleted),
        if events == 1 { "" } else { "s" }
    )?;
    for c in changes {
        let id = md(c.id.as_deref().unwrap_or(&c.file));
        let title = c.title.as_deref().map(md).unwrap_or_default();
        let label = match c.change {
            Change::Added => "new",
            Change::Modified => "updated",
            Change::Deleted => "**deleted**",
        };
        match &c.status {
            Some(s) => writeln!(
                out,
                "### `{id}` {title}\n\n{label} · {} · {} · {}\n",
                md(&s.severity),
                md(&s.level),
                s.state.name()
            )?,
            None => writeln!(out, "### `{id}` {title}\n\n{label}\n")?,
        }
        if !c.append_only {
            writeln!(
                out,
                "⚠️ the history was rewritten, not appended to (see `tkt check --base`)\n"
            )?;
        }
        for e in &c.added {
            let late = if c.late.contains(&e.reference()) {
                " ⏪ *logged late*"
            } else {
                ""
            };
            writeln!(
                out,
                "- {} **{}**: {}{late}",
                short_time(e.at()),
                md(e.by()),
                md(&event_summary(e))
            )?;
        }
        if !c.sla.is_empty() {
            writeln!(out, "\nSLA:")?;
            for s in &c.sla {
                writeln!(out, "- {}", sla_line(s))?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

#[derive(Serialize)]
struct ChangesJson<'a> {
    schema: u32,
    now: Timestamp,
    base: &'a str,
    merge_base: &'a str,
    desk_files: &'a [&'static str],
    tickets: &'a [TicketChange],
}

pub fn json(out: &mut impl Write, base: &str, found: &Changes, now: Timestamp) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &ChangesJson {
            schema: JSON_SCHEMA,
            now,
            base,
            merge_base: &found.merge_base,
            desk_files: &found.desk_files,
            tickets: &found.tickets,
        },
    )?;
    writeln!(out)
}
