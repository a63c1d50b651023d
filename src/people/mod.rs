//! `people.toml`: who works the desk. Each person has a handle, a name, an
//! email (and aliases), the teams they belong to, the escalation levels
//! they serve and the roles they hold; `left` marks someone who has gone.
//! The file is optional: without it (or with nobody in it) tkt knows no
//! people and takes names as written.
//!
//! Loading checks everything against the policy (teams and levels must be
//! defined there) and reports every problem with its line and column.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::config::{Issues, PolicyError};
use crate::names::{NameKind, UnknownName};
use crate::oncall::Rotation;

mod rotations;
use crate::time::Timestamp;

/// The people file, beside `policy.toml`.
pub const PEOPLE_FILE: &str = "people.toml";

/// What `init` writes: an example, commented out, so that a new desk
/// has no people until the team lists them.
pub const EXAMPLE: &str = include_str!("example.toml");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Short and stable: what tkt records in new events.
    pub handle: String,
    pub name: String,
    pub email: String,
    /// Other addresses the person writes from.
    pub aliases: Vec<String>,
    pub teams: Vec<String>,
    /// The escalation levels they serve (L2 engineers serve `L2`).
    pub levels: Vec<String>,
    /// Roles such as `manager` or `approver`.
    pub roles: Vec<String>,
    /// The day they left: history naming them stays valid.
    pub left: Option<NaiveDate>,
}

impl Person {
    /// Someone the desk does not list (no `people.toml`, or not in it),
    /// known only by the name written: assignments and action items that
    /// name them still find them.
    pub fn unlisted(name: &str) -> Person {
        Person {
            handle: name.to_string(),
            name: name.to_string(),
            email: name.to_string(),
            aliases: Vec::new(),
            teams: Vec::new(),
            levels: Vec::new(),
            roles: Vec::new(),
            left: None,
        }
    }

    /// Whether the person has left by `at`.
    pub fn has_left(&self, at: Timestamp) -> bool {
        self.left.is_some_and(|left| at.utc().date_naive() >= left)
    }

    pub fn holds(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// `handle (Name)`, for messages.
    pub fn label(&self) -> String {
        format!("{} ({})", self.handle, self.name)
    }

    /// Whether `name` is this person: the handle, the email or an alias
    /// (emails without regard to case).
    pub fn is(&self, name: &str) -> bool {
        let name = name.trim();
        self.handle == name
            || self.email.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// Who an escalation is assigned to ([`People::escalation_assignee`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// The person asked for.
    Named(String),
    /// Whoever is on call for the level.
    OnCall(String),
    /// People are listed, but nobody is on call for the level.
    Unowned,
    /// No people are listed: nobody is assigned.
    Nobody,
}

impl Assignment {
    /// The handle assigned, if any.
    pub fn handle(self) -> Option<String> {
        match self {
            Assignment::Named(h) | Assignment::OnCall(h) => Some(h),
            Assignment::Unowned | Assignment::Nobody => None,
        }
    }
}

/// A person asked for an escalation level they do not serve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{person} does not serve {level}; who does: {}", if serving.is_empty() { "nobody in people.toml".to_string() } else { serving.join(", ") })]
pub struct NotServing {
    pub person: String,
    pub level: String,
    /// Who serves it (labels), in file order.
    pub serving: Vec<String>,
}

/// Everyone in `people.toml`, in file order, and the on-call rotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    pub people: Vec<Person>,
    pub rotations: Vec<Rotation>,
}

impl People {
    /// Parses and checks `people.toml` against the policy's vocabulary:
    /// `team` and `level` say whether a name is one the policy defines
    /// (`Policy::parse_people` passes them).
    pub fn parse(
        text: &str,
        team: impl Fn(&str) -> Result<(), UnknownName>,
        level: impl Fn(&str) -> Result<(), UnknownName>,
    ) -> Result<People, PolicyError> {
        let raw: RawPeople = crate::config::from_toml(text)?;
        Checker {
            issues: Issues::new(text),
        }
        .people(raw, &team, &level)
    }

    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// Whether `a` and `b` name the same person: both listed under one
    /// handle, or (when either is not listed) equal without regard to case.
    pub fn same(&self, a: &str, b: &str) -> bool {
        match (self.find(a), self.find(b)) {
            (Some(x), Some(y)) => x.handle == y.handle,
            _ => a.trim().eq_ignore_ascii_case(b.trim()),
        }
    }

    /// Who is on call for `level` (and the ticket's `team`) at `at`: the
    /// team's rotation first, else the level's; nobody when no rotation
    /// serves it, it has not started, or the person on call has left.
    pub fn on_call(&self, level: &str, team: Option<&str>, at: Timestamp) -> Option<&Person> {
        let shift = crate::oncall::rotation_for(&self.rotations, level, team)?.on_call(at)?;
        self.find(&shift.person).filter(|p| !p.has_left(at))
    }

    /// Who a ticket escalated to `level` (owned by `team`) is assigned
    /// to at `at`: the person `named` (a resolved handle), who must serve
    /// the level when listed; else whoever is on call; nobody when no
    /// people are listed. An escalation is never refused for want of
    /// someone on call: that is [`Assignment::Unowned`].
    pub fn escalation_assignee(
        &self,
        level: &str,
        team: Option<&str>,
        named: Option<String>,
        at: Timestamp,
    ) -> Result<Assignment, NotServing> {
        match named {
            Some(handle) => match self.find(&handle) {
                Some(person) if !person.levels.iter().any(|l| l == level) => Err(NotServing {
                    person: person.label(),
                    level: level.to_string(),
                    serving: self.serving(level, at).map(Person::label).collect(),
                }),
                _ => Ok(Assignment::Named(handle)),
            },
            None if self.is_empty() => Ok(Assignment::Nobody),
            None => Ok(match self.on_call(level, team, at) {
                Some(person) => Assignment::OnCall(person.handle.clone()),
                None => Assignment::Unowned,
            }),
        }
    }

    /// Everyone who serves `level` and has not left by `at`.
    pub fn serving<'p>(
        &'p self,
        level: &'p str,
        at: Timestamp,
    ) -> impl Iterator<Item = &'p Person> {
        self.people
            .iter()
            .filter(move |p| p.levels.iter().any(|l| l == level) && !p.has_left(at))
    }

    /// Everyone holding `role` who has not left by `at`, in file order.
    pub fn holders<'p>(&'p self, role: &'p str, at: Timestamp) -> impl Iterator<Item = &'p Person> {
        self.people
            .iter()
            .filter(move |p| p.holds(role) && !p.has_left(at))
    }

    /// The person `name` (handle, email or alias) names, if any.
    pub fn find(&self, name: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.is(name))
    }

    /// The only person whose handle (or email) starts with `prefix`, without
    /// regard to case.
    pub fn find_prefix(&self, prefix: &str) -> Option<&Person> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.is_empty() {
            return None;
        }
        let mut found = self.people.iter().filter(|p| {
            p.handle.starts_with(&prefix) || p.email.to_ascii_lowercase().starts_with(&prefix)
        });
        match (found.next(), found.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The person `name` names, or the error listing every handle with the
    /// closest one.
    pub fn expect(&self, name: &str) -> Result<&Person, UnknownName> {
        self.find(name).ok_or_else(|| {
            UnknownName::new(
                NameKind::Person,
                name,
                self.people.iter().map(|p| p.handle.as_str()),
            )
            .with_others(
                self.people
                    .iter()
                    .flat_map(|p| std::iter::once(p.email.clone()).chain(p.aliases.clone())),
            )
        })
    }
}

/// What a name is used for: it sets the prefix rule and the message for
/// a person who has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Actor,
    Assignee,
    Approver,
    Owner,
}

impl Role {
    fn noun(self) -> &'static str {
        match self {
            Role::Actor => "act",
            Role::Assignee => "be assigned",
            Role::Approver => "approve",
            Role::Owner => "own an action",
        }
    }

    /// A unique prefix picks an assignee or an owner, never who acts or
    /// approves.
    fn allows_prefix(self) -> bool {
        matches!(self, Role::Assignee | Role::Owner)
    }
}

/// Why a name on the command line does not stand for a person who may
/// take the role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error(transparent)]
    Unknown(#[from] UnknownName),
    #[error("{handle} ({name}) left on {left}: they can no longer {}", .role.noun())]
    Left {
        handle: String,
        name: String,
        left: NaiveDate,
        role: Role,
    },
}

impl People {
    /// The handle to record for `name` in `role` at `at`: a handle, email or
    /// alias (a unique prefix where the role allows one) of someone who has
    /// not left by then; `name` itself when no people are listed.
    pub fn resolve(&self, name: &str, role: Role, at: Timestamp) -> Result<String, NameError> {
        let name = name.trim();
        if self.is_empty() {
            return Ok(name.to_string());
        }
        let person = match self.find(name) {
            Some(person) => person,
            None => match self.find_prefix(name).filter(|_| role.allows_prefix()) {
                Some(person) => person,
                None => self.expect(name)?,
            },
        };
        match person.left {
            Some(left) if person.has_left(at) => Err(NameError::Left {
                handle: person.handle.clone(),
                name: person.name.clone(),
                left,
                role,
            }),
            _ => Ok(person.handle.clone()),
        }
    }

    /// Every name (handle, email, aliases) of each person `names` picks
    /// (exactly or by a unique prefix), for a filter over tickets that may
    /// name them either way; the names as given when no people are listed.
    pub fn all_names_of(&self, names: Vec<String>) -> Result<Vec<String>, UnknownName> {
        if self.is_empty() {
            return Ok(names);
        }
        let mut all = Vec::new();
        for name in names {
            let person = match self.find(&name).or_else(|| self.find_prefix(&name)) {
                Some(person) => person,
                None => self.expect(&name)?,
            };
            all.push(person.handle.clone());
            all.push(person.email.clone());
            all.extend(person.aliases.iter().cloned());
        }
        Ok(all)
    }
}

/// Whether `role` is lower-case words joined by `-`.
pub fn is_role(role: &str) -> bool {
    !role.is_empty()
        && !role.starts_with('-')
        && !role.ends_with('-')
        && role.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPeople {
    #[schemars(with = "u32")]
    schema: Spanned<u32>,
    #[serde(default)]
    people: Vec<RawPerson>,
    #[serde(default)]
    rotations: Vec<rotations::RawRotation>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawPerson {
    #[schemars(with = "String")]
    handle: Spanned<String>,
    name: String,
    #[schemars(with = "String")]
    email: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    teams: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    levels: Vec<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    roles: Vec<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    left: Option<Spanned<String>>,
}

struct Checker<'a> {
    issues: Issues<'a>,
}

type Vocabulary<'v> = &'v dyn Fn(&str) -> Result<(), UnknownName>;

impl Checker<'_> {
    fn issue(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        self.issues.push(span, message);
    }

    fn people(
        mut self,
        raw: RawPeople,
        team: Vocabulary,
        level: Vocabulary,
    ) -> Result<People, PolicyError> {
        if *raw.schema.get_ref() != 1 {
            self.issue(
                raw.schema.span(),
                format!(
                    "unsupported people schema {} (this tkt reads schema 1)",
                    raw.schema.get_ref()
                ),
            );
        }
        // Every handle, email and alias names one person only.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut people = Vec::new();
        for p in raw.people {
            let handle = p.handle.get_ref().clone();
            let handle_ok = !handle.is_empty()
                && handle
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
            if !handle_ok {
                self.issue(
                    p.handle.span(),
                    format!(
                        "handle `{handle}` must be lower-case letters, digits, `.`, `_` or `-`"
                    ),
                );
            }
            let mut claim = |checker: &mut Self, name: &Spanned<String>, what: &str| {
                let key = name.get_ref().trim().to_ascii_lowercase();
                if !what.eq("handle") && !key.contains('@') {
                    checker.issue(
                        name.span(),
                        format!("{what} `{}` is not an email address", name.get_ref()),
                    );
                }
                if let Some(other) = names.insert(key, handle.clone()) {
                    checker.issue(
                        name.span(),
                        format!("`{}` already names {other}", name.get_ref()),
                    );
                }
            };
            claim(&mut self, &p.handle, "handle");
            claim(&mut self, &p.email, "email");
            for alias in &p.aliases {
                claim(&mut self, alias, "alias");
            }
            for t in &p.teams {
                if let Err(unknown) = team(t.get_ref()) {
                    self.issue(t.span(), unknown.to_string());
                }
            }
            for l in &p.levels {
                if let Err(unknown) = level(l.get_ref()) {
                    self.issue(l.span(), unknown.to_string());
                }
            }
            for role in &p.roles {
                if !is_role(role.get_ref()) {
                    self.issue(
                        role.span(),
                        format!(
                            "role `{}` must be lower-case words joined by `-`",
                            role.get_ref()
                        ),
                    );
                }
            }
            let left = p.left.as_ref().and_then(|d| {
                let parsed = (d.get_ref().len() == 10)
                    .then(|| NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d").ok())
                    .flatten();
                if parsed.is_none() {
                    self.issue(
                        d.span(),
                        format!("left `{}` is not a date like 2026-12-31", d.get_ref()),
                    );
                }
                parsed
            });
            people.push(Person {
                handle,
                name: p.name,
                email: p.email.into_inner().trim().to_string(),
                aliases: p.aliases.into_iter().map(|a| a.into_inner()).collect(),
                teams: p.teams.into_iter().map(|t| t.into_inner()).collect(),
                levels: p.levels.into_iter().map(|l| l.into_inner()).collect(),
                roles: p.roles.into_iter().map(|r| r.into_inner()).collect(),
                left,
            });
        }
        let rotations = rotations::rotations(&mut self.issues, raw.rotations, &people, team, level);
        self.issues.sorted().finish(People { people, rotations })
    }
}

/// The JSON Schema of `people.toml` (see `crate::schema`).
pub fn schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(RawPeople);
    schema.insert("title".into(), "people.toml of a tkt desk".into());
    schema.insert(
        "description".into(),
        "Who works the desk, and the on-call rotations (docs/people.md). Generated from tkt's types."
            .into(),
    );
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{DEFAULT_POLICY, Policy};

    fn parse(text: &str) -> Result<People, PolicyError> {
        Policy::parse(DEFAULT_POLICY).unwrap().parse_people(text)
    }

    const TWO: &str = "schema = 1\n\
[[people]]\nhandle = \"ana\"\nname = \"Ana Ruiz\"\nemail = \"ana@example.com\"\naliases = [\"a.ruiz@example.com\"]\nteams = [\"payments\"]\nlevels = [\"L1\"]\n\
[[people]]\nhandle = \"bo\"\nname = \"Bo Lind\"\nemail = \"Bo@Example.com\"\nlevels = [\"L2\"]\nroles = [\"manager\"]\nleft = \"2026-12-31\"\n";

    #[test]
    fn people_are_found_by_handle_email_or_alias() {
        let people = parse(TWO).unwrap();
        assert_eq!(people.find("ana").unwrap().handle, "ana");
        assert_eq!(people.find("A.Ruiz@example.com").unwrap().handle, "ana");
        assert_eq!(people.find("bo@example.com").unwrap().handle, "bo");
        assert_eq!(people.people[1].left, NaiveDate::from_ymd_opt(2026, 12, 31));
        let unknown = people.expect("anna").unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "unknown person `anna` (people.toml lists: ana, bo); did you mean `ana`?"
        );
    }

    #[test]
    fn an_escalation_goes_to_who_is_named_or_on_call() {
        let people = parse(TWO).unwrap();
        let at = Timestamp::parse("2026-11-20T10:00:00Z").unwrap();
        // Named: must serve the level when listed; an unlisted name stands.
        assert_eq!(
            people.escalation_assignee("L2", None, Some("bo".into()), at),
            Ok(Assignment::Named("bo".into()))
        );
        let refused = people
            .escalation_assignee("L2", None, Some("ana".into()), at)
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "ana (Ana Ruiz) does not serve L2; who does: bo (Bo Lind)"
        );
        assert_eq!(
            people.escalation_assignee("L2", None, Some("cy@example.com".into()), at),
            Ok(Assignment::Named("cy@example.com".into()))
        );
        // Nobody named, no rotation: unowned; no people at all: nobody.
        let unowned = people.escalation_assignee("L2", None, None, at).unwrap();
        assert_eq!(
            (unowned.clone(), unowned.handle()),
            (Assignment::Unowned, None)
        );
        assert_eq!(
            People::default().escalation_assignee("L2", None, None, at),
            Ok(Assignment::Nobody)
        );
        assert_eq!(Person::unlisted("x@y.z").handle, "x@y.z");
    }

    #[test]
    fn a_unique_prefix_finds_a_person() {
        let people = parse(TWO).unwrap();
        assert_eq!(people.find_prefix("b").unwrap().handle, "bo");
        assert_eq!(people.find_prefix("AN").unwrap().handle, "ana");
        assert_eq!(people.find_prefix("x"), None);
        assert_eq!(people.find_prefix(""), None);
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let text = "schema = 1\n\
[[people]]\nhandle = \"Ana!\"\nname = \"A\"\nemail = \"ana@example.com\"\nteams = [\"payment\"]\nlevels = [\"L9\"]\n\
[[people]]\nhandle = \"bo\"\nname = \"B\"\nemail = \"ANA@example.com\"\nleft = \"soon\"\n";
        let issues = parse(text).unwrap_err().0;
        let found: Vec<(u64, &str)> = issues
            .iter()
            .map(|i| (i.line, i.message.as_str()))
            .collect();
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[0].1.starts_with("handle `Ana!` must be"), "{found:?}");
        assert!(
            found
                .iter()
                .any(|(l, m)| *l == 6 && m.starts_with("unknown team `payment`"))
        );
        assert!(
            found
                .iter()
                .any(|(l, m)| *l == 7 && m.starts_with("unknown level `L9`"))
        );
        assert!(
            found
                .iter()
                .any(|(l, m)| *l == 11 && m.contains("already names Ana!"))
        );
        assert!(
            found
                .iter()
                .any(|(l, m)| *l == 12 && m.contains("not a date"))
        );
    }

    #[test]
    fn the_example_defines_nobody() {
        assert!(parse(EXAMPLE).unwrap().is_empty());
    }
}
