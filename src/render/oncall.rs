//! `tkt oncall`: one row per rotation, who is on call now and next.

use std::io::{self, Write};

use serde::Serialize;
use tkt::oncall::{Rotation, Shift};
use tkt::people::People;
use tkt::time::Timestamp;

use super::JSON_SCHEMA;
use super::short_time;
use super::table::Table;

pub struct OncallRow<'a> {
    pub rotation: &'a Rotation,
    pub now: Option<Shift>,
    pub next: Option<Shift>,
}

fn who(people: &People, shift: &Shift) -> String {
    let name = people
        .find(&shift.person)
        .map(|p| p.label())
        .unwrap_or_else(|| shift.person.clone());
    if shift.covering {
        format!("{name}, covering")
    } else {
        name
    }
}

/// An instant in UTC and on the rotation's wall clock.
fn when(rotation: &Rotation, t: Timestamp) -> String {
    let local = t.utc().with_timezone(&rotation.zone);
    format!(
        "{} ({} {})",
        short_time(t),
        local.format("%a %H:%M"),
        rotation.zone.name()
    )
}

pub fn text(out: &mut impl Write, people: &People, rows: &[OncallRow<'_>]) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(
            out,
            "no on-call rotation matches (people.toml lists the rotations)"
        );
    }
    let mut table = Table::new(&["LEVEL", "TEAM", "ON CALL", "UNTIL", "NEXT"]);
    for row in rows {
        let r = row.rotation;
        table.row(
            anstyle::Style::new(),
            vec![
                r.level.clone(),
                r.team.clone().unwrap_or_else(|| "(all)".into()),
                row.now
                    .as_ref()
                    .map(|s| who(people, s))
                    .unwrap_or_else(|| "nobody (not started)".into()),
                row.now
                    .as_ref()
                    .map(|s| when(r, s.until))
                    .unwrap_or_else(|| "-".into()),
                row.next
                    .as_ref()
                    .map(|s| who(people, s))
                    .unwrap_or_else(|| "-".into()),
            ],
        );
    }
    table.write(out)
}

#[derive(Serialize)]
struct ShiftJson<'a> {
    person: &'a str,
    name: Option<&'a str>,
    from: Timestamp,
    until: Timestamp,
    covering: bool,
}

#[derive(Serialize)]
struct RotationJson<'a> {
    level: &'a str,
    team: Option<&'a str>,
    zone: &'a str,
    now: Option<ShiftJson<'a>>,
    next: Option<ShiftJson<'a>>,
}

#[derive(Serialize)]
struct OncallJson<'a> {
    schema: u32,
    at: Timestamp,
    rotations: Vec<RotationJson<'a>>,
}

fn shift_json<'a>(people: &'a People, shift: &'a Option<Shift>) -> Option<ShiftJson<'a>> {
    shift.as_ref().map(|s| ShiftJson {
        person: &s.person,
        name: people.find(&s.person).map(|p| p.name.as_str()),
        from: s.from,
        until: s.until,
        covering: s.covering,
    })
}

pub fn json(
    out: &mut impl Write,
    people: &People,
    rows: &[OncallRow<'_>],
    at: Timestamp,
) -> io::Result<()> {
    let doc = OncallJson {
        schema: JSON_SCHEMA,
        at,
        rotations: rows
            .iter()
            .map(|row| RotationJson {
                level: &row.rotation.level,
                team: row.rotation.team.as_deref(),
                zone: row.rotation.zone.name(),
                now: shift_json(people, &row.now),
                next: shift_json(people, &row.next),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
