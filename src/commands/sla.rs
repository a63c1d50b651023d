use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use tkt::desk::{self, Filter};
use tkt::names::{NameKind, UnknownName};
use tkt::sla::{self, Gate, TimerFilter, TimerStatus};
use tkt::time::Timestamp;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::sla as render;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SlaArgs {
    #[command(subcommand)]
    pub command: Option<SlaCommand>,
    /// Only timer cycles with these statuses (breached, warning, running, paused, met), history included; default: the cycles still counting
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    pub status: Vec<TimerStatus>,
    /// Exit 1 on an ongoing breach (a cycle still counting past its target) on any ticket, closed ones included
    #[arg(long)]
    pub check: bool,
    /// What fails --check
    #[arg(long, value_enum, default_value_t = FailOn::Breach, requires = "check")]
    pub fail_on: FailOn,
    /// With --check, also fail on cycles that breached after this instant and have stopped since (RFC 3339, or a duration back from now such as 15m)
    #[arg(long, value_name = "TIME|DURATION", requires = "check")]
    pub since: Option<String>,
    /// Review a policy change: list the timers whose verdict or due time
    /// differs between policy.toml at REV and the working tree
    #[arg(long, value_name = "REV", conflicts_with_all = ["check", "status"])]
    pub policy_from: Option<String>,
    #[command(flatten)]
    pub format: crate::cli::format::SlaFormat,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
    #[command(flatten)]
    pub assignee: super::filter::AssigneeArg,
}

#[derive(Subcommand, Debug)]
pub enum SlaCommand {
    /// Show how each timer of one ticket was derived, event by event
    Explain {
        /// Ticket ID or unique prefix
        id: String,
        #[command(flatten)]
        format: crate::cli::format::TextJson,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Breach,
    Warning,
}

/// `--since`: an instant, or a duration back from `now`.
fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    if let Ok(at) = Timestamp::parse(text) {
        return Ok(at);
    }
    super::filter::back_from(
        "--since",
        text,
        now,
        "an RFC 3339 instant nor a duration such as 15m",
    )
}

fn parse_status(text: &str) -> Result<TimerStatus, String> {
    TimerStatus::parse(text).ok_or_else(|| {
        UnknownName::new(
            NameKind::TimerStatus,
            text,
            TimerStatus::ALL.map(TimerStatus::name),
        )
        .to_string()
    })
}

pub fn run(ctx: &Ctx, args: SlaArgs) -> Result<Outcome, CliError> {
    if let Some(SlaCommand::Explain { id, .. }) = args.command {
        return super::explain::run(ctx, &id);
    }
    let format = ctx.format(&[
        Format::Text,
        Format::Json,
        Format::Github,
        Format::Junit,
        Format::Markdown,
    ])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let mut filter = args
        .filters
        .filter(ctx, &repo, &policy, &args.assignee.assignee)?;
    // --all also shows every cycle (the history). The watchdog reads every
    // ticket: a review runs after the close.
    let all = args.filters.all;
    filter.all |= args.check;
    if let Some(rev) = &args.policy_from {
        return policy_diff(ctx, &repo, &policy, rev, format, &filter);
    }
    let timer_filter = TimerFilter {
        statuses: args.status,
        history: all,
    };
    let now = ctx.now;
    let gate = Gate {
        fail_on: match args.fail_on {
            FailOn::Breach => sla::FailOn::Breach,
            FailOn::Warning => sla::FailOn::Warning,
        },
        since: args
            .since
            .as_deref()
            .map(|s| parse_since(s, now))
            .transpose()?,
    };
    // Under --check, notices the channels gave up on fail the gate too.
    // A gate over every ticket finds the tickets that may hold one in its
    // own pass; a filtered one looks at every ticket apart.
    let channels = if args.check {
        tkt::check::load_channels(&repo, &policy)
    } else {
        Ok(None)
    };
    let suspects = tkt::check::Suspects::new(
        channels.as_ref().ok().and_then(Option::as_ref),
        filter.passes_every_ticket(),
    );
    let mut query = super::filter::timer_query(&args.filters, filter, None)?;
    let check = args.check;
    // A resolved or closed ticket whose every timer stopped cannot fail
    // the gate unless a recent breach does (`--since`), and is not shown.
    query.skip_settled = check && !all && !gate.can_fail_stopped();
    query.undelivered_since = suspects.since();
    // Each ticket kept as its header and timers (`Timed`): a million
    // tickets' timers are listed at once.
    let answer = desk::query_rows(&repo, &policy, &query, now, |mut ticket| {
        suspects.note(&ticket);
        // Under --check, what fails the gate always shows.
        ticket
            .timers
            .retain(|t| timer_filter.matches(t) || (check && gate.fails(t)));
        // Closed tickets were read for the gate; show those that fail it.
        let shown = !check
            || all
            || ticket.status.state.is_open()
            || ticket.timers.iter().any(|x| gate.fails(x));
        shown.then(|| desk::Timed::from(ticket))
    })?;
    let unreadable = answer.unreadable.len();
    let answer_hidden = answer.hidden;
    let mut tickets = answer.rows;
    super::filter::limit_by_urgency(&args.filters, &mut tickets, &policy);
    let rows = super::filter::ordered_rows(&args.filters, &tickets, &policy);
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => render::json(&mut out, &tickets, now)?,
        Format::Github => render::github(&mut out, &rows, now, gate)?,
        Format::Junit => render::junit(&mut out, &rows, now, gate)?,
        Format::Markdown => render::markdown(&mut out, &rows, now)?,
        _ if rows.is_empty() => crate::render::nothing_matches(&mut out, "timers", answer_hidden)?,
        _ => {
            // The counts come first, where a terminal shows them.
            render::summary_at(&mut out, &rows, now)?;
            render::table(&mut out, &rows, now)?;
        }
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    // A ticket the gate cannot read could be the breached one: the check
    // could not do its job.
    if args.check && unreadable > 0 {
        return Err(CliError::new(
            crate::cli::Kind::Environment,
            format!(
                "{unreadable} ticket file(s) could not be read, so the SLA check is incomplete"
            ),
        )
        .with_hint("run `tkt check` to see what is wrong with them"));
    }
    let undelivered = match channels {
        Err(mistakes) => mistakes,
        Ok(None) => Vec::new(),
        Ok(Some(channels)) => suspects.findings(&repo, &policy, &channels, now)?,
    };
    if !undelivered.is_empty() {
        let report = tkt::check::Report {
            findings: undelivered.clone(),
            ..Default::default()
        };
        match format {
            Format::Github => crate::render::check::github(&mut out, &report)?,
            _ => crate::render::check::text(&mut anstream::stderr(), &report)?,
        }
        out.flush()?;
    }
    let failed = args.check && (rows.iter().any(|(_, t)| gate.fails(t)) || !undelivered.is_empty());
    // The command's last act: what it listed (a million tickets' timers,
    // three allocations or more a ticket) is let go with the process
    // rather than freed one allocation at a time on one core (60 ms at
    // 1,000,000 tickets).
    std::mem::forget(rows);
    std::mem::forget(tickets);
    Ok(if failed {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}

/// `tkt sla --policy-from REV`: open tickets whose timers would flip.
fn policy_diff(
    ctx: &Ctx,
    repo: &tkt::store::Repo,
    new: &tkt::policy::Policy,
    rev: &str,
    format: Format,
    filter: &Filter,
) -> Result<Outcome, CliError> {
    use std::io::Write;
    let text = tkt::history::Git::new(repo.root())
        .show(rev, tkt::store::POLICY_FILE)?
        .ok_or_else(|| CliError::usage(format!("{rev} has no {}", tkt::store::POLICY_FILE)))?;
    let text = String::from_utf8(text)
        .map_err(|_| CliError::usage(format!("{rev}:policy.toml is not UTF-8")))?;
    let old = tkt::policy::Policy::parse(&text).map_err(|e| {
        let mut err = CliError::usage(format!("policy.toml at {rev} is invalid"));
        err.details =
            e.0.iter()
                .map(|i| format!("{rev}:policy.toml:{}:{}: {}", i.line, i.column, i.message))
                .collect();
        err
    })?;
    let now = ctx.now;
    let (flipped, unreadable) = desk::policy_flips(repo, &old, new, filter, now)?;
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => render::policy_flips_json(&mut out, rev, &flipped, now)?,
        _ => render::policy_flips(&mut out, rev, &flipped)?,
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), unreadable.len())?;
    Ok(Outcome::Clean)
}
