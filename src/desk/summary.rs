//! A ticket's summary: what the desk query reads of a ticket, computed
//! once from its events and valid at every instant at or after its last
//! event. The desk's index (`store::index`) keeps one per file so that a
//! listing need not read and replay files that did not change; the index
//! is never the truth, the file is, and [`Summary::of`] is the one way a
//! summary is made.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::Source;
use super::filter::View;
use crate::id::TicketId;
use crate::policy::Policy;
use crate::sla::{self, Cycle, Timer};
use crate::ticket::{Customer, DeliveryFacts, Ticket};
use crate::time::Timestamp;
use crate::workflow::actions::{self, Action};
use crate::workflow::state::Wait;
use crate::workflow::{State, Status};

/// Bumped whenever the summary's shape or meaning changes, so that an
/// index written by another build is never read as this one's.
pub const FORMAT: u32 = 8;

/// A summary: the head every query reads (what filters and listings
/// show), and the tail (timer cycles and action items) kept encoded until a
/// query asks for timers or actions of a ticket its filter selects, so a
/// listing of open tickets does not decode the cycles of closed ones.
///
/// A summary made for a query that asked for neither has no tail
/// ([`Summary::head_of`]: no SLA replay, which is most of what making a
/// summary costs), and one made for a query that asked for timers alone
/// has no action items in its tail. Asked for what it lacks all the same,
/// it answers without it and says so ([`Summary::fell_short`]); the
/// caller then reads the file. So does a summary whose tail does not
/// decode.
///
/// A summary just made from its ticket also holds its tail as made: a
/// query asks a ticket for its timers and its actions once each, and gets
/// them without decoding what was just encoded (asked again, the encoded
/// tail answers).
///
/// The flag and the tail as made make a summary something one thread asks
/// at a time (it is not `Sync`); two summaries are equal when their
/// encoded forms are.
#[derive(Debug)]
pub struct Summary<'a> {
    head: Head,
    /// [`Summary::into_encoded`]'s form: the head's length, the head, the encoded
    /// [`Tail`] (nothing for a summary without one); lent by the index a
    /// summary is decoded from.
    bytes: Cow<'a, [u8]>,
    /// Where the tail begins in `bytes` (at its end: no tail).
    tail_at: usize,
    /// The tail's parts as made, each handed out once.
    made_cycles: RefCell<Option<Vec<Cycle>>>,
    made_actions: RefCell<Option<Vec<Action>>>,
    /// Set when a query asked a summary without a tail for what only the
    /// tail holds.
    fell_short: std::cell::Cell<bool>,
}

impl PartialEq for Summary<'_> {
    fn eq(&self, other: &Summary<'_>) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Summary<'_> {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Head {
    id: TicketId,
    opened_at: Option<Timestamp>,
    /// The latest event's time: the summary answers for instants from
    /// here on.
    latest_at: Option<Timestamp>,
    /// Whether every timer cycle has stopped (none counts or waits);
    /// `false` when not known (a summary without a tail).
    settled: bool,
    /// Read with the state ([`peek_state`]): a settled ticket left out
    /// of `sla --check` must not hold an undelivered notice.
    delivery: DeliveryFacts,
    #[serde(with = "customer_fields")]
    customer: Customer,
    status: Status,
}

impl Head {
    /// `ticket`'s head, with its status after every event (the latest
    /// of which is at `latest_at`).
    fn of(ticket: &Ticket, latest_at: Option<Timestamp>, status: Status, settled: bool) -> Head {
        Head {
            id: ticket.id.clone(),
            opened_at: ticket.opened_at(),
            latest_at,
            settled,
            customer: ticket.customer.clone(),
            status,
            delivery: ticket.delivery_facts(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Tail {
    cycles: Vec<Cycle>,
    /// `None` when the query the summary was made for did not ask for
    /// them: most do not, and making them is a walk over every event.
    actions: Option<Vec<Action>>,
}

impl Summary<'_> {
    /// The summary of `ticket` under `policy`: with its timer cycles, and
    /// its review action items when `with_actions`.
    pub fn of(policy: &Policy, ticket: &Ticket, with_actions: bool) -> Summary<'static> {
        let latest_at = ticket.latest_at();
        let (status, cycles) = sla::cycles(policy, ticket);
        let settled = cycles
            .iter()
            .all(|c| matches!(c, Cycle::Judged(t) if t.is_stopped()));
        let tail = Tail {
            cycles,
            actions: with_actions
                .then(|| actions::actions(ticket, latest_at.unwrap_or(Timestamp::MIN))),
        };
        let head = Head::of(ticket, latest_at, status, settled);
        let summary = Summary::encoded(head, Some(&tail));
        *summary.made_cycles.borrow_mut() = Some(tail.cycles);
        *summary.made_actions.borrow_mut() = tail.actions;
        summary
    }

    /// The summary of `ticket` without its tail: the status after every
    /// event, without replaying the timers.
    pub fn head_of(policy: &Policy, ticket: &Ticket) -> Summary<'static> {
        let latest_at = ticket.latest_at();
        let latest = latest_at.unwrap_or(Timestamp::MIN);
        let status = crate::workflow::state::replay_at(policy, ticket, latest);
        Summary::encoded(Head::of(ticket, latest_at, status, false), None)
    }

    /// `head` and `tail` encoded, one after the other, into one buffer.
    fn encoded(head: Head, tail: Option<&Tail>) -> Summary<'static> {
        const ENCODES: &str = "a summary always encodes";
        let mut bytes = postcard::to_extend(&head, vec![0; 4]).expect(ENCODES);
        let tail_at = bytes.len();
        bytes[..4].copy_from_slice(&((tail_at - 4) as u32).to_le_bytes());
        if let Some(tail) = tail {
            bytes = postcard::to_extend(tail, bytes).expect(ENCODES);
        }
        Summary {
            head,
            bytes: Cow::Owned(bytes),
            tail_at,
            made_cycles: Default::default(),
            made_actions: Default::default(),
            fell_short: Default::default(),
        }
    }

    /// Whether a query asked this summary for timers or actions it does
    /// not hold, or its tail did not decode (it answered without them:
    /// its answer does not stand).
    pub fn fell_short(&self) -> bool {
        self.fell_short.get()
    }

    /// Whether the summary answers for `now`: at or after the last event
    /// (before it, an event still to come would be counted).
    pub fn answers(&self, now: Timestamp) -> bool {
        self.head.latest_at.is_none_or(|latest| latest <= now)
    }

    /// The compact binary form the index stores: the head's length
    /// (`u32`, little-endian), the head, the tail (nothing for a summary
    /// without one: an encoded tail is never empty). Made with the
    /// summary: handed over, not copied.
    pub fn into_encoded(self) -> Vec<u8> {
        self.bytes.into_owned()
    }

    /// A summary from [`Summary::into_encoded`]'s bytes; `None` for bytes that
    /// are not one (a damaged index is ignored, never trusted). The tail
    /// is checked when first read (one that does not decode falls short);
    /// the index's checksums and its key (the build that wrote it) stand
    /// for it until then. The bytes are lent, not copied.
    pub fn decode(bytes: &[u8]) -> Option<Summary<'_>> {
        let head = encoded_head(bytes)?;
        let head_len = head.len();
        let head = match postcard::take_from_bytes::<Head>(head) {
            Ok((head, [])) => head,
            _ => return None,
        };
        Some(Summary {
            head,
            bytes: Cow::Borrowed(bytes),
            tail_at: 4 + head_len,
            made_cycles: Default::default(),
            made_actions: Default::default(),
            fell_short: Default::default(),
        })
    }

    /// The tail, decoded; `None` when there is none or it does not decode
    /// (see [`Summary::decode`]): the summary fell short.
    fn tail(&self) -> Option<Tail> {
        match postcard::take_from_bytes::<Tail>(&self.bytes[self.tail_at..]) {
            Ok((tail, [])) => Some(tail),
            _ => {
                self.fell_short.set(true);
                None
            }
        }
    }

    /// The timer cycles: as made, the first time a summary just made is
    /// asked; else decoded (none when the summary falls short).
    fn cycles(&self) -> Vec<Cycle> {
        let made = self.made_cycles.borrow_mut().take();
        made.or_else(|| self.tail().map(|t| t.cycles))
            .unwrap_or_default()
    }

    /// The review action items, as [`Summary::cycles`]; a summary made
    /// without them falls short.
    fn action_items(&self) -> Vec<Action> {
        let made = self.made_actions.borrow_mut().take();
        made.or_else(|| self.tail().and_then(|t| t.actions))
            .unwrap_or_else(|| {
                self.fell_short.set(true);
                Vec::new()
            })
    }
}

/// The first fields of an encoded [`Head`], borrowed: everything the
/// filters read, without decoding (or allocating) the rest. Field for
/// field the head's layout, up to `waiting_on_teams` of its status (a test
/// keeps the two in step).
#[derive(Deserialize)]
struct HeadPrefix<'a> {
    /// Texts the filters do not read are taken as bytes (postcard writes a
    /// text as its bytes): not checked as UTF-8.
    _id: &'a [u8],
    _opened_at: Option<Timestamp>,
    _latest_at: Option<Timestamp>,
    _settled: bool,
    _delivery: DeliveryFacts,
    customer: (&'a str, &'a str),
    #[serde(borrow)]
    status: StatusPrefix<'a>,
}

#[derive(Deserialize)]
struct StatusPrefix<'a> {
    _title: &'a [u8],
    state: State,
    severity: &'a str,
    level: &'a str,
    #[serde(borrow)]
    assignee: Option<&'a str>,
    #[serde(borrow)]
    team: Option<&'a str>,
    _repeated_outage: bool,
    _repeated_outage_since: Option<Timestamp>,
    opened_at: Timestamp,
    last_event_at: Timestamp,
    _last_customer_update: Option<Timestamp>,
    #[serde(borrow)]
    _pause_reason: Option<&'a [u8]>,
    _paused_at: Option<Timestamp>,
    _waits: Vec<Wait>,
    #[serde(borrow)]
    waiting_on_teams: Vec<&'a str>,
}

/// The encoded [`Head`] in [`Summary::into_encoded`]'s bytes (after its
/// length); `None` when the bytes are shorter than that length says.
fn encoded_head(bytes: &[u8]) -> Option<&[u8]> {
    let (len, rest) = bytes.split_first_chunk::<4>()?;
    rest.get(..u32::from_le_bytes(*len) as usize)
}

/// The first fields of an encoded [`Head`] up to its status's state,
/// every text taken as bytes: what [`peek_state`] reads, without checking
/// a text or allocating.
#[derive(Deserialize)]
struct StatePrefix<'a> {
    _id: &'a [u8],
    opened_at: Option<Timestamp>,
    latest_at: Option<Timestamp>,
    settled: bool,
    delivery: DeliveryFacts,
    customer: (&'a [u8], &'a [u8]),
    _title: &'a [u8],
    state: State,
}

/// What [`peek_state`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeekState<'a> {
    pub opened_at: Option<Timestamp>,
    /// [`Summary::answers`].
    pub answers: bool,
    /// Whether every timer cycle has stopped.
    pub settled: bool,
    pub delivery: DeliveryFacts,
    /// The customer contact, as its bytes (not checked as UTF-8).
    pub contact: &'a [u8],
    pub state: State,
}

/// [`peek`] as far as the state: for the filters that ask nothing else
/// of most tickets (a listing of open tickets, of a desk most of whose
/// tickets are closed). `None` for bytes that are not a summary.
pub fn peek_state(bytes: &[u8], now: Timestamp) -> Option<PeekState<'_>> {
    let (prefix, _) = postcard::take_from_bytes::<StatePrefix>(encoded_head(bytes)?).ok()?;
    Some(PeekState {
        opened_at: prefix.opened_at,
        answers: prefix.latest_at.is_none_or(|latest| latest <= now),
        settled: prefix.settled,
        delivery: prefix.delivery,
        contact: prefix.customer.1,
        state: prefix.state,
    })
}

/// From [`Summary::into_encoded`]'s bytes, without decoding the summary:
/// what the filters read of it (its head as far as [`peek_state`] reads
/// it comes first). `None` for bytes that are not a summary.
pub fn peek(bytes: &[u8]) -> Option<View<'_>> {
    let (prefix, _) = postcard::take_from_bytes::<HeadPrefix>(encoded_head(bytes)?).ok()?;
    let s = prefix.status;
    Some(View {
        state: s.state,
        severity: s.severity,
        level: s.level,
        assignee: s.assignee,
        team: s.team,
        waiting_on_teams: s.waiting_on_teams,
        opened_at: s.opened_at,
        last_event_at: s.last_event_at,
        customer: prefix.customer.0,
        contact: prefix.customer.1,
    })
}

/// Valid only for instants [`Summary::answers`] accepts: the query reads
/// the file for any other.
impl Source for Summary<'_> {
    fn id(&self) -> &TicketId {
        &self.head.id
    }

    fn opened_at(&self) -> Option<Timestamp> {
        self.head.opened_at
    }

    fn customer(&self) -> &Customer {
        &self.head.customer
    }

    fn delivery(&self) -> DeliveryFacts {
        self.head.delivery
    }

    fn at(
        &self,
        policy: &Policy,
        now: Timestamp,
        with_timers: bool,
        wanted: Option<&dyn Fn(&Status) -> bool>,
    ) -> (Status, Vec<Timer>) {
        let status = self.head.status.clone();
        let timers = if with_timers && wanted.is_none_or(|w| w(&status)) {
            self.cycles()
                .into_iter()
                .map(|c| c.at(policy, now))
                .collect()
        } else {
            Vec::new()
        };
        (status, timers)
    }

    fn actions(&self, _now: Timestamp) -> Vec<Action> {
        self.action_items()
    }

    /// A summary keeps no text but the amended title (in the status): a
    /// query whose filter reads text reads the files instead.
    fn any_text(&self, _hit: &dyn Fn(&str) -> bool) -> bool {
        false
    }
}

/// A customer as a pair of strings: the ticket file's form leaves empty
/// fields out, which a binary form cannot.
mod customer_fields {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::ticket::Customer;

    pub fn serialize<S: Serializer>(c: &Customer, s: S) -> Result<S::Ok, S::Error> {
        (&c.name, &c.contact).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Customer, D::Error> {
        let (name, contact) = <(String, String)>::deserialize(d)?;
        Ok(Customer { name, contact })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::{Query, Selected, Timers, select};
    use crate::policy::DEFAULT_POLICY;

    /// A query asking its tickets for timers, action items, or both.
    fn asking(timers: bool, actions: bool) -> Query {
        Query {
            timers: if timers {
                Timers::Summary
            } else {
                Timers::Skip
            },
            actions,
            ..Query::default()
        }
    }

    /// Whether `summary` fell short of `query` at `now`, checked to be
    /// so exactly when the query selects its ticket (only a selected
    /// ticket is asked for what a summary may lack).
    fn falls_short(summary: &Summary, policy: &Policy, query: &Query, now: Timestamp) -> bool {
        let selected = select(summary, || "f".into(), policy, query, now);
        assert_eq!(
            summary.fell_short(),
            matches!(selected, Selected::Ticket(_)),
            "{}",
            summary.head.id
        );
        summary.fell_short()
    }

    fn example_tickets() -> Vec<Ticket> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/support-desk/tickets");
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            out.push(crate::ticket::file::parse(text.as_bytes()).unwrap());
        }
        assert!(out.len() > 3);
        out
    }

    #[test]
    fn a_summary_answers_as_its_ticket_at_and_after_the_last_event() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let query = asking(true, true);
        let mut query_all = query.clone();
        query_all.filter.all = true;
        for ticket in example_tickets() {
            let bytes = Summary::of(&policy, &ticket, true).into_encoded();
            let summary = Summary::decode(&bytes).unwrap();
            let latest = ticket.latest_at().unwrap();
            assert!(summary.answers(latest) && !summary.answers(latest.plus(-1)));
            for now in [latest, latest.plus(3_600), latest.plus(40 * 86_400)] {
                for q in [&query, &query_all] {
                    let from_file = select(&ticket, || "f".into(), &policy, q, now);
                    let from_summary = select(&summary, || "f".into(), &policy, q, now);
                    assert_eq!(
                        format!("{from_file:?}"),
                        format!("{from_summary:?}"),
                        "{} at {now}",
                        ticket.id
                    );
                }
            }
        }
    }

    #[test]
    fn a_summary_just_made_answers_as_it_does_decoded_every_time_it_is_asked() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        // Never `Timers::Full`: a summary keeps no segments, and a query for
        // them reads the files.
        let query = asking(true, true);
        for ticket in example_tickets() {
            let made = Summary::of(&policy, &ticket, true);
            let bytes = Summary::of(&policy, &ticket, true).into_encoded();
            let decoded = Summary::decode(&bytes).unwrap();
            assert_eq!(made, decoded);
            let now = ticket.latest_at().unwrap().plus(7_200);
            let answer =
                |s: &Summary| format!("{:?}", select(s, || "f".into(), &policy, &query, now));
            let expected = answer(&decoded);
            // The tail as made answers first, the encoded tail after it.
            assert_eq!(answer(&made), expected, "{}", ticket.id);
            assert_eq!(answer(&made), expected, "{}", ticket.id);
            assert_eq!(made.into_encoded(), bytes);
        }
    }

    #[test]
    fn a_summary_without_its_tail_answers_listings_and_falls_short_of_timers() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let listing = Query {
            sort: crate::desk::filter::Sort::listing(),
            ..Query::default()
        };
        let (timers, actions) = (asking(true, false), asking(false, true));
        let mut fell_short = 0;
        for ticket in example_tickets() {
            let bytes = Summary::head_of(&policy, &ticket).into_encoded();
            let head = Summary::decode(&bytes).unwrap();
            let whole = Summary::of(&policy, &ticket, true);
            assert_eq!(head.head.status, whole.head.status, "{}", ticket.id);
            assert!(!peek_state(&bytes, Timestamp::MAX).unwrap().settled);
            let now = ticket.latest_at().unwrap().plus(3_600);
            let from_file = select(&ticket, || "f".into(), &policy, &listing, now);
            let from_head = select(&head, || "f".into(), &policy, &listing, now);
            assert_eq!(format!("{from_file:?}"), format!("{from_head:?}"));
            assert!(!head.fell_short());
            for q in [&timers, &actions] {
                let head = Summary::decode(&bytes).unwrap();
                fell_short += usize::from(falls_short(&head, &policy, q, now));
            }
        }
        assert!(fell_short > 0);
    }

    #[test]
    fn a_summary_without_action_items_answers_timers_and_falls_short_of_actions() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let (timers, actions) = (asking(true, false), asking(false, true));
        let mut fell_short = 0;
        for ticket in example_tickets() {
            let bytes = Summary::of(&policy, &ticket, false).into_encoded();
            let whole = Summary::of(&policy, &ticket, true).into_encoded();
            assert!(bytes.len() < whole.len(), "{}", ticket.id);
            let now = ticket.latest_at().unwrap().plus(3_600);
            let made = Summary::of(&policy, &ticket, false);
            for summary in [made, Summary::decode(&bytes).unwrap()] {
                let from_summary = select(&summary, || "f".into(), &policy, &timers, now);
                let from_file = select(&ticket, || "f".into(), &policy, &timers, now);
                assert_eq!(format!("{from_file:?}"), format!("{from_summary:?}"));
                assert!(!summary.fell_short(), "{}", ticket.id);
                fell_short += usize::from(falls_short(&summary, &policy, &actions, now));
            }
        }
        assert!(fell_short > 0);
    }

    #[test]
    fn a_summary_whose_tail_does_not_decode_falls_short() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let query = asking(true, true);
        let mut fell_short = 0;
        for ticket in example_tickets() {
            let mut bytes = Summary::of(&policy, &ticket, true).into_encoded();
            // One byte too many after the tail, then the tail cut short.
            bytes.push(0);
            let now = ticket.latest_at().unwrap().plus(60);
            for cut in [bytes.len(), bytes.len() - 3] {
                let summary = Summary::decode(&bytes[..cut]).unwrap();
                fell_short += usize::from(falls_short(&summary, &policy, &query, now));
            }
        }
        assert!(fell_short > 0);
    }

    #[test]
    fn a_peek_reads_what_the_full_summary_holds() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        for ticket in example_tickets() {
            let bytes = Summary::of(&policy, &ticket, true).into_encoded();
            let full = Summary::decode(&bytes).unwrap();
            let latest = ticket.latest_at().unwrap();
            let state = peek_state(&bytes, latest).unwrap();
            let expected = PeekState {
                opened_at: full.head.opened_at,
                answers: true,
                settled: full.head.settled,
                delivery: full.head.delivery,
                contact: full.head.customer.contact.as_bytes(),
                state: full.head.status.state,
            };
            assert_eq!(state, expected);
            assert!(!peek_state(&bytes, latest.plus(-1)).unwrap().answers);
            let view = peek(&bytes).unwrap();
            assert_eq!(view, View::of(&full.head.status, &full.head.customer));
        }
        assert!(peek(&[1, 0, 0, 0, 7]).is_none());
        assert!(peek_state(&[1, 0, 0, 0, 7], Timestamp::MAX).is_none());
    }

    #[test]
    fn damaged_bytes_are_not_a_summary() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let ticket = &example_tickets()[0];
        let bytes = Summary::of(&policy, ticket, true).into_encoded();
        let head_len = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
        assert!(Summary::decode(&bytes[..4 + head_len - 1]).is_none());
        assert!(Summary::decode(&bytes[..3]).is_none());
        let mut head_longer = bytes.clone();
        head_longer[0] += 1;
        assert!(Summary::decode(&head_longer).is_none());
        assert!(Summary::decode(&[]).is_none());
    }
}
