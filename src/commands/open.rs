use std::path::PathBuf;

use clap::Args;
use tkt::id::TicketId;
use tkt::store::StoreError;
use tkt::ticket::{Customer, Event, SCHEMA, Ticket};

use super::input;
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::confirmation;

#[derive(Args, Debug)]
pub struct OpenArgs {
    /// One line saying what is wrong
    #[arg(long)]
    pub title: String,
    /// Severity tier from policy.toml (e.g. critical, high, medium, low)
    #[arg(long)]
    pub severity: String,
    /// Customer (organisation or person) who reported it
    #[arg(long)]
    pub customer: Option<String>,
    /// How to reach the customer (email, phone)
    #[arg(long)]
    pub contact: Option<String>,
    /// Problem description
    #[arg(long, conflicts_with = "description_file")]
    pub description: Option<String>,
    /// Read the description from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub description_file: Option<PathBuf>,
    /// Impact assessment: who and what is affected, how badly
    #[arg(long, conflicts_with = "impact_file")]
    pub impact: Option<String>,
    /// Read the impact assessment from a file (`-` for stdin)
    #[arg(long, value_name = "FILE")]
    pub impact_file: Option<PathBuf>,
    /// Write the description in $EDITOR
    #[arg(long, short = 'e')]
    pub edit: bool,
    /// Owning team
    #[arg(long)]
    pub team: Option<String>,
    /// Assignee (default: nobody yet)
    #[arg(long)]
    pub assignee: Option<String>,
    /// Starting escalation level (default: the policy's lowest)
    #[arg(long)]
    pub level: Option<String>,
    /// Flag the ticket as a repeated outage (an escalation criterion)
    #[arg(long)]
    pub repeated_outage: bool,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: OpenArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let title = args.title.trim().to_string();
    if title.is_empty() || title.contains('\n') {
        return Err(CliError::usage("--title must be one non-empty line"));
    }
    policy.expect_severity(&args.severity)?;
    let level = args
        .level
        .unwrap_or_else(|| policy.lowest_level().id.clone());
    policy.expect_level(&level)?;
    if let Some(team) = &args.team {
        policy.expect_team(team)?;
    }
    let mut description = input::from_flag_or_file(
        args.description,
        args.description_file.as_deref(),
        "description",
    )?;
    if description.is_none() && args.edit {
        description = input::from_editor(ctx, "problem description")?;
    }
    let impact = input::from_flag_or_file(args.impact, args.impact_file.as_deref(), "impact")?;
    let who = super::who::Who::new(&policy);
    let by = ctx.actor(&repo, &who)?;
    let at = ctx.event_time(&args.time);
    ctx.refuse_future(at, &args.time)?;
    let assignee = args
        .assignee
        .map(|a| who.resolve(&a, super::who::Role::Assignee, at))
        .transpose()?;
    let clean = |s: Option<String>| s.map(|s| s.trim().to_string()).unwrap_or_default();
    let mut ticket = Ticket {
        schema: SCHEMA,
        id: TicketId::generate(0),
        title,
        customer: Customer {
            name: clean(args.customer),
            contact: clean(args.contact),
        },
        description: clean(description),
        impact: clean(impact),
        team: args.team,
        events: vec![Event::Opened {
            at,
            by,
            severity: args.severity,
            level,
            assignee,
            repeated_outage: args.repeated_outage,
        }],
    };
    // 50 random bits make a collision vanishingly rare; retry anyway.
    for attempt in 1..=8 {
        match repo.create(&ticket) {
            Ok(_) => {
                let mut out = anstream::stdout().lock();
                match format {
                    Format::Json => {
                        let path = repo.ticket_path(&ticket.id);
                        let file = repo.relative(&path);
                        confirmation::opened_json(&mut out, ticket.id.as_str(), file)?
                    }
                    _ => confirmation::opened(&mut out, ticket.id.as_str())?,
                }
                return Ok(Outcome::Clean);
            }
            Err(StoreError::Exists { .. }) => ticket.id = TicketId::generate(attempt),
            Err(e) => return Err(e.into()),
        }
    }
    Err(CliError::new(
        crate::cli::Kind::Environment,
        "could not find a free ticket ID",
    ))
}
