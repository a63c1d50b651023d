//! Reading every ticket for listings: parse in parallel, replay at `now`,
//! keep what a filter selects, with timers when asked.

use tkt::policy::Policy;
use tkt::sla;
use tkt::store::Repo;
use tkt::time::Timestamp;
use tkt::workflow::{self, Filter};

use crate::cli::CliError;
use crate::render::sla::TicketTimers;

/// Tickets opened by `now` that `filter` selects, in file-name order, each
/// with all its timers; and how many files could not be read.
pub fn evaluate_all(
    repo: &Repo,
    policy: &Policy,
    filter: &Filter,
    now: Timestamp,
) -> Result<(Vec<TicketTimers>, usize), CliError> {
    let scanned = repo.scan(|entry, bytes| -> Result<Option<TicketTimers>, ()> {
        let ticket = Repo::parse_entry(entry, bytes).map_err(|_| ())?;
        if ticket.opened_at().is_none_or(|t| t > now) {
            return Ok(None);
        }
        let status = workflow::replay_at(&ticket, now);
        if !filter.matches(&status) {
            return Ok(None);
        }
        Ok(Some(TicketTimers {
            id: ticket.id.to_string(),
            title: status.title.clone(),
            file: repo.relative(&entry.path).display().to_string(),
            timers: listing_timers(policy, &ticket, now),
            status,
        }))
    })?;
    let unreadable = scanned.iter().filter(|r| r.is_err()).count();
    let tickets = scanned
        .into_iter()
        .filter_map(Result::ok)
        .flatten()
        .collect();
    Ok((tickets, unreadable))
}

/// Timers without their segments: listings never show them, and at
/// 100,000 tickets they are most of the memory.
fn listing_timers(
    policy: &Policy,
    ticket: &tkt::ticket::Ticket,
    now: Timestamp,
) -> Vec<sla::Timer> {
    let mut timers = sla::timers(policy, ticket, now);
    for t in &mut timers {
        t.segments = Vec::new();
    }
    timers
}

/// Every (ticket, timer) pair, most urgent first, then by ticket ID.
pub fn timer_rows(tickets: &[TicketTimers]) -> Vec<(&TicketTimers, &sla::Timer)> {
    use rayon::prelude::*;
    let mut rows: Vec<(&TicketTimers, &sla::Timer)> = tickets
        .iter()
        .flat_map(|t| t.timers.iter().map(move |x| (t, x)))
        .collect();
    rows.par_sort_by(|a, b| {
        sla::urgency_key(a.1)
            .cmp(&sla::urgency_key(b.1))
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    rows
}
