//! What a query selects (`Filter`: the same filters for every listing)
//! and in which order (`Sort`).

use super::{Source, TicketAt};
use crate::policy::Policy;
use crate::ticket::Customer;
use crate::time::Timestamp;
use crate::workflow::{State, Status};

/// Which tickets a query selects. Different filters combine with AND; the
/// values of one filter with OR. Empty lists match everything; `states`
/// empty means open tickets only unless `all` is set.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<State>,
    pub severities: Vec<String>,
    pub levels: Vec<String>,
    pub assignees: Vec<String>,
    pub teams: Vec<String>,
    /// Only tickets waiting on this team's answer (`any`: on any team).
    pub waiting_on_team: Option<String>,
    /// Case-insensitive parts of the customer's name.
    pub customers: Vec<String>,
    /// Case-insensitive parts of the customer contact.
    pub contacts: Vec<String>,
    /// Over the title, description, impact and every text of the events.
    pub text: Option<TextQuery>,
    pub opened_since: Option<Timestamp>,
    pub opened_until: Option<Timestamp>,
    /// The last event at or after this instant.
    pub updated_since: Option<Timestamp>,
    pub all: bool,
}

/// A case-insensitive search: a plain substring, or a regular expression.
#[derive(Debug, Clone)]
pub struct TextQuery {
    regex: regex::Regex,
}

impl TextQuery {
    /// `pattern` as a plain substring.
    pub fn substring(pattern: &str) -> TextQuery {
        TextQuery::build(&regex::escape(pattern)).expect("an escaped pattern compiles")
    }

    /// `pattern` as a regular expression (Rust `regex` syntax).
    pub fn regex(pattern: &str) -> Result<TextQuery, String> {
        TextQuery::build(pattern).map_err(|e| e.to_string())
    }

    fn build(pattern: &str) -> Result<TextQuery, regex::Error> {
        regex::RegexBuilder::new(pattern)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .build()
            .map(|regex| TextQuery { regex })
    }

    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }
}

/// Whether the filter's name `wanted` names the assignee `have`: the same
/// (emails without regard to case), or `wanted` is the local part of the
/// email `have` (`bo` finds `bo@example.com` without a people file).
fn names_person(wanted: &str, have: &str) -> bool {
    let (wanted, have) = (wanted.trim(), have.trim());
    wanted.eq_ignore_ascii_case(have)
        || (!wanted.contains('@')
            && have
                .split_once('@')
                .is_some_and(|(local, _)| local.eq_ignore_ascii_case(wanted)))
}

fn contains_ci(haystack: &str, needles: &[String]) -> bool {
    needles.is_empty()
        || needles.iter().any(|n| {
            haystack
                .to_lowercase()
                .contains(n.trim().to_lowercase().as_str())
        })
}

/// What the filters read of a ticket (all but its texts): borrowed from
/// a replayed [`Status`], or straight from a summary's bytes without
/// decoding the rest of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View<'a> {
    pub state: State,
    pub severity: &'a str,
    pub level: &'a str,
    pub assignee: Option<&'a str>,
    pub team: Option<&'a str>,
    pub waiting_on_teams: Vec<&'a str>,
    pub opened_at: Timestamp,
    pub last_event_at: Timestamp,
    pub customer: &'a str,
    pub contact: &'a str,
}

impl<'a> View<'a> {
    pub fn of(s: &'a Status, customer: &'a Customer) -> View<'a> {
        View {
            state: s.state,
            severity: &s.severity,
            level: &s.level,
            assignee: s.assignee.as_deref(),
            team: s.team.as_deref(),
            waiting_on_teams: s.waiting_on_teams.iter().map(String::as_str).collect(),
            opened_at: s.opened_at,
            last_event_at: s.last_event_at,
            customer: &customer.name,
            contact: &customer.contact,
        }
    }
}

impl Filter {
    /// Whether the ticket's status passes the filters that need only it.
    pub fn matches(&self, s: &Status) -> bool {
        self.matches_status(&View::of(s, &Customer::default()), self.all)
    }

    /// [`Filter::matches`], as if `--all` were `all`.
    fn matches_status(&self, s: &View<'_>, all: bool) -> bool {
        let state_ok = self.matches_state(s.state, all);
        let any = |wanted: &[String], have: Option<&str>| {
            wanted.is_empty() || have.is_some_and(|h| wanted.iter().any(|w| w == h))
        };
        state_ok
            && any(&self.severities, Some(s.severity))
            && any(&self.levels, Some(s.level))
            && (self.assignees.is_empty()
                || s.assignee
                    .is_some_and(|a| self.assignees.iter().any(|w| names_person(w, a))))
            && any(&self.teams, s.team)
            && self
                .waiting_on_team
                .as_ref()
                .is_none_or(|t| s.waiting_on_teams.iter().any(|w| w == t || t == "any"))
            && self.opened_since.is_none_or(|t| s.opened_at >= t)
            && self.opened_until.is_none_or(|t| s.opened_at <= t)
            && self.updated_since.is_none_or(|t| s.last_event_at >= t)
    }

    fn matches_state(&self, state: State, all: bool) -> bool {
        if self.states.is_empty() {
            all || state.is_open()
        } else {
            self.states.contains(&state)
        }
    }

    /// Whether the filter asks nothing of a ticket but its state (`--state`
    /// and `--all` at most).
    pub fn asks_only_state(&self) -> bool {
        let Filter {
            states: _,
            severities,
            levels,
            assignees,
            teams,
            waiting_on_team,
            customers,
            contacts,
            text,
            opened_since,
            opened_until,
            updated_since,
            all: _,
        } = self;
        severities.is_empty()
            && levels.is_empty()
            && assignees.is_empty()
            && teams.is_empty()
            && waiting_on_team.is_none()
            && customers.is_empty()
            && contacts.is_empty()
            && text.is_none()
            && opened_since.is_none()
            && opened_until.is_none()
            && updated_since.is_none()
    }

    /// [`Filter::rules_out`] for a filter that [asks only the
    /// state](Filter::asks_only_state), from the state alone.
    pub fn rules_out_state(&self, state: State) -> Option<bool> {
        debug_assert!(self.asks_only_state());
        (!self.matches_state(state, self.all))
            .then(|| self.states.is_empty() && !self.all && !state.is_open())
    }

    /// Whether the filter passes every ticket, whatever its status and
    /// texts (`--all`, and nothing else asked).
    pub fn passes_every_ticket(&self) -> bool {
        self.all && self.states.is_empty() && self.asks_only_state()
    }

    /// Whether the ticket passes every filter: its status, its customer
    /// and its texts.
    pub fn matches_source<S: Source + ?Sized>(&self, source: &S, s: &Status) -> bool {
        self.matches_source_as(source, s, self.all)
    }

    /// Whether the ticket is left out only because it is resolved or
    /// closed and `--all` was not given: "12 closed match with --all".
    pub fn hidden_by_state<S: Source + ?Sized>(&self, source: &S, s: &Status) -> bool {
        self.states.is_empty()
            && !self.all
            && !s.state.is_open()
            && self.matches_source_as(source, s, true)
    }

    fn matches_source_as<S: Source + ?Sized>(&self, source: &S, s: &Status, all: bool) -> bool {
        self.matches_view(&View::of(s, source.customer()), all)
            && self
                .text
                .as_ref()
                .is_none_or(|q| q.is_match(&s.title) || source.any_text(&|t| q.is_match(t)))
    }

    /// Whether `view` passes every filter but the text filter.
    fn matches_view(&self, v: &View<'_>, all: bool) -> bool {
        self.matches_status(v, all)
            && contains_ci(v.customer, &self.customers)
            && contains_ci(v.contact, &self.contacts)
    }

    /// Before anything else is read of a ticket whose texts the query does
    /// not search: `Some(hidden)` when `view` rules it out (`hidden`: only
    /// for being resolved or closed), `None` when it passes.
    pub fn rules_out(&self, v: &View<'_>) -> Option<bool> {
        debug_assert!(self.text.is_none(), "a view holds no text");
        if self.matches_view(v, self.all) {
            return None;
        }
        Some(
            self.states.is_empty() && !self.all && !v.state.is_open() && self.matches_view(v, true),
        )
    }
}

/// What a sort key compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    /// Most severe first (the policy's order).
    Severity,
    /// Opened earliest first.
    Opened,
    /// Last event earliest first.
    Updated,
    /// Ticket ID (file-name order).
    Id,
    /// The most urgent running deadline first; none last.
    Due,
    /// Customer name, without regard to case.
    Customer,
}

impl SortField {
    pub const ALL: [(&'static str, SortField); 6] = [
        ("due", SortField::Due),
        ("severity", SortField::Severity),
        ("opened", SortField::Opened),
        ("updated", SortField::Updated),
        ("id", SortField::Id),
        ("customer", SortField::Customer),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

/// The order of the answer: keys in turn, then the ticket ID. No keys is
/// ID order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sort(pub Vec<SortKey>);

impl Sort {
    /// The listings' order: most severe first, then oldest first.
    pub fn listing() -> Sort {
        Sort(vec![
            SortKey {
                field: SortField::Severity,
                descending: false,
            },
            SortKey {
                field: SortField::Opened,
                descending: false,
            },
        ])
    }

    /// `due,-opened`: keys in turn, `-` for descending.
    pub fn parse(text: &str) -> Result<Sort, crate::names::UnknownName> {
        let mut keys = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (descending, name) = match part.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, part),
            };
            let field = SortField::ALL
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    crate::names::UnknownName::new(
                        crate::names::NameKind::SortKey,
                        name,
                        SortField::ALL.iter().map(|(n, _)| *n),
                    )
                })?;
            keys.push(SortKey { field, descending });
        }
        Ok(Sort(keys))
    }

    /// Whether a key needs each ticket's timers.
    pub fn needs_timers(&self) -> bool {
        self.0.iter().any(|k| k.field == SortField::Due)
    }
}

pub(super) fn severity_rank(policy: &Policy, t: &TicketAt) -> usize {
    policy
        .severity_rank(&t.status.severity)
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_queries_ignore_case_and_escape_unless_asked() {
        let plain = TextQuery::substring("SAN (dns)");
        assert!(plain.is_match("missing a san (DNS) entry"));
        assert!(!plain.is_match("missing a san dns entry"));
        let re = TextQuery::regex(r"imp-4\d\d").unwrap();
        assert!(re.is_match("Rejects files (IMP-422)"));
        assert!(TextQuery::regex("(unclosed").is_err());
    }

    #[test]
    fn an_assignee_is_found_by_name_or_the_local_part_of_the_email() {
        assert!(names_person("bo", "bo@example.com"));
        assert!(names_person("BO@Example.com", "bo@example.com"));
        assert!(names_person("bo", "bo"));
        assert!(!names_person("bo", "bob@example.com"));
        assert!(!names_person("bo@other.example", "bo@example.com"));
    }

    #[test]
    fn sort_keys_parse_with_direction_and_refuse_typos() {
        let sort = Sort::parse("due, -opened").unwrap();
        assert_eq!(
            sort.0,
            [
                SortKey {
                    field: SortField::Due,
                    descending: false
                },
                SortKey {
                    field: SortField::Opened,
                    descending: true
                },
            ]
        );
        assert!(sort.needs_timers());
        let err = Sort::parse("severity,custmer").unwrap_err();
        assert!(
            err.to_string().contains("did you mean `customer`?"),
            "{err}"
        );
    }

    #[test]
    fn a_filter_of_the_state_alone_rules_out_from_the_state_as_from_the_whole_view() {
        let wanted = [
            vec![],
            vec![State::New],
            vec![State::Closed, State::Waiting],
            vec![State::Resolved],
        ];
        for states in wanted {
            for all in [false, true] {
                let filter = Filter {
                    states: states.clone(),
                    all,
                    ..Filter::default()
                };
                assert!(filter.asks_only_state());
                assert_eq!(filter.passes_every_ticket(), all && states.is_empty());
                for state in State::ALL {
                    let view = View {
                        state,
                        severity: "high",
                        level: "L2",
                        assignee: Some("bo@example.com"),
                        team: None,
                        waiting_on_teams: vec!["billing"],
                        opened_at: Timestamp::MIN,
                        last_event_at: Timestamp::MIN,
                        customer: "Acme",
                        contact: "ops@acme.example",
                    };
                    assert_eq!(
                        filter.rules_out_state(state),
                        filter.rules_out(&view),
                        "{states:?} {all} {state:?}"
                    );
                }
            }
        }
        let by_customer = Filter {
            customers: vec!["acme".into()],
            ..Filter::default()
        };
        assert!(!by_customer.asks_only_state() && !by_customer.passes_every_ticket());
    }
}
