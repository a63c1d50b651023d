use std::io::Write;

use clap::{Args, ValueEnum};
use rayon::prelude::*;
use tkt::sla;
use tkt::ticket::{Channel, Event, NoticeKind};
use tkt::workflow::{self, Filter, NoticeValues, State};

use super::record::{self, Draft};
use super::text;
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::{self, sla as render_sla};

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
    /// Kind of notice (default: acknowledgement for the first, resolution once resolved, else update)
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// List open tickets owing the customer word (first response, or an update at risk or late)
    #[arg(long, conflicts_with_all = ["id", "message", "kind"])]
    pub due: bool,
    #[command(flatten)]
    pub time: EventTime,
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
    if args.due {
        return due(ctx);
    }
    record::text_or_json(ctx)?;
    let id = args.id.expect("clap requires an ID");
    let message = text::required(ctx, args.message, "message", "-m TEXT")?;
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
            None if d.status.state == State::Resolved => NoticeKind::Resolution,
            None if d.status.last_customer_update.is_none() => NoticeKind::Acknowledgement,
            None => NoticeKind::Update,
        };
        let template = match kind {
            NoticeKind::Acknowledgement => &d.policy.templates.acknowledgement,
            NoticeKind::Update => &d.policy.templates.update,
            NoticeKind::Resolution => &d.policy.templates.resolution,
        };
        let next_update = match sla::next_update_due(d.policy, &d.status.severity, d.at) {
            Some(t) if kind != NoticeKind::Resolution => render::short_time(t),
            _ => "our next news".to_string(),
        };
        let rendered = workflow::render_notice(
            template,
            &NoticeValues {
                id: d.ticket.id.as_str(),
                title: &d.status.title,
                severity: &d.status.severity,
                level: &d.status.level,
                state: d.status.state.name(),
                message: &message,
                next_update: &next_update,
            },
        );
        Ok(Event::Notified {
            at: d.at,
            by: d.by.clone(),
            channel,
            kind,
            message: rendered,
        })
    })?;
    let outcome = record::confirm(ctx, &recorded)?;
    if ctx.format(&[Format::Text, Format::Json])? == Format::Text
        && let Event::Notified { message, .. } = &recorded.event
    {
        let mut out = anstream::stdout().lock();
        writeln!(out)?;
        for line in message.lines() {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(outcome)
}

fn due(ctx: &Ctx) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let (mut tickets, unreadable) =
        super::scan::evaluate_all(&repo, &policy, &Filter::default(), ctx.now)?;
    for t in &mut tickets {
        t.timers.retain(sla::owes_customer);
    }
    tickets.retain(|t| !t.timers.is_empty());
    let mut rows: Vec<_> = tickets
        .iter()
        .flat_map(|t| t.timers.iter().map(move |x| (t, x)))
        .collect();
    rows.par_sort_by(|a, b| {
        sla::urgency_key(a.1)
            .cmp(&sla::urgency_key(b.1))
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => render_sla::json(&mut out, &tickets, ctx.now)?,
        _ if rows.is_empty() => writeln!(out, "no customer is owed an update")?,
        _ => render_sla::table(&mut out, &rows, ctx.now)?,
    }
    out.flush()?;
    super::list::warn_unreadable(unreadable)?;
    Ok(Outcome::Clean)
}
