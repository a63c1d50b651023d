//! `tkt attach ID FILE…`: evidence that is not a log (screenshots, dumps,
//! exports), stored beside the tickets and referenced from an `attached`
//! event by name, size and hash.

use std::path::PathBuf;

use clap::Args;
use tkt::store::Stored;
use tkt::ticket::{Attachment, Event};

use super::input;
use super::record::{self, Draft, Recorded};
use crate::cli::{CliError, Ctx, EventTime, Outcome};

#[derive(Args, Debug)]
pub struct AttachArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Files to attach (stored under attachments/<ID>/, named by their SHA-256)
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// What the files show
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

pub fn run(ctx: &Ctx, args: AttachArgs) -> Result<Outcome, CliError> {
    record::text_or_json(ctx)?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(&args.id)?;
    let who = super::who::Who::new(&policy);
    let by = ctx.actor(&repo, &who)?;
    let stored = store_all(&repo, &id, args.files.iter().map(|p| (p.clone(), None)))?;
    let files: Vec<Attachment> = stored.iter().map(|s| s.attachment.clone()).collect();
    let note = input::optional_text(args.message, &args.text_file)?;
    let appended = record::record_on(
        ctx,
        &record::Desk {
            repo: &repo,
            policy: &policy,
            who: &who,
        },
        &id,
        &args.time,
        by,
        |d: &Draft<'_>| {
            Ok(Event::Attached {
                at: d.at,
                by: d.by.clone(),
                files,
                note,
            })
        },
    );
    confirm_or_unstore(ctx, &repo, policy, &stored, appended)
}

/// Confirms an event that references attachments this command stored; if
/// it was refused or failed, takes them back.
pub fn confirm_or_unstore(
    ctx: &Ctx,
    repo: &tkt::store::Repo,
    policy: tkt::policy::Policy,
    stored: &[Stored],
    appended: Result<(tkt::ticket::Ticket, Event), CliError>,
) -> Result<Outcome, CliError> {
    match appended {
        Ok((ticket, event)) => record::confirm(
            ctx,
            &Recorded {
                policy,
                ticket,
                event,
            },
        ),
        Err(e) => {
            repo.unstore(stored);
            Err(e)
        }
    }
}

/// Stores each file (under its safe name, or the one given) as an
/// attachment of `id`; on the first failure, takes back the others.
pub fn store_all(
    repo: &tkt::store::Repo,
    id: &tkt::id::TicketId,
    files: impl Iterator<Item = (PathBuf, Option<String>)>,
) -> Result<Vec<Stored>, CliError> {
    let mut stored = Vec::new();
    for (path, name) in files {
        let name = name.unwrap_or_else(|| Attachment::safe_name(&path.to_string_lossy()));
        match repo.store_attachment(id, &path, &name) {
            Ok(s) => stored.push(s),
            Err(e) => {
                repo.unstore(&stored);
                return Err(e.into());
            }
        }
    }
    Ok(stored)
}
