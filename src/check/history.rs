//! `check --base`: what a branch did to tickets since the merge-base,
//! against the history rules (append-only events, editable header fields,
//! no deletions, no back- or future-dating, approvals committed by their
//! approver).

use super::{EventLines, Finding, Fix, Report};
use crate::policy::Policy;
use crate::sla::{self, TimerStatus};
use crate::store::Repo;
use crate::ticket::file;
use crate::ticket::{Event, Ticket};

/// The rule of a branch that takes a breach out of the ledger.
pub const BREACH_ERASED: &str = "breach-erased";

/// Options of the history checks (`check --base`).
#[derive(Debug, Clone, Copy)]
pub struct HistoryRules {
    /// How far before the base's last event a new event may be dated (a
    /// phone call logged later).
    pub late_tolerance_s: i64,
    /// Clock skew allowed between an event and the commit that holds it.
    pub skew_s: i64,
    /// Instant used for uncommitted changes.
    pub now: crate::time::Timestamp,
}

/// What changed since the merge-base of `base` and HEAD: the findings of the
/// history rules (append-only, editable header fields, no deletions, no
/// backdating or future-dating), added to `report`.
/// `policy` (with its people: each person's addresses, to match an
/// `approved` event's `by` with the author of the commit that added it)
/// is the working tree's; `None` when it does not load (reported apart),
/// and then the breaches are not compared.
pub fn check_history(
    repo: &Repo,
    base: &str,
    rules: HistoryRules,
    policy: Option<&Policy>,
    report: &mut Report,
) -> Result<String, crate::history::HistoryError> {
    let git = crate::history::Git::new(repo.root());
    let merge_base = git.merge_base(base)?;
    let changed = git.changed_tickets(&merge_base)?;
    let base_committed = git
        .commit_time(&merge_base)?
        .and_then(crate::time::Timestamp::from_unix);
    let no_people = crate::people::People::default();
    let people = policy.map_or(&no_people, |p| &p.people);
    // The policy the base judged its tickets by, when the branch changes
    // it (a base policy that does not parse: the working tree's).
    let base_policy = policy.and_then(|policy| {
        let text = git.show(&merge_base, crate::store::POLICY_FILE).ok()??;
        let base = Policy::parse(&String::from_utf8(text).ok()?).ok()?;
        let base = base.with_people(policy.people.clone());
        (base != *policy).then_some(base)
    });
    // When the branch changes people.toml, its approvals are judged by
    // the base's people too: a branch does not grant the role its own
    // approval relies on.
    let base_people = policy.and_then(|policy| {
        let base = match git.show(&merge_base, crate::people::PEOPLE_FILE).ok()? {
            Some(text) => policy.parse_people(&String::from_utf8(text).ok()?).ok()?,
            None => crate::people::People::default(),
        };
        (base != policy.people).then(|| policy.clone().with_people(base))
    });
    if let (Some(policy), Some(base_policy)) = (policy, &base_policy) {
        erased_by_policy(repo, &changed, base_policy, policy, rules.now, report);
    }
    for c in changed {
        let mut add = |line: u64, rule: &'static str, message: String, fix: Option<Fix>| {
            report.findings.push(Finding {
                file: c.path.clone(),
                line,
                column: 1,
                rule,
                message,
                fix,
            })
        };
        if c.change == crate::history::Change::Deleted {
            add(
                1,
                "history-deleted",
                "a ticket was deleted; tickets are never deleted (close it instead)".into(),
                None,
            );
            continue;
        }
        // The branch's version, read and parsed once for every rule.
        let Ok(bytes) = crate::store::read_capped(&repo.root().join(&c.path)) else {
            continue;
        };
        let Ok(current) = file::parse(&bytes) else {
            continue; // reported by the file checks
        };
        let text = std::str::from_utf8(&bytes).unwrap_or_default();
        let lines = EventLines::new(text, current.events.len());
        let base_ticket = c.base_text.as_deref().and_then(|b| file::parse(b).ok());
        if c.change == crate::history::Change::Modified && base_ticket.is_none() {
            continue; // the base was broken: nothing to compare with
        }
        // The events the branch appends start here.
        let from = base_ticket.as_ref().map_or(0, |t| t.events.len());
        // Approvals the branch adds must be committed by the approver.
        for (line, message) in forged_approvals(&git, &c.path, &current, &lines, from, people)? {
            add(line, "approval-author", message, None);
        }
        if let Some(judge) = &base_people {
            for (line, message) in approvals_on_granted_roles(&current, &lines, from, judge) {
                add(line, "approval-role", message, None);
            }
        }
        let Some(base_ticket) = base_ticket else {
            // A new ticket.
            for (line, rule, message) in super::corrections::bad_voids(&current, &lines, 0) {
                add(line, rule, message, None);
            }
            // Recorded as it happens: none of its events predates the
            // base by more than the tolerance.
            for (i, event) in current.events.iter().enumerate() {
                if let Some(base_at) = base_committed
                    && event.at().plus(rules.late_tolerance_s) < base_at
                {
                    add(
                        lines.field(i, "at"),
                        "history-backdated",
                        format!(
                            "event {} ({}) of a new ticket is dated {}, before the base was committed ({base_at}) by more than the {} tolerance",
                            i + 1,
                            event.kind(),
                            event.at(),
                            crate::duration::format(rules.late_tolerance_s)
                        ),
                        None,
                    );
                }
            }
            continue;
        };
        if let Some(policy) = policy {
            // Events logged late within the tolerance may turn a breach
            // into a met (a phone call logged an hour later: `changes`
            // shows it to the reviewer); the branch's voids and its policy
            // may not.
            let mut logged = current.clone();
            let appended = logged.events.split_off(from.min(logged.events.len()));
            logged.events.extend(
                appended
                    .into_iter()
                    .filter(|e| !matches!(e, Event::Voided { .. })),
            );
            let before = sla::timers(base_policy.as_ref().unwrap_or(policy), &logged, rules.now);
            let after = sla::timers(policy, &current, rules.now);
            let line = lines.start(from.min(current.events.len()));
            for lost in erased(&before, &after) {
                add(
                    line,
                    BREACH_ERASED,
                    erased_message(&lost, "the branch's events"),
                    None,
                );
            }
        }
        let committed = c.committed_at.and_then(crate::time::Timestamp::from_unix);
        for (line, rule, message, fix) in
            compare_history(&base_ticket, &current, &lines, text, rules, committed)
        {
            add(line, rule, message, fix);
        }
    }
    report.findings.sort();
    Ok(merge_base)
}

/// The `approved` events from index `from` on in `ticket` (the file at
/// `path`) whose `by` is not the author of the commit that added them: by
/// the addresses `people.toml` lists for them, else by `by` itself when it
/// is an email. Uncommitted lines are not judged.
fn forged_approvals(
    git: &crate::history::Git,
    path: &str,
    ticket: &Ticket,
    lines: &EventLines,
    from: usize,
    people: &crate::people::People,
) -> Result<Vec<(u64, String)>, crate::history::HistoryError> {
    let mut found = Vec::new();
    for (i, event) in ticket.events.iter().enumerate().skip(from) {
        let Event::Approved { by, .. } = event else {
            continue;
        };
        let line = lines.start(i);
        let Some(author) = git.line_author(path, line)? else {
            continue;
        };
        let genuine = match people.find(by) {
            Some(person) => person.is(&author),
            None if by.contains('@') => by.trim().eq_ignore_ascii_case(&author),
            None => continue, // a plain name and no people: nothing to match
        };
        if !genuine {
            found.push((
                line,
                format!("approval by {by} was committed by {author}: an approver commits their own approval"),
            ));
        }
    }
    Ok(found)
}

/// The `approved` events from index `from` on in `ticket` whose approver
/// `base` (the policy with the base's people) finds unfit: the role they
/// approve with is one the branch grants.
fn approvals_on_granted_roles(
    ticket: &Ticket,
    lines: &EventLines,
    from: usize,
    base: &Policy,
) -> Vec<(u64, String)> {
    let mut found = Vec::new();
    for (i, event) in ticket.events.iter().enumerate().skip(from) {
        let Event::Approved { by, at, .. } = event else {
            continue;
        };
        let status = crate::workflow::replay(base, &super::before(ticket, i));
        if let Some(why) = crate::workflow::approval::unfit_approver(base, &status, by, *at) {
            found.push((
                lines.start(i),
                format!(
                    "approval by {by} rests on this branch's people.toml: on the base, {why}; grant a role in a pull request of its own"
                ),
            ));
        }
    }
    found
}

/// The header fields a pull request may edit in place (typo fixes); every
/// other change is an appended event.
pub const EDITABLE_HEADER: [&str; 4] = ["title", "description", "impact", "customer"];

fn compare_history(
    base: &Ticket,
    current: &Ticket,
    lines: &EventLines,
    text: &str,
    rules: HistoryRules,
    committed: Option<crate::time::Timestamp>,
) -> Vec<(u64, &'static str, String, Option<Fix>)> {
    let mut found: Vec<(u64, &'static str, String, Option<Fix>)> =
        super::corrections::bad_voids(current, lines, base.events.len())
            .into_iter()
            .map(|(line, rule, message)| (line, rule, message, None))
            .collect();
    let key = |k: &str| file::key_line(text, k).unwrap_or(1);
    if base.id != current.id {
        found.push((
            key("id"),
            "history-id",
            format!(
                "the id changed from {} to {}; an ID never changes",
                base.id, current.id
            ),
            None,
        ));
    }
    if base.schema != current.schema {
        found.push((
            key("schema"),
            "history-header",
            "`schema` changed; it is not editable".into(),
            None,
        ));
    }
    if base.team != current.team {
        found.push((
            key("team"),
            "history-header",
            "`team` changed in the header".into(),
            Some(Fix::AssignTeam),
        ));
    }
    let common = base.events.len().min(current.events.len());
    if let Some(i) = (0..common).find(|&i| base.events[i] != current.events[i]) {
        found.push((
            lines.start(i),
            "history-rewritten",
            format!(
                "event {} ({}) differs from the base; events are append-only (add a new event instead)",
                i + 1,
                base.events[i].kind()
            ),
            None,
        ));
    }
    if current.events.len() < base.events.len() {
        found.push((
            lines.start(current.events.len().saturating_sub(1)),
            "history-deleted",
            format!(
                "{} event(s) of the base were removed; events are append-only",
                base.events.len() - current.events.len()
            ),
            None,
        ));
    }
    let last_base = base.events.iter().map(Event::at).max();
    let latest_allowed = committed.unwrap_or(rules.now).plus(rules.skew_s);
    for (i, event) in current.events.iter().enumerate().skip(base.events.len()) {
        if let Some(last) = last_base
            && event.at().plus(rules.late_tolerance_s) < last
        {
            found.push((
                lines.field(i, "at"),
                "history-backdated",
                format!(
                    "new event {} ({}) is dated {}, before the base's last event ({last}) by more than the {} tolerance",
                    i + 1,
                    event.kind(),
                    event.at(),
                    crate::duration::format(rules.late_tolerance_s)
                ),
                None,
            ));
        }
        if event.at() > latest_allowed {
            found.push((
                lines.field(i, "at"),
                "history-future",
                format!(
                    "new event {} ({}) is dated {}, after the commit that holds it ({})",
                    i + 1,
                    event.kind(),
                    event.at(),
                    committed.unwrap_or(rules.now)
                ),
                None,
            ));
        }
    }
    found
}

/// A metric (and level) with fewer breached cycles in `after` than in
/// `before`, both judged at the same instant: a breach once recorded stays
/// in the ledger, whatever a branch appends, voids or changes in the
/// policy. Counted, not matched by number: an event logged late may
/// insert a cycle and renumber the ones after it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Erased {
    metric: sla::Metric,
    level: Option<Box<str>>,
    before: usize,
    after: usize,
}

fn erased(before: &[sla::Timer], after: &[sla::Timer]) -> Vec<Erased> {
    type Key = (sla::Metric, Option<Box<str>>);
    let breached = |timers: &[sla::Timer]| {
        let mut counts: std::collections::BTreeMap<Key, usize> = Default::default();
        for t in timers.iter().filter(|t| t.status == TimerStatus::Breached) {
            *counts.entry((t.metric, t.level.clone())).or_default() += 1;
        }
        counts
    };
    let after = breached(after);
    breached(before)
        .into_iter()
        .filter_map(|((metric, level), was)| {
            let is = after.get(&(metric, level.clone())).copied().unwrap_or(0);
            (is < was).then_some(Erased {
                metric,
                level,
                before: was,
                after: is,
            })
        })
        .collect()
}

fn erased_message(erased: &Erased, by: &str) -> String {
    let metric = erased.metric.name().replace('_', " ");
    let timer = match &erased.level {
        Some(level) => format!("{metric} to {level}"),
        None => metric,
    };
    let (before, after) = (erased.before, erased.after);
    format!(
        "{by} erase a breach: {timer} has {before} breached cycle(s) on the base and {after} here; \
         a breach once recorded stays (if the base was wrong, merge this deliberately, past the check)"
    )
}

/// The breaches of the tickets the branch does not touch that its change
/// to the policy erases: every other ticket judged under both policies,
/// once each, on every core.
fn erased_by_policy(
    repo: &Repo,
    changed: &[crate::history::Changed],
    base_policy: &Policy,
    policy: &Policy,
    now: crate::time::Timestamp,
    report: &mut Report,
) {
    let changed: std::collections::HashSet<&str> =
        changed.iter().map(|c| c.path.as_str()).collect();
    let Ok(scanned) = repo.scan(|entry, bytes| {
        let file = repo
            .relative(&entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        if changed.contains(file.as_str()) {
            return Vec::new(); // judged with its own changes
        }
        // Unreadable files are checked, and reported, apart.
        let Ok(ticket) = Repo::parse_entry(entry, bytes) else {
            return Vec::new();
        };
        let before = sla::timers(base_policy, &ticket, now);
        let after = sla::timers(policy, &ticket, now);
        erased(&before, &after)
            .iter()
            .map(|lost| Finding {
                file: file.clone(),
                line: 1,
                column: 1,
                rule: BREACH_ERASED,
                message: erased_message(lost, "the branch's policy.toml would"),
                fix: None,
            })
            .collect()
    }) else {
        return;
    };
    report.findings.extend(scanned.into_iter().flatten());
}
