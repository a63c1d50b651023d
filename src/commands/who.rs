//! People named on the command line, resolved through `people.toml` (the
//! rules are `tkt::people::People::resolve`): the desk's people loaded
//! once per command.

use tkt::people::People;
pub use tkt::people::Role;
use tkt::policy::Policy;
use tkt::time::Timestamp;

use crate::cli::CliError;

pub struct Who {
    people: People,
}

impl Who {
    /// The people the policy was loaded with (`Repo::load_policy` reads
    /// `people.toml` with it).
    pub fn new(policy: &Policy) -> Who {
        Who {
            people: policy.people.clone(),
        }
    }

    /// The handle to record for `name` in `role` at `at`.
    pub fn resolve(&self, name: &str, role: Role, at: Timestamp) -> Result<String, CliError> {
        self.people
            .resolve(name, role, at)
            .map_err(|e| CliError::usage(e.to_string()))
    }

    /// Every name of each person `names` picks, for a filter.
    pub fn filter(&self, names: Vec<String>) -> Result<Vec<String>, CliError> {
        Ok(self.people.all_names_of(names)?)
    }
}
