use clap::{Args, Subcommand, ValueEnum};
use rayon::prelude::*;
use tkt::sla::{self, Gate, TimerFilter, TimerStatus};
use tkt::time::Timestamp;
use tkt::workflow::Filter;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::sla::{self as render, TicketTimers};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SlaArgs {
    #[command(subcommand)]
    pub command: Option<SlaCommand>,
    /// Only tickets of these severities
    #[arg(long, value_delimiter = ',')]
    pub severity: Vec<String>,
    /// Only tickets owned by these teams
    #[arg(long, value_delimiter = ',')]
    pub team: Vec<String>,
    /// Only tickets assigned to these people
    #[arg(long, value_delimiter = ',')]
    pub assignee: Vec<String>,
    /// Only tickets at these escalation levels
    #[arg(long, value_delimiter = ',')]
    pub level: Vec<String>,
    /// Only timers with these statuses (breached, warning, running, paused, met); default: all but met
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    pub status: Vec<TimerStatus>,
    /// Include resolved and closed tickets, and met timers
    #[arg(long)]
    pub all: bool,
    /// Exit 1 if a selected timer is breached (see --fail-on)
    #[arg(long)]
    pub check: bool,
    /// What fails --check
    #[arg(long, value_enum, default_value_t = FailOn::Breach, requires = "check")]
    pub fail_on: FailOn,
}

#[derive(Subcommand, Debug)]
pub enum SlaCommand {
    /// Show how each timer of one ticket was derived, event by event
    Explain {
        /// Ticket ID or unique prefix
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Breach,
    Warning,
}

fn parse_status(text: &str) -> Result<TimerStatus, String> {
    TimerStatus::parse(text)
        .ok_or_else(|| format!("unknown status `{text}` (breached, warning, running, paused, met)"))
}

pub fn run(ctx: &Ctx, args: SlaArgs) -> Result<Outcome, CliError> {
    if let Some(SlaCommand::Explain { id }) = args.command {
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
    super::list::validate_names(&policy, &args.severity, &args.level)?;
    let filter = Filter {
        severities: args.severity,
        levels: args.level,
        assignees: args.assignee,
        teams: args.team,
        all: args.all,
        ..Filter::default()
    };
    let timer_filter = TimerFilter {
        statuses: args.status,
        include_met: args.all,
    };
    let now = ctx.now;
    let (mut tickets, unreadable) = super::scan::evaluate_all(&repo, &policy, &filter, now)?;
    for ticket in &mut tickets {
        ticket.timers.retain(|t| timer_filter.matches(t));
    }
    let mut rows: Vec<(&TicketTimers, &sla::Timer)> = tickets
        .iter()
        .flat_map(|t| t.timers.iter().map(move |x| (t, x)))
        .collect();
    rows.par_sort_by(|a, b| {
        sla::urgency_key(a.1)
            .cmp(&sla::urgency_key(b.1))
            .then_with(|| a.0.id.cmp(&b.0.id))
    });

    let gate = match args.fail_on {
        FailOn::Breach => Gate::Breach,
        FailOn::Warning => Gate::Warning,
    };
    let warnings = args.check && gate == Gate::Warning;
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => render::json(&mut out, &tickets, now)?,
        Format::Github => render::github(&mut out, &rows, now, warnings)?,
        Format::Junit => render::junit(&mut out, &rows, now, warnings)?,
        Format::Markdown => render::markdown(&mut out, &rows, now)?,
        Format::Text => {
            render::table(&mut out, &rows, now)?;
            use std::io::Write;
            writeln!(
                anstream::stderr(),
                "{} at {}",
                render::summary(&rows),
                Timestamp::to_string(&now)
            )?;
        }
    }
    super::list::warn_unreadable(unreadable)?;
    let failed = args.check && rows.iter().any(|(_, t)| gate.fails(t));
    Ok(if failed {
        Outcome::Found
    } else {
        Outcome::Clean
    })
}
