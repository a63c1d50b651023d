//! The desk query: every ticket a filter selects, with its status and
//! timers at an instant, each ticket replayed once. Every listing asks it:
//! `list`, `sla`, `sla --policy-from`, the `--due` lists, `handover`.
//!
//! The filter and the sort are values passed in, and the query reads each
//! ticket through [`Source`], so a cached summary can stand in for a parsed
//! ticket. Files that cannot be read are answered as [`Unreadable`]
//! findings, never dropped silently and never a panic.

use std::path::PathBuf;

use crate::due::{self, Need};
use crate::id::TicketId;
use crate::policy::Policy;
use crate::sla::{self, PolicyFlip, Timer, urgency_key};
use crate::store::index::{self, Keep, Lookup};
use crate::store::{Entry, Repo, StoreError};
use crate::ticket::{Customer, DeliveryFacts, Ticket};
use crate::time::Timestamp;
use crate::workflow::actions::Action;
use crate::workflow::{self, Status};

mod filter;
#[cfg(test)]
mod index_tests;
mod summary;
pub use filter::{Filter, Sort, SortField, SortKey, TextQuery};
pub use summary::Summary;

/// How much of the timers the answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timers {
    /// None: a listing of statuses (timers are still computed when a
    /// `need` asks for them).
    #[default]
    Skip,
    /// Every timer without its segments: listings never show them, and at
    /// 100,000 tickets they are most of the memory.
    Summary,
    /// Every timer with its segments.
    Full,
}

/// A question about the whole desk.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub filter: Filter,
    /// Only tickets that owe this.
    pub need: Option<Need>,
    pub timers: Timers,
    pub sort: Sort,
    /// Carry each ticket's review action items.
    pub actions: bool,
    /// At most this many tickets (after sorting).
    pub limit: Option<usize>,
    /// Leave out resolved and closed tickets whose every timer has
    /// stopped: a gate that fails only on timers still counting reads
    /// them for nothing.
    pub skip_settled: bool,
    /// Never leave out as settled a ticket that may hold a notice the
    /// channels gave up on or cannot address ([`may_be_undelivered`]),
    /// for channels that send the notices recorded from this instant on:
    /// the gate looks for those in the same pass.
    pub undelivered_since: Option<Timestamp>,
}

impl Query {
    /// Whether [`Query::skip_settled`] leaves out a ticket in `state`
    /// whose timers have all stopped (`settled`) or not; `delivery` and
    /// `contact` (only read when it could) are what
    /// [`Query::undelivered_since`] asks.
    fn skips<'c>(
        &self,
        state: crate::workflow::State,
        settled: bool,
        delivery: DeliveryFacts,
        contact: impl FnOnce() -> Option<&'c str>,
    ) -> bool {
        self.skip_settled
            && !state.is_open()
            && settled
            && self
                .undelivered_since
                .is_none_or(|since| !may_be_undelivered(delivery, since, contact().unwrap_or("")))
    }

    /// Whether the timers of the tickets the filters keep are computed.
    fn wants_timers(&self) -> bool {
        self.timers != Timers::Skip
            || self.need.is_some()
            || self.sort.needs_timers()
            || self.skip_settled
    }
}

/// One ticket at the query's instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketAt {
    pub id: String,
    /// The file, relative to the repository root.
    pub file: String,
    /// The title, as last amended.
    pub title: String,
    pub customer: Customer,
    pub status: Status,
    pub timers: Vec<Timer>,
    /// When the most urgent running timer is due, when timers were
    /// computed.
    pub next_due: Option<Timestamp>,
    /// Review action items, when the query asks for them.
    pub actions: Vec<Action>,
    pub delivery: DeliveryFacts,
}

/// What a view of timers (`sla`, `notify --due`, `review --due`) keeps of
/// a ticket: its header and its timers, a few hundred bytes where the whole
/// status is several times that (a million tickets' timers are listed at
/// once). Its texts are held in one allocation, one after the other, with
/// where each ends: a view only reads them, and seven small allocations
/// cost a ticket about twice the bytes of its texts.
#[derive(Clone, PartialEq, Eq)]
pub struct Timed {
    /// ID, title, file, severity, level, assignee, team, in that order.
    texts: Box<str>,
    /// Where each of `texts` ends (the team's end is the whole length).
    ends: [u32; 6],
    /// Whether the ticket has an assignee and a team (either may be
    /// empty).
    has_assignee: bool,
    has_team: bool,
    state: crate::workflow::State,
    timers: Box<[Timer]>,
}

/// The header [`Timed::new`] packs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// The file, relative to the repository root.
    pub file: &'a str,
    pub severity: &'a str,
    pub state: crate::workflow::State,
    pub level: &'a str,
    pub assignee: Option<&'a str>,
    pub team: Option<&'a str>,
}

impl Timed {
    /// `timers` are kept at their number: a view that dropped some
    /// (history, say) does not hold room for them.
    pub fn new(header: Header<'_>, timers: Vec<Timer>) -> Timed {
        let parts = [
            header.id,
            header.title,
            header.file,
            header.severity,
            header.level,
            header.assignee.unwrap_or(""),
            header.team.unwrap_or(""),
        ];
        let mut texts = String::with_capacity(parts.iter().map(|p| p.len()).sum());
        let mut ends = [0u32; 6];
        for (i, part) in parts.iter().enumerate() {
            texts.push_str(part);
            if let Some(end) = ends.get_mut(i) {
                // Past 4 GiB of header (no file holds that) a text reads
                // cut short rather than wrong.
                *end = u32::try_from(texts.len()).unwrap_or(u32::MAX);
            }
        }
        Timed {
            texts: texts.into_boxed_str(),
            ends,
            has_assignee: header.assignee.is_some(),
            has_team: header.team.is_some(),
            state: header.state,
            timers: timers.into_boxed_slice(),
        }
    }

    /// The `i`th of the texts.
    fn text(&self, i: usize) -> &str {
        let at = |end: Option<&u32>| end.map_or(self.texts.len(), |&e| e as usize);
        let start = if i == 0 { 0 } else { at(self.ends.get(i - 1)) };
        self.texts.get(start..at(self.ends.get(i))).unwrap_or("")
    }

    pub fn header(&self) -> Header<'_> {
        Header {
            id: self.text(0),
            title: self.text(1),
            file: self.text(2),
            severity: self.text(3),
            state: self.state,
            level: self.text(4),
            assignee: self.has_assignee.then(|| self.text(5)),
            team: self.has_team.then(|| self.text(6)),
        }
    }

    pub fn id(&self) -> &str {
        self.text(0)
    }

    pub fn title(&self) -> &str {
        self.text(1)
    }

    /// The file, relative to the repository root.
    pub fn file(&self) -> &str {
        self.text(2)
    }

    pub fn severity(&self) -> &str {
        self.text(3)
    }

    pub fn state(&self) -> crate::workflow::State {
        self.state
    }

    pub fn level(&self) -> &str {
        self.text(4)
    }

    pub fn assignee(&self) -> Option<&str> {
        self.has_assignee.then(|| self.text(5))
    }

    pub fn team(&self) -> Option<&str> {
        self.has_team.then(|| self.text(6))
    }

    pub fn timers(&self) -> &[Timer] {
        &self.timers
    }
}

impl std::fmt::Debug for Timed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timed")
            .field("header", &self.header())
            .field("timers", &self.timers)
            .finish()
    }
}

impl Timed {
    /// `t`'s header alone, its timers let go: the row of a view that shows
    /// no timers (a listing, the escalations owed).
    pub fn without_timers(mut t: TicketAt) -> Timed {
        t.timers = Vec::new();
        Timed::from(t)
    }
}

impl From<TicketAt> for Timed {
    fn from(t: TicketAt) -> Timed {
        let s = &t.status;
        let header = Header {
            id: &t.id,
            title: &t.title,
            file: &t.file,
            severity: &s.severity,
            state: s.state,
            level: &s.level,
            assignee: s.assignee.as_deref(),
            team: s.team.as_deref(),
        };
        Timed::new(header, t.timers)
    }
}

/// A ticket with timers, as a view of timers orders them.
pub trait WithTimers {
    fn id(&self) -> &str;
    fn severity(&self) -> &str;
    fn timers(&self) -> &[Timer];
}

impl WithTimers for TicketAt {
    fn id(&self) -> &str {
        &self.id
    }
    fn severity(&self) -> &str {
        &self.status.severity
    }
    fn timers(&self) -> &[Timer] {
        &self.timers
    }
}

impl WithTimers for Timed {
    fn id(&self) -> &str {
        Timed::id(self)
    }
    fn severity(&self) -> &str {
        Timed::severity(self)
    }
    fn timers(&self) -> &[Timer] {
        Timed::timers(self)
    }
}

/// A ticket file the query could not read, and why.
#[derive(Debug)]
pub struct Unreadable {
    pub file: PathBuf,
    pub error: StoreError,
}

/// The answer: the selected tickets in the query's order, and the files
/// that could not be read (any of them might have matched).
#[derive(Debug)]
pub struct Answer {
    pub tickets: Vec<TicketAt>,
    pub unreadable: Vec<Unreadable>,
    /// Tickets left out only for being resolved or closed.
    pub hidden: usize,
}

/// Every (ticket, timer) pair of `tickets` in the order of
/// [`urgency_key`] (ongoing breaches of the most severe tickets first,
/// history last), then by ticket ID and cycle.
pub fn timer_rows<'t, T: WithTimers + Sync>(
    tickets: &'t [T],
    policy: &Policy,
) -> Vec<(&'t T, &'t Timer)> {
    use rayon::prelude::*;
    // Each row's key made once and held beside the row's position, then
    // sorted in place (a million timers are sorted with no second buffer
    // of them): a row is its key's class and severity rank packed in one
    // word, the key's two instants, the ticket's index and the timer's.
    let mut rows: Vec<(u64, i64, i64, usize, u32)> = tickets
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            let rank = policy.severity_rank(t.severity()).unwrap_or(usize::MAX);
            t.timers().iter().zip(0u32..).map(move |(x, j)| {
                let (class, rank, a, b) = urgency_key(x, rank);
                // Ranks past 2^56 (none a policy has) tie at the largest.
                let head = (u64::from(class) << 56) | (rank as u64).min((1 << 56) - 1);
                (head, a, b, i, j)
            })
        })
        .collect();
    let timer = |(_, _, _, i, j): (u64, i64, i64, usize, u32)| {
        (&tickets[i], &tickets[i].timers()[j as usize])
    };
    // Tickets in strict ID order (as a query without `--sort` lists them)
    // are told apart by position: many timers tie on their key (a met
    // cycle's is its margin), and comparing IDs follows each position to
    // its ticket's text.
    let by_position = tickets.par_windows(2).all(|w| w[0].id() < w[1].id());
    // A total order (the positions last), so the unstable sort orders as
    // a stable one would.
    rows.par_sort_unstable_by(|a, b| {
        (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
            if by_position && a.3 != b.3 {
                return a.3.cmp(&b.3);
            }
            let ((ta, xa), (tb, xb)) = (timer(*a), timer(*b));
            ta.id()
                .cmp(tb.id())
                .then_with(|| (xa.metric, xa.cycle).cmp(&(xb.metric, xb.cycle)))
                .then_with(|| (a.3, a.4).cmp(&(b.3, b.4)))
        })
    });
    // Made in the sorted rows' own buffer.
    rows.into_iter().map(timer).collect()
}

/// Whether a ticket with `facts`, whose customer can be reached at
/// `contact`, may hold a notice the delivery channels gave up on or cannot
/// address (an `undelivered` finding), when they send the notices recorded
/// from `since` on: giving up follows a failed attempt (a channel tries at
/// least once), and only a notice to a contact that is not a mail address
/// has no recipient. `false` rules the ticket out; `true` says its events
/// must be read.
pub fn may_be_undelivered(facts: DeliveryFacts, since: Timestamp, contact: &str) -> bool {
    facts.failed
        || (facts.last_notice_at.is_some_and(|at| at >= since)
            && !workflow::gate::is_mail_address(contact.trim()))
}

/// What the query reads of one ticket. A parsed [`Ticket`] is one; a cached
/// summary that can answer the same questions is another.
pub trait Source {
    fn id(&self) -> &TicketId;
    /// `None` for a ticket without events (never for a parsed one).
    fn opened_at(&self) -> Option<Timestamp>;
    fn customer(&self) -> &Customer;
    fn delivery(&self) -> DeliveryFacts;
    /// The status at `now`, and the timers when `with_timers`: a source
    /// may leave the timers out when `wanted` says the status rules the
    /// ticket out anyway (`None`: every status is wanted).
    fn at(
        &self,
        policy: &Policy,
        now: Timestamp,
        with_timers: bool,
        wanted: Option<&dyn Fn(&Status) -> bool>,
    ) -> (Status, Vec<Timer>);
    /// The review action items at `now`.
    fn actions(&self, now: Timestamp) -> Vec<Action>;
    /// Whether `hit` holds for one of its texts: title as opened,
    /// description, impact, or any text of an event.
    fn any_text(&self, hit: &dyn Fn(&str) -> bool) -> bool;
}

impl Source for Ticket {
    fn id(&self) -> &TicketId {
        &self.id
    }

    fn opened_at(&self) -> Option<Timestamp> {
        Ticket::opened_at(self)
    }

    fn customer(&self) -> &Customer {
        &self.customer
    }

    fn delivery(&self) -> DeliveryFacts {
        self.delivery_facts()
    }

    /// One replay gives both. A ticket the filter may leave out is first
    /// replayed for its status alone (a fraction of what timing it costs),
    /// and timed only if it stays.
    fn at(
        &self,
        policy: &Policy,
        now: Timestamp,
        with_timers: bool,
        wanted: Option<&dyn Fn(&Status) -> bool>,
    ) -> (Status, Vec<Timer>) {
        if !with_timers {
            return (workflow::replay_at(policy, self, now), Vec::new());
        }
        if let Some(wanted) = wanted {
            let status = workflow::replay_at(policy, self, now);
            if !wanted(&status) {
                return (status, Vec::new());
            }
        }
        let evaluation = sla::evaluate(policy, self, now);
        (evaluation.status, evaluation.timers)
    }

    fn actions(&self, now: Timestamp) -> Vec<Action> {
        workflow::actions::actions(self, now)
    }

    fn any_text(&self, hit: &dyn Fn(&str) -> bool) -> bool {
        hit(&self.title)
            || hit(&self.description)
            || hit(&self.impact)
            || self.events.iter().any(|e| e.texts().into_iter().any(hit))
    }
}

/// What the query made of one ticket.
#[derive(Debug)]
pub enum Selected {
    Ticket(Box<TicketAt>),
    /// Left out only for being resolved or closed (`--all` would show it).
    Hidden,
    /// Not selected, or not opened yet at `now`.
    Skipped,
}

impl Selected {
    pub fn ticket(self) -> Option<TicketAt> {
        match self {
            Selected::Ticket(t) => Some(*t),
            _ => None,
        }
    }
}

/// One ticket through the query.
pub fn select<S: Source>(
    source: &S,
    file: impl FnOnce() -> String,
    policy: &Policy,
    query: &Query,
    now: Timestamp,
) -> Selected {
    if source.opened_at().is_none_or(|t| t > now) {
        return Selected::Skipped;
    }
    let with_timers = query.wants_timers();
    let wanted = |status: &Status| query.filter.matches_source(source, status);
    let may_leave_out = !query.filter.passes_every_ticket();
    let wanted = may_leave_out.then_some(&wanted as &dyn Fn(&Status) -> bool);
    let (status, mut timers) = source.at(policy, now, with_timers, wanted);
    if !query.filter.matches_source(source, &status) {
        return if query.need.is_none() && query.filter.hidden_by_state(source, &status) {
            Selected::Hidden
        } else {
            Selected::Skipped
        };
    }
    if let Some(need) = query.need
        && !due::needs(policy, &status, &timers, now, need)
    {
        return Selected::Skipped;
    }
    let settled = timers.iter().all(Timer::is_stopped);
    let delivery = source.delivery();
    let contact = || Some(source.customer().contact.as_str());
    if query.skips(status.state, settled, delivery, contact) {
        return Selected::Skipped;
    }
    let next_due = due::next_deadline(&timers).and_then(|t| t.due);
    match query.timers {
        Timers::Skip => timers = Vec::new(),
        Timers::Summary => timers.iter_mut().for_each(|t| t.segments = Vec::new()),
        Timers::Full => {}
    }
    Selected::Ticket(Box::new(TicketAt {
        id: source.id().to_string(),
        file: file(),
        title: status.title.clone(),
        customer: source.customer().clone(),
        status,
        timers,
        next_due,
        actions: if query.actions {
            source.actions(now)
        } else {
            Vec::new()
        },
        delivery,
    }))
}

/// Asks `query` of every ticket under `tickets/` at `now`, reading files in
/// parallel.
pub fn query(
    repo: &Repo,
    policy: &Policy,
    query: &Query,
    now: Timestamp,
) -> Result<Answer, StoreError> {
    query_with(repo, policy, query, now, |_| true)
}

/// [`query`], with `keep` applied to each selected ticket as soon as it is
/// replayed: it may trim the ticket (its timers, say) and returns whether
/// the ticket stays in the answer. What it drops is never held for the
/// whole repository, so a view that reads every ticket to keep a few stays
/// small.
pub fn query_with(
    repo: &Repo,
    policy: &Policy,
    query: &Query,
    now: Timestamp,
    keep: impl Fn(&mut TicketAt) -> bool + Sync,
) -> Result<Answer, StoreError> {
    let rows = query_rows(repo, policy, query, now, |mut t| keep(&mut t).then_some(t))?;
    Ok(Answer {
        tickets: rows.rows,
        unreadable: rows.unreadable,
        hidden: rows.hidden,
    })
}

/// The answer of [`query_rows`]: what `row` made of each selected ticket,
/// in the query's order.
#[derive(Debug)]
pub struct Rows<R> {
    pub rows: Vec<R>,
    pub unreadable: Vec<Unreadable>,
    /// Tickets left out only for being resolved or closed.
    pub hidden: usize,
}

/// [`query`], each selected ticket made into a row by `row` as soon as it
/// is replayed (`None` leaves it out): a listing that shows a few fields
/// of a million tickets holds only those. The order is the query's, from
/// keys taken of the ticket before `row` sees it.
pub fn query_rows<R: Send>(
    repo: &Repo,
    policy: &Policy,
    query: &Query,
    now: Timestamp,
    row: impl Fn(TicketAt) -> Option<R> + Sync,
) -> Result<Rows<R>, StoreError> {
    let sorted = !query.sort.0.is_empty();
    let make = |selected: Selected| -> Picked<R> {
        match selected {
            Selected::Ticket(t) => {
                let order = sorted.then(|| Order::of(policy, &query.sort, &t));
                match row(*t) {
                    Some(r) => Picked::Row(order, r),
                    None => Picked::Skipped,
                }
            }
            Selected::Hidden => Picked::Hidden,
            Selected::Skipped => Picked::Skipped,
        }
    };
    // Every file is in the same directory: its relative path made once.
    let tickets = repo.tickets_dir();
    let folder = repo.relative(&tickets).display().to_string();
    let file_of = |entry: &Entry| {
        let mut file = String::with_capacity(folder.len() + 1 + entry.name().len());
        file.push_str(&folder);
        if !folder.is_empty() {
            file.push(std::path::MAIN_SEPARATOR);
        }
        file.push_str(entry.name());
        file
    };
    // A filter on text reads every file anyway: the index would only add
    // its own reading to that.
    let index = repo.index_path().filter(|_| summaries_answer(query));
    let mut answer = Rows {
        rows: Vec::new(),
        unreadable: Vec::new(),
        hidden: 0,
    };
    let mut orders: Vec<Order> = Vec::new();
    // At most one row per file: reserved once the files are listed
    // (address space, touched only as filled) so that growing never
    // copies every row so far.
    let files = std::sync::atomic::AtomicUsize::new(0);
    let list = || {
        let entries = repo.entries()?;
        files.store(entries.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(entries)
    };
    let mut add = |result: Result<Picked<R>, Unreadable>| match result {
        Ok(Picked::Row(order, r)) => {
            if answer.rows.capacity() == 0 {
                let files = files.load(std::sync::atomic::Ordering::Relaxed);
                answer.rows.reserve(files);
                orders.reserve(if sorted { files } else { 0 });
            }
            answer.rows.push(r);
            orders.extend(order);
        }
        Ok(Picked::Hidden) => answer.hidden += 1,
        Ok(Picked::Skipped) => {}
        Err(unreadable) => answer.unreadable.push(unreadable),
    };
    match index {
        // The directory listed while the files the index names are
        // stat'ed.
        Some(path) => index::scan_listed(
            &path,
            &index_key(policy),
            &tickets,
            list,
            |lookup| {
                let file = || file_of(lookup.entry);
                let (selected, kept) = select_indexed(lookup, file, policy, query, now);
                (selected.map(make), kept)
            },
            &mut add,
        )?,
        None => {
            let entries = list()?;
            // A step at a time, as with the index: what is not selected is
            // never held for the whole desk.
            for chunk in entries.chunks(4096) {
                let results = Repo::scan_entries(chunk, |entry, bytes| {
                    let ticket = parsed(entry, bytes)?;
                    Ok(make(select(&ticket, || file_of(entry), policy, query, now)))
                });
                results.into_iter().for_each(&mut add);
            }
        }
    }
    if sorted {
        // Sorted as positions beside their keys' prefix, then moved once: a
        // row may be large, and a sort moves what it sorts many times over.
        use rayon::slice::ParallelSliceMut;
        let mut order: Vec<(u128, usize)> = orders
            .iter()
            .enumerate()
            .map(|(i, o)| (o.prefix(&query.sort), i))
            .collect();
        order.par_sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| orders[a.1].compare(&query.sort, &orders[b.1]))
        });
        drop(orders);
        crate::order::permute(
            &mut answer.rows,
            order.into_iter().map(|(_, i)| i).collect(),
        );
    }
    if let Some(limit) = query.limit {
        answer.rows.truncate(limit);
    }
    Ok(answer)
}

/// A selected ticket as a row, with its sort keys (when the query sorts).
enum Picked<R> {
    Row(Option<Order>, R),
    Hidden,
    Skipped,
}

/// What a sort compares of a ticket, taken before the ticket is made a
/// row.
#[derive(Debug)]
struct Order {
    due: Option<Timestamp>,
    /// Lower case; empty unless the sort is by customer.
    customer: String,
    severity: usize,
    opened: Timestamp,
    updated: Timestamp,
    id: IdKey,
}

impl Order {
    fn of(policy: &Policy, sort: &Sort, t: &TicketAt) -> Order {
        let by_customer = sort
            .0
            .iter()
            .any(|k| k.field == filter::SortField::Customer);
        Order {
            due: t.next_due,
            customer: if by_customer {
                t.customer.name.to_lowercase()
            } else {
                String::new()
            },
            severity: filter::severity_rank(policy, t),
            opened: t.status.opened_at,
            updated: t.status.last_event_at,
            id: IdKey::of(&t.id),
        }
    }

    /// The leading keys of `sort` packed into one number, so that a sort
    /// of many rows mostly compares numbers it holds beside each position
    /// rather than following the position to its keys: when two prefixes
    /// differ, [`Order::compare`] orders the two as their prefixes do;
    /// when they tie, only `compare` knows. Every key but the last packed
    /// is packed whole (a severity's rank); the last may be packed in part
    /// (an instant's whole seconds, the ID's first sixteen bytes), and a
    /// customer name is never packed.
    fn prefix(&self, sort: &Sort) -> u128 {
        let instant = |t: Timestamp| u128::from((t.unix() as u64) ^ (1 << 63));
        let mut key = 0u128;
        let mut free = 128u32;
        for k in &sort.0 {
            // (value, width in bits, whether the value is the whole key)
            let (value, width, whole) = match k.field {
                SortField::Severity => (self.severity as u128, 64, true),
                SortField::Opened => (instant(self.opened), 64, false),
                SortField::Updated => (instant(self.updated), 64, false),
                // None last: a set top bit.
                SortField::Due => match self.due {
                    Some(due) => (instant(due), 65, false),
                    None => (1 << 64, 65, false),
                },
                SortField::Id => (self.id.head, 128, false),
                SortField::Customer => break,
            };
            if width > free {
                break;
            }
            let mask = u128::MAX >> (128 - width);
            let value = if k.descending { !value & mask } else { value };
            free -= width;
            key |= value << free;
            if !whole {
                break;
            }
        }
        key
    }

    /// The keys in turn, then the ticket ID.
    fn compare(&self, sort: &Sort, other: &Order) -> std::cmp::Ordering {
        use filter::SortField;
        for key in &sort.0 {
            let order = match key.field {
                SortField::Due => {
                    (self.due.is_none(), self.due).cmp(&(other.due.is_none(), other.due))
                }
                SortField::Customer => self.customer.cmp(&other.customer),
                SortField::Severity => self.severity.cmp(&other.severity),
                SortField::Opened => self.opened.cmp(&other.opened),
                SortField::Updated => self.updated.cmp(&other.updated),
                SortField::Id => self.id.cmp(&other.id),
            };
            let order = if key.descending {
                order.reverse()
            } else {
                order
            };
            if order != std::cmp::Ordering::Equal {
                return order;
            }
        }
        self.id.cmp(&other.id)
    }
}

/// An ID as a sort compares it, in the IDs' order: the last key of every
/// comparison, made one comparison of numbers rather than of strings (a
/// ticket ID is twelve bytes).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct IdKey {
    /// [`crate::order::head`].
    head: u128,
    /// What follows them (none for a ticket ID).
    rest: Option<Box<[u8]>>,
    /// Tells apart IDs whose padded heads tie (none for ticket IDs).
    len: u8,
}

impl IdKey {
    fn of(id: &str) -> IdKey {
        IdKey {
            head: crate::order::head(id.as_bytes()),
            rest: id
                .as_bytes()
                .get(16..)
                .filter(|r| !r.is_empty())
                .map(Box::from),
            len: u8::try_from(id.len()).unwrap_or(u8::MAX),
        }
    }
}

/// Whether summaries can answer `query`: it filters on no text (a summary
/// keeps none) and wants no timer segments (a summary keeps none of
/// stopped cycles).
fn summaries_answer(query: &Query) -> bool {
    query.filter.text.is_none() && query.timers != Timers::Full
}

/// What identifies the summaries an index holds: the summary format, the
/// tkt build that wrote them (version, commit, and the executable itself,
/// so a rebuild never trusts an older build's), and the policy they were
/// computed under.
fn index_key(policy: &Policy) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(format!(
        "summary {} build {}\n",
        summary::FORMAT,
        env!("TKT_VERSION")
    ));
    if let Some(meta) = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
    {
        let stat = crate::store::index::Stat::of(&meta);
        hash.update(format!("{} {:?} {}\n", stat.size, stat.mtime, stat.ino));
    }
    hash.update(format!("{policy:?}"));
    hash.finalize().into()
}

/// Whether the query leaves out the ticket of a cached summary, from what
/// its filters read before the summary is decoded: most tickets of a desk
/// are closed, and most listings leave them out. A filter that asks only
/// the state reads it alone (no text checked, nothing allocated).
fn left_out(bytes: &[u8], query: &Query, now: Timestamp) -> Option<Selected> {
    let head = summary::peek_state(bytes, now).filter(|head| head.answers)?;
    if head.opened_at.is_none_or(|t| t > now) {
        return Some(Selected::Skipped);
    }
    let ruled_out = if query.filter.asks_only_state() {
        query.filter.rules_out_state(head.state)
    } else {
        query.filter.rules_out(&summary::peek(bytes)?)
    };
    if let Some(hidden) = ruled_out {
        return Some(if query.need.is_none() && hidden {
            Selected::Hidden
        } else {
            Selected::Skipped
        });
    }
    let contact = || std::str::from_utf8(head.contact).ok();
    query
        .skips(head.state, head.settled, head.delivery, contact)
        .then_some(Selected::Skipped)
}

/// One ticket through the query with the index (asked only when
/// [`summaries_answer`]): from its summary when the index holds a trusted
/// one that answers for `now` (at or after its last event, and holding the
/// timers and actions the query asks of it), else from the file, whose
/// summary then goes to the index. Both ways give the same answer: the
/// file's is made of the same summary whenever the summary can answer.
///
/// A new summary holds the timer cycles and the action items only if the
/// query asked the ticket for them: a listing does not pay for the SLA
/// replay of every ticket, nor `sla --check` for every ticket's action
/// items, and a later query that wants what a summary lacks reads that
/// ticket's file once and keeps a summary that holds it.
fn select_indexed(
    lookup: Lookup<'_>,
    file: impl Fn() -> String,
    policy: &Policy,
    query: &Query,
    now: Timestamp,
) -> (Result<Selected, Unreadable>, Keep) {
    if let Some(selected) = lookup.cached.and_then(|bytes| left_out(bytes, query, now)) {
        return (Ok(selected), Keep::Same);
    }
    let cached = lookup.cached.and_then(Summary::decode);
    let mut short = false;
    if let Some(summary) = &cached
        && summary.answers(now)
    {
        let selected = select(summary, &file, policy, query, now);
        if !summary.fell_short() {
            return (Ok(selected), Keep::Same);
        }
        short = true;
    }
    let read = Repo::read_entry_stat(lookup.entry)
        .and_then(|(bytes, stat)| Ok((Repo::parse_entry(lookup.entry, Ok(bytes))?, stat)));
    let (ticket, stat) = match read {
        Ok(read) => read,
        Err(error) => {
            let file = lookup.entry.path();
            return (Err(Unreadable { file, error }), Keep::Nothing);
        }
    };
    if (cached.is_some() && !short) || !lookup.writable {
        // The record stands (it answers from a later `now`), or none can
        // be written.
        let keep = if cached.is_some() {
            Keep::Same
        } else {
            Keep::Nothing
        };
        return (Ok(select(&ticket, &file, policy, query, now)), keep);
    }
    // A query that wants the timers or actions of tickets in every state
    // (`sla --check`, `action list`) wants the whole summary of nearly
    // every ticket: making the head first would only add a replay.
    if !(short || query.filter.all && (query.wants_timers() || query.actions)) {
        let head = Summary::head_of(policy, &ticket);
        if !head.answers(now) {
            return (
                Ok(select(&ticket, &file, policy, query, now)),
                Keep::New(head.into_encoded(), stat),
            );
        }
        let selected = select(&head, &file, policy, query, now);
        if !head.fell_short() {
            return (Ok(selected), Keep::New(head.into_encoded(), stat));
        }
    }
    // Asked for timers or actions: the summary with its tail.
    let summary = Summary::of(policy, &ticket, query.actions);
    let selected = if summary.answers(now) {
        select(&summary, &file, policy, query, now)
    } else {
        select(&ticket, &file, policy, query, now)
    };
    (Ok(selected), Keep::New(summary.into_encoded(), stat))
}

/// A listed file parsed, or why it could not be.
fn parsed(entry: &Entry, bytes: Result<Vec<u8>, StoreError>) -> Result<Ticket, Unreadable> {
    Repo::parse_entry(entry, bytes).map_err(|error| Unreadable {
        file: entry.path(),
        error,
    })
}

/// A ticket whose timers a policy change flips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flipped {
    pub id: String,
    pub title: String,
    pub flips: Vec<PolicyFlip>,
}

/// Which timers of the tickets `filter` selects differ between policy `old`
/// and `new` at `now`, in ID order; and the files that could not be read.
pub fn policy_flips(
    repo: &Repo,
    old: &Policy,
    new: &Policy,
    filter: &Filter,
    now: Timestamp,
) -> Result<(Vec<Flipped>, Vec<Unreadable>), StoreError> {
    let scanned = repo.scan(|entry, bytes| {
        let ticket = match Repo::parse_entry(entry, bytes) {
            Ok(ticket) => ticket,
            Err(error) => {
                return Err(Unreadable {
                    file: entry.path(),
                    error,
                });
            }
        };
        if ticket.opened_at().is_none_or(|t| t > now) {
            return Ok(None);
        }
        let before = sla::evaluate(old, &ticket, now);
        if !filter.matches(&before.status) {
            return Ok(None);
        }
        let after = sla::evaluate(new, &ticket, now);
        let flips = sla::policy_flips(&before.timers, &after.timers);
        Ok((!flips.is_empty()).then(|| Flipped {
            id: ticket.id.to_string(),
            title: before.status.title,
            flips,
        }))
    })?;
    let mut flipped = Vec::new();
    let mut unreadable = Vec::new();
    for result in scanned {
        match result {
            Ok(Some(f)) => flipped.push(f),
            Ok(None) => {}
            Err(u) => unreadable.push(u),
        }
    }
    Ok((flipped, unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_sort_prefix_never_disagrees_with_the_whole_comparison(
            a in order_strategy(),
            b in order_strategy(),
            keys in proptest::collection::vec((0usize..6, any::<bool>()), 0..4),
        ) {
            let sort = Sort(
                keys.into_iter()
                    .map(|(f, descending)| SortKey { field: SortField::ALL[f].1, descending })
                    .collect(),
            );
            let (pa, pb) = (a.prefix(&sort), b.prefix(&sort));
            if pa != pb {
                prop_assert_eq!(pa.cmp(&pb), a.compare(&sort, &b), "{:?}", sort);
            }
        }

        #[test]
        fn ids_order_by_their_keys_as_by_their_text(
            a in "(T-[0-9A-Z]{10}|[a\\x00\u{e9}]{0,20})",
            b in "(T-[0-9A-Z]{10}|[a\\x00\u{e9}]{0,20})",
        ) {
            prop_assert_eq!(IdKey::of(&a).cmp(&IdKey::of(&b)), a.cmp(&b));
        }
    }
    use crate::policy::DEFAULT_POLICY;
    use crate::ticket::file;

    #[test]
    fn a_ticket_left_out_by_its_status_is_not_timed_and_keeps_that_status() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/support-desk/tickets");
        for entry in std::fs::read_dir(dir).unwrap() {
            let ticket = file::parse(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
            let latest = ticket.latest_at().unwrap();
            for now in [ticket.opened_at().unwrap(), latest, latest.plus(86_400)] {
                let (status, timers) = ticket.at(&policy, now, true, None);
                assert!(!timers.is_empty(), "{}", ticket.id);
                let (kept, kept_timers) = ticket.at(&policy, now, true, Some(&|_| true));
                assert_eq!((&kept, &kept_timers), (&status, &timers), "{}", ticket.id);
                let (left, left_timers) = ticket.at(&policy, now, true, Some(&|_| false));
                assert_eq!(left, status, "{}", ticket.id);
                assert!(left_timers.is_empty());
            }
        }
    }

    #[test]
    fn only_a_filter_asking_nothing_passes_every_ticket() {
        let mut filter = Filter {
            all: true,
            ..Filter::default()
        };
        assert!(filter.passes_every_ticket());
        filter.severities.push("high".into());
        assert!(!filter.passes_every_ticket());
        assert!(
            !Filter::default().passes_every_ticket(),
            "open tickets only"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn timer_rows_are_the_stable_sort_of_every_timer_by_urgency(
            tickets in proptest::collection::vec(timed_strategy(), 0..40),
        ) {
            let policy = Policy::parse(DEFAULT_POLICY).unwrap();
            prop_assert!(same(&timer_rows(&tickets, &policy), &stable_sort(&tickets, &policy)));
        }

        #[test]
        fn timer_rows_of_tickets_in_id_order_are_the_same_sort(
            tickets in proptest::collection::vec(timed_strategy(), 0..40),
        ) {
            let policy = Policy::parse(DEFAULT_POLICY).unwrap();
            // Unique IDs in order (told apart by position), then reversed
            // (by ID).
            let mut tickets: Vec<Timed> = tickets
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let id = format!("T-{i:010}");
                    Timed::new(Header { id: &id, ..t.header() }, t.timers.to_vec())
                })
                .collect();
            prop_assert!(same(&timer_rows(&tickets, &policy), &stable_sort(&tickets, &policy)));
            tickets.reverse();
            prop_assert!(same(&timer_rows(&tickets, &policy), &stable_sort(&tickets, &policy)));
        }
    }

    /// Every (ticket, timer) pair in the order a stable sort by key, ticket
    /// ID, metric and cycle gives.
    fn stable_sort<'t>(tickets: &'t [Timed], policy: &Policy) -> Vec<(&'t Timed, &'t Timer)> {
        let mut want: Vec<(&Timed, &Timer)> = tickets
            .iter()
            .flat_map(|t| t.timers.iter().map(move |x| (t, x)))
            .collect();
        want.sort_by(|a, b| {
            let rank = |t: &Timed| policy.severity_rank(t.severity()).unwrap_or(usize::MAX);
            urgency_key(a.1, rank(a.0))
                .cmp(&urgency_key(b.1, rank(b.0)))
                .then_with(|| a.0.id().cmp(b.0.id()))
                .then_with(|| (a.1.metric, a.1.cycle).cmp(&(b.1.metric, b.1.cycle)))
        });
        want
    }

    /// The same pairs, by address.
    fn same(a: &[(&Timed, &Timer)], b: &[(&Timed, &Timer)]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| std::ptr::eq(x.0, y.0) && std::ptr::eq(x.1, y.1))
    }

    /// Tickets whose timers often tie on every key (IDs repeat).
    fn timed_strategy() -> impl Strategy<Value = Timed> {
        let instant = prop_oneof![
            Just(None),
            (0i64..4).prop_map(|d| Some(Timestamp::EPOCH.plus(d * 3600))),
        ];
        let timer = (
            0usize..5,
            0usize..5,
            1u32..3,
            -2i64..2,
            instant.clone(),
            instant.clone(),
            instant,
        )
            .prop_map(
                |(metric, status, cycle, remaining, due, stopped, breached)| {
                    use crate::sla::{Metric, TimerStatus};
                    Timer {
                        metric: [
                            Metric::FirstResponse,
                            Metric::UpdateCadence,
                            Metric::Resolution,
                            Metric::Escalation,
                            Metric::Review,
                        ][metric],
                        level: None,
                        cycle,
                        calendar: "24x7".into(),
                        status: [
                            TimerStatus::Breached,
                            TimerStatus::Warning,
                            TimerStatus::Running,
                            TimerStatus::Paused,
                            TimerStatus::Met,
                        ][status],
                        target_s: 3600,
                        elapsed_s: 3600 - remaining,
                        remaining_s: remaining,
                        due,
                        started_at: Timestamp::EPOCH,
                        stopped_at: stopped,
                        breached_at: breached,
                        segments: Vec::new(),
                    }
                },
            );
        (
            "T-000000000[0-2]",
            prop_oneof![Just("critical"), Just("low"), Just("unknown")],
            proptest::collection::vec(timer, 0..4),
        )
            .prop_map(|(id, severity, timers)| {
                let header = Header {
                    id: &id,
                    title: "",
                    file: "",
                    severity,
                    state: crate::workflow::State::InProgress,
                    level: "L1",
                    assignee: None,
                    team: None,
                };
                Timed::new(header, timers)
            })
    }

    /// Orders whose keys often tie, and reach the ends of their ranges.
    fn order_strategy() -> impl Strategy<Value = Order> {
        let instant = prop_oneof![
            Just(Timestamp::MIN),
            Just(Timestamp::MAX),
            Just(Timestamp::from_utc(Timestamp::MAX.utc())),
            Just(Timestamp::EPOCH),
            (-3i64..3).prop_map(|d| Timestamp::EPOCH.plus(d)),
            (0i64..4_000_000_000).prop_map(|s| Timestamp::from_unix(s).unwrap()),
        ];
        (
            proptest::option::of(instant.clone()),
            "[ab]{0,2}",
            prop_oneof![Just(usize::MAX), 0usize..3, Just(1usize << 40)],
            instant.clone(),
            instant,
            "(T-[0-9A-C]{10}|[ab]{0,18})",
        )
            .prop_map(|(due, customer, severity, opened, updated, id)| Order {
                due,
                customer,
                severity,
                opened,
                updated,
                id: IdKey::of(&id),
            })
    }

    fn ticket(id: &str, severity: &str, opened: &str, extra: &str) -> Ticket {
        let text = format!(
            "schema: 1\nid: {id}\ntitle: t\ncustomer:\n  contact: a@b.c\nevents:\n\
- type: opened\n  at: {opened}\n  by: ana\n  severity: {severity}\n  level: L1\n{extra}"
        );
        file::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn a_timed_ticket_reads_back_every_text_as_given() {
        let cases = [
            (
                "T-0000000001",
                "Printer on fire",
                "tickets/T-0000000001.yaml",
                "critical",
                "L2",
                Some("ann@example.com"),
                Some("emea"),
            ),
            ("T-0000000002", "", "", "", "", Some(""), None),
            (
                "T-0000000003",
                "Drucker brennt – überall ✓",
                "tickets/T-0000000003.yaml",
                "low",
                "manager",
                None,
                Some(""),
            ),
            ("", "", "", "", "", None, None),
        ];
        for (id, title, file, severity, level, assignee, team) in cases {
            let header = Header {
                id,
                title,
                file,
                severity,
                state: crate::workflow::State::Waiting,
                level,
                assignee,
                team,
            };
            let timed = Timed::new(header, Vec::new());
            assert_eq!(timed.header(), header);
            assert_eq!(
                (timed.id(), timed.title(), timed.file(), timed.severity()),
                (id, title, file, severity)
            );
            assert_eq!(
                (timed.level(), timed.assignee(), timed.team()),
                (level, assignee, team)
            );
            assert_eq!(timed.state(), crate::workflow::State::Waiting);
        }
    }

    #[test]
    fn select_filters_and_carries_what_the_query_asks_for() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let now = Timestamp::parse("2026-11-20T12:00:00Z").unwrap();
        let t = ticket("T-7FQ2M9KD3A", "critical", "2026-11-20T09:00:00Z", "");
        let mut q = Query::default();
        let plain = select(&t, || "f".into(), &policy, &q, now)
            .ticket()
            .unwrap();
        assert!(plain.timers.is_empty());
        q.timers = Timers::Summary;
        let with = select(&t, || "f".into(), &policy, &q, now)
            .ticket()
            .unwrap();
        assert!(!with.timers.is_empty());
        assert!(with.timers.iter().all(|t| t.segments.is_empty()));
        q.filter.severities = vec!["low".into()];
        assert!(
            select(&t, || "f".into(), &policy, &q, now)
                .ticket()
                .is_none()
        );
        // Not opened yet at `now`: not on the desk.
        let early = Timestamp::parse("2026-11-20T08:00:00Z").unwrap();
        assert!(
            select(&t, || "f".into(), &policy, &Query::default(), early)
                .ticket()
                .is_none()
        );
        // A critical ticket 3h old without an escalation owes one.
        q.filter.severities.clear();
        q.need = Some(Need::Escalation);
        assert!(
            select(&t, || "f".into(), &policy, &q, now)
                .ticket()
                .is_some()
        );
        q.need = Some(Need::Review);
        assert!(
            select(&t, || "f".into(), &policy, &q, now)
                .ticket()
                .is_none()
        );
    }

    #[test]
    fn sort_keys_apply_in_turn_then_the_id() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let now = Timestamp::parse("2026-11-20T12:00:00Z").unwrap();
        let q = Query::default();
        let at = |id, sev, opened| {
            select(
                &ticket(id, sev, opened, ""),
                || "f".into(),
                &policy,
                &q,
                now,
            )
            .ticket()
            .unwrap()
        };
        let mut tickets = vec![
            at("T-3333333333", "low", "2026-11-20T08:00:00Z"),
            at("T-2222222222", "critical", "2026-11-20T10:00:00Z"),
            at("T-1111111111", "critical", "2026-11-20T10:00:00Z"),
            at("T-4444444444", "critical", "2026-11-20T09:00:00Z"),
        ];
        let ids = |ts: &[TicketAt]| ts.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        let sort = Sort::listing();
        let by = |sort: &Sort, a: &TicketAt, b: &TicketAt| {
            Order::of(&policy, sort, a).compare(sort, &Order::of(&policy, sort, b))
        };
        tickets.sort_by(|a, b| by(&sort, a, b));
        assert_eq!(
            ids(&tickets),
            [
                "T-4444444444",
                "T-1111111111",
                "T-2222222222",
                "T-3333333333"
            ]
        );
        let newest = Sort(vec![SortKey {
            field: SortField::Opened,
            descending: true,
        }]);
        tickets.sort_by(|a, b| by(&newest, a, b));
        assert_eq!(
            ids(&tickets),
            [
                "T-1111111111",
                "T-2222222222",
                "T-4444444444",
                "T-3333333333"
            ]
        );
    }
}
