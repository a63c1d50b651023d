use std::io::Write;

use clap::Args;
use tkt::desk::{self, Query, Sort, Timers};
use tkt::due;
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Format, Kind, Outcome};
use crate::render;
use crate::render::handover::{self, HandoverItem};

#[derive(Args, Debug)]
pub struct HandoverArgs {
    /// Hand over this person's open tickets
    #[arg(long, required_unless_present = "summary", requires = "to")]
    pub from: Option<String>,
    /// To this person
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// A note recorded on every ticket handed over
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: super::input::TextFile,
    /// Only print the handover summary (markdown); write nothing
    #[arg(long, conflicts_with_all = ["from", "to", "message"])]
    pub summary: bool,
    /// With --summary: only this person's tickets (default: every open ticket)
    #[arg(long = "for", value_name = "WHO", requires = "summary")]
    pub for_whom: Option<String>,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::MarkdownJson,
    /// Which of the tickets to hand over or list
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
}

pub fn run(ctx: &Ctx, args: HandoverArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Markdown, Format::Json, Format::Text])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let owner = if args.summary {
        args.for_whom.clone()
    } else {
        args.from.clone()
    };
    let who = super::who::Who::new(&policy);
    // Every name the owner goes by: old events may hold an email, new ones
    // the handle.
    let owner_names = who.filter(owner.iter().cloned().collect())?;
    let filter = args.filters.filter(
        ctx,
        &repo,
        &policy,
        &owner.iter().cloned().collect::<Vec<_>>(),
    )?;
    let query = Query {
        filter,
        timers: Timers::Summary,
        sort: args.filters.sort(Sort::listing())?,
        limit: args.filters.limit,
        ..Query::default()
    };
    let answer = desk::query(&repo, &policy, &query, ctx.now)?;
    let unreadable = answer.unreadable.len();
    let mut tickets = answer.tickets;
    let mut out = anstream::stdout().lock();
    // The owner's review action items past their due date (everyone's
    // without an owner), wherever they were recorded: owed even when no
    // ticket is open.
    let with_actions = super::action::tickets_with_actions(&repo, &policy, ctx.now)?;
    let overdue = super::action::rows(&with_actions.tickets, &owner_names, |a| {
        a.is_overdue(ctx.now)
    });
    if tickets.is_empty() && format != Format::Json {
        handover::nothing_open(&mut out, owner.as_deref())?;
        crate::render::action::overdue_markdown(&mut out, &overdue)?;
        return Ok(Outcome::Clean);
    }
    let note = input::optional_text(args.message, &args.text_file)?;
    if let (Some(from), Some(to)) = (&args.from, &args.to) {
        let by = ctx.actor(&repo, &who)?;
        let mut skipped = Vec::new();
        for ticket in &tickets {
            let id = repo.resolve(&ticket.id)?;
            let result = record::record_on(
                ctx,
                &record::Desk {
                    repo: &repo,
                    policy: &policy,
                    who: &who,
                },
                &id,
                &args.time,
                by.clone(),
                |d: &Draft<'_>| {
                    // Someone may have reassigned it since the scan.
                    if !d
                        .status
                        .assignee
                        .as_ref()
                        .is_some_and(|a| owner_names.contains(a))
                    {
                        return Err(CliError::refused(format!(
                            "{id} is no longer assigned to {from}; skipped"
                        )));
                    }
                    Ok(Event::Assigned {
                        at: d.at,
                        by: d.by.clone(),
                        to: d.who.resolve(to, super::who::Role::Assignee, d.at)?,
                        team: None,
                        note: note.clone(),
                    })
                },
            );
            match result {
                Ok(_) => {}
                // Changed since the scan (reassigned, closed) or dated after
                // the handover: say so, go on with the others.
                Err(e) if matches!(e.kind, Kind::Refused | Kind::Usage) => {
                    skipped.push(format!("{id}: {}", e.message))
                }
                Err(e) => return Err(e),
            }
        }
        handover::skipped(&mut anstream::stderr(), &skipped)?;
        tickets.retain(|t| !skipped.iter().any(|s| s.contains(&t.id)));
    }
    let items: Vec<HandoverItem<'_>> = tickets
        .iter()
        .map(|t| {
            let outlook = due::outlook(&policy, &t.status, &t.timers, ctx.now);
            let mut item = HandoverItem::new(t, outlook, ctx.now);
            if due::unowned(&policy, &t.status) {
                let on_call = due::on_call(&policy, &t.status, &t.status.level, ctx.now);
                item.unowned(&t.status.level, on_call);
            }
            item
        })
        .collect();
    let heading = match (&args.from, &args.to, &args.for_whom) {
        (Some(from), Some(to), _) => format!("Handover from {from} to {to}"),
        (_, _, Some(who)) => format!("Open tickets of {who}"),
        _ => "Open tickets".to_string(),
    };
    match format {
        Format::Json => handover::json(
            &mut out,
            &heading,
            &items,
            &overdue,
            note.as_deref(),
            ctx.now,
        )?,
        _ => handover::markdown(
            &mut out,
            &heading,
            &items,
            &overdue,
            note.as_deref(),
            ctx.now,
        )?,
    }
    out.flush()?;
    render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(Outcome::Clean)
}
