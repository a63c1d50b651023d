//! `tkt report`: the attainment report as text, Markdown, JSON or CSV.

use std::io::{self, Write};

use chrono_tz::Tz;
use serde::Serialize;
use tkt::duration;
use tkt::report::{Attainment, Durations, Measures, Report};
use tkt::sanitize;
use tkt::time::Timestamp;

use super::table::Table;
use super::{JSON_SCHEMA, md_cell};

/// An instant in the report's zone.
pub(super) fn at(t: Timestamp, zone: Tz) -> String {
    t.utc()
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

pub(super) fn pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "-".into())
}

fn dur(s: Option<i64>) -> String {
    s.map(duration::format).unwrap_or_else(|| "-".into())
}

fn stats(d: &Durations) -> String {
    if d.count == 0 {
        return "none".into();
    }
    format!(
        "median {}, p90 {}, max {} ({} measured)",
        dur(d.median_s),
        dur(d.p90_s),
        dur(d.max_s),
        d.count
    )
}

fn headline(r: &Report, zone: Tz) -> String {
    let m = &r.overall;
    format!(
        "SLA report {} to {}: {} tickets ({} opened, {} resolved, {} reopened)",
        at(r.period.from, zone),
        at(r.period.until, zone),
        m.tickets,
        m.opened,
        m.resolved,
        m.reopened
    )
}

fn summary_lines(m: &Measures) -> Vec<String> {
    let mut lines = vec![
        format!(
            "time to first response: {} business; {} wall",
            stats(&m.first_response_business),
            stats(&m.first_response_wall)
        ),
        format!(
            "time to resolution: {} business; {} wall",
            stats(&m.resolution_business),
            stats(&m.resolution_wall)
        ),
        format!("reopen rate: {}", pct(m.reopen_rate)),
        format!("time paused: {}", duration::format(m.paused_s)),
    ];
    let scores: Vec<String> = m
        .satisfaction
        .iter()
        .map(|(score, n)| format!("{score}: {n}"))
        .collect();
    lines.push(match m.satisfaction_mean {
        Some(mean) => format!("satisfaction: mean {mean:.2} ({})", scores.join(", ")),
        None => "satisfaction: none recorded".into(),
    });
    lines.push(format!(
        "reviews: {} done in time, {} late, {} overdue; action items: {} open, {} overdue",
        m.reviews_done, m.reviews_late, m.reviews_overdue, m.actions_open, m.actions_overdue
    ));
    lines
}

fn metric_row(a: &Attainment) -> Vec<String> {
    vec![
        a.metric.clone(),
        a.measured.to_string(),
        a.met.to_string(),
        a.breached.to_string(),
        pct(a.attainment),
    ]
}

pub fn text(out: &mut impl Write, r: &Report, zone: Tz) -> io::Result<()> {
    writeln!(out, "{}\n", headline(r, zone))?;
    let mut table = Table::new(&["METRIC", "MEASURED", "MET", "BREACHED", "ATTAINMENT"]);
    for a in &r.overall.attainment {
        table.row(anstyle::Style::new(), metric_row(a));
    }
    table.row(anstyle::Style::new().bold(), metric_row(&r.overall.total()));
    table.write(out)?;
    writeln!(out)?;
    for line in summary_lines(&r.overall) {
        writeln!(out, "{line}")?;
    }
    if !r.group_by.is_empty() {
        let keys: Vec<String> = r
            .group_by
            .iter()
            .map(|k| format!("{k:?}").to_uppercase())
            .collect();
        writeln!(out, "\nBy {}", keys.join(" and ").to_lowercase())?;
        let mut header: Vec<&str> = keys.iter().map(String::as_str).collect();
        header.extend(["METRIC", "MEASURED", "MET", "BREACHED", "ATTAINMENT"]);
        let mut table = Table::new(&header);
        for g in &r.groups {
            for a in g.measures.attainment.iter().chain([&g.measures.total()]) {
                let mut row = g.key.clone();
                row.extend(metric_row(a));
                table.row(anstyle::Style::new(), row);
            }
        }
        table.write(out)?;
    }
    if !r.trend.is_empty() {
        writeln!(out, "\nTrend")?;
        let mut table = Table::new(&["FROM", "MEASURED", "MET", "BREACHED", "ATTAINMENT"]);
        for b in &r.trend {
            let mut row = metric_row(&b.measures.total());
            row[0] = at(b.period.from, zone);
            table.row(anstyle::Style::new(), row);
        }
        table.write(out)?;
    }
    writeln!(out, "\nBreaches ({})", r.breaches.len())?;
    if !r.breaches.is_empty() {
        let mut table = Table::new(&[
            "TICKET", "SEVERITY", "METRIC", "BREACHED", "OVER BY", "TITLE",
        ]);
        for b in &r.breaches {
            table.row(
                super::style::ERROR,
                vec![
                    b.ticket.clone(),
                    b.severity.clone(),
                    b.metric.clone(),
                    at(b.breached_at, zone),
                    format!(
                        "{}{}",
                        duration::format(b.over_s),
                        if b.stopped { "" } else { " (running)" }
                    ),
                    b.title.clone(),
                ],
            );
        }
        table.write(out)?;
    }
    Ok(())
}

/// One Markdown table row, every cell escaped.
fn md_row(out: &mut impl Write, cells: &[String]) -> io::Result<()> {
    let cells: Vec<String> = cells.iter().map(|c| md_cell(c)).collect();
    writeln!(out, "| {} |", cells.join(" | "))
}

pub fn markdown(out: &mut impl Write, r: &Report, zone: Tz) -> io::Result<()> {
    writeln!(out, "## {}\n", md_cell(&headline(r, zone)))?;
    writeln!(out, "| Metric | Measured | Met | Breached | Attainment |")?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for a in r.overall.attainment.iter().chain([&r.overall.total()]) {
        md_row(out, &metric_row(a))?;
    }
    writeln!(out)?;
    for line in summary_lines(&r.overall) {
        writeln!(out, "- {}", md_cell(&line))?;
    }
    if !r.group_by.is_empty() {
        let keys: Vec<String> = r.group_by.iter().map(|k| format!("{k:?}")).collect();
        writeln!(out, "\n### By {}\n", keys.join(" and ").to_lowercase())?;
        writeln!(
            out,
            "| {} | Metric | Measured | Met | Breached | Attainment |",
            keys.join(" | ")
        )?;
        writeln!(
            out,
            "|{}---|---:|---:|---:|---:|",
            "---|".repeat(keys.len())
        )?;
        for g in &r.groups {
            for a in g.measures.attainment.iter().chain([&g.measures.total()]) {
                let mut row = g.key.clone();
                row.extend(metric_row(a));
                md_row(out, &row)?;
            }
        }
    }
    writeln!(out, "\n### Breaches ({})\n", r.breaches.len())?;
    if !r.breaches.is_empty() {
        writeln!(
            out,
            "| Ticket | Severity | Metric | Breached | Over by | Title |"
        )?;
        writeln!(out, "|---|---|---|---|---:|---|")?;
        for b in &r.breaches {
            writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                b.ticket,
                md_cell(&b.severity),
                md_cell(&b.metric),
                at(b.breached_at, zone),
                duration::format(b.over_s),
                md_cell(&b.title)
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct ReportJson<'a> {
    schema: u32,
    zone: &'a str,
    #[serde(flatten)]
    report: &'a Report,
}

pub fn json(out: &mut impl Write, r: &Report, zone: Tz) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &ReportJson {
            schema: JSON_SCHEMA,
            zone: zone.name(),
            report: r,
        },
    )?;
    writeln!(out)
}

/// One row per group × metric (the overall rows have the group `(all)`),
/// then nothing else: the breach list is in JSON.
pub fn csv(out: &mut impl Write, r: &Report) -> io::Result<()> {
    let keys: Vec<String> = if r.group_by.is_empty() {
        vec!["group".into()]
    } else {
        r.group_by
            .iter()
            .map(|k| format!("{k:?}").to_lowercase())
            .collect()
    };
    writeln!(
        out,
        "{},metric,measured,met,breached,attainment_pct",
        keys.join(",")
    )?;
    let mut row = |key: &[String], a: &Attainment| {
        let cells: Vec<String> = key
            .iter()
            .map(|k| super::export::csv_cell(&sanitize::line(k)))
            .chain([
                super::export::csv_cell(&a.metric),
                a.measured.to_string(),
                a.met.to_string(),
                a.breached.to_string(),
                a.attainment.map(|p| format!("{p:.2}")).unwrap_or_default(),
            ])
            .collect();
        writeln!(out, "{}", cells.join(","))
    };
    let all = vec!["(all)".to_string(); keys.len()];
    for a in &r.overall.attainment {
        row(&all, a)?;
    }
    for g in &r.groups {
        for a in &g.measures.attainment {
            row(&g.key, a)?;
        }
    }
    Ok(())
}
