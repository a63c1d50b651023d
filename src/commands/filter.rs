//! The filters every listing takes (`list`, `sla`, the `--due` lists,
//! `handover`), parsed once: vocabulary checked against the policy with
//! did-you-mean, people resolved through `people.toml`, instants read as
//! RFC 3339, a date, or a duration back from now. The matching itself is
//! the library's (`tkt::desk::Filter`).

use clap::Args;
use tkt::desk::{Filter, Sort, TextQuery, WithTimers};
use tkt::names::{NameKind, UnknownName};
use tkt::policy::Policy;
use tkt::store::Repo;
use tkt::time::Timestamp;
use tkt::workflow::State;

use crate::cli::{CliError, Ctx};

#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Filters (combine with AND; a repeated one is OR)")]
pub struct FilterArgs {
    /// Only these states: new, in-progress, waiting, resolved, closed, or
    /// `open` (every state before closed) [default: new, in-progress,
    /// waiting]
    #[arg(long, value_delimiter = ',', value_name = "STATE", value_parser = state_name)]
    pub state: Vec<String>,
    /// Only these severities
    #[arg(long, value_delimiter = ',')]
    pub severity: Vec<String>,
    /// Only these escalation levels
    #[arg(long, value_delimiter = ',')]
    pub level: Vec<String>,
    /// Only tickets owned by these teams
    #[arg(long, value_delimiter = ',')]
    pub team: Vec<String>,
    /// Only customers whose name contains this (without regard to case)
    #[arg(long, value_name = "NAME")]
    pub customer: Vec<String>,
    /// Only customer contacts containing this (without regard to case)
    #[arg(long, value_name = "CONTACT")]
    pub contact: Vec<String>,
    /// Only tickets whose title, description, impact or any event text
    /// contains PATTERN (without regard to case)
    #[arg(long, value_name = "PATTERN")]
    pub text: Option<String>,
    /// Read --text as a regular expression
    #[arg(long, requires = "text")]
    pub regex: bool,
    /// Only tickets opened at or after WHEN (RFC 3339, YYYY-MM-DD, or a
    /// duration back from now such as 7d)
    #[arg(long, value_name = "WHEN")]
    pub opened_since: Option<String>,
    /// Only tickets opened at or before WHEN
    #[arg(long, value_name = "WHEN")]
    pub opened_until: Option<String>,
    /// Only tickets whose last event is at or after WHEN
    #[arg(long, value_name = "WHEN")]
    pub updated_since: Option<String>,
    /// Include resolved and closed tickets
    #[arg(long)]
    pub all: bool,
    /// Order by KEY[,KEY]: due, severity, opened, updated, id, customer;
    /// `-KEY` for descending
    #[arg(long, value_name = "KEYS", allow_hyphen_values = true)]
    pub sort: Option<String>,
    /// At most N tickets
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// `--assignee` as a filter, for the listings whose verb does not use
/// the flag for something else (`escalate --assignee` names who takes it,
/// and filters with `--due`).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Filters (combine with AND; a repeated one is OR)")]
pub struct AssigneeArg {
    /// Only tickets assigned to these people (`@me`: the acting person; a
    /// handle, email, alias or unique prefix)
    #[arg(long, value_delimiter = ',', value_name = "WHO")]
    pub assignee: Vec<String>,
}

impl FilterArgs {
    /// Whether any filter, order or limit was given.
    pub fn is_set(&self) -> bool {
        !self.state.is_empty()
            || !self.severity.is_empty()
            || !self.level.is_empty()
            || !self.team.is_empty()
            || !self.customer.is_empty()
            || !self.contact.is_empty()
            || self.text.is_some()
            || self.opened_since.is_some()
            || self.opened_until.is_some()
            || self.updated_since.is_some()
            || self.all
            || self.sort.is_some()
            || self.limit.is_some()
    }

    /// The library filter, every name checked; `assignee` from the verb's
    /// own `--assignee` (see [`AssigneeArg`]).
    pub fn filter(
        &self,
        ctx: &Ctx,
        repo: &Repo,
        policy: &Policy,
        assignee: &[String],
    ) -> Result<Filter, CliError> {
        for severity in &self.severity {
            policy.expect_severity(severity)?;
        }
        for level in &self.level {
            policy.expect_level(level)?;
        }
        for team in &self.team {
            policy.expect_team(team)?;
        }
        let who = super::who::Who::new(policy);
        let mut assignees = Vec::new();
        for name in assignee {
            if name.trim() == "@me" {
                assignees.push(ctx.actor(repo, &who)?);
            } else {
                assignees.push(name.clone());
            }
        }
        let text = match (&self.text, self.regex) {
            (Some(pattern), true) => Some(TextQuery::regex(pattern).map_err(|e| {
                CliError::usage(format!("--text is not a regular expression: {e}"))
            })?),
            (Some(pattern), false) => Some(TextQuery::substring(pattern)),
            (None, _) => None,
        };
        let instant = |flag: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| parse_when(flag, v, ctx.now))
                .transpose()
        };
        Ok(Filter {
            states: states(&self.state)?,
            severities: self.severity.clone(),
            levels: self.level.clone(),
            assignees: who.filter(assignees)?,
            teams: self.team.clone(),
            waiting_on_team: None,
            customers: self.customer.clone(),
            contacts: self.contact.clone(),
            text,
            opened_since: instant("--opened-since", &self.opened_since)?,
            opened_until: instant("--opened-until", &self.opened_until)?,
            updated_since: instant("--updated-since", &self.updated_since)?,
            all: self.all,
        })
    }

    /// The order asked for, else `default`.
    pub fn sort(&self, default: Sort) -> Result<Sort, CliError> {
        match &self.sort {
            Some(keys) => Ok(Sort::parse(keys)?),
            None => Ok(default),
        }
    }
}

/// A state name, or `open`: checked as clap parses, so that a typo is a
/// usage error with the valid values.
fn state_name(text: &str) -> Result<String, String> {
    states(&[text.to_string()])
        .map(|_| text.trim().to_string())
        .map_err(|e| e.message)
}

/// `--state` values: the state names, and `open` for every state before
/// closed.
fn states(names: &[String]) -> Result<Vec<State>, CliError> {
    let mut out = Vec::new();
    for name in names {
        let name = name.trim();
        if name == "open" {
            out.extend([
                State::New,
                State::InProgress,
                State::Waiting,
                State::Resolved,
            ]);
            continue;
        }
        match State::parse(name) {
            Some(state) => out.push(state),
            None => {
                return Err(UnknownName::new(
                    NameKind::State,
                    name,
                    State::ALL.map(State::name).into_iter().chain(["open"]),
                )
                .into());
            }
        }
    }
    out.dedup();
    Ok(out)
}

/// An instant: RFC 3339, a date (its start, UTC), or a duration back from
/// `now` (`7d`).
pub fn parse_when(flag: &str, text: &str, now: Timestamp) -> Result<Timestamp, CliError> {
    if let Ok(at) = Timestamp::parse(text) {
        return Ok(at);
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        && text.len() == 10
        && let Some(start) = date.and_hms_opt(0, 0, 0)
    {
        return Ok(Timestamp::from_utc(start.and_utc()));
    }
    back_from(
        flag,
        text,
        now,
        "an RFC 3339 instant, a date like 2026-11-20, nor a duration such as 7d",
    )
}

/// `text` as a duration back from `now`, for `flag`, which also takes what
/// `neither` says (for the message when `text` is no duration at all).
pub fn back_from(
    flag: &str,
    text: &str,
    now: Timestamp,
    neither: &str,
) -> Result<Timestamp, CliError> {
    tkt::duration::parse(text)
        .map(|seconds| now.plus(-seconds))
        .map_err(|e| match e {
            tkt::duration::InvalidDuration::Malformed(_) => {
                CliError::usage(format!("{flag} `{text}` is neither {neither}"))
            }
            // A duration, but not one to go back by.
            e => CliError::usage(format!("{flag}: {e}")),
        })
}

/// The query of a listing whose rows are timers (`sla`, `notify --due`,
/// `review --due`): the filters, and the order and limit only when `--sort`
/// is given; [`limit_by_urgency`] and [`ordered_rows`] do the rest.
pub fn timer_query(
    args: &FilterArgs,
    filter: Filter,
    need: Option<tkt::due::Need>,
) -> Result<tkt::desk::Query, CliError> {
    let sorted = args.sort.is_some();
    Ok(tkt::desk::Query {
        filter,
        need,
        timers: tkt::desk::Timers::Summary,
        sort: args.sort(Sort::default())?,
        limit: args.limit.filter(|_| sorted),
        ..tkt::desk::Query::default()
    })
}

/// Without `--sort`, `--limit` keeps the N tickets the most urgent timers
/// belong to (with `--sort`, the query kept the first N).
pub fn limit_by_urgency<T: WithTimers + Sync>(
    args: &FilterArgs,
    tickets: &mut Vec<T>,
    policy: &Policy,
) {
    let (false, Some(limit)) = (args.sort.is_some(), args.limit) else {
        return;
    };
    let mut keep: Vec<&str> = Vec::new();
    for (t, _) in tkt::desk::timer_rows(tickets, policy) {
        if keep.len() < limit && !keep.contains(&t.id()) {
            keep.push(t.id());
        }
    }
    // Tickets without timers come after, in the answer's order.
    for t in tickets.iter().filter(|t| t.timers().is_empty()) {
        if keep.len() < limit {
            keep.push(t.id());
        }
    }
    let keep: std::collections::BTreeSet<String> = keep.into_iter().map(str::to_string).collect();
    tickets.retain(|t| keep.contains(t.id()));
}

/// The (ticket, timer) rows of `tickets`: with `--sort`, in the tickets'
/// order (each one's timers most urgent first); else most urgent first.
pub fn ordered_rows<'t, T: WithTimers + Sync>(
    args: &FilterArgs,
    tickets: &'t [T],
    policy: &Policy,
) -> Vec<(&'t T, &'t tkt::sla::Timer)> {
    let mut rows = tkt::desk::timer_rows(tickets, policy);
    if args.sort.is_some() {
        let position: std::collections::HashMap<&str, usize> = tickets
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id(), i))
            .collect();
        rows.sort_by_key(|(t, _)| position[t.id()]);
    }
    rows
}

/// Filters are for the `--due` listing of a verb that otherwise records.
pub fn only_with_due(args: &FilterArgs, due: bool) -> Result<(), CliError> {
    if !due && args.is_set() {
        return Err(CliError::usage(
            "filters, --sort and --limit go with --due (they choose what it lists)",
        ));
    }
    Ok(())
}
