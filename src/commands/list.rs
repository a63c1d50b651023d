use clap::{Args, ValueEnum};
use std::io::Write;
use tkt::desk::{self, Query, Sort, Timers};
use tkt::due::Need;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::{self, list};

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only tickets waiting on an answer from this team (`any` for any team)
    #[arg(long, value_name = "TEAM")]
    pub waiting_on: Option<String>,
    /// Only tickets that owe this now: an escalation, a customer update, a post-escalation review
    #[arg(long, value_enum)]
    pub needs: Option<NeedArg>,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
    #[command(flatten)]
    pub assignee: super::filter::AssigneeArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NeedArg {
    Escalation,
    Update,
    Review,
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let mut filter = args
        .filters
        .filter(ctx, &repo, &policy, &args.assignee.assignee)?;
    filter.waiting_on_team = args.waiting_on;
    // Reviews are owed by closed tickets.
    filter.all |= matches!(args.needs, Some(NeedArg::Review));
    let query = Query {
        filter,
        need: args.needs.map(|n| match n {
            NeedArg::Escalation => Need::Escalation,
            NeedArg::Update => Need::Update,
            NeedArg::Review => Need::Review,
        }),
        timers: Timers::Skip,
        sort: args.filters.sort(Sort::listing())?,
        actions: false,
        limit: args.filters.limit,
        ..Query::default()
    };
    let mut out = crate::cli::output::stdout();
    let unreadable = match format {
        Format::Json => {
            let answer = desk::query(&repo, &policy, &query, ctx.now)?;
            list::json(&mut out, &answer.tickets, ctx.now)?;
            answer.unreadable.len()
        }
        // The table shows a few fields of each ticket: only those are kept
        // as each is read.
        _ => {
            let answer = desk::query_rows(&repo, &policy, &query, ctx.now, |t| {
                Some(list::ListRow::of(t))
            })?;
            list::table(&mut out, &answer.rows, answer.hidden, ctx.now)?;
            answer.unreadable.len()
        }
    };
    out.flush()?;
    render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(Outcome::Clean)
}
