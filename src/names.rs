//! Names that must come from a defined vocabulary (severities, levels,
//! teams, calendars, pause reasons, states, timer statuses), and the one
//! error for a name that does not: what was asked, what is valid, and the
//! closest valid name when one is close enough to be a typo.

use std::fmt;

/// Which vocabulary a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    Severity,
    Level,
    Team,
    Calendar,
    PauseReason,
    State,
    TimerStatus,
    Person,
    SortKey,
    GroupKey,
}

impl NameKind {
    /// The noun used in messages: "unknown pause reason `x`".
    pub fn noun(self) -> &'static str {
        match self {
            NameKind::Severity => "severity",
            NameKind::Level => "level",
            NameKind::Team => "team",
            NameKind::Calendar => "calendar",
            NameKind::PauseReason => "pause reason",
            NameKind::State => "state",
            NameKind::TimerStatus => "status",
            NameKind::Person => "person",
            NameKind::SortKey => "sort key",
            NameKind::GroupKey => "group key",
        }
    }

    /// Whether the team defines this vocabulary in `policy.toml` (else it is
    /// built into tkt).
    fn policy_defined(self) -> bool {
        !matches!(
            self,
            NameKind::State | NameKind::TimerStatus | NameKind::SortKey | NameKind::GroupKey
        )
    }
}

/// A name that is not in its vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownName {
    pub kind: NameKind,
    pub name: String,
    /// Every valid name, in the vocabulary's own order.
    pub valid: Vec<String>,
    /// Other spellings of the same names (a person's emails), considered
    /// for the suggestion but not listed.
    pub others: Vec<String>,
}

impl UnknownName {
    pub fn new<S: Into<String>>(
        kind: NameKind,
        name: &str,
        valid: impl IntoIterator<Item = S>,
    ) -> Self {
        UnknownName {
            kind,
            name: name.to_string(),
            valid: valid.into_iter().map(Into::into).collect(),
            others: Vec::new(),
        }
    }

    /// The same error, also suggesting from `others`.
    pub fn with_others(mut self, others: impl IntoIterator<Item = String>) -> Self {
        self.others = others.into_iter().collect();
        self
    }

    /// The valid name `name` most likely meant, if any is close.
    pub fn suggestion(&self) -> Option<&str> {
        did_you_mean(
            &self.name,
            self.valid.iter().chain(&self.others).map(String::as_str),
        )
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} `{}` ", self.kind.noun(), self.name)?;
        match (self.kind, self.kind.policy_defined(), self.valid.is_empty()) {
            (NameKind::Person, _, true) => f.write_str("(people.toml lists nobody)")?,
            (NameKind::Person, _, false) => {
                write!(f, "(people.toml lists: {})", self.valid.join(", "))?
            }
            (_, true, true) => f.write_str("(policy.toml defines none)")?,
            (_, true, false) => write!(f, "(policy.toml defines: {})", self.valid.join(", "))?,
            (_, false, _) => write!(f, "(one of: {})", self.valid.join(", "))?,
        }
        if let Some(suggestion) = self.suggestion() {
            write!(f, "; did you mean `{suggestion}`?")?;
        }
        Ok(())
    }
}

/// `value` if it is in `valid`, else an [`UnknownName`].
pub fn expect<'v, S: AsRef<str> + 'v>(
    kind: NameKind,
    value: &str,
    valid: impl IntoIterator<Item = &'v S> + Clone,
) -> Result<(), UnknownName> {
    if valid.clone().into_iter().any(|v| v.as_ref() == value) {
        Ok(())
    } else {
        Err(UnknownName::new(
            kind,
            value,
            valid.into_iter().map(|v| v.as_ref().to_string()),
        ))
    }
}

/// The candidate closest to `typed`: the same name in another case, the
/// only candidate `typed` is a prefix of, or one within a small edit
/// distance for names of three characters or more (ties go to the earlier
/// candidate).
pub fn did_you_mean<'c>(typed: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let typed_lower = typed.to_lowercase();
    let candidates: Vec<&str> = candidates.collect();
    if let Some(same) = candidates.iter().find(|c| c.to_lowercase() == typed_lower) {
        return Some(same);
    }
    let prefixed: Vec<&&str> = candidates
        .iter()
        .filter(|c| typed_lower.len() >= 2 && c.to_lowercase().starts_with(&typed_lower))
        .collect();
    if let [only] = prefixed[..] {
        return Some(only);
    }
    // Short names (L1, L2) differ by one character from each other: no
    // guessing there, only case and prefix matches.
    let limit = match typed.chars().count() {
        0..=2 => return None,
        3..=4 => 1,
        5..=7 => 2,
        _ => 3,
    };
    candidates
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&typed_lower, &c.to_lowercase()),
                *c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

    #[test]
    fn suggestions_catch_typos_case_and_prefixes() {
        let s = |typed| did_you_mean(typed, SEVERITIES.into_iter());
        assert_eq!(s("critcal"), Some("critical"));
        assert_eq!(s("Critical"), Some("critical"));
        assert_eq!(s("crit"), Some("critical"));
        assert_eq!(s("hihg"), Some("high"));
        assert_eq!(s("urgent"), None);
        assert_eq!(s("x"), None);
        assert_eq!(did_you_mean("L4", ["L1", "L2"].into_iter()), None);
        assert_eq!(did_you_mean("l2", ["L1", "L2"].into_iter()), Some("L2"));
    }

    #[test]
    fn the_message_lists_the_vocabulary_and_a_suggestion() {
        let e = UnknownName::new(NameKind::Severity, "critcal", SEVERITIES);
        assert_eq!(
            e.to_string(),
            "unknown severity `critcal` (policy.toml defines: critical, high, medium, low); did you mean `critical`?"
        );
        let e = UnknownName::new(NameKind::State, "opne", ["new", "open"]);
        assert_eq!(
            e.to_string(),
            "unknown state `opne` (one of: new, open); did you mean `open`?"
        );
        let none: [&str; 0] = [];
        let e = UnknownName::new(NameKind::PauseReason, "lunch", none);
        assert_eq!(
            e.to_string(),
            "unknown pause reason `lunch` (policy.toml defines none)"
        );
        assert_eq!(
            expect(NameKind::Level, "L9", &["L1".to_string()])
                .unwrap_err()
                .valid,
            ["L1"]
        );
    }
}
