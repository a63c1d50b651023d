//! Validation of a parsed `policy.toml`: every rule checked, every problem
//! reported with its line and column, then the typed [`Policy`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use chrono::NaiveDate;
use toml::Spanned;

use super::raw::{RawCalendar, RawLevel, RawMail, RawPolicy, RawSeverity};
use super::{
    ALWAYS, DEFAULT_LATE_TOLERANCE, EscalationTarget, Fraction, Level, MailPolicy, PLACEHOLDERS,
    Policy, PolicyError, ReviewPolicy, SCHEMA, Severity, Templates,
};

/// The pause reason a customer's reply ends when `[pause] customer` is
/// not written (and the policy has that reason).
const DEFAULT_CUSTOMER_PAUSE: &str = "waiting-on-customer";
use crate::calendar::{Calendar, Window};
use crate::config::Issues;
use crate::duration;
use crate::names::{NameKind, UnknownName};

pub(super) struct Validator<'a> {
    issues: Issues<'a>,
}

impl<'a> Validator<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Validator {
            issues: Issues::new(text),
        }
    }

    fn issue(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.issues.push(span, message);
    }

    /// Reports `name` when no calendar of that name is defined.
    fn calendar_name(&mut self, name: &Spanned<String>, defined: &BTreeSet<String>) {
        if !defined.contains(name.get_ref()) {
            self.issue(
                name.span(),
                unknown(NameKind::Calendar, name.get_ref(), defined.iter()),
            );
        }
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

    pub(super) fn policy(mut self, raw: RawPolicy) -> Result<Policy, PolicyError> {
        if *raw.schema.get_ref() != SCHEMA {
            self.issue(
                raw.schema.span(),
                format!(
                    "unsupported policy schema {} (this tkt reads schema {SCHEMA})",
                    raw.schema.get_ref()
                ),
            );
        }
        let default_warning = Fraction { num: 75, den: 100 };
        let warning = match &raw.warning_fraction {
            None => default_warning,
            Some(f) if (0.0..=1.0).contains(f.get_ref()) => {
                match Fraction::from_f64(*f.get_ref()) {
                    Some(fraction) => fraction,
                    None => {
                        self.issue(
                            f.span(),
                            "warning_fraction has too many decimals (at most 15)",
                        );
                        default_warning
                    }
                }
            }
            Some(f) => {
                self.issue(f.span(), "warning_fraction must be between 0 and 1");
                default_warning
            }
        };

        let late_tolerance = raw
            .late_tolerance
            .as_ref()
            .and_then(|d| self.duration(d))
            .unwrap_or(DEFAULT_LATE_TOLERANCE);

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
        // Names a severity or the review may use: a defined calendar that
        // is invalid was reported where it is defined, not again where used.
        let calendar_names: BTreeSet<String> = std::iter::once(ALWAYS.to_string())
            .chain(raw.calendars.keys().map(|n| n.get_ref().clone()))
            .collect();

        let levels = self.levels(&raw.levels);
        let level_ids: BTreeSet<String> = levels.iter().map(|l| l.id.clone()).collect();
        let severities = self.severities(&raw.severities, &calendar_names, &levels);

        let repeated_outage_level = raw.criteria.repeated_outage.as_ref().map(|level| {
            if !level_ids.contains(level.get_ref()) {
                self.issue(
                    level.span(),
                    unknown(NameKind::Level, level.get_ref(), level_ids.iter()),
                );
            }
            level.get_ref().clone()
        });
        let review_calendar = match &raw.review.calendar {
            Some(name) => {
                self.calendar_name(name, &calendar_names);
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
                    unknown(NameKind::Level, level.get_ref(), level_ids.iter()),
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

        let customer_pause_reasons = match &raw.pause.customer {
            None => raw
                .pause
                .reasons
                .iter()
                .filter(|r| *r == DEFAULT_CUSTOMER_PAUSE)
                .cloned()
                .collect(),
            Some(named) => {
                for reason in named {
                    if !raw.pause.reasons.contains(reason.get_ref()) {
                        self.issue(
                            reason.span(),
                            unknown(
                                NameKind::PauseReason,
                                reason.get_ref(),
                                raw.pause.reasons.iter(),
                            ),
                        );
                    }
                }
                named.iter().map(|r| r.get_ref().clone()).collect()
            }
        };
        let mail = self.mail(&raw.mail, &severities);

        self.issues.finish(Policy {
            warning,
            late_tolerance,
            teams: raw.teams,
            calendars,
            levels,
            severities,
            repeated_outage_level,
            pause_reasons: raw.pause.reasons,
            customer_pause_reasons,
            mail,
            confirmation: raw.closure.confirmation,
            four_eyes: raw.closure.four_eyes,
            people: crate::people::People::default(),
            review,
            templates,
        })
    }

    fn mail(&mut self, raw: &RawMail, severities: &[Severity]) -> MailPolicy {
        if let Some(severity) = &raw.severity
            && !severities.iter().any(|s| &s.id == severity.get_ref())
        {
            self.issue(
                severity.span(),
                unknown(
                    NameKind::Severity,
                    severity.get_ref(),
                    severities.iter().map(|s| &s.id),
                ),
            );
        }
        let mut customers = BTreeMap::new();
        for (domain, customer) in &raw.customers {
            let name = domain.get_ref();
            let fit = name.contains('.')
                && !name.starts_with('.')
                && !name.ends_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
            if !fit {
                self.issue(
                    domain.span(),
                    format!("`{name}` is not a mail domain (like `example.com`, no `@`)"),
                );
            } else if customer.trim().is_empty() {
                self.issue(domain.span(), format!("no customer named for `{name}`"));
            }
            customers.insert(name.to_ascii_lowercase(), customer.trim().to_string());
        }
        MailPolicy {
            severity: raw.severity.as_ref().map(|s| s.get_ref().clone()),
            customers,
        }
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
            match parse_date(h.get_ref()) {
                Some(date) => {
                    holidays.insert(date);
                }
                None => {
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
        calendar_names: &BTreeSet<String>,
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
            self.calendar_name(&sev.calendar, calendar_names);
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
                        unknown(
                            NameKind::Level,
                            esc.level.get_ref(),
                            levels.iter().map(|l| &l.id),
                        ),
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
                approval: sev.approval || sev.approval_role.is_some(),
                approval_role: sev.approval_role.as_ref().and_then(|role| {
                    let ok = crate::people::is_role(role.get_ref());
                    if !ok {
                        self.issue(
                            role.span(),
                            format!(
                                "approval_role `{}` must be lower-case words joined by `-`",
                                role.get_ref()
                            ),
                        );
                    }
                    ok.then(|| role.get_ref().clone())
                }),
                resolution_notice: sev.resolution_notice,
            });
        }
        out
    }
}

/// A date written exactly `YYYY-MM-DD`: a four-digit year, two-digit month
/// and day, nothing around them. chrono's `%Y-%m-%d` alone also takes
/// `26-12-25` (the year 26), `+2026-12-25` or `2026-1-5`; a policy date
/// that is not written in full is a typo, not a date in antiquity.
pub(super) fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let digits = |r: Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return None;
    }
    let (year, month, day) = (
        text[0..4].parse().ok()?,
        text[5..7].parse().ok()?,
        text[8..10].parse().ok()?,
    );
    NaiveDate::from_ymd_opt(year, month, day)
}

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

fn unknown<'s>(kind: NameKind, name: &str, known: impl Iterator<Item = &'s String>) -> String {
    UnknownName::new(kind, name, known.map(String::as_str)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_four_two_two_digits() {
        assert_eq!(
            parse_date("2026-12-25"),
            NaiveDate::from_ymd_opt(2026, 12, 25)
        );
        assert_eq!(parse_date("0001-01-01"), NaiveDate::from_ymd_opt(1, 1, 1));
        assert_eq!(
            parse_date("2028-02-29"),
            NaiveDate::from_ymd_opt(2028, 2, 29)
        );
        for bad in [
            "26-12-25",
            "026-12-25",
            "+2026-12-25",
            "-2026-12-25",
            "02026-12-25",
            "2026-1-25",
            "2026-12-5",
            "2026-12-25 ",
            " 2026-12-25",
            "2026-12-25T00:00",
            "2026/12/25",
            "2026-13-01",
            "2026-12-32",
            "2027-02-29",
            "2026-12-+5",
            "2026-१२-25",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
