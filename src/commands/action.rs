//! `tkt action list` and `tkt action done`: review action items as tracked
//! work, across every ticket.

use std::io::Write;

use clap::{Args, Subcommand};
use tkt::desk::{self, Filter, Query, Timers};
use tkt::ticket::Event;
use tkt::workflow::actions;

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::action::{self as render, ActionRow};

#[derive(Args, Debug)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub command: ActionCommand,
}

#[derive(Subcommand, Debug)]
pub enum ActionCommand {
    /// Review action items still open (or every one with --all), soonest due first
    List(ListArgs),
    /// Mark a review action item done
    Done(DoneArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only items this person owns (`@me`: the acting person)
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,
    /// Only items past their due date
    #[arg(long, conflicts_with = "all")]
    pub overdue: bool,
    /// Done items too
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Args, Debug)]
pub struct DoneArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The item: its review's event reference and position, REF#N (as
    /// `tkt action list` shows it); a unique prefix of REF will do
    pub item: String,
    /// What was done
    #[arg(long, short = 'm')]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: ActionArgs) -> Result<Outcome, CliError> {
    match args.command {
        ActionCommand::List(args) => list(ctx, args),
        ActionCommand::Done(args) => done(ctx, args),
    }
}

/// Every action item of the desk matching `owners` (any name of theirs;
/// everyone when empty), as rows, soonest due first.
pub fn rows<'t>(
    tickets: &'t [desk::TicketAt],
    owners: &[String],
    keep: impl Fn(&actions::Action) -> bool,
) -> Vec<ActionRow<'t>> {
    let mut rows: Vec<ActionRow<'_>> = tickets
        .iter()
        .flat_map(|t| {
            t.actions.iter().map(move |a| ActionRow {
                ticket: t,
                action: a,
            })
        })
        .filter(|r| {
            owners.is_empty()
                || owners
                    .iter()
                    .any(|o| o.eq_ignore_ascii_case(&r.action.owner))
        })
        .filter(|r| keep(r.action))
        .collect();
    rows.sort_by(|a, b| {
        (a.action.due, &a.ticket.id, &a.action.item).cmp(&(
            b.action.due,
            &b.ticket.id,
            &b.action.item,
        ))
    });
    rows
}

/// Every ticket, closed or not, with its action items.
/// Every ticket with review action items (only those are kept as the
/// desk is read: most tickets have none).
pub fn tickets_with_actions(
    repo: &tkt::store::Repo,
    policy: &tkt::policy::Policy,
    now: tkt::time::Timestamp,
) -> Result<desk::Answer, tkt::store::StoreError> {
    desk::query_with(repo, policy, &with_actions(), now, |t| {
        !t.actions.is_empty()
    })
}

fn with_actions() -> Query {
    Query {
        filter: Filter {
            all: true,
            ..Filter::default()
        },
        timers: Timers::Skip,
        actions: true,
        ..Query::default()
    }
}

fn list(ctx: &Ctx, args: ListArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let who = super::who::Who::new(&policy);
    let owner = match args.owner.as_deref() {
        Some("@me") => Some(ctx.actor(&repo, &who)?),
        other => other.map(str::to_string),
    };
    let owners = who.filter(owner.into_iter().collect())?;
    let answer = tickets_with_actions(&repo, &policy, ctx.now)?;
    let now = ctx.now;
    let rows = rows(&answer.tickets, &owners, |a| {
        if args.overdue {
            a.is_overdue(now)
        } else {
            args.all || a.done.is_none()
        }
    });
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => render::json(&mut out, &rows, now)?,
        _ => render::table(&mut out, &rows, now)?,
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), answer.unreadable.len())?;
    Ok(Outcome::Clean)
}

fn done(ctx: &Ctx, args: DoneArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let text = input::required(
        ctx,
        args.message,
        &args.text_file,
        "what was done",
        "-m TEXT",
    )?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        let items = actions::actions(d.ticket, d.at);
        let item = pick(&items, &args.item).map_err(CliError::usage)?;
        if let Some(why) = actions::undoable(d.ticket, &item, d.at) {
            return Err(CliError::refused(format!(
                "{why} ({}); nothing was written",
                d.ticket.id
            )));
        }
        Ok(Event::ActionDone {
            at: d.at,
            by: d.by.clone(),
            item,
            text,
        })
    })?;
    record::confirm(ctx, &recorded)
}

/// The item `given` names: `REF#N` exactly, or with a unique prefix of REF.
fn pick(items: &[actions::Action], given: &str) -> Result<String, String> {
    let given = given.trim();
    let (reference, n) = given
        .rsplit_once('#')
        .ok_or_else(|| format!("`{given}` is not an action item like 3f2c1a9b0e#1"))?;
    let matching: Vec<&actions::Action> = items
        .iter()
        .filter(|a| {
            a.item
                .rsplit_once('#')
                .is_some_and(|(r, i)| i == n && !reference.is_empty() && r.starts_with(reference))
        })
        .collect();
    match matching.as_slice() {
        [one] => Ok(one.item.clone()),
        [] if items.is_empty() => Err(format!(
            "no action item {given}: the ticket's reviews record none"
        )),
        [] => Err(format!(
            "no action item {given} (the ticket has {})",
            items
                .iter()
                .map(|a| a.item.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Err(format!(
            "`{given}` names more than one action item; give more of the reference"
        )),
    }
}
