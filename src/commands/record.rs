//! What every event-writing verb shares: resolve the ticket, take the time
//! and the actor, run the SOP gate under the ticket's lock, append, confirm.

use std::io::Write;

use tkt::id::TicketId;
use tkt::policy::Policy;
use tkt::store::Repo;
use tkt::ticket::{Event, Ticket};
use tkt::time::Timestamp;
use tkt::workflow::{self, Refusal, Status};

use super::who::Who;
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::confirmation;
use crate::render::remedy;

/// Everything a verb's `make` closure may need to build its event.
pub struct Draft<'a> {
    pub ticket: &'a Ticket,
    pub status: &'a Status,
    pub policy: &'a Policy,
    /// People named in the event resolve through it.
    pub who: &'a Who,
    pub at: Timestamp,
    pub by: String,
}

/// The ticket after the append, with the event that was appended.
pub struct Recorded {
    pub policy: Policy,
    pub ticket: Ticket,
    pub event: Event,
}

/// A gate's refusal as the binary reports it: exit 1, every item listed.
pub fn refused(id: &str, refusal: Refusal) -> CliError {
    let mut err = CliError::refused(format!("{} ({id}); nothing was written", refusal.summary));
    for m in refusal.missing {
        err.details.push(match m.remedy {
            Some(fix) => format!("- {} — {}", m.what, remedy::remedy(&fix, id)),
            None => format!("- {}", m.what),
        });
    }
    err
}

/// Appends the event `make` builds to the ticket `typed` names, if the SOP
/// gate admits it. Runs under the ticket's lock.
pub fn record(
    ctx: &Ctx,
    typed: &str,
    time: &EventTime,
    make: impl FnOnce(&Draft<'_>) -> Result<Event, CliError>,
) -> Result<Recorded, CliError> {
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(typed)?;
    let who = Who::new(&policy);
    let by = ctx.actor(&repo, &who)?;
    let (ticket, event) = record_on(
        ctx,
        &Desk {
            repo: &repo,
            policy: &policy,
            who: &who,
        },
        &id,
        time,
        by,
        make,
    )?;
    Ok(Recorded {
        policy,
        ticket,
        event,
    })
}

/// What a write reads once per command: the repository, its policy and
/// its people.
pub struct Desk<'a> {
    pub repo: &'a Repo,
    pub policy: &'a Policy,
    pub who: &'a Who,
}

/// [`record`] for a caller that already holds the desk and a resolved ID
/// (verbs that touch many tickets).
pub fn record_on(
    ctx: &Ctx,
    desk: &Desk<'_>,
    id: &TicketId,
    time: &EventTime,
    by: String,
    make: impl FnOnce(&Draft<'_>) -> Result<Event, CliError>,
) -> Result<(Ticket, Event), CliError> {
    let Desk { repo, policy, who } = *desk;
    let appended = repo.append(id, |ticket| {
        let at = ctx.event_time(time);
        ctx.refuse_future(at, time)?;
        workflow::check_event_time(policy, ticket, at, ctx.clock(), ctx.system_clock())
            .map_err(|e| CliError::usage(e.to_string()))?;
        let late = workflow::last_counted_at(ticket).is_some_and(|last| last > at);
        let status = workflow::replay(policy, ticket);
        let event = make(&Draft {
            ticket,
            status: &status,
            policy,
            who,
            at,
            by,
        })?;
        match event {
            // A correction, and an event logged late, are judged on the
            // whole history.
            Event::Voided { .. } => workflow::admit_void(policy, ticket, &event),
            _ if late => workflow::admit_late(policy, ticket, &event),
            _ => workflow::admit(policy, &status, &event),
        }
        .map_err(|r| refused(id.as_str(), r))?;
        Ok::<_, CliError>(event)
    })??;
    Ok(appended)
}

/// Prints the one-line confirmation (or JSON) of a recorded event.
pub fn confirm(ctx: &Ctx, recorded: &Recorded) -> Result<Outcome, CliError> {
    confirm_then(ctx, recorded, |_| Ok(()))
}

/// Stdout as the confirmations write it.
pub type Out = anstream::AutoStream<std::io::StdoutLock<'static>>;

/// [`confirm`], then `more` (text output only). The event is on disk
/// whatever happens to stdout: when printing fails (stdout closed or full)
/// the command still succeeds, and says on stderr what was recorded, so a
/// retry does not record it twice.
pub fn confirm_then(
    ctx: &Ctx,
    recorded: &Recorded,
    more: impl FnOnce(&mut Out) -> std::io::Result<()>,
) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let status = workflow::replay(&recorded.policy, &recorded.ticket);
    let printed = (|| {
        let mut out = anstream::stdout().lock();
        match format {
            Format::Json => confirmation::confirmation_json(
                &mut out,
                &recorded.ticket,
                &recorded.event,
                &status,
            )?,
            _ => {
                confirmation::confirmation(&mut out, &recorded.ticket, &recorded.event, &status)?;
                more(&mut out)?;
            }
        }
        out.flush()
    })();
    if let Err(e) = printed {
        let _ = confirmation::unprinted(
            &mut anstream::stderr(),
            &recorded.ticket,
            &recorded.event,
            &e,
        );
    }
    Ok(Outcome::Clean)
}

/// Checks `--format` before any work, so a bad format writes nothing.
pub fn text_or_json(ctx: &Ctx) -> Result<(), CliError> {
    ctx.format(&[Format::Text, Format::Json]).map(|_| ())
}
