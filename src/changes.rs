//! What a branch does to tickets, for reviewers: per changed ticket, the
//! events it adds and how its SLA timers move.

use serde::Serialize;

use crate::history::{Change, Git, HistoryError};
use crate::policy::Policy;
use crate::sla::{self, Metric, Timer, TimerStatus};
use crate::store::Repo;
use crate::ticket::file;
use crate::ticket::{Event, Ticket};
use crate::time::Timestamp;
use crate::workflow::{self, Status};

/// A timer whose status differs between the base and now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaChange {
    pub metric: Metric,
    pub level: Option<String>,
    pub cycle: u32,
    /// `None` when the timer did not exist on the base.
    pub before: Option<TimerStatus>,
    /// Whether the cycle had already stopped on the base: its verdict was
    /// final, and the branch changed it (a late-logged event, a void).
    pub rewrites_history: bool,
    pub after: TimerStatus,
    pub elapsed_s: i64,
    pub target_s: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TicketChange {
    pub file: String,
    pub change: Change,
    pub id: Option<String>,
    pub title: Option<String>,
    /// The status now (`None` for a deleted or unreadable ticket).
    pub status: Option<Status>,
    /// Events the branch appended (every event, for a new ticket).
    pub added: Vec<Event>,
    /// The references of the added events logged late: dated before the
    /// base's last event.
    pub late: Vec<String>,
    /// `false` when the base's events are not a prefix of the new ones (the
    /// history was rewritten; `check --base` says where).
    pub append_only: bool,
    pub sla: Vec<SlaChange>,
}

/// What a branch changes, against the merge-base of its base.
#[derive(Debug, Clone)]
pub struct Changes {
    pub merge_base: String,
    pub tickets: Vec<TicketChange>,
    /// The desk's own files that differ from the merge-base (`policy.toml`,
    /// `people.toml`, `channels.toml`): what judges, approves and delivers
    /// for every ticket, changed in the same branch.
    pub desk_files: Vec<&'static str>,
}

/// The desk's files besides the tickets, whose change a reviewer must see.
const DESK_FILES: [&str; 3] = [
    crate::store::POLICY_FILE,
    crate::people::PEOPLE_FILE,
    crate::delivery::CHANNELS_FILE,
];

/// The changes between the merge-base of `base` and HEAD and the working
/// tree, evaluated at `now`.
pub fn changes(
    repo: &Repo,
    policy: &Policy,
    base: &str,
    now: Timestamp,
) -> Result<Changes, HistoryError> {
    let git = Git::new(repo.root());
    let merge_base = git.merge_base(base)?;
    let mut desk_files = Vec::new();
    for name in DESK_FILES {
        let was = git.show(&merge_base, name)?;
        let is = std::fs::read(repo.root().join(name)).ok();
        if was != is {
            desk_files.push(name);
        }
    }
    let mut out = Vec::new();
    for c in git.changed_tickets(&merge_base)? {
        let before = c.base_text.as_deref().and_then(|b| file::parse(b).ok());
        let after = match c.change {
            Change::Deleted => None,
            _ => crate::store::read_capped(&repo.root().join(&c.path))
                .ok()
                .and_then(|b| file::parse(&b).ok()),
        };
        out.push(describe(
            policy,
            c.path,
            c.change,
            before.as_ref(),
            after.as_ref(),
            now,
        ));
    }
    Ok(Changes {
        merge_base,
        tickets: out,
        desk_files,
    })
}

fn describe(
    policy: &Policy,
    file: String,
    change: Change,
    before: Option<&Ticket>,
    after: Option<&Ticket>,
    now: Timestamp,
) -> TicketChange {
    let base_events: &[Event] = before.map(|t| t.events.as_slice()).unwrap_or(&[]);
    let (added, append_only) = match after {
        Some(t) if t.events.starts_with(base_events) => {
            (t.events[base_events.len()..].to_vec(), true)
        }
        Some(t) => {
            let common = t
                .events
                .iter()
                .zip(base_events)
                .take_while(|(a, b)| a == b)
                .count();
            (t.events[common..].to_vec(), false)
        }
        None => (Vec::new(), true),
    };
    let timers = |t: Option<&Ticket>| -> Vec<Timer> {
        t.map(|t| sla::timers(policy, t, now)).unwrap_or_default()
    };
    let (old, new) = (timers(before), timers(after));
    let sla = new
        .iter()
        .filter_map(|n| {
            let o = old
                .iter()
                .find(|o| o.metric == n.metric && o.level == n.level && o.cycle == n.cycle);
            (o.map(|o| o.status) != Some(n.status)).then(|| SlaChange {
                metric: n.metric,
                level: n.level.as_deref().map(String::from),
                cycle: n.cycle,
                rewrites_history: o.is_some_and(Timer::is_stopped),
                before: o.map(|o| o.status),
                after: n.status,
                elapsed_s: n.elapsed_s,
                target_s: n.target_s,
            })
        })
        .collect();
    let base_last = base_events.iter().map(Event::at).max();
    let late = added
        .iter()
        .filter(|e| base_last.is_some_and(|last| e.at() < last))
        .map(Event::reference)
        .collect();
    let shown = after.or(before);
    TicketChange {
        file,
        change,
        id: shown.map(|t| t.id.to_string()),
        title: after
            .map(|t| workflow::replay(policy, t).title)
            .or_else(|| before.map(|t| t.title.clone())),
        status: after.map(|t| workflow::replay_at(policy, t, now)),
        added,
        late,
        append_only,
        sla,
    }
}
