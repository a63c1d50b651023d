//! People named on the command line. When `people.toml` lists anyone, a
//! name is a handle, an email or an alias (and, where it picks an assignee
//! or filters a listing, a unique prefix, never for who acts or approves),
//! and new events record the handle; an unknown name is refused with the
//! closest one, and a person who has left can no longer act or be
//! assigned. Without people, names are taken as written.

use tkt::people::{People, Person};
use tkt::policy::Policy;
use tkt::store::Repo;
use tkt::time::Timestamp;

use crate::cli::CliError;

pub struct Who {
    people: People,
}

/// What a name is used for, for messages and the prefix rule.
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

    fn allows_prefix(self) -> bool {
        matches!(self, Role::Assignee | Role::Owner)
    }
}

impl Who {
    pub fn load(repo: &Repo, policy: &Policy) -> Result<Who, CliError> {
        Ok(Who {
            people: repo.load_people(policy)?,
        })
    }

    /// The handle to record for `name` in `role` at `at`; `name` itself when
    /// no people are listed.
    pub fn resolve(&self, name: &str, role: Role, at: Timestamp) -> Result<String, CliError> {
        let name = name.trim();
        if self.people.is_empty() {
            return Ok(name.to_string());
        }
        let person = match self.people.find(name) {
            Some(person) => person,
            None => match self
                .people
                .find_prefix(name)
                .filter(|_| role.allows_prefix())
            {
                Some(person) => person,
                None => return Err(self.people.expect(name).unwrap_err().into()),
            },
        };
        refuse_if_left(person, role, at)?;
        Ok(person.handle.clone())
    }

    /// Every name (handle, email, aliases) of each person `names` picks, for
    /// a filter over tickets that may name them either way; the names as
    /// given when no people are listed.
    pub fn filter(&self, names: Vec<String>) -> Result<Vec<String>, CliError> {
        if self.people.is_empty() {
            return Ok(names);
        }
        let mut all = Vec::new();
        for name in names {
            let person = match self
                .people
                .find(&name)
                .or_else(|| self.people.find_prefix(&name))
            {
                Some(person) => person,
                None => return Err(self.people.expect(&name).unwrap_err().into()),
            };
            all.push(person.handle.clone());
            all.push(person.email.clone());
            all.extend(person.aliases.iter().cloned());
        }
        Ok(all)
    }
}
fn refuse_if_left(person: &Person, role: Role, at: Timestamp) -> Result<(), CliError> {
    match person.left {
        Some(left) if at.utc().date_naive() >= left => Err(CliError::usage(format!(
            "{} ({}) left on {left}: they can no longer {}",
            person.handle,
            person.name,
            role.noun()
        ))),
        _ => Ok(()),
    }
}
