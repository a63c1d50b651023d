//! `undelivered` findings: the notices the delivery channels gave up on
//! or cannot address, for `check` and the SLA gate.

use std::path::Path;

use super::{Finding, load_channels, slash_path};
use std::sync::Mutex;

use crate::delivery::Channels;
use crate::desk::TicketAt;
use crate::policy::Policy;
use crate::store::{Repo, StoreError};
use crate::ticket::file;
use crate::ticket::{Event, Ticket};
use crate::time::Timestamp;
use crate::workflow;

/// The notices of `ticket` the channels gave up on or cannot address at
/// `now`: (line of the notice, message). `starts` are the events' lines.
pub(super) fn undelivered_in(
    channels: &crate::delivery::Channels,
    policy: Option<&Policy>,
    ticket: &Ticket,
    starts: &[u64],
    now: crate::time::Timestamp,
) -> Vec<(u64, String)> {
    use crate::delivery::Undelivered;
    // With the policy, the timers too: pages and reminders follow them.
    let (status, timers) = match policy {
        Some(policy) => {
            let e = crate::sla::evaluate(policy, ticket, now);
            (e.status, e.timers)
        }
        None => (workflow::replay_at_without_policy(ticket, now), Vec::new()),
    };
    let (_, mut not_now) = crate::delivery::outbox(channels, ticket, &status, now);
    if let Some(policy) = policy {
        not_now.extend(
            crate::delivery::pages(channels, policy, ticket, &status, &timers, now, &|_| None).1,
        );
        not_now.extend(crate::delivery::reminders(channels, ticket, &status, &timers, now).1);
    }
    let references = ticket.references();
    not_now
        .into_iter()
        .filter_map(|(_, what, why)| {
            let why = match why {
                Undelivered::GaveUp { attempts, error } => format!(
                    "gave up after {attempts} attempt{}: {error}",
                    if attempts == 1 { "" } else { "s" }
                ),
                Undelivered::NoRecipient => {
                    "the customer contact is not a mail address".to_string()
                }
                Undelivered::Later { .. } => return None,
            };
            // A notice at its own line; a page or reminder at its last
            // failed attempt.
            let i = match references.iter().position(|r| *r == what) {
                Some(i) => i,
                None => (ticket.events.iter())
                    .rposition(|e| matches!(e, Event::DeliveryFailed { of, .. } if *of == what))
                    .unwrap_or(0),
            };
            let what = if what.contains(':') {
                what
            } else {
                format!("notice {what} ({})", ticket.events[i].kind())
            };
            Some((
                starts.get(i).copied().unwrap_or(1),
                format!("{what} was never delivered: {why}"),
            ))
        })
        .collect()
}

/// Every notice `channels.toml` can no longer deliver at `now`, as
/// `undelivered` findings (none without the file; its own mistakes as
/// `channels` findings). Delivery state is in the events: the desk's
/// index rules out the tickets whose summaries say they cannot hold such a
/// notice (no failed attempt, no notice to a contact without a mail
/// address: [`crate::desk::may_be_undelivered`]), and the files of the
/// others are read.
pub fn undelivered(
    repo: &Repo,
    policy: &Policy,
    now: crate::time::Timestamp,
) -> Result<Vec<Finding>, StoreError> {
    let channels = match load_channels(repo, policy) {
        Ok(Some(channels)) => channels,
        Ok(None) => return Ok(Vec::new()),
        Err(found) => return Ok(found),
    };
    let every_ticket = crate::desk::Query {
        filter: crate::desk::Filter {
            all: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let since = channels.since;
    let suspects = crate::desk::query_rows(repo, policy, &every_ticket, now, |t| {
        crate::desk::may_be_undelivered(t.delivery, since, &t.customer.contact).then_some(t.file)
    })?
    .rows;
    Ok(undelivered_among(repo, policy, &channels, &suspects, now))
}

/// The tickets a gate's own pass over the desk finds that may hold an
/// undelivered notice ([`crate::desk::may_be_undelivered`]), so that only
/// their files are read after it. A pass that does not see every ticket
/// (a filtered one) gathers none, and its findings come from a pass of
/// their own ([`undelivered`]).
pub struct Suspects {
    /// The channels' `since`, when this pass gathers.
    since: Option<Timestamp>,
    files: Mutex<Vec<String>>,
}

impl Suspects {
    /// For a pass under `channels` that sees `every_ticket` or not.
    pub fn new(channels: Option<&Channels>, every_ticket: bool) -> Suspects {
        Suspects {
            since: channels.filter(|_| every_ticket).map(|c| c.since),
            files: Mutex::new(Vec::new()),
        }
    }

    /// What the pass's query must not leave out as settled
    /// ([`crate::desk::Query::undelivered_since`]).
    pub fn since(&self) -> Option<Timestamp> {
        self.since
    }

    /// Keeps `ticket`'s file if it may hold an undelivered notice.
    pub fn note(&self, ticket: &TicketAt) {
        if let Some(since) = self.since
            && crate::desk::may_be_undelivered(ticket.delivery, since, &ticket.customer.contact)
        {
            let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
            files.push(ticket.file.clone());
        }
    }

    /// The `undelivered` findings under `channels` at `now`: of the files
    /// noted, or of every ticket when this pass gathered none.
    pub fn findings(
        self,
        repo: &Repo,
        policy: &Policy,
        channels: &Channels,
        now: Timestamp,
    ) -> Result<Vec<Finding>, StoreError> {
        if self.since.is_none() {
            return undelivered(repo, policy, now);
        }
        let files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok(undelivered_among(repo, policy, channels, &files, now))
    }
}

/// The `undelivered` findings of the ticket `files` (relative to the
/// repository root), read in parallel; a file that does not read or
/// parse has none (its problems are other findings).
fn undelivered_among(
    repo: &Repo,
    policy: &Policy,
    channels: &crate::delivery::Channels,
    files: &[String],
    now: crate::time::Timestamp,
) -> Vec<Finding> {
    use rayon::prelude::*;
    let mut findings: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|path| {
            let Ok(bytes) = crate::store::read_capped(&repo.root().join(path)) else {
                return Vec::new();
            };
            let Ok(ticket) = file::parse(&bytes) else {
                return Vec::new();
            };
            let file = slash_path(Path::new(path));
            let text = String::from_utf8_lossy(&bytes);
            let starts = file::event_lines(&text);
            undelivered_in(channels, Some(policy), &ticket, &starts, now)
                .into_iter()
                .map(|(line, message)| Finding {
                    file: file.clone(),
                    line,
                    column: 1,
                    rule: "undelivered",
                    message,
                    fix: None,
                })
                .collect()
        })
        .collect();
    findings.sort();
    findings
}
