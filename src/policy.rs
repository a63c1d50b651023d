//! `policy.toml`: the team's SOP as data — severities, escalation levels and
//! the documentation each requires, calendars, SLA targets, pause reasons,
//! closure and review rules, notification templates.
//!
//! Loading validates everything and reports every problem with its line and
//! column, not just the first.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::calendar::{Calendar, Window};
use crate::duration;

/// The policy `tkt init` writes: the SOP's defaults.
pub const DEFAULT_POLICY: &str = include_str!("../policy.toml");

/// The version of the policy format this build reads.
pub const SCHEMA: u32 = 1;

/// The name of the built-in calendar that counts every second.
pub const ALWAYS: &str = "24x7";

/// One problem in a policy file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyIssue {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.first().map(|i| i.message.as_str()).unwrap_or("invalid policy"))]
pub struct PolicyError(pub Vec<PolicyIssue>);

/// Documentation a level can require before a ticket is escalated to it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
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

    /// How a person adds this documentation.
    pub fn hint(self) -> &'static str {
        match self {
            Doc::Description => "tkt amend ID --field description -m …",
            Doc::Troubleshooting => "tkt diagnose ID --step identify -m …",
            Doc::Logs => "tkt diagnose ID --step test --log FILE (or --error-code CODE) -m …",
            Doc::Contact => "tkt amend ID --field contact -m …",
            Doc::Impact => "tkt amend ID --field impact -m …",
            Doc::RootCause => "tkt diagnose ID --step analyze -m …",
        }
    }
}

/// Parts of a post-escalation review.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewPart {
    Assessment,
    Feedback,
    Lessons,
    ActionItems,
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
    pub approval: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPolicy {
    pub levels: Vec<String>,
    pub calendar: String,
    pub within: Option<i64>,
    pub requires: Vec<ReviewPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Templates {
    pub acknowledgement: String,
    pub update: String,
    pub resolution: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Warning threshold in per-mille of a target (0.75 → 750), so the SLA
    /// math stays in integers.
    pub warning_permille: i64,
    pub teams: Vec<String>,
    pub calendars: BTreeMap<String, Calendar>,
    /// Lowest first.
    pub levels: Vec<Level>,
    /// Most severe first.
    pub severities: Vec<Severity>,
    /// The level a ticket flagged as a repeated outage must be at, at once.
    pub repeated_outage_level: Option<String>,
    pub pause_reasons: Vec<String>,
    pub confirmation: bool,
    pub review: ReviewPolicy,
    pub templates: Templates,
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // Every syntax error and every unknown key at once, with positions;
        // typed deserialization below stops at its first error.
        let issues = structure_issues(text);
        if !issues.is_empty() {
            return Err(PolicyError(issues));
        }
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            PolicyError(vec![PolicyIssue {
                line,
                column,
                message: e.message().trim().to_string(),
            }])
        })?;
        Validator::new(text).policy(raw)
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
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..offset].chars().count() as u64 + 1;
    (line, column)
}

// ---- Structure: syntax and keys ------------------------------------------

/// The keys each table may hold; `*` marks a table of named tables
/// (`[calendars.NAME]`), `[]` an array of tables.
fn known_keys(path: &str) -> Option<&'static [&'static str]> {
    Some(match path {
        "" => &[
            "schema",
            "warning_fraction",
            "teams",
            "calendars",
            "levels",
            "severities",
            "criteria",
            "pause",
            "closure",
            "review",
            "templates",
        ],
        "calendars.*" => &[
            "zone", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "holidays",
        ],
        "levels[]" => &["id", "name", "requires"],
        "severities[]" => &[
            "id",
            "description",
            "calendar",
            "first_response",
            "update_every",
            "resolution",
            "escalations",
            "review",
            "approval",
        ],
        "severities[].escalations[]" => &["level", "within"],
        "criteria" => &["repeated_outage"],
        "pause" => &["reasons"],
        "closure" => &["confirmation"],
        "review" => &["levels", "calendar", "within", "requires"],
        "templates" => &["acknowledgement", "update", "resolution"],
        _ => return None,
    })
}

fn structure_issues(text: &str) -> Vec<PolicyIssue> {
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    let mut issues: Vec<PolicyIssue> = errors
        .iter()
        .map(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            PolicyIssue {
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })
        .collect();
    walk_keys(text, "", table.get_ref(), &mut issues);
    issues.sort_by_key(|i| (i.line, i.column));
    issues
}

fn walk_keys(text: &str, path: &str, table: &toml::de::DeTable<'_>, issues: &mut Vec<PolicyIssue>) {
    let Some(known) = known_keys(path) else {
        return;
    };
    for (key, value) in table {
        let name: &str = key.get_ref();
        if !known.contains(&name) {
            let (line, column) = line_col(text, key.span().start);
            let place = if path.is_empty() {
                "the top level".to_string()
            } else {
                format!("`{path}`")
            };
            issues.push(PolicyIssue {
                line,
                column,
                message: format!(
                    "unknown key `{name}` in {place} (known: {})",
                    known.join(", ")
                ),
            });
            continue;
        }
        let child = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        match value.get_ref() {
            toml::de::DeValue::Table(t) if child == "calendars" => {
                for (_, cal) in t {
                    if let toml::de::DeValue::Table(c) = cal.get_ref() {
                        walk_keys(text, "calendars.*", c, issues);
                    }
                }
            }
            toml::de::DeValue::Table(t) => walk_keys(text, &child, t, issues),
            toml::de::DeValue::Array(items) => {
                for item in items {
                    if let toml::de::DeValue::Table(t) = item.get_ref() {
                        walk_keys(text, &format!("{child}[]"), t, issues);
                    }
                }
            }
            _ => {}
        }
    }
}

// ---- The file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    schema: Spanned<u32>,
    #[serde(default)]
    warning_fraction: Option<Spanned<f64>>,
    #[serde(default)]
    teams: Vec<String>,
    #[serde(default)]
    calendars: BTreeMap<Spanned<String>, RawCalendar>,
    levels: Spanned<Vec<RawLevel>>,
    severities: Spanned<Vec<RawSeverity>>,
    #[serde(default)]
    criteria: RawCriteria,
    #[serde(default)]
    pause: RawPause,
    #[serde(default)]
    closure: RawClosure,
    #[serde(default)]
    review: RawReview,
    #[serde(default)]
    templates: RawTemplates,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    zone: Spanned<String>,
    #[serde(default)]
    mon: Vec<Spanned<String>>,
    #[serde(default)]
    tue: Vec<Spanned<String>>,
    #[serde(default)]
    wed: Vec<Spanned<String>>,
    #[serde(default)]
    thu: Vec<Spanned<String>>,
    #[serde(default)]
    fri: Vec<Spanned<String>>,
    #[serde(default)]
    sat: Vec<Spanned<String>>,
    #[serde(default)]
    sun: Vec<Spanned<String>>,
    #[serde(default)]
    holidays: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    requires: Vec<Doc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalation {
    level: Spanned<String>,
    within: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeverity {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    calendar: Spanned<String>,
    first_response: Option<Spanned<String>>,
    update_every: Option<Spanned<String>>,
    resolution: Option<Spanned<String>>,
    #[serde(default)]
    escalations: Vec<RawEscalation>,
    #[serde(default)]
    review: bool,
    #[serde(default)]
    approval: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCriteria {
    repeated_outage: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPause {
    #[serde(default)]
    reasons: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    #[serde(default = "yes")]
    confirmation: bool,
}

impl Default for RawClosure {
    fn default() -> Self {
        RawClosure { confirmation: true }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawReview {
    #[serde(default)]
    levels: Vec<Spanned<String>>,
    calendar: Option<Spanned<String>>,
    within: Option<Spanned<String>>,
    #[serde(default)]
    requires: Vec<ReviewPart>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTemplates {
    #[serde(default)]
    acknowledgement: Option<Spanned<String>>,
    #[serde(default)]
    update: Option<Spanned<String>>,
    #[serde(default)]
    resolution: Option<Spanned<String>>,
}

// ---- Validation ----------------------------------------------------------

struct Validator<'a> {
    text: &'a str,
    issues: Vec<PolicyIssue>,
}

impl<'a> Validator<'a> {
    fn new(text: &'a str) -> Self {
        Validator {
            text,
            issues: Vec::new(),
        }
    }

    fn issue(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.start);
        self.issues.push(PolicyIssue {
            line,
            column,
            message: message.into(),
        });
    }

    fn duration(&mut self, value: &Spanned<String>) -> Option<i64> {
        match duration::parse(value.get_ref()) {
            Ok(seconds) => Some(seconds),
            Err(e) => {
                self.issue(value.span(), e.to_string());
                None
            }
        }
    }

    fn policy(mut self, raw: RawPolicy) -> Result<Policy, PolicyError> {
        if *raw.schema.get_ref() != SCHEMA {
            self.issue(
                raw.schema.span(),
                format!(
                    "unsupported policy schema {} (this tkt reads schema {SCHEMA})",
                    raw.schema.get_ref()
                ),
            );
        }
        let warning_permille = match &raw.warning_fraction {
            None => 750,
            Some(f) if (0.0..=1.0).contains(f.get_ref()) => (f.get_ref() * 1000.0).round() as i64,
            Some(f) => {
                self.issue(f.span(), "warning_fraction must be between 0 and 1");
                750
            }
        };

        let mut calendars = BTreeMap::new();
        calendars.insert(ALWAYS.to_string(), Calendar::always());
        for (name, cal) in &raw.calendars {
            if name.get_ref() == ALWAYS {
                self.issue(name.span(), "`24x7` is built in and cannot be redefined");
                continue;
            }
            if let Some(calendar) = self.calendar(cal) {
                calendars.insert(name.get_ref().clone(), calendar);
            }
        }

        let levels = self.levels(&raw.levels);
        let level_ids: BTreeSet<String> = levels.iter().map(|l| l.id.clone()).collect();
        let severities = self.severities(&raw.severities, &calendars, &levels);

        let repeated_outage_level = raw.criteria.repeated_outage.as_ref().map(|level| {
            if !level_ids.contains(level.get_ref()) {
                self.issue(
                    level.span(),
                    unknown("level", level.get_ref(), level_ids.iter()),
                );
            }
            level.get_ref().clone()
        });
        let review_calendar = match &raw.review.calendar {
            Some(name) => {
                if !calendars.contains_key(name.get_ref()) {
                    self.issue(
                        name.span(),
                        unknown("calendar", name.get_ref(), calendars.keys()),
                    );
                }
                name.get_ref().clone()
            }
            None => "business".to_string(),
        };
        let review_calendar =
            if raw.review.calendar.is_none() && !calendars.contains_key("business") {
                ALWAYS.to_string()
            } else {
                review_calendar
            };
        for level in &raw.review.levels {
            if !level_ids.contains(level.get_ref()) {
                self.issue(
                    level.span(),
                    unknown("level", level.get_ref(), level_ids.iter()),
                );
            }
        }
        let review = ReviewPolicy {
            levels: raw
                .review
                .levels
                .iter()
                .map(|l| l.get_ref().clone())
                .collect(),
            calendar: review_calendar,
            within: raw.review.within.as_ref().and_then(|w| self.duration(w)),
            requires: raw.review.requires.clone(),
        };

        let defaults = Templates {
            acknowledgement: "We are working on \"{title}\" ({id}). {message}".into(),
            update: "Update on \"{title}\" ({id}): {message}".into(),
            resolution: "\"{title}\" ({id}) is resolved: {message}".into(),
        };
        let templates = Templates {
            acknowledgement: self.template(raw.templates.acknowledgement, defaults.acknowledgement),
            update: self.template(raw.templates.update, defaults.update),
            resolution: self.template(raw.templates.resolution, defaults.resolution),
        };

        if !self.issues.is_empty() {
            return Err(PolicyError(self.issues));
        }
        Ok(Policy {
            warning_permille,
            teams: raw.teams,
            calendars,
            levels,
            severities,
            repeated_outage_level,
            pause_reasons: raw.pause.reasons,
            confirmation: raw.closure.confirmation,
            review,
            templates,
        })
    }

    fn template(&mut self, value: Option<Spanned<String>>, default: String) -> String {
        let Some(text) = value else { return default };
        if let Some(bad) = unknown_placeholder(text.get_ref()) {
            let known: Vec<String> = PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect();
            self.issue(
                text.span(),
                format!(
                    "unknown placeholder `{{{bad}}}` (known: {})",
                    known.join(", ")
                ),
            );
        }
        text.into_inner()
    }

    fn calendar(&mut self, raw: &RawCalendar) -> Option<Calendar> {
        let zone = match raw.zone.get_ref().parse::<chrono_tz::Tz>() {
            Ok(zone) => Some(zone),
            Err(_) => {
                self.issue(
                    raw.zone.span(),
                    format!(
                        "unknown time zone `{}` (use an IANA name such as `Europe/Berlin` or `UTC`)",
                        raw.zone.get_ref()
                    ),
                );
                None
            }
        };
        let days = [
            &raw.mon, &raw.tue, &raw.wed, &raw.thu, &raw.fri, &raw.sat, &raw.sun,
        ];
        let mut week: [Vec<Window>; 7] = Default::default();
        let mut ok = zone.is_some();
        for (day, windows) in days.into_iter().enumerate() {
            for text in windows {
                match Window::parse(text.get_ref()) {
                    Ok(w) => week[day].push(w),
                    Err(e) => {
                        self.issue(text.span(), e.to_string());
                        ok = false;
                    }
                }
            }
            // Per-day problems (overlap, empty) point at the day's first window.
            if let (Some(zone), Some(first)) = (zone, windows.first()) {
                let mut one_day: [Vec<Window>; 7] = Default::default();
                one_day[day] = week[day].clone();
                if let Err(e) = Calendar::new(zone, one_day, BTreeSet::new()) {
                    self.issue(first.span(), e.to_string());
                    ok = false;
                }
            }
        }
        let mut holidays = BTreeSet::new();
        for h in &raw.holidays {
            match NaiveDate::parse_from_str(h.get_ref(), "%Y-%m-%d") {
                Ok(date) => {
                    holidays.insert(date);
                }
                Err(_) => {
                    self.issue(
                        h.span(),
                        format!("holiday `{}` is not a date like 2026-12-25", h.get_ref()),
                    );
                    ok = false;
                }
            }
        }
        if ok && week.iter().all(Vec::is_empty) {
            self.issue(
                raw.zone.span(),
                "this calendar has no working windows (add e.g. mon = [\"09:00-17:00\"], or use `24x7`)",
            );
            ok = false;
        }
        if !ok {
            return None;
        }
        match Calendar::new(zone?, week, holidays) {
            Ok(calendar) => Some(calendar),
            Err(e) => {
                self.issue(raw.zone.span(), e.to_string());
                None
            }
        }
    }

    fn levels(&mut self, raw: &Spanned<Vec<RawLevel>>) -> Vec<Level> {
        if raw.get_ref().is_empty() {
            self.issue(raw.span(), "the policy needs at least one escalation level");
        }
        let mut seen = BTreeSet::new();
        let mut levels = Vec::new();
        for level in raw.get_ref() {
            if !seen.insert(level.id.get_ref().clone()) {
                self.issue(
                    level.id.span(),
                    format!("level `{}` is defined twice", level.id.get_ref()),
                );
            }
            check_name(self, &level.id, "level");
            levels.push(Level {
                id: level.id.get_ref().clone(),
                name: level.name.clone(),
                requires: level.requires.clone(),
            });
        }
        levels
    }

    fn severities(
        &mut self,
        raw: &Spanned<Vec<RawSeverity>>,
        calendars: &BTreeMap<String, Calendar>,
        levels: &[Level],
    ) -> Vec<Severity> {
        if raw.get_ref().is_empty() {
            self.issue(raw.span(), "the policy needs at least one severity");
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for sev in raw.get_ref() {
            let id = sev.id.get_ref();
            if !seen.insert(id.clone()) {
                self.issue(sev.id.span(), format!("severity `{id}` is defined twice"));
            }
            check_name(self, &sev.id, "severity");
            if !calendars.contains_key(sev.calendar.get_ref()) {
                self.issue(
                    sev.calendar.span(),
                    unknown("calendar", sev.calendar.get_ref(), calendars.keys()),
                );
            }
            let first_response = sev.first_response.as_ref().and_then(|d| self.duration(d));
            let update_every = sev.update_every.as_ref().and_then(|d| self.duration(d));
            let resolution = sev.resolution.as_ref().and_then(|d| self.duration(d));
            if sev.first_response.is_none()
                && sev.update_every.is_none()
                && sev.resolution.is_none()
                && sev.escalations.is_empty()
            {
                self.issue(
                    sev.id.span(),
                    format!("severity `{id}` has no targets (set first_response, update_every, resolution or escalations)"),
                );
            }
            let mut escalations = Vec::new();
            let mut last_rank = None;
            for esc in &sev.escalations {
                let rank = levels.iter().position(|l| &l.id == esc.level.get_ref());
                if rank.is_none() {
                    self.issue(
                        esc.level.span(),
                        unknown("level", esc.level.get_ref(), levels.iter().map(|l| &l.id)),
                    );
                }
                if let (Some(r), Some(prev)) = (rank, last_rank)
                    && r <= prev
                {
                    self.issue(
                        esc.level.span(),
                        "escalations must go to ever higher levels, in order",
                    );
                }
                last_rank = rank.or(last_rank);
                if let Some(within) = self.duration(&esc.within) {
                    if escalations
                        .last()
                        .is_some_and(|prev: &EscalationTarget| prev.within >= within)
                    {
                        self.issue(
                            esc.within.span(),
                            "a higher level's deadline must be later than the lower level's",
                        );
                    }
                    escalations.push(EscalationTarget {
                        level: esc.level.get_ref().clone(),
                        within,
                    });
                }
            }
            out.push(Severity {
                id: id.clone(),
                description: sev.description.clone(),
                calendar: sev.calendar.get_ref().clone(),
                first_response,
                update_every,
                resolution,
                escalations,
                review: sev.review,
                approval: sev.approval,
            });
        }
        out
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

/// The first `{name}` in `template` that is not a known placeholder.
fn unknown_placeholder(template: &str) -> Option<&str> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let name = &after[..close];
        if !PLACEHOLDERS.contains(&name) {
            return Some(name);
        }
        rest = &after[close + 1..];
    }
    None
}

/// Severity and level names appear in files and on command lines.
fn check_name(v: &mut Validator<'_>, name: &Spanned<String>, what: &str) {
    let ok = !name.get_ref().is_empty()
        && name
            .get_ref()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        v.issue(
            name.span(),
            format!(
                "{what} id `{}` must be letters, digits, `-` or `_`",
                name.get_ref()
            ),
        );
    }
}

fn unknown<'s>(what: &str, name: &str, known: impl Iterator<Item = &'s String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    format!("unknown {what} `{name}` (defined: {})", known.join(", "))
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
        assert_eq!(policy.warning_permille, 750);
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
    fn every_unknown_key_is_reported_at_once() {
        let text = DEFAULT_POLICY
            .replacen(
                "warning_fraction = 0.75",
                "warning_fraction = 0.75\nbogus = 1",
                1,
            )
            .replacen("zone = \"UTC\"", "zone = \"UTC\"\nweekends = []", 1)
            .replacen("approval = true", "approval = true\naproval = false", 1)
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
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncdé\nx", 7), (2, 4));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
