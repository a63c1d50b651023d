use std::io::Write;

use chrono::NaiveDate;
use clap::Args;
use tkt::desk;
use tkt::due::Need;
use tkt::sla::{self, Metric};
use tkt::ticket::{ActionItem, Event};
use tkt::workflow::{self, State};

use super::input;
use super::record::{self, Draft};
use super::who::Role;
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::{self, review, sla as render_sla};

#[derive(Args, Debug)]
pub struct ReviewArgs {
    /// Ticket ID or unique prefix
    #[arg(required_unless_present = "due")]
    pub id: Option<String>,
    /// Assessment: what went well in the escalation
    #[arg(long)]
    pub went_well: Option<String>,
    /// Assessment: what went poorly
    #[arg(long)]
    pub went_poorly: Option<String>,
    /// Customer satisfaction, 1 (bad) to 5 (excellent)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub satisfaction: Option<u8>,
    /// The customer's feedback, in their words
    #[arg(long)]
    pub feedback: Option<String>,
    /// Lessons learned
    #[arg(long)]
    pub lessons: Option<String>,
    /// An action item "TEXT;OWNER;YYYY-MM-DD" (repeatable)
    #[arg(long = "action", value_name = "TEXT;OWNER;DUE", value_parser = parse_action)]
    pub actions: Vec<ActionItem>,
    /// Print a review document (markdown) drafted from the timeline; write nothing
    #[arg(long, conflicts_with_all = ["went_well", "went_poorly", "satisfaction", "feedback", "lessons", "actions"])]
    pub draft: bool,
    /// List closed tickets whose review is missing or overdue
    #[arg(long, conflicts_with_all = ["id", "draft"])]
    pub due: bool,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::ReviewFormat,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
    #[command(flatten)]
    pub assignee: super::filter::AssigneeArg,
}

fn parse_action(text: &str) -> Result<ActionItem, String> {
    let parts: Vec<&str> = text.split(';').map(str::trim).collect();
    let [item, owner, due] = parts[..] else {
        return Err("expected TEXT;OWNER;YYYY-MM-DD".into());
    };
    if item.is_empty() || owner.is_empty() {
        return Err("an action item needs a text and an owner".into());
    }
    let due = NaiveDate::parse_from_str(due, "%Y-%m-%d")
        .map_err(|_| format!("`{due}` is not a date like 2026-12-01"))?;
    Ok(ActionItem {
        text: item.to_string(),
        owner: owner.to_string(),
        due,
    })
}

pub fn run(ctx: &Ctx, args: ReviewArgs) -> Result<Outcome, CliError> {
    super::filter::only_with_due(&args.filters, args.due)?;
    if args.due {
        return due(ctx, &args.filters, &args.assignee.assignee);
    }
    let id = args.id.expect("clap requires an ID");
    if args.draft {
        return draft(ctx, &id);
    }
    record::text_or_json(ctx)?;
    let recorded = record::record(ctx, &id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Reviewed {
            at: d.at,
            by: d.by.clone(),
            went_well: input::optional(args.went_well),
            went_poorly: input::optional(args.went_poorly),
            satisfaction: args.satisfaction,
            customer_feedback: input::optional(args.feedback),
            lessons: input::optional(args.lessons),
            action_items: args
                .actions
                .into_iter()
                .map(|mut item| {
                    item.owner = d.who.resolve(&item.owner, Role::Owner, d.at)?;
                    Ok::<_, CliError>(item)
                })
                .collect::<Result<_, _>>()?,
        })
    })?;
    let status = workflow::replay(&recorded.policy, &recorded.ticket);
    let missing = workflow::missing_review_parts(&recorded.policy, &status);
    record::confirm_then(ctx, &recorded, |out| {
        if missing.is_empty() {
            Ok(())
        } else {
            review::incomplete(out, &missing)
        }
    })
}

fn draft(ctx: &Ctx, typed: &str) -> Result<Outcome, CliError> {
    ctx.format(&[Format::Markdown, Format::Text])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(typed)?;
    let ticket = repo.load(&id)?;
    super::require_opened(&ticket, ctx.now)?;
    let evaluation = sla::evaluate(&policy, &ticket, ctx.now);
    let mut out = crate::cli::output::stdout();
    review::draft(
        &mut out,
        &ticket,
        &evaluation.status,
        &evaluation.timers,
        ctx.now,
    )?;
    out.flush()?;
    Ok(Outcome::Clean)
}

fn due(
    ctx: &Ctx,
    filters: &super::filter::FilterArgs,
    assignee: &[String],
) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let mut filter = filters.filter(ctx, &repo, &policy, assignee)?;
    // Reviews are owed by closed tickets.
    if filter.states.is_empty() {
        filter.states = vec![State::Closed];
    }
    let query = super::filter::timer_query(filters, filter, Some(Need::Review))?;
    let answer = desk::query_rows(&repo, &policy, &query, ctx.now, |mut t| {
        t.timers
            .retain(|x| x.metric == Metric::Review && !x.is_stopped());
        Some(desk::Timed::from(t))
    })?;
    let unreadable = answer.unreadable.len();
    let mut tickets = answer.rows;
    super::filter::limit_by_urgency(filters, &mut tickets, &policy);
    let rows = super::filter::ordered_rows(filters, &tickets, &policy);
    // Reviews done but their action items late are owed too.
    let with_actions = super::action::tickets_with_actions(&repo, &policy, ctx.now)?;
    let overdue = super::action::rows(&with_actions.tickets, &[], |a| a.is_overdue(ctx.now));
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => render_sla::json_with_overdue(&mut out, &tickets, &overdue, ctx.now)?,
        _ if tickets.is_empty() => review::nothing_due(&mut out)?,
        // Without a review deadline in the policy there are no timers; list
        // the tickets anyway.
        _ if rows.is_empty() => review::due_tickets(&mut out, &tickets)?,
        _ => render_sla::table(&mut out, &rows, ctx.now)?,
    }
    if format != Format::Json {
        crate::render::action::overdue_text(&mut out, &overdue, ctx.now)?;
    }
    out.flush()?;
    render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(Outcome::Clean)
}
