//! `tkt inbox`: one line per thing that needs the person, most urgent
//! first, each with the command that deals with it.

use std::io::{self, Write};

use serde::Serialize;
use tkt::inbox::{Item, Why};
use tkt::time::Timestamp;

use super::remedy;
use super::sla::{describe, metric_label};
use super::table::Table;
use super::{JSON_SCHEMA, relative};

fn kind(why: &Why<'_>) -> &'static str {
    match why {
        Why::Assigned(_) => "assigned",
        Why::Escalation(_) => "escalation",
        Why::Unowned { .. } => "unowned",
        Why::Approval => "approval",
        Why::Request { .. } => "request",
        Why::Action(_) => "action",
        Why::Reply => "reply",
    }
}

/// What to do, for people, with the command that does it.
fn what(item: &Item<'_>, who: &str, now: Timestamp) -> String {
    let who = tkt::sanitize::line(who);
    let id = &item.ticket.id;
    match &item.why {
        Why::Assigned(timer) => format!("{} {}", metric_label(timer), describe(timer, now)),
        Why::Escalation(owed) => format!(
            "escalation to {} owed (you are on call): {}",
            owed.level,
            remedy::escalate_taking(id, &owed.level, &who)
        ),
        Why::Unowned { level } => format!(
            "unowned at {level} (you are on call): {}",
            remedy::assign_to(id, &who)
        ),
        Why::Approval => format!("closure waits for your approval: {}", remedy::approve(id)),
        Why::Reply => format!(
            "the customer replied, unanswered: {}",
            remedy::update_customer(id)
        ),
        Why::Request { team } => format!("{team} is asked: {}", remedy::answer(id, team)),
        Why::Action(action) => format!(
            "action item {} due {}: {} ({})",
            action.item,
            action.due,
            action.text,
            remedy::action_done(id, &action.item)
        ),
    }
}

pub fn text(out: &mut impl Write, who: &str, items: &[Item<'_>], now: Timestamp) -> io::Result<()> {
    if items.is_empty() {
        return writeln!(out, "nothing needs {} now", tkt::sanitize::line(who));
    }
    let mut table = Table::new(&["WHEN", "TICKET", "WHAT", "TITLE"]);
    for item in items {
        let overdue = item.when.is_some_and(|w| w <= now);
        table.row(
            if overdue {
                super::style::ERROR
            } else {
                anstyle::Style::new()
            },
            vec![
                item.when
                    .map(|w| relative(now, w))
                    .unwrap_or_else(|| "-".into()),
                item.ticket.id.clone(),
                what(item, who, now),
                item.ticket.title.clone(),
            ],
        );
    }
    table.write(out)
}

#[derive(Serialize)]
struct ItemJson<'a> {
    kind: &'static str,
    ticket: &'a str,
    title: &'a str,
    when: Option<Timestamp>,
    what: String,
}

#[derive(Serialize)]
struct InboxJson<'a> {
    schema: u32,
    now: Timestamp,
    person: &'a str,
    items: Vec<ItemJson<'a>>,
}

pub fn json(out: &mut impl Write, who: &str, items: &[Item<'_>], now: Timestamp) -> io::Result<()> {
    let doc = InboxJson {
        schema: JSON_SCHEMA,
        now,
        person: who,
        items: items
            .iter()
            .map(|i| ItemJson {
                kind: kind(&i.why),
                ticket: &i.ticket.id,
                title: &i.ticket.title,
                when: i.when,
                what: what(i, who, now),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(super::JsonOut(&mut *out), &doc)?;
    writeln!(out)
}
