use std::io::Write;

use clap::{Args, ValueEnum};
use tkt::desk;
use tkt::due::{self, Need};
use tkt::ticket::{Channel, Event, NoticeKind};
use tkt::workflow;

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::{self, notify as render_notify, sla as render_sla};

#[derive(Args, Debug)]
pub struct NotifyArgs {
    /// Ticket ID or unique prefix
    #[arg(required_unless_present = "due")]
    pub id: Option<String>,
    /// What to tell the customer (placed in the policy's template)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// How the customer was told
    #[arg(long, value_enum, default_value_t = ChannelArg::Email)]
    pub channel: ChannelArg,
    /// Also mail a copy to ADDR when the notice is delivered (repeatable; email only)
    #[arg(long, value_name = "ADDR")]
    pub cc: Vec<String>,
    /// Kind of notice (default: acknowledgement for the first, resolution once resolved, else update)
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// List open tickets owing the customer word (first response, or an update at risk or late)
    #[arg(long, conflicts_with_all = ["id", "message", "kind"])]
    pub due: bool,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
    #[command(flatten)]
    pub filters: super::filter::FilterArgs,
    #[command(flatten)]
    pub assignee: super::filter::AssigneeArg,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Email,
    Phone,
    Portal,
    Chat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Acknowledgement,
    Update,
    Resolution,
}

pub fn run(ctx: &Ctx, args: NotifyArgs) -> Result<Outcome, CliError> {
    super::filter::only_with_due(&args.filters, args.due)?;
    if args.due {
        return due(ctx, &args.filters, &args.assignee.assignee);
    }
    record::text_or_json(ctx)?;
    let id = args.id.expect("clap requires an ID");
    let message = input::required(ctx, args.message, &args.text_file, "message", "-m TEXT")?;
    let channel = match args.channel {
        ChannelArg::Email => Channel::Email,
        ChannelArg::Phone => Channel::Phone,
        ChannelArg::Portal => Channel::Portal,
        ChannelArg::Chat => Channel::Chat,
    };
    let recorded = record::record(ctx, &id, &args.time, |d: &Draft<'_>| {
        let kind = match args.kind {
            Some(KindArg::Acknowledgement) => NoticeKind::Acknowledgement,
            Some(KindArg::Update) => NoticeKind::Update,
            Some(KindArg::Resolution) => NoticeKind::Resolution,
            None => workflow::default_notice_kind(d.status),
        };
        Ok(Event::Notified {
            at: d.at,
            by: d.by.clone(),
            channel,
            kind,
            message: workflow::notice_text(d.policy, d.ticket, d.status, kind, &message, d.at),
            cc: args.cc.iter().map(|a| a.trim().to_string()).collect(),
        })
    })?;
    record::confirm_then(ctx, &recorded, |out| match &recorded.event {
        Event::Notified { message, .. } => render_notify::notice(out, message),
        _ => Ok(()),
    })
}

fn due(
    ctx: &Ctx,
    filters: &super::filter::FilterArgs,
    assignee: &[String],
) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let filter = filters.filter(ctx, &repo, &policy, assignee)?;
    let query = super::filter::timer_query(filters, filter, Some(Need::Update))?;
    let answer = desk::query_rows(&repo, &policy, &query, ctx.now, |mut t| {
        t.timers.retain(due::owes_customer);
        Some(desk::Timed::from(t))
    })?;
    let unreadable = answer.unreadable.len();
    let mut tickets = answer.rows;
    super::filter::limit_by_urgency(filters, &mut tickets, &policy);
    let rows = super::filter::ordered_rows(filters, &tickets, &policy);
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => render_sla::json(&mut out, &tickets, ctx.now)?,
        _ if rows.is_empty() => render_notify::nothing_due(&mut out)?,
        _ => render_sla::table(&mut out, &rows, ctx.now)?,
    }
    out.flush()?;
    render::warn_unreadable(&mut anstream::stderr(), unreadable)?;
    Ok(Outcome::Clean)
}
