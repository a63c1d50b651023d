//! `tkt inbox`: what needs the acting person (or `--for WHO`) now, across
//! every ticket, most urgent first.

use std::io::Write;

use clap::Args;
use tkt::desk::{self, Filter, Query, Timers};
use tkt::people::Person;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::inbox as render;

#[derive(Args, Debug)]
pub struct InboxArgs {
    /// Whose inbox (default: the acting person)
    #[arg(long = "for", value_name = "WHO")]
    pub for_whom: Option<String>,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: InboxArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let who = super::who::Who::new(&policy);
    let name = match args.for_whom {
        Some(name) => who.resolve(&name, super::who::Role::Assignee, ctx.now)?,
        None => ctx.actor(&repo, &who)?,
    };
    // Without people.toml, the name as written: assignments and action
    // items still find them.
    let person = policy
        .people
        .find(&name)
        .cloned()
        .unwrap_or_else(|| Person::unlisted(&name));
    let query = Query {
        filter: Filter {
            all: true,
            ..Filter::default()
        },
        timers: Timers::Summary,
        actions: true,
        ..Query::default()
    };
    // Only tickets with something for this person are kept as the desk is
    // read (every ticket is, closed ones too, for action items).
    let answer = desk::query_with(&repo, &policy, &query, ctx.now, |t| {
        !tkt::inbox::inbox(&policy, &person, std::slice::from_ref(&*t), ctx.now).is_empty()
    })?;
    let items = tkt::inbox::inbox(&policy, &person, &answer.tickets, ctx.now);
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => render::json(&mut out, &person.handle, &items, ctx.now)?,
        _ => render::text(&mut out, &person.handle, &items, ctx.now)?,
    }
    out.flush()?;
    crate::render::warn_unreadable(&mut anstream::stderr(), answer.unreadable.len())?;
    Ok(Outcome::Clean)
}
