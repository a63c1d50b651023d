//! Corrections a hand edit can get wrong: a `voided` event must name an
//! event of its ticket that a correction could void (not the opening event,
//! not a correction). Replay passes over a void that names nothing; `check`
//! says so, so that a history that reads as corrected is one. Two voids of
//! one event (two branches corrected the same mistake, then merged) are
//! one correction, and fine. Judged on what a branch appends (`check
//! --base`): a void already on the base cannot be voided in turn, and a
//! rule that nothing could ever satisfy would keep every later check red.

use super::EventLines;
use crate::ticket::{Event, Ticket};

/// The `voided` events of `ticket` from index `from` on that name no
/// event a correction could void: (line, rule, message) each.
pub(super) fn bad_voids(
    ticket: &Ticket,
    lines: &EventLines,
    from: usize,
) -> Vec<(u64, &'static str, String)> {
    let refs = ticket.references();
    let mut found = Vec::new();
    for (i, event) in ticket.events.iter().enumerate().skip(from) {
        let Event::Voided { event: target, .. } = event else {
            continue;
        };
        let named = refs.iter().position(|r| r == target);
        let why = match named.map(|j| &ticket.events[j]) {
            None => format!(
                "event {} voids {target}, which names no event of the ticket",
                i + 1
            ),
            Some(Event::Opened { .. }) => format!(
                "event {} voids the opening event, which cannot be voided",
                i + 1
            ),
            Some(Event::Voided { .. }) => format!(
                "event {} voids a correction ({target}); a correction cannot itself be voided",
                i + 1
            ),
            Some(_) => continue,
        };
        found.push((lines.field(i, "event"), "void", why));
    }
    found
}
