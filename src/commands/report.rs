//! `tkt report`: SLA attainment over a period, overall, by group, per week
//! (or day), with every breach; text, Markdown, JSON or CSV.

use std::io::Write;

use chrono::{Duration as Days, NaiveDate};
use chrono_tz::Tz;
use clap::{Args, ValueEnum};
use tkt::desk::{self, Query, Timers};
use tkt::report::{Facts, GroupKey, Period, Span, start_of};
use tkt::time::Timestamp;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::report as render;

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// From this date (its start, in --tz) or instant [default: 30 days before now]
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Until this date (its end, in --tz) or instant [default: now]
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// The last complete ISO week (from Monday), month or quarter
    #[arg(long, value_enum, conflicts_with_all = ["since", "until", "month"])]
    pub period: Option<PeriodArg>,
    /// A calendar month, YYYY-MM
    #[arg(long, value_name = "YYYY-MM", conflicts_with_all = ["since", "until"])]
    pub month: Option<String>,
    /// The zone dates are read in (IANA name) [default: UTC]
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Group by one or two of: severity, team, customer, assignee, level
    #[arg(long, value_delimiter = ',', value_name = "KEY[,KEY]")]
    pub group_by: Vec<String>,
    /// Write the report to FILE instead of stdout (for --format html)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// HTML: link each ticket to BASE/tickets/ID.yaml (a repository browser)
    #[arg(long, value_name = "URL")]
    pub link_base: Option<String>,
    /// HTML: the attainment target line, in percent
    #[arg(long, value_name = "PCT", default_value_t = 95.0)]
    pub target: f64,
    #[command(flatten)]
    pub format: crate::cli::format::ReportFormat,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
    #[command(flatten)]
    pub assignee: super::filter::AssigneeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodArg {
    Week,
    Month,
    Quarter,
}

/// An instant, or a date read in `zone` (its start; its end with `end`).
fn when(flag: &str, text: &str, zone: Tz, end: bool) -> Result<Timestamp, CliError> {
    if let Ok(at) = Timestamp::parse(text) {
        return Ok(at);
    }
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) if text.len() == 10 => Ok(start_of(
            zone,
            if end { date + Days::days(1) } else { date },
        )),
        _ => Err(CliError::usage(format!(
            "{flag} `{text}` is neither a date like 2026-11-01 nor an RFC 3339 instant"
        ))),
    }
}

/// The period asked for, in `zone`, relative to `now`.
fn period(args: &ReportArgs, zone: Tz, now: Timestamp) -> Result<Period, CliError> {
    let (from, until) = if let Some(month) = &args.month {
        let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .ok()
            .filter(|_| month.len() == 7)
            .ok_or_else(|| CliError::usage(format!("--month `{month}` is not like 2026-11")))?;
        let p = Period::month(zone, first);
        (p.from, p.until)
    } else if let Some(span) = args.period {
        let span = match span {
            PeriodArg::Week => Span::Week,
            PeriodArg::Month => Span::Month,
            PeriodArg::Quarter => Span::Quarter,
        };
        let p = Period::last_complete(span, zone, now);
        (p.from, p.until)
    } else {
        let until = match &args.until {
            Some(text) => when("--until", text, zone, true)?,
            None => now,
        };
        let from = match &args.since {
            Some(text) => when("--since", text, zone, false)?,
            None => until.plus(-30 * 86_400),
        };
        (from, until)
    };
    if from >= until {
        return Err(CliError::usage(format!(
            "the period is empty: {from} is not before {until}"
        )));
    }
    Ok(Period { from, until })
}

pub fn run(ctx: &Ctx, args: ReportArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[
        Format::Text,
        Format::Markdown,
        Format::Json,
        Format::Csv,
        Format::Html,
    ])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let zone: Tz = match &args.tz {
        Some(name) => name.parse().map_err(|_| {
            CliError::usage(format!(
                "--tz `{name}` is not an IANA zone like Europe/Berlin"
            ))
        })?,
        None => chrono_tz::UTC,
    };
    let period = period(&args, zone, ctx.now)?;
    if args.group_by.len() > 2 {
        return Err(CliError::usage("--group-by takes one or two keys"));
    }
    let mut group_by = Vec::new();
    for name in &args.group_by {
        let key = GroupKey::ALL
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                tkt::names::UnknownName::new(
                    tkt::names::NameKind::GroupKey,
                    name,
                    GroupKey::ALL.iter().map(|(n, _)| *n),
                )
            })?;
        group_by.push(key);
    }
    let mut filter = args
        .filters
        .filter(ctx, &repo, &policy, &args.assignee.assignee)?;
    // A period's cycles end on tickets in any state.
    filter.all = true;
    let query = Query {
        filter,
        timers: Timers::Summary,
        actions: true,
        ..Query::default()
    };
    // Evaluated at the end of the period (or now, if earlier): what was
    // known then.
    let at = period.until.min(ctx.now);
    // Each ticket is boiled down to what the report reads as soon as it is
    // replayed, and the ticket dropped: over a long period nearly every
    // ticket counts, and a ticket's whole status is many times its facts.
    let facts = std::sync::Mutex::new(Vec::new());
    let answer = desk::query_with(&repo, &policy, &query, at, |t| {
        if let Some(f) = Facts::of(t, period) {
            facts.lock().unwrap_or_else(|e| e.into_inner()).push(f);
        }
        false
    })?;
    let mut facts = facts.into_inner().unwrap_or_else(|e| e.into_inner());
    facts.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let mut report = tkt::report::report(&facts, period, &group_by, &period.buckets(zone), at);
    // Severities in the policy's order, most severe first.
    let rank = |s: &str| policy.severity_rank(s).unwrap_or(usize::MAX);
    report.trend_by_severity.sort_by_key(|(s, _)| rank(s));
    report.open_by_age.sort_by_key(|o| rank(&o.severity));
    // To a file: whole or not at all (written beside it, then renamed).
    // To stdout: as rendered, never held whole (a long period's breach
    // list alone is megabytes).
    match &args.out {
        Some(path) => {
            let mut buffer: Vec<u8> = Vec::new();
            render_report(&mut buffer, format, &report, zone, &args)?;
            tkt::store::replace_file(path, &buffer)?;
        }
        None => {
            let mut stdout = crate::cli::output::stdout();
            render_report(&mut stdout, format, &report, zone, &args)?;
            stdout.flush()?;
        }
    }
    crate::render::warn_unreadable(&mut anstream::stderr(), answer.unreadable.len())?;
    Ok(Outcome::Clean)
}

fn render_report(
    out: &mut impl Write,
    format: Format,
    report: &tkt::report::Report,
    zone: Tz,
    args: &ReportArgs,
) -> std::io::Result<()> {
    match format {
        Format::Html => crate::render::dashboard::html(
            out,
            report,
            zone,
            args.link_base.as_deref(),
            args.target,
        ),
        Format::Json => render::json(out, report, zone),
        Format::Csv => render::csv(out, report),
        Format::Markdown => render::markdown(out, report, zone),
        _ => render::text(out, report, zone),
    }
}
