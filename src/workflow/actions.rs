//! Review action items as tracked work: each item of a `reviewed` event is
//! referred to as `REF#N` (the review's stable event reference and the
//! item's 1-based position there), has an owner and a due date, and is done
//! once an `action-done` event names it. Voided reviews and voided
//! completions do not count.

use chrono::NaiveDate;

use super::state::voided_refs;
use crate::ticket::{Event, Ticket};
use crate::time::Timestamp;

/// One action item of a ticket, as of an instant.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Action {
    /// `REF#N`: the review's reference and the item's position (from 1).
    pub item: String,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    /// When the review that created it was recorded.
    pub created_at: Timestamp,
    pub done: Option<Done>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Done {
    pub at: Timestamp,
    pub by: String,
    pub text: String,
}

impl Action {
    /// Open after its due date (UTC): due `2026-12-01` is overdue from
    /// `2026-12-02T00:00:00Z`.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        self.done.is_none() && now.utc().date_naive() > self.due
    }
}

/// `REF#N` for item `index` (from 0) of the review `reference`.
pub fn item_ref(reference: &str, index: usize) -> String {
    format!("{reference}#{}", index + 1)
}

/// Every action item of `ticket` recorded at or before `now`, in file
/// order, with its completion (the first `action-done` naming it, at or
/// before `now`).
pub fn actions(ticket: &Ticket, now: Timestamp) -> Vec<Action> {
    // References cost a hash per event: only tickets with items pay.
    let any = ticket
        .events
        .iter()
        .any(|e| matches!(e, Event::Reviewed { action_items, .. } if !action_items.is_empty()));
    if !any {
        return Vec::new();
    }
    let voided = voided_refs(ticket, now);
    let refs = ticket.references();
    let counted = || {
        ticket
            .events
            .iter()
            .zip(&refs)
            .filter(|(e, r)| e.at() <= now && !voided.contains(*r))
    };
    let mut out: Vec<Action> = Vec::new();
    for (event, reference) in counted() {
        if let Event::Reviewed {
            at, action_items, ..
        } = event
        {
            for (i, a) in action_items.iter().enumerate() {
                out.push(Action {
                    item: item_ref(reference, i),
                    text: a.text.clone(),
                    owner: a.owner.clone(),
                    due: a.due,
                    created_at: *at,
                    done: None,
                });
            }
        }
    }
    let mut completions: Vec<(&Event, &String)> = counted().collect();
    completions.sort_by_key(|(e, _)| e.at());
    for (event, _) in completions {
        if let Event::ActionDone { at, by, item, text } = event
            && let Some(action) = out.iter_mut().find(|a| &a.item == item)
            && action.done.is_none()
        {
            action.done = Some(Done {
                at: *at,
                by: by.clone(),
                text: text.clone(),
            });
        }
    }
    out
}

/// Why `item` cannot be marked done on `ticket` at `at`: no such item (with
/// the ones there are), or done already.
pub fn undoable(ticket: &Ticket, item: &str, at: Timestamp) -> Option<String> {
    let actions = actions(ticket, at);
    match actions.iter().find(|a| a.item == item) {
        Some(Action {
            done: Some(done), ..
        }) => Some(format!(
            "action item {item} was done already ({} by {})",
            done.at, done.by
        )),
        Some(_) => None,
        None if actions.is_empty() => Some(format!(
            "no action item {item}: the ticket's reviews record none"
        )),
        None => Some(format!(
            "no action item {item} (the ticket has {})",
            actions
                .iter()
                .map(|a| a.item.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
