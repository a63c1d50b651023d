//! `tkt amend`, `tkt flag` and `tkt severity`: facts learned after opening.

use clap::{Args, ValueEnum};
use tkt::ticket::{AmendedField, Event};

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct AmendArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Which header fact the text adds to or corrects
    #[arg(long, value_enum)]
    pub field: Field,
    /// The text (default: $EDITOR when interactive)
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Field {
    Title,
    Description,
    Impact,
    Contact,
    Customer,
}

#[derive(Args, Debug)]
pub struct FlagArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Clear the repeated-outage flag instead of setting it
    #[arg(long)]
    pub clear: bool,
    /// Why (e.g. the earlier tickets of the same outage)
    #[arg(
        long = "message",
        short = 'm',
        visible_alias = "reason",
        value_name = "TEXT"
    )]
    pub reason: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Args, Debug)]
pub struct SeverityArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// The new severity
    #[arg(long)]
    pub to: String,
    /// Why the severity changes
    #[arg(
        long = "message",
        short = 'm',
        visible_alias = "reason",
        value_name = "TEXT"
    )]
    pub reason: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn amend(ctx: &Ctx, args: AmendArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let field = match args.field {
        Field::Title => AmendedField::Title,
        Field::Description => AmendedField::Description,
        Field::Impact => AmendedField::Impact,
        Field::Contact => AmendedField::Contact,
        Field::Customer => AmendedField::Customer,
    };
    let text = input::required(ctx, args.message, &args.text_file, "text", "-m TEXT")?;
    if matches!(field, AmendedField::Title) && text.contains('\n') {
        return Err(CliError::usage("a title is one line"));
    }
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Amended {
            at: d.at,
            by: d.by.clone(),
            field,
            text,
        })
    })?;
    record::confirm(ctx, &recorded)
}

pub fn flag(ctx: &Ctx, args: FlagArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let reason = input::optional_text(args.reason, &args.text_file)?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        if d.status.repeated_outage != args.clear {
            let state = if args.clear {
                "not flagged"
            } else {
                "already flagged"
            };
            return Err(CliError::usage(format!(
                "{} is {state} as a repeated outage",
                d.ticket.id
            )));
        }
        Ok(Event::Flagged {
            at: d.at,
            by: d.by.clone(),
            repeated_outage: !args.clear,
            reason,
        })
    })?;
    record::confirm(ctx, &recorded)
}

pub fn severity(ctx: &Ctx, args: SeverityArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let reason = input::required(ctx, args.reason, &args.text_file, "reason", "--reason TEXT")?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        d.policy.expect_severity(args.to.trim())?;
        Ok(Event::SeverityChanged {
            at: d.at,
            by: d.by.clone(),
            to: args.to.trim().to_string(),
            reason,
        })
    })?;
    record::confirm(ctx, &recorded)
}
