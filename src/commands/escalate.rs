use std::io::Write;

use clap::Args;
use tkt::desk::{self, Query, Timers};
use tkt::due;
use tkt::people::Assignment;
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
use super::who::Role;
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::due::{self as render, DueRow};

#[derive(Args, Debug)]
pub struct EscalateArgs {
    /// Ticket ID or unique prefix
    #[arg(required_unless_present = "due")]
    pub id: Option<String>,
    /// The level to escalate to (L2, L3, manager, … as policy.toml defines)
    #[arg(long, required_unless_present = "due")]
    pub to: Option<String>,
    /// Why it needs the next level
    #[arg(
        long = "message",
        short = 'm',
        visible_alias = "reason",
        value_name = "TEXT"
    )]
    pub reason: Option<String>,
    /// Who takes it at the new level (someone who serves it; default: whoever
    /// is on call for it, when people.toml has a rotation); with --due, only
    /// tickets assigned to WHO (`@me`: you)
    #[arg(long, value_name = "WHO")]
    pub assignee: Option<String>,
    /// List open tickets whose escalation is due (deadlines passed, criteria met), most overdue first
    #[arg(long, conflicts_with_all = ["id", "to", "reason"])]
    pub due: bool,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
}

pub fn run(ctx: &Ctx, args: EscalateArgs) -> Result<Outcome, CliError> {
    super::filter::only_with_due(&args.filters, args.due)?;
    if args.due {
        let assignee: Vec<String> = args.assignee.into_iter().collect();
        return due(ctx, &args.filters, &assignee);
    }
    record::text_or_json(ctx)?;
    let (id, to) = (
        args.id.expect("clap requires an ID"),
        args.to.expect("clap requires --to"),
    );
    let reason = input::required(
        ctx,
        args.reason,
        &args.text_file,
        "escalation reason",
        "--reason TEXT",
    )?;
    // Nobody on call and nobody named: recorded all the same (an
    // emergency is never blocked), with a warning.
    let unowned = std::cell::Cell::new(None);
    let recorded = record::record(ctx, &id, &args.time, |d: &Draft<'_>| {
        d.policy.expect_level(&to)?;
        let named = match &args.assignee {
            Some(name) => Some(d.who.resolve(name, Role::Assignee, d.at)?),
            None => None,
        };
        let team = d.status.team.as_deref();
        let assignment = d
            .policy
            .people
            .escalation_assignee(&to, team, named, d.at)
            .map_err(|e| CliError::usage(e.to_string()))?;
        if assignment == Assignment::Unowned {
            unowned.set(Some((to.clone(), d.status.team.clone())));
        }
        let assignee = assignment.handle();
        Ok(Event::Escalated {
            at: d.at,
            by: d.by.clone(),
            to,
            reason,
            assignee,
        })
    })?;
    let outcome = record::confirm(ctx, &recorded)?;
    if let Some((level, team)) = unowned.take() {
        render::nobody_on_call(
            &mut anstream::stderr(),
            recorded.ticket.id.as_str(),
            &level,
            team.as_deref(),
        )?;
    }
    Ok(outcome)
}

fn due(
    ctx: &Ctx,
    filters: &super::filter::FilterArgs,
    assignee: &[String],
) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let filter = filters.filter(ctx, &repo, &policy, assignee)?;
    let sorted = filters.sort.is_some();
    let query = Query {
        filter,
        timers: Timers::Summary,
        sort: filters.sort(tkt::desk::Sort::default())?,
        ..Query::default()
    };
    // Each ticket that owes an escalation is kept as the row it makes, as
    // it is read (its header, not its status or timers): the others (most
    // open tickets) are never held, and a million tickets' rows stay small.
    let answer = desk::query_rows(&repo, &policy, &query, ctx.now, |t| {
        let due = due::escalation_due(&policy, &t.status, &t.timers, ctx.now)?;
        let unowned = due::unowned(&policy, &t.status);
        let on_call = due::on_call(&policy, &t.status, &due.level, ctx.now);
        Some(DueRow {
            ticket: desk::Timed::without_timers(t),
            due,
            unowned,
            on_call,
        })
    })?;
    let mut rows = answer.rows;
    // Most overdue first, unless --sort orders the tickets; then --limit.
    if !sorted {
        rows.sort_by(|a, b| {
            b.due
                .overdue_s
                .cmp(&a.due.overdue_s)
                .then_with(|| a.ticket.id().cmp(b.ticket.id()))
        });
    }
    if let Some(limit) = filters.limit {
        rows.truncate(limit);
    }
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => render::due_json(&mut out, &rows, ctx.now)?,
        _ => render::due_table(&mut out, &rows, !policy.people.rotations.is_empty())?,
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), answer.unreadable.len())?;
    Ok(Outcome::Clean)
}
