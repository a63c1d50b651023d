//! `policy.toml`: the team's SOP as data — severities, escalation levels and
//! the documentation each requires, calendars, SLA targets, pause reasons,
//! closure and review rules, notification templates.
//!
//! Loading validates everything and reports every problem with its line and
//! column, not just the first.

mod raw;
mod validate;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::calendar::Calendar;
pub use crate::config::{PolicyError, PolicyIssue, line_col};
use crate::names::{self, NameKind, UnknownName};
use crate::people::People;
use crate::ticket::ReviewPart;
use crate::time::Timestamp;

/// The policy a new repository starts from: the SOP's defaults.
pub const DEFAULT_POLICY: &str = include_str!("../../policy.toml");

/// The version of the policy format this build reads.
pub const SCHEMA: u32 = 1;

/// `late_tolerance` when the policy does not set it: one hour.
pub const DEFAULT_LATE_TOLERANCE: i64 = 3600;

/// The name of the built-in calendar that counts every second.
pub const ALWAYS: &str = "24x7";

/// Documentation a level can require before a ticket is escalated to it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Doc {
    Description,
    Troubleshooting,
    Logs,
    Contact,
    Impact,
    RootCause,
}

impl Doc {
    pub fn name(self) -> &'static str {
        match self {
            Doc::Description => "problem description",
            Doc::Troubleshooting => "troubleshooting steps taken",
            Doc::Logs => "system logs or error codes",
            Doc::Contact => "customer contact information",
            Doc::Impact => "impact assessment",
            Doc::RootCause => "root-cause analysis",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub id: String,
    pub name: String,
    pub requires: Vec<Doc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationTarget {
    pub level: String,
    pub within: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Severity {
    pub id: String,
    pub description: String,
    pub calendar: String,
    pub first_response: Option<i64>,
    pub update_every: Option<i64>,
    pub resolution: Option<i64>,
    pub escalations: Vec<EscalationTarget>,
    pub review: bool,
    /// Closing needs an approval.
    pub approval: bool,
    /// When `people.toml` lists anyone: the role whose holder must record
    /// the approval (`approved` event); a typed name no longer counts.
    pub approval_role: Option<String>,
    /// Closing needs a resolution notice sent to the customer since the
    /// ticket was opened or last reopened.
    pub resolution_notice: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPolicy {
    pub levels: Vec<String>,
    pub calendar: String,
    pub within: Option<i64>,
    pub requires: Vec<ReviewPart>,
}

/// `[mail]`: which senders are customers, and what their new mail opens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailPolicy {
    /// The severity of a ticket opened from mail; without one, new mail
    /// opens nothing (it is quarantined).
    pub severity: Option<String>,
    /// Sender domains, lower case, and the customer each belongs to.
    pub customers: BTreeMap<String, String>,
}

impl MailPolicy {
    /// The customer a sender address belongs to: its domain, or the
    /// nearest parent domain, listed in `[mail.customers]`.
    pub fn customer(&self, address: &str) -> Option<&str> {
        let domain = address.rsplit_once('@')?.1.to_ascii_lowercase();
        let mut rest = domain.as_str();
        loop {
            if let Some(name) = self.customers.get(rest) {
                return Some(name);
            }
            rest = rest.split_once('.')?.1;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Templates {
    pub acknowledgement: String,
    pub update: String,
    pub resolution: String,
}

/// A decimal fraction held exactly, `num / den` with `den` a power of ten:
/// `0.3333` is 3333/10000, so comparisons stay in integers and never round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    pub num: i64,
    pub den: i64,
}

impl Fraction {
    /// The fraction `value` means as written: the shortest decimal that
    /// reads back as `value` (what Rust prints for an `f64`). `None` for a
    /// negative, non-finite or over-precise value (more than 15 decimals).
    pub fn from_f64(value: f64) -> Option<Fraction> {
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        let text = format!("{value}");
        let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
        if frac.len() > 15 || int.len() > 3 {
            return None;
        }
        let den = 10i64.checked_pow(frac.len() as u32)?;
        let int: i64 = int.parse().ok()?;
        let frac: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().ok()?
        };
        Some(Fraction {
            num: int.checked_mul(den)?.checked_add(frac)?,
            den,
        })
    }

    /// Whether `part` is at least this fraction of `whole`, exactly.
    pub fn reached(self, part: i64, whole: i64) -> bool {
        i128::from(part) * i128::from(self.den) >= i128::from(whole) * i128::from(self.num)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The warning threshold, a fraction of a target, exactly as written.
    pub warning: Fraction,
    /// How far back an event may be dated when it is recorded late (a phone
    /// call logged after a later note): seconds before the time of writing
    /// for the verbs, before the commit that added it for `check --base`.
    pub late_tolerance: i64,
    pub teams: Vec<String>,
    pub calendars: BTreeMap<String, Calendar>,
    /// Lowest first.
    pub levels: Vec<Level>,
    /// Most severe first.
    pub severities: Vec<Severity>,
    /// The level a ticket flagged as a repeated outage must be at, at once.
    pub repeated_outage_level: Option<String>,
    pub pause_reasons: Vec<String>,
    /// The pause reasons a customer's reply ends (`[pause] customer`).
    pub customer_pause_reasons: Vec<String>,
    /// How mail from customers opens tickets (`[mail]`).
    pub mail: MailPolicy,
    pub confirmation: bool,
    /// Whoever resolved a ticket may not also approve its closure.
    pub four_eyes: bool,
    pub review: ReviewPolicy,
    pub templates: Templates,
    /// Who works the desk (`people.toml`, attached by `with_people`);
    /// nobody by default.
    pub people: People,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Every syntax error and every unknown key at once, with positions;
        // typed deserialization below stops at its first error.
        let issues = raw::structure_issues(text);
        if !issues.is_empty() {
            return Err(PolicyError(issues));
        }
        let raw: raw::RawPolicy = crate::config::from_toml(text)?;
        validate::Validator::new(text).policy(raw)
    }

    pub fn severity(&self, id: &str) -> Option<&Severity> {
        self.severities.iter().find(|s| s.id == id)
    }

    /// 0 for the most severe tier.
    pub fn severity_rank(&self, id: &str) -> Option<usize> {
        self.severities.iter().position(|s| s.id == id)
    }

    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// 0 for the lowest level.
    pub fn level_rank(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == id)
    }

    pub fn lowest_level(&self) -> &Level {
        &self.levels[0]
    }

    /// A calendar by name; `24x7` always exists.
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.get(name)
    }

    pub fn severity_ids(&self) -> Vec<&str> {
        self.severities.iter().map(|s| s.id.as_str()).collect()
    }

    pub fn level_ids(&self) -> Vec<&str> {
        self.levels.iter().map(|l| l.id.as_str()).collect()
    }

    pub fn team_allowed(&self, team: &str) -> bool {
        self.teams.is_empty() || self.teams.iter().any(|t| t == team)
    }

    /// The severity `id`, or the error naming every severity defined.
    pub fn expect_severity(&self, id: &str) -> Result<&Severity, UnknownName> {
        self.severity(id)
            .ok_or_else(|| UnknownName::new(NameKind::Severity, id, self.severity_ids()))
    }

    /// The level `id`, or the error naming every level defined.
    pub fn expect_level(&self, id: &str) -> Result<&Level, UnknownName> {
        self.level(id)
            .ok_or_else(|| UnknownName::new(NameKind::Level, id, self.level_ids()))
    }

    /// Parses `people.toml` against this policy's teams and levels.
    pub fn parse_people(&self, text: &str) -> Result<People, PolicyError> {
        People::parse(
            text,
            |team| self.expect_team(team),
            |level| self.expect_level(level).map(|_| ()),
        )
    }

    /// This policy with the desk's people, whom the gates consult.
    pub fn with_people(mut self, people: People) -> Policy {
        self.people = people;
        self
    }

    /// Whether `team` may be named (any team when the policy lists none).
    pub fn expect_team(&self, team: &str) -> Result<(), UnknownName> {
        if self.team_allowed(team) {
            Ok(())
        } else {
            Err(UnknownName::new(NameKind::Team, team, &self.teams))
        }
    }

    pub fn expect_pause_reason(&self, reason: &str) -> Result<(), UnknownName> {
        names::expect(NameKind::PauseReason, reason, &self.pause_reasons)
    }

    /// When the next customer update is owed if one is sent at `at`: the
    /// severity's `update_every` on its calendar. `None` without a cadence.
    pub fn next_update_due(&self, severity: &str, at: Timestamp) -> Option<Timestamp> {
        let sev = self.severity(severity)?;
        let every = sev.update_every?;
        let calendar = self.calendar(&sev.calendar)?;
        calendar
            .add_business(at.utc(), every)
            .map(Timestamp::from_utc)
    }
}

/// The placeholders notification templates may use.
pub const PLACEHOLDERS: [&str; 7] = [
    "id",
    "title",
    "severity",
    "level",
    "state",
    "message",
    "next_update",
];

/// The JSON Schema of `policy.toml` (see `crate::schema`): its structure
/// and keys; what the checks validate beyond (durations, calendars,
/// names) is in docs/policy.md.
pub fn schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(raw::RawPolicy);
    schema.insert("title".into(), "policy.toml of a tkt desk".into());
    schema.insert(
        "description".into(),
        "The escalation SOP as data (docs/policy.md). Generated from tkt's types.".into(),
    );
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_encodes_the_sop() {
        let policy = Policy::parse(DEFAULT_POLICY).unwrap();
        let critical = policy.severity("critical").unwrap();
        assert_eq!(critical.first_response, Some(30 * 60));
        assert_eq!(
            critical.escalations,
            vec![
                EscalationTarget {
                    level: "L2".into(),
                    within: 2 * 3600
                },
                EscalationTarget {
                    level: "L3".into(),
                    within: 4 * 3600
                },
            ]
        );
        assert_eq!(policy.level_ids(), ["L1", "L2", "L3", "manager"]);
        assert_eq!(policy.severity_ids(), ["critical", "high", "medium", "low"]);
        assert_eq!(policy.warning, Fraction { num: 75, den: 100 });
    }

    fn issues(text: &str) -> Vec<(u64, u64, String)> {
        Policy::parse(text)
            .unwrap_err()
            .0
            .into_iter()
            .map(|i| (i.line, i.column, i.message))
            .collect()
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = "schema = 1\n\
[calendars.office]\n\
zone = \"Mars/Olympus\"\n\
mon = [\"09:00-17:00\", \"12:00-13:00\"]\n\
holidays = [\"next friday\"]\n\
[[levels]]\nid = \"L1\"\nname = \"one\"\n\
[[severities]]\nid = \"urgent\"\ncalendar = \"office\"\nfirst_response = \"2x\"\n\
escalations = [{ level = \"L9\", within = \"1h\" }]\n";
        let found = issues(text);
        let lines: Vec<u64> = found.iter().map(|i| i.0).collect();
        assert!(lines.contains(&3), "zone: {found:?}");
        assert!(lines.contains(&5), "holiday: {found:?}");
        assert!(lines.contains(&12), "duration: {found:?}");
        assert!(lines.contains(&13), "level: {found:?}");
        assert!(found.iter().any(|i| i.2.contains("Mars/Olympus")));
        assert!(found.iter().any(|i| i.2.contains("`2x`")));
    }

    #[test]
    fn holidays_must_be_written_in_full() {
        for bad in ["26-12-25", "+2026-12-25", "2026-1-5", "12026-12-25"] {
            let text = DEFAULT_POLICY.replacen("\"2026-12-28\"", &format!("\"{bad}\""), 1);
            let quoted = format!("\"{bad}\"");
            let line = text.lines().position(|l| l.contains(&quoted)).unwrap();
            let column = text.lines().nth(line).unwrap().find(&quoted).unwrap();
            let found = issues(&text);
            // The calendar is refused, so the severities that use it
            // report it unknown after this.
            assert_eq!(
                found[0],
                (
                    line as u64 + 1,
                    column as u64 + 1,
                    format!("holiday `{bad}` is not a date like 2026-12-25")
                ),
                "{bad}: {found:?}"
            );
        }
    }

    #[test]
    fn every_unknown_key_is_reported_at_once() {
        let text = DEFAULT_POLICY
            .replacen(
                "warning_fraction = 0.75",
                "warning_fraction = 0.75\nbogus = 1",
                1,
            )
            .replacen("zone = \"UTC\"", "zone = \"UTC\"\nweekends = []", 1)
            .replacen("review = true", "review = true\naproval = false", 1)
            .replacen(
                "{ level = \"L2\", within = \"2h\" }",
                "{ level = \"L2\", within = \"2h\", after = \"1h\" }",
                1,
            );
        let found = issues(&text);
        let messages: Vec<&str> = found.iter().map(|i| i.2.as_str()).collect();
        assert_eq!(found.len(), 4, "{messages:?}");
        assert!(
            messages[0].starts_with("unknown key `bogus` in the top level"),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("unknown key `weekends` in `calendars.*`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("unknown key `after` in `severities[].escalations[]`"))
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("unknown key `aproval` in `severities[]`"))
        );
        let line = text.lines().position(|l| l == "bogus = 1").unwrap() as u64 + 1;
        assert_eq!((found[0].0, found[0].1), (line, 1));
    }

    #[test]
    fn unknown_keys_and_syntax_errors_have_positions() {
        let found = issues("schema = 1\nbogus = 2\n");
        assert_eq!(found[0].0, 2, "{found:?}");
        let found = issues("schema = 1\n[levels\n");
        assert_eq!(found[0].0, 2, "{found:?}");
    }

    #[test]
    fn deadlines_calendars_and_templates_are_validated() {
        let policy = DEFAULT_POLICY
            .replace("{ level = \"L3\", within = \"4h\" }", "{ level = \"L3\", within = \"1h\" }")
            .replace("mon = [\"09:00-17:00\"]\ntue = [\"09:00-17:00\"]\nwed = [\"09:00-17:00\"]\nthu = [\"09:00-17:00\"]\nfri = [\"09:00-17:00\"]\n", "")
            .replace("Next update by {next_update}", "Next update by {next_updte}");
        let found: Vec<String> = issues(&policy).into_iter().map(|i| i.2).collect();
        assert!(
            found.iter().any(|m| m.contains("deadline must be later")),
            "{found:?}"
        );
        assert!(
            found.iter().any(|m| m.contains("no working windows")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|m| m.contains("unknown placeholder `{next_updte}`")),
            "{found:?}"
        );
    }

    #[test]
    fn warning_fractions_are_exact_as_written() {
        let f = |v: f64| Fraction::from_f64(v).unwrap();
        assert_eq!(
            f(0.3333),
            Fraction {
                num: 3333,
                den: 10000
            }
        );
        assert_eq!(f(0.75), Fraction { num: 75, den: 100 });
        assert_eq!(f(1.0), Fraction { num: 1, den: 1 });
        assert_eq!(f(0.0), Fraction { num: 0, den: 1 });
        // 0.3333 of 10,000 s is 3,333 s: not one second early or late.
        assert!(!f(0.3333).reached(3332, 10_000));
        assert!(f(0.3333).reached(3333, 10_000));
        // 2/3 written as 0.6667 warns at 6,667 of 10,000, not 6,670.
        assert!(!f(0.6667).reached(6666, 10_000));
        assert!(f(0.6667).reached(6667, 10_000));
        assert!(f(0.1).reached(1, 10) && !f(0.1).reached(0, 10));
        assert_eq!(Fraction::from_f64(-0.5), None);
        assert_eq!(Fraction::from_f64(f64::NAN), None);
        assert_eq!(Fraction::from_f64(1e-20), None);
    }
}
