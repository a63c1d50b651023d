//! `tkt report --format html`: one self-contained page (inline CSS and SVG,
//! no script, no network) a manager opens from disk or any static host.
//! Each chart is an SVG with a `<title>` for screen readers, drawn in the
//! Okabe-Ito palette (safe for colour-blind readers), and followed by a
//! table with the same numbers. Every text from a ticket or the policy is
//! escaped for HTML after `tkt::sanitize`.

use std::fmt::Write as _;
use std::io::{self, Write};

use chrono_tz::Tz;
use tkt::duration;
use tkt::report::{AGE_BUCKETS, Report};

use super::report::{at, pct};

/// The breach list shows this many, worst first; JSON and CSV have all.
pub const BREACHES_SHOWN: usize = 50;

const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
];

/// Text for HTML: escaped for the terminal-safe form first, then `&<>"'`.
fn h(text: &str) -> String {
    let safe = tkt::sanitize::line(text);
    let mut out = String::with_capacity(safe.len());
    for c in safe.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Horizontal bars: one row per label, one bar per series.
fn bars(title: &str, unit: &str, labels: &[String], series: &[(&str, Vec<f64>)]) -> String {
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(1.0);
    let row = 14 * series.len() as i64 + 10;
    let height = 40 + row * labels.len() as i64 + 20 * series.len() as i64;
    let (left, width) = (160, 360);
    let mut svg = format!(
        "<svg viewBox=\"0 0 560 {height}\" role=\"img\" aria-labelledby=\"t-{id}\"><title id=\"t-{id}\">{title}</title>",
        id = slug(title),
        title = h(title)
    );
    for (i, label) in labels.iter().enumerate() {
        let y = 20 + row * i as i64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>",
            left - 8,
            y + 11,
            h(label)
        );
        for (s, (_, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0.0);
            let w = (v / max * f64::from(width)).round() as i64;
            let _ = write!(
                svg,
                "<rect x=\"{left}\" y=\"{}\" width=\"{w}\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" class=\"value\">{}</text>",
                y + 14 * s as i64,
                PALETTE[s % PALETTE.len()],
                left + w + 4,
                y + 14 * s as i64 + 10,
                trim_number(v)
            );
        }
    }
    legend(
        &mut svg,
        height - 20 * series.len() as i64,
        series.iter().map(|(n, _)| *n),
    );
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"12\" class=\"axis\">{}</text></svg>",
        h(unit)
    );
    svg
}

fn legend<'a>(svg: &mut String, y: i64, names: impl Iterator<Item = &'a str>) {
    for (i, name) in names.enumerate() {
        let _ = write!(
            svg,
            "<rect x=\"160\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"176\" y=\"{}\" class=\"label\">{}</text>",
            y + 20 * i as i64 + 4,
            PALETTE[i % PALETTE.len()],
            y + 20 * i as i64 + 13,
            h(name)
        );
    }
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn slug(title: &str) -> String {
    title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Lines over the trend's buckets, 0-100 %, with the target as a dashed
/// line.
fn lines(
    title: &str,
    labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
    target: f64,
) -> String {
    let (left, top, width, height) = (50.0, 20.0, 480.0, 200.0);
    let n = labels.len().max(2) as f64;
    let x = |i: usize| left + width * i as f64 / (n - 1.0);
    let y = |p: f64| top + height * (1.0 - p / 100.0);
    let total_height = 260 + 20 * series.len() as i64;
    let mut svg = format!(
        "<svg viewBox=\"0 0 560 {total_height}\" role=\"img\" aria-labelledby=\"t-{id}\"><title id=\"t-{id}\">{}</title>",
        h(title),
        id = slug(title)
    );
    for p in [0.0, 50.0, 100.0] {
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y0}\" y2=\"{y0}\" class=\"grid\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"axis\">{p:.0}%</text>",
            left + width,
            left - 6.0,
            y(p) + 4.0,
            y0 = y(p)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{t}\" y2=\"{t}\" class=\"target\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"axis\">target {target:.0}%</text>",
        left + width,
        left + width,
        y(target) - 4.0,
        t = y(target)
    );
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"axis\">{}</text>",
            x(i),
            top + height + 16.0,
            h(label)
        );
    }
    for (s, (_, points)) in series.iter().enumerate() {
        let colour = PALETTE[s % PALETTE.len()];
        let path: Vec<String> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| format!("{:.1},{:.1}", x(i), y(p))))
            .collect();
        if path.len() > 1 {
            let _ = write!(
                svg,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                path.join(" ")
            );
        }
        for point in &path {
            let (px, py) = point.split_once(',').expect("a point");
            let _ = write!(
                svg,
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{colour}\"/>"
            );
        }
    }
    legend(&mut svg, 240, series.iter().map(|(n, _)| n.as_str()));
    svg.push_str("</svg>");
    svg
}

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for head in header {
        let _ = write!(out, "<th>{}</th>", h(head));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            // Cells arrive as HTML already (escaped text or a link).
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

fn figure(title: &str, svg: String, table: String) -> String {
    format!(
        "<section><h2>{}</h2><figure>{svg}</figure>{table}</section>",
        h(title)
    )
}

const CSS: &str = "
:root { color-scheme: light dark; --fg: #1a1a1a; --bg: #ffffff; --muted: #666; --grid: #ddd; }
@media (prefers-color-scheme: dark) { :root { --fg: #e8e8e8; --bg: #151515; --muted: #aaa; --grid: #444; } }
body { font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); max-width: 980px; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--grid); padding: .25em .6em; text-align: left; }
td:not(:first-child) { text-align: right; }
svg { width: 100%; max-width: 560px; height: auto; }
svg text { fill: var(--fg); font-size: 11px; } svg .axis { fill: var(--muted); }
svg .grid { stroke: var(--grid); } svg .target { stroke: #D55E00; stroke-dasharray: 4 3; }
.summary li { margin: .2em 0; } a { color: #0072B2; }
@media print { body { max-width: none; } section { break-inside: avoid; } }
";

/// The page. `link_base`: a repository browser's base URL for ticket
/// files (`{base}/tickets/ID.yaml`); `target`: the attainment line (%).
pub fn html(
    out: &mut impl Write,
    r: &Report,
    zone: Tz,
    link_base: Option<&str>,
    target: f64,
) -> io::Result<()> {
    let title = format!(
        "SLA report {} to {}",
        at(r.period.from, zone),
        at(r.period.until, zone)
    );
    let m = &r.overall;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><ul class=\"summary\"><li>{} tickets: {} opened, {} resolved, {} reopened (reopen rate {})</li>\
<li>time paused: {}</li><li>satisfaction: {}</li><li>reviews: {} done in time, {} late, {} overdue; action items: {} open, {} overdue</li></ul>",
        h(&title),
        m.tickets,
        m.opened,
        m.resolved,
        m.reopened,
        pct(m.reopen_rate),
        duration::format(m.paused_s),
        m.satisfaction_mean
            .map(|s| format!("mean {s:.2}"))
            .unwrap_or_else(|| "none recorded".into()),
        m.reviews_done,
        m.reviews_late,
        m.reviews_overdue,
        m.actions_open,
        m.actions_overdue
    );
    // Attainment per metric: table only (the chart is the trend).
    let rows: Vec<Vec<String>> = m
        .attainment
        .iter()
        .map(|a| {
            vec![
                h(&a.metric),
                a.measured.to_string(),
                a.met.to_string(),
                a.breached.to_string(),
                pct(a.attainment),
            ]
        })
        .collect();
    let _ = write!(
        body,
        "<section><h2>Attainment by metric</h2>{}</section>",
        table(
            &["Metric", "Measured", "Met", "Breached", "Attainment"],
            &rows
        )
    );
    // Trend by severity.
    let labels: Vec<String> = r
        .trend
        .iter()
        .map(|b| {
            b.period
                .from
                .utc()
                .with_timezone(&zone)
                .format("%m-%d")
                .to_string()
        })
        .collect();
    let trend_rows: Vec<Vec<String>> = r
        .trend_by_severity
        .iter()
        .map(|(sev, points)| {
            std::iter::once(h(sev))
                .chain(points.iter().map(|p| pct(*p)))
                .collect()
        })
        .collect();
    let mut trend_header = vec!["Severity"];
    trend_header.extend(labels.iter().map(String::as_str));
    body.push_str(&figure(
        "Attainment per week by severity",
        lines(
            "Attainment per week by severity, percent of cycles met",
            &labels,
            &r.trend_by_severity,
            target,
        ),
        table(&trend_header, &trend_rows),
    ));
    // Breaches by severity and by team.
    let mut by_sev: Vec<(String, f64)> = Vec::new();
    let mut by_team: Vec<(String, f64)> = Vec::new();
    for b in &r.breaches {
        bump(&mut by_sev, &b.severity);
        bump(&mut by_team, b.team.as_deref().unwrap_or("-"));
    }
    for (name, counts) in [("severity", &by_sev), ("team", &by_team)] {
        let labels: Vec<String> = counts.iter().map(|(l, _)| l.clone()).collect();
        let values: Vec<f64> = counts.iter().map(|(_, v)| *v).collect();
        let chart_title = format!("Breaches by {name}");
        let rows: Vec<Vec<String>> = counts
            .iter()
            .map(|(l, v)| vec![h(l), trim_number(*v)])
            .collect();
        body.push_str(&figure(
            &chart_title,
            bars(
                &chart_title,
                "breached cycles",
                &labels,
                &[("breaches", values)],
            ),
            table(&[name, "Breaches"], &rows),
        ));
    }
    // Time to resolution.
    let hist = histogram(&m.resolution_wall_values);
    let labels: Vec<String> = hist.iter().map(|(l, _)| l.to_string()).collect();
    let values: Vec<f64> = hist.iter().map(|(_, n)| *n as f64).collect();
    let rows: Vec<Vec<String>> = hist
        .iter()
        .map(|(l, n)| vec![h(l), n.to_string()])
        .collect();
    body.push_str(&figure(
        "Time to resolution",
        bars(
            "Time to resolution (wall clock), tickets per range",
            "tickets",
            &labels,
            &[("tickets", values)],
        ),
        table(&["Time to resolution", "Tickets"], &rows),
    ));
    // Open tickets by age and severity.
    let labels: Vec<String> = AGE_BUCKETS.iter().map(|(_, l)| l.to_string()).collect();
    let series: Vec<(&str, Vec<f64>)> = r
        .open_by_age
        .iter()
        .map(|o| {
            (
                o.severity.as_str(),
                o.counts.iter().map(|&c| c as f64).collect(),
            )
        })
        .collect();
    let rows: Vec<Vec<String>> = r
        .open_by_age
        .iter()
        .map(|o| {
            std::iter::once(h(&o.severity))
                .chain(o.counts.iter().map(|c| c.to_string()))
                .collect()
        })
        .collect();
    let mut header = vec!["Severity"];
    header.extend(labels.iter().map(String::as_str));
    body.push_str(&figure(
        "Open tickets by age",
        bars(
            "Open tickets by age and severity",
            "open tickets",
            &labels,
            &series,
        ),
        table(&header, &rows),
    ));
    // Escalations per level.
    let labels: Vec<String> = m
        .escalations
        .iter()
        .map(|a| a.metric.replace("escalation:", ""))
        .collect();
    let met: Vec<f64> = m.escalations.iter().map(|a| a.met as f64).collect();
    let late: Vec<f64> = m.escalations.iter().map(|a| a.breached as f64).collect();
    let rows: Vec<Vec<String>> = m
        .escalations
        .iter()
        .zip(&labels)
        .map(|(a, l)| vec![h(l), a.met.to_string(), a.breached.to_string()])
        .collect();
    body.push_str(&figure(
        "Escalations per level",
        bars(
            "Escalations per level: in time and late",
            "escalation cycles",
            &labels,
            &[("in time", met), ("late", late)],
        ),
        table(&["Level", "In time", "Late"], &rows),
    ));
    // The worst breaches.
    let rows: Vec<Vec<String>> = r
        .breaches
        .iter()
        .take(BREACHES_SHOWN)
        .map(|b| {
            let id = h(&b.ticket);
            let ticket = match link_base {
                Some(base) => format!(
                    "<a href=\"{}/tickets/{id}.yaml\">{id}</a>",
                    h(base.trim_end_matches('/'))
                ),
                None => id,
            };
            vec![
                ticket,
                h(&b.severity),
                h(&b.metric),
                h(&at(b.breached_at, zone)),
                h(&duration::format(b.over_s)),
                h(&b.title),
            ]
        })
        .collect();
    let _ = write!(
        body,
        "<section><h2>Breaches</h2><p>{} breached cycles in the period{}; the complete list is in the CSV and JSON reports.</p>{}</section>",
        r.breaches.len(),
        if r.breaches.len() > BREACHES_SHOWN {
            format!(", the worst {BREACHES_SHOWN} below")
        } else {
            String::new()
        },
        table(
            &[
                "Ticket", "Severity", "Metric", "Breached", "Over by", "Title"
            ],
            &rows
        )
    );
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body>{body}</body></html>\n",
        h(&title)
    )
}

fn bump(counts: &mut Vec<(String, f64)>, key: &str) {
    match counts.iter_mut().find(|(k, _)| k == key) {
        Some((_, n)) => *n += 1.0,
        None => counts.push((key.to_string(), 1.0)),
    }
}

/// Tickets per time-to-resolution range.
fn histogram(values: &[i64]) -> Vec<(&'static str, usize)> {
    const RANGES: [(i64, &str); 6] = [
        (3_600, "under 1h"),
        (4 * 3_600, "1-4h"),
        (8 * 3_600, "4-8h"),
        (86_400, "8-24h"),
        (3 * 86_400, "1-3 days"),
        (i64::MAX, "over 3 days"),
    ];
    RANGES
        .iter()
        .map(|(upper, label)| {
            let lower = RANGES
                .iter()
                .take_while(|(u, _)| u < upper)
                .last()
                .map_or(i64::MIN, |(u, _)| *u);
            (
                *label,
                values.iter().filter(|&&v| v >= lower && v < *upper).count(),
            )
        })
        .collect()
}
