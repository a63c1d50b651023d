use std::io::Write;

use clap::Args;
use tkt::desk::{self, Query, Timers};
use tkt::due;
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
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
    #[arg(long, short = 'm')]
    pub reason: Option<String>,
    /// List open tickets whose escalation is due (deadlines passed, criteria met), most overdue first
    #[arg(long, conflicts_with_all = ["id", "to", "reason"])]
    pub due: bool,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
}

pub fn run(ctx: &Ctx, args: EscalateArgs) -> Result<Outcome, CliError> {
    if args.due {
        return due(ctx);
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
    let recorded = record::record(ctx, &id, &args.time, |d: &Draft<'_>| {
        d.policy.expect_level(&to)?;
        Ok(Event::Escalated {
            at: d.at,
            by: d.by.clone(),
            to,
            reason,
        })
    })?;
    record::confirm(ctx, &recorded)
}

fn due(ctx: &Ctx) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let query = Query {
        timers: Timers::Summary,
        ..Query::default()
    };
    let answer = desk::query(&repo, &policy, &query, ctx.now)?;
    let mut rows: Vec<DueRow<'_>> = answer
        .tickets
        .iter()
        .flat_map(|t| {
            due::escalations_due(&policy, &t.status, &t.timers, ctx.now)
                .into_iter()
                .take(1) // the highest level owed says it all
                .map(move |due| DueRow { ticket: t, due })
        })
        .collect();
    rows.sort_by(|a, b| {
        b.due
            .overdue_s
            .cmp(&a.due.overdue_s)
            .then_with(|| a.ticket.id.cmp(&b.ticket.id))
    });
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => render::due_json(&mut out, &rows, ctx.now)?,
        _ => render::due_table(&mut out, &rows)?,
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), answer.unreadable.len())?;
    Ok(Outcome::Clean)
}
