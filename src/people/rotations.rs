//! `[[rotations]]` in `people.toml`: each checked against the policy's
//! levels and teams and against the people listed, every problem reported
//! with its position.

use chrono::{NaiveDate, Weekday};
use serde::Deserialize;
use toml::Spanned;

use super::{Person, Vocabulary};
use crate::calendar::parse_clock_time;
use crate::config::Issues;
use crate::oncall::{Override, Period, Rotation};
use crate::time::Timestamp;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRotation {
    #[schemars(with = "String")]
    level: Spanned<String>,
    #[schemars(with = "Option<String>")]
    team: Option<Spanned<String>>,
    #[schemars(with = "Vec<String>")]
    people: Spanned<Vec<Spanned<String>>>,
    #[schemars(with = "String")]
    zone: Spanned<String>,
    #[schemars(with = "String")]
    period: Spanned<String>,
    #[schemars(with = "String")]
    handoff: Spanned<String>,
    #[schemars(with = "String")]
    start: Spanned<String>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOverride {
    #[schemars(with = "String")]
    person: Spanned<String>,
    #[schemars(with = "String")]
    from: Spanned<String>,
    #[schemars(with = "String")]
    until: Spanned<String>,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

/// The rotations, each checked; problems go to `issues`.
pub(super) fn rotations(
    issues: &mut Issues<'_>,
    raw: Vec<RawRotation>,
    people: &[Person],
    team: Vocabulary,
    level: Vocabulary,
) -> Vec<Rotation> {
    let mut out: Vec<Rotation> = Vec::new();
    for r in raw {
        let before = issues.len();
        let level_known = match level(r.level.get_ref()) {
            Ok(()) => true,
            Err(unknown) => {
                issues.push(r.level.span(), unknown.to_string());
                false
            }
        };
        if let Some(t) = &r.team
            && let Err(unknown) = team(t.get_ref())
        {
            issues.push(t.span(), unknown.to_string());
        }
        let team_name = r.team.as_ref().map(|t| t.get_ref().clone());
        if out
            .iter()
            .any(|o| &o.level == r.level.get_ref() && o.team == team_name)
        {
            issues.push(
                r.level.span(),
                format!(
                    "a second rotation for {}{}",
                    r.level.get_ref(),
                    team_name
                        .as_deref()
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default()
                ),
            );
        }
        if r.people.get_ref().is_empty() {
            issues.push(r.people.span(), "a rotation needs people");
        }
        let mut handles = Vec::new();
        for name in r.people.get_ref() {
            match person(people, name.get_ref()) {
                Some(p) if level_known && !p.levels.contains(r.level.get_ref()) => issues.push(
                    name.span(),
                    format!(
                        "{} does not serve {} (their levels: {})",
                        p.handle,
                        r.level.get_ref(),
                        if p.levels.is_empty() {
                            "none".to_string()
                        } else {
                            p.levels.join(", ")
                        }
                    ),
                ),
                Some(p) => handles.push(p.handle.clone()),
                None => issues.push(
                    name.span(),
                    format!("`{}` is not listed in [[people]]", name.get_ref()),
                ),
            }
        }
        let zone = match r.zone.get_ref().parse::<chrono_tz::Tz>() {
            Ok(zone) => Some(zone),
            Err(_) => {
                issues.push(
                    r.zone.span(),
                    format!(
                        "unknown time zone `{}` (an IANA name like Europe/Berlin)",
                        r.zone.get_ref()
                    ),
                );
                None
            }
        };
        let handoff = handoff(r.period.get_ref(), r.handoff.get_ref());
        if handoff.is_none() {
            let message = match r.period.get_ref().as_str() {
                "weekly" => format!(
                    "handoff `{}` is not a weekday and time like `mon 09:00`",
                    r.handoff.get_ref()
                ),
                "daily" => format!(
                    "handoff `{}` is not a time like `09:00`",
                    r.handoff.get_ref()
                ),
                other => format!("period `{other}` is not `daily` or `weekly`"),
            };
            let span = if matches!(r.period.get_ref().as_str(), "weekly" | "daily") {
                r.handoff.span()
            } else {
                r.period.span()
            };
            issues.push(span, message);
        }
        let start = date(r.start.get_ref());
        if start.is_none() {
            issues.push(
                r.start.span(),
                format!(
                    "start `{}` is not a date like 2026-11-02",
                    r.start.get_ref()
                ),
            );
        }
        let mut overrides = Vec::new();
        for o in &r.overrides {
            let who = person(people, o.person.get_ref());
            if who.is_none() {
                issues.push(
                    o.person.span(),
                    format!("`{}` is not listed in [[people]]", o.person.get_ref()),
                );
            }
            let from = instant(issues, &o.from);
            let until = instant(issues, &o.until);
            if let (Some(p), Some(from), Some(until)) = (who, from, until) {
                if from >= until {
                    issues.push(o.until.span(), "an override must end after it starts");
                }
                overrides.push(Override {
                    person: p.handle.clone(),
                    from,
                    until,
                });
            }
        }
        let ok = issues.len() == before;
        if let (true, Some(zone), Some((period, handoff)), Some(start)) = (ok, zone, handoff, start)
        {
            out.push(Rotation {
                level: r.level.into_inner(),
                team: team_name,
                people: handles,
                zone,
                period,
                handoff,
                start,
                overrides,
            });
        }
    }
    out
}

fn person<'p>(people: &'p [Person], name: &str) -> Option<&'p Person> {
    people.iter().find(|p| p.is(name))
}

/// `mon 09:00` for weekly turns, `09:00` for daily ones.
fn handoff(period: &str, text: &str) -> Option<(Period, u32)> {
    let text = text.trim();
    match period {
        "daily" => parse_clock_time(text)
            .filter(|&s| s < 86_400)
            .map(|s| (Period::Daily, s)),
        "weekly" => {
            let (day, time) = text.split_once(' ')?;
            let day = WEEKDAYS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(day.trim()))?
                .1;
            let seconds = parse_clock_time(time.trim()).filter(|&s| s < 86_400)?;
            Some((Period::Weekly(day), seconds))
        }
        _ => None,
    }
}

fn date(text: &str) -> Option<NaiveDate> {
    (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

fn instant(issues: &mut Issues<'_>, text: &Spanned<String>) -> Option<Timestamp> {
    let parsed = Timestamp::parse(text.get_ref()).ok();
    if parsed.is_none() {
        issues.push(
            text.span(),
            format!(
                "`{}` is not an RFC 3339 instant like 2026-11-20T18:00:00Z",
                text.get_ref()
            ),
        );
    }
    parsed
}
