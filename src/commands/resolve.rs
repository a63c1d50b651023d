//! `tkt resolve`, `tkt approve`, `tkt close` and `tkt reopen`: resolution
//! confirmation, approval and closure verification.

use clap::{ArgGroup, Args};
use tkt::ticket::Event;

use super::input;
use super::record::{self, Draft};
use super::who::Role;
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct ResolveArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// What fixed it
    #[arg(
        long = "message",
        short = 'm',
        visible_alias = "summary",
        value_name = "TEXT"
    )]
    pub summary: Option<String>,
    /// The root cause, if known
    #[arg(long)]
    pub root_cause: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Args, Debug)]
pub struct ApproveArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// What was checked before approving
    #[arg(long, short = 'm')]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("reason_for").args(["no_confirmation", "force"]).multiple(true)))]
pub struct CloseArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Who at the customer confirmed the resolution, or the reference of
    /// their reply by mail (a customer-replied event, as `show` lists it)
    #[arg(long, value_name = "WHO|REF")]
    pub confirmed_by: Option<String>,
    /// Close without customer confirmation (needs -m WHY)
    #[arg(long, requires = "reason", conflicts_with = "confirmed_by")]
    pub no_confirmation: bool,
    /// Close although requests to other teams are unanswered (needs -m WHY)
    #[arg(long, requires = "reason")]
    pub force: bool,
    /// Why there is no customer confirmation, or why requests are left
    /// unanswered (recorded with the close)
    #[arg(
        long = "message",
        short = 'm',
        visible_alias = "reason",
        value_name = "TEXT",
        requires = "reason_for"
    )]
    pub reason: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    /// The manager who approved closing, for severities that need an
    /// approval but no role (else the approver runs `tkt approve`)
    #[arg(long, value_name = "MANAGER")]
    pub approved_by: Option<String>,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Args, Debug)]
pub struct ReopenArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Why it is not resolved after all
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

pub fn resolve(ctx: &Ctx, args: ResolveArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let summary = input::required(
        ctx,
        args.summary,
        &args.text_file,
        "resolution summary",
        "--summary TEXT",
    )?;
    let root_cause = input::optional(args.root_cause);
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Resolved {
            at: d.at,
            by: d.by.clone(),
            summary,
            root_cause,
        })
    })?;
    record::confirm(ctx, &recorded)
}

pub fn approve(ctx: &Ctx, args: ApproveArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let text = input::required(ctx, args.message, &args.text_file, "approval", "-m TEXT")?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Approved {
            at: d.at,
            by: d.by.clone(),
            text,
        })
    })?;
    record::confirm(ctx, &recorded)
}

pub fn close(ctx: &Ctx, args: CloseArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let reason = input::optional_text(args.reason, &args.text_file)?;
    let no_confirmation = reason.clone().filter(|_| args.no_confirmation);
    let forced = reason.filter(|_| args.force);
    let (confirmed_by, approved_by) = (
        input::optional(args.confirmed_by),
        input::optional(args.approved_by),
    );
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        // The customer who confirmed is no person of the desk; the approver is.
        let approved_by = approved_by
            .map(|a| d.who.resolve(&a, Role::Approver, d.at))
            .transpose()?;
        // A reference cites the customer's reply: it must name one.
        if let Some(cited) = confirmed_by.as_deref().filter(|c| looks_like_reference(c)) {
            let reply = tkt::inbound::cited_reply(d.ticket, cited, d.at);
            let after_resolution = reply.is_some_and(|r| {
                d.status
                    .resolved_at
                    .is_none_or(|resolved| r.at() >= resolved)
            });
            if !after_resolution {
                return Err(CliError::refused(format!(
                    "`{cited}` names no customer reply on {} since it was resolved (show lists each reply with its reference); nothing was written",
                    d.ticket.id
                )));
            }
        }
        Ok(Event::Closed {
            at: d.at,
            by: d.by.clone(),
            confirmed_by,
            no_confirmation,
            approved_by,
            forced,
        })
    })?;
    record::confirm(ctx, &recorded)
}

/// Ten lower-case hex digits: an event reference, not a name.
fn looks_like_reference(text: &str) -> bool {
    text.len() == tkt::ticket::REFERENCE_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn reopen(ctx: &Ctx, args: ReopenArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let reason = input::required(ctx, args.reason, &args.text_file, "reason", "--reason TEXT")?;
    let recorded = record::record(ctx, &args.id, &args.time, |d: &Draft<'_>| {
        Ok(Event::Reopened {
            at: d.at,
            by: d.by.clone(),
            reason,
        })
    })?;
    record::confirm(ctx, &recorded)
}
