//! `tkt ingest`: customers' mail into tickets. One message on stdin (as a
//! mail transfer agent's pipe gives it), or every message of an mbox file
//! or a Maildir folder. Each is read and routed by `tkt::inbound`; a reply
//! becomes a `customer-replied` event (which may end a wait on the
//! customer), new mail from a known customer opens a ticket, anything else
//! is quarantined. Idempotent by Message-ID.

use std::fs;
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use tkt::id::TicketId;
use tkt::inbound::{self, Decision, Ingested, Mail};
use tkt::policy::Policy;
use tkt::store::{MAX_ATTACHMENT_BYTES, Quarantined, Repo, StoreError, Stored};
use tkt::ticket::Ticket;
use tkt::time::Timestamp;

use super::who::Who;
use crate::cli::{CliError, Ctx, Format, Kind, Outcome};
use crate::render::ingest as render;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Read every message of this mbox file (not one message from stdin)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["maildir", "quarantine"])]
    pub mbox: Option<PathBuf>,
    /// Read every message of this Maildir folder (its new/ and cur/)
    #[arg(long, value_name = "DIR", conflicts_with = "quarantine")]
    pub maildir: Option<PathBuf>,
    /// List the messages kept aside, and why; ingest nothing
    #[arg(long)]
    pub quarantine: bool,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

/// One message as it came: its bytes, and when the mailbox says it
/// arrived (none on stdin: it arrives now).
struct Incoming {
    raw: Vec<u8>,
    arrived: Option<Timestamp>,
}

pub fn run(ctx: &Ctx, args: IngestArgs) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let mut out = crate::cli::output::stdout();
    if args.quarantine {
        let kept = repo.quarantined()?;
        match format {
            Format::Json => render::quarantined_json(&mut out, &repo, &kept)?,
            _ => render::quarantined(&mut out, &repo, &kept)?,
        }
        out.flush()?;
        return Ok(Outcome::Clean);
    }
    // A person of the desk records as their handle; a mail system's own
    // identity (TKT_USER=mail) need not be listed in people.toml.
    let who = Who::new(&policy);
    let by = match ctx.actor(&repo, &who) {
        Ok(handle) => handle,
        Err(_) => ctx.named_actor(&repo)?,
    };
    if args.mbox.is_none() && args.maildir.is_none() && std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "tkt ingest reads one message on stdin: pipe it in (tkt ingest < message.eml), or read a mailbox with --mbox FILE or --maildir DIR",
        ));
    }
    let messages = incoming(&args)?;
    let mut results = Vec::new();
    for message in messages {
        let message = message?;
        let done = ingest(&repo, &policy, &by, message, ctx.now);
        if format == Format::Text {
            render::ingested(&mut out, &repo, &done)?;
        }
        results.push(done);
    }
    if format == Format::Json {
        render::ingested_json(&mut out, &repo, &results)?;
    }
    out.flush()?;
    let failed = results
        .iter()
        .filter(|r| matches!(r, Ingested::Failed { .. }))
        .count();
    if failed > 0 {
        return Err(CliError::new(
            Kind::TryAgain,
            format!(
                "{failed} message{} could not be stored; nothing of {} was kept: run again",
                if failed == 1 { "" } else { "s" },
                if failed == 1 { "it" } else { "them" }
            ),
        ));
    }
    Ok(Outcome::Clean)
}

type Messages = Box<dyn Iterator<Item = Result<Incoming, CliError>>>;

/// The messages to read, in order, one at a time (a mailbox is never held
/// whole), each cut just past the size limit (`inbound::read` refuses it
/// then).
fn incoming(args: &IngestArgs) -> Result<Messages, CliError> {
    let cap = inbound::MAX_MESSAGE_BYTES + 1;
    if let Some(path) = &args.mbox {
        // Not blocking on a FIFO nobody writes to.
        let file = tkt::store::open_source(path)?;
        let path = path.clone();
        let messages =
            mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(file)).map(move |m| {
                m.map(|m| {
                    let arrived = i64::try_from(m.internal_date())
                        .ok()
                        .filter(|t| *t > 0)
                        .and_then(Timestamp::from_unix);
                    let mut raw = m.unwrap_contents();
                    raw.truncate(cap);
                    Incoming { raw, arrived }
                })
                .map_err(|_| CliError::usage(format!("{}: not an mbox file", path.display())))
            });
        return Ok(Box::new(messages));
    }
    if let Some(dir) = &args.maildir {
        return maildir(dir);
    }
    let mut raw = Vec::new();
    std::io::stdin()
        .lock()
        .take(cap as u64)
        .read_to_end(&mut raw)?;
    Ok(Box::new(std::iter::once(Ok(Incoming {
        raw,
        arrived: None,
    }))))
}

/// Every regular file in `dir/new` and `dir/cur`, by name (a Maildir's
/// names start with the delivery time), read one at a time.
fn maildir(dir: &Path) -> Result<Messages, CliError> {
    let mut files = Vec::new();
    for sub in ["new", "cur"] {
        let path = dir.join(sub);
        let entries = fs::read_dir(&path).map_err(|e| {
            CliError::usage(format!(
                "{}: not a Maildir folder (no readable {sub}/: {e})",
                dir.display()
            ))
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| file_error(&path, e))?;
            let meta = fs::symlink_metadata(entry.path()).map_err(|e| file_error(&path, e))?;
            if meta.is_file() && !entry.file_name().to_string_lossy().starts_with('.') {
                files.push((entry.file_name(), entry.path(), meta));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Box::new(files.into_iter().map(|(_, path, meta)| {
        let mut raw = Vec::new();
        fs::File::open(&path)
            .and_then(|f| {
                f.take(inbound::MAX_MESSAGE_BYTES as u64 + 1)
                    .read_to_end(&mut raw)
            })
            .map_err(|e| file_error(&path, e))?;
        let arrived = meta
            .modified()
            .ok()
            .map(chrono::DateTime::<chrono::Utc>::from)
            .map(Timestamp::from_utc);
        Ok(Incoming { raw, arrived })
    })))
}

fn file_error(path: &Path, e: std::io::Error) -> CliError {
    CliError::new(Kind::Environment, format!("{}: {e}", path.display()))
}

/// The tickets a message may name, read from the desk.
struct Desk<'r>(&'r Repo);

impl inbound::Known for Desk<'_> {
    fn ticket(&self, id: &TicketId) -> Option<Ticket> {
        self.0.load(id).ok()
    }
}

/// Reads, routes and records one message.
fn ingest(repo: &Repo, policy: &Policy, by: &str, message: Incoming, now: Timestamp) -> Ingested {
    let raw = message.raw.as_slice();
    // A message let in again from the quarantine arrived when it was
    // first kept there.
    let kept = repo.quarantine_note(raw);
    let mail = match inbound::read(raw, MAX_ATTACHMENT_BYTES) {
        Ok(mail) => mail,
        Err(refused) => return quarantine(repo, raw, None, refused.to_string(), now),
    };
    let at = inbound::received_at(
        policy,
        &mail,
        message.arrived,
        kept.as_ref().map(|k| k.at),
        now,
    );
    let result = match inbound::route(policy, &mail, &Desk(repo)) {
        Decision::Quarantine { reason } => {
            return quarantine(repo, raw, Some(&mail), reason, now);
        }
        Decision::Duplicate { id } => Ok(Ingested::Duplicate {
            id,
            message_id: mail.message_id.clone(),
        }),
        Decision::Reply { id, of } => reply(repo, policy, by, raw, &mail, &id, of, at, now),
        Decision::Open {
            id,
            customer,
            severity,
        } => open(repo, policy, by, raw, &mail, id, customer, severity, at),
    };
    let done = match result {
        Ok(Ingested::Quarantined { reason, .. }) => {
            return quarantine(repo, raw, Some(&mail), reason, now);
        }
        Ok(done) => done,
        // Waiting longer, or more disk, may help: the mail system retries.
        Err(e @ (StoreError::LockTimeout { .. } | StoreError::Io { .. })) => {
            return Ingested::Failed {
                error: e.to_string(),
            };
        }
        // Anything else would fail again (a ticket file that cannot be
        // read, or would grow past its limit): kept aside, with why.
        Err(e) => {
            return quarantine(
                repo,
                raw,
                Some(&mail),
                format!("it could not be recorded: {e}"),
                now,
            );
        }
    };
    if kept.is_some()
        && let Err(e) = repo.release(raw)
    {
        return Ingested::Failed {
            error: format!("recorded, but still in the quarantine: {e}"),
        };
    }
    done
}

fn quarantine(
    repo: &Repo,
    raw: &[u8],
    mail: Option<&Mail>,
    reason: String,
    now: Timestamp,
) -> Ingested {
    let note = Quarantined {
        file: String::new(),
        at: now,
        reason: reason.clone(),
        from: mail.map(|m| m.from.clone()),
        subject: mail.map(|m| m.subject.clone()),
        message_id: mail.map(|m| m.message_id.clone()),
        size: 0,
    };
    match repo.quarantine(raw, note) {
        Ok(path) => Ingested::Quarantined { reason, path },
        Err(e) => Ingested::Failed {
            error: format!("could not quarantine it ({reason}): {e}"),
        },
    }
}

/// The whole message, then each attachment, stored under ticket `id`.
fn store_parts(
    repo: &Repo,
    id: &TicketId,
    raw: &[u8],
    mail: &Mail,
) -> Result<Vec<Stored>, StoreError> {
    let mut stored = Vec::new();
    let parts = std::iter::once(("message.eml", raw)).chain(
        mail.attachments
            .iter()
            .map(|p| (p.name.as_str(), p.bytes.as_slice())),
    );
    for (name, bytes) in parts {
        match repo.store_bytes(id, bytes, name) {
            Ok(s) => stored.push(s),
            Err(e) => {
                repo.unstore(&stored);
                return Err(e);
            }
        }
    }
    Ok(stored)
}

fn attachments(stored: &[Stored]) -> Vec<tkt::ticket::Attachment> {
    stored.iter().map(|s| s.attachment.clone()).collect()
}

/// Why a reply was not appended.
enum NotAppended {
    /// The ticket has this message already.
    Duplicate,
    /// The gate refused it.
    Refused(String),
    /// Its files could not be stored.
    Store(StoreError),
}

#[allow(clippy::too_many_arguments)]
fn reply(
    repo: &Repo,
    policy: &Policy,
    by: &str,
    raw: &[u8],
    mail: &Mail,
    id: &TicketId,
    of: Option<String>,
    at: Timestamp,
    now: Timestamp,
) -> Result<Ingested, StoreError> {
    // Everything under the ticket's lock, files first: a second copy of
    // the message waits, then finds it recorded, and never takes back the
    // (content-addressed, shared) files the first one's event names.
    let mut stored = Vec::new();
    let appended = repo.append(id, |ticket| {
        if inbound::has_message(ticket, &mail.message_id) {
            return Err(NotAppended::Duplicate);
        }
        stored = store_parts(repo, id, raw, mail).map_err(NotAppended::Store)?;
        let reply = mail.event(by, of.clone(), at, attachments(&stored));
        inbound::place_reply(policy, ticket, reply).map_err(|r| NotAppended::Refused(r.summary))
    });
    match appended {
        Ok(Ok((ticket, event))) => Ok(Ingested::Replied {
            id: id.clone(),
            resumed: inbound::ended_a_wait(policy, &ticket, now),
            event,
        }),
        Ok(Err(NotAppended::Duplicate)) => Ok(Ingested::Duplicate {
            id: id.clone(),
            message_id: mail.message_id.clone(),
        }),
        Ok(Err(NotAppended::Refused(refusal))) => {
            repo.unstore(&stored);
            Ok(Ingested::Quarantined {
                reason: format!("ticket {id} refused it: {refusal}"),
                path: PathBuf::new(),
            })
        }
        Ok(Err(NotAppended::Store(e))) => Err(e),
        // The files stay: another copy of the message may name them by now.
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)]
fn open(
    repo: &Repo,
    policy: &Policy,
    by: &str,
    raw: &[u8],
    mail: &Mail,
    id: TicketId,
    customer: String,
    severity: String,
    at: Timestamp,
) -> Result<Ingested, StoreError> {
    let stored = store_parts(repo, &id, raw, mail)?;
    let reply = mail.event(by, None, at, attachments(&stored));
    let ticket = mail.opened_ticket(policy, id.clone(), customer, severity, reply.clone());
    match repo.create(&ticket) {
        Ok(_) => Ok(Ingested::Opened { id, event: reply }),
        Err(StoreError::Exists { .. }) => {
            // Another copy of this message opened it meanwhile, naming
            // these very (content-addressed) files: they stay.
            match repo.load(&id) {
                Ok(t) if inbound::has_message(&t, &mail.message_id) => Ok(Ingested::Duplicate {
                    id,
                    message_id: mail.message_id.clone(),
                }),
                _ => Ok(Ingested::Quarantined {
                    reason: format!("ticket {id}, the one this message would open, exists already"),
                    path: PathBuf::new(),
                }),
            }
        }
        Err(e) => {
            repo.unstore(&stored);
            Err(e)
        }
    }
}
