//! Who may approve a ticket's closure. A severity with `approval` needs
//! one; with `approval_role` and a `people.toml` that lists anyone, only an
//! `approved` event recorded by a holder of that role counts (a typed name
//! is not an approval). With `[closure] four_eyes`, whoever resolved the
//! ticket may not approve it, under any of their names.

use super::state::Status;
use crate::policy::Policy;
use crate::time::Timestamp;

/// What closing the ticket still needs before it is approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unapproved {
    pub what: String,
    /// Whether the approver must record it (the approve verb) rather than the
    /// closer typing a name.
    pub recorded: bool,
}

/// The role whose holder must record the approval, when the policy asks
/// for one and people are listed.
fn required_role<'p>(policy: &'p Policy, status: &Status) -> Option<&'p str> {
    if policy.people.is_empty() {
        return None;
    }
    policy
        .severity(&status.severity)
        .and_then(|s| s.approval_role.as_deref())
}

/// Why `name` may not approve the closure of the ticket at `at`: not a
/// holder of the required role (or gone), or its resolver under four eyes.
pub fn unfit_approver(
    policy: &Policy,
    status: &Status,
    name: &str,
    at: Timestamp,
) -> Option<String> {
    if let Some(role) = required_role(policy, status) {
        match policy.people.find(name) {
            None => return Some(format!("`{name}` is not in people.toml")),
            Some(p) if p.has_left(at) => {
                return Some(format!("{} has left", p.label()));
            }
            Some(p) if !p.holds(role) => {
                return Some(format!("{} does not hold the `{role}` role", p.label()));
            }
            Some(_) => {}
        }
    }
    match &status.resolved_by {
        Some(resolver) if policy.four_eyes && policy.people.same(resolver, name) => Some(format!(
            "{name} resolved this ticket and may not also approve its closure (four eyes)"
        )),
        _ => None,
    }
}

/// Who may approve the closure at `at`, as `handle (Name)`: the holders of
/// the required role but the resolver. Empty when no role is required.
pub fn approvers(policy: &Policy, status: &Status, at: Timestamp) -> Vec<String> {
    let Some(role) = required_role(policy, status) else {
        return Vec::new();
    };
    policy
        .people
        .holders(role, at)
        .filter(|p| unfit_approver(policy, status, &p.handle, at).is_none())
        .map(|p| p.label())
        .collect()
}

/// What an approval of closure still needs, if the ticket's severity asks
/// for one and none counts yet: `typed` is a name given at closing
/// (`close --approved-by`), `at` the closing instant.
pub fn missing_approval(
    policy: &Policy,
    status: &Status,
    typed: Option<&str>,
    at: Timestamp,
) -> Option<Unapproved> {
    if !policy
        .severity(&status.severity)
        .is_some_and(|s| s.approval)
    {
        return None;
    }
    let recorded = status
        .approvals
        .iter()
        .any(|a| unfit_approver(policy, status, &a.by, a.at).is_none());
    let typed = typed.map(str::trim).filter(|t| !t.is_empty());
    let who = || match approvers(policy, status, at).as_slice() {
        [] => "nobody in people.toml can approve it".to_string(),
        names => format!("who may approve: {}", names.join(", ")),
    };
    if let Some(role) = required_role(policy, status) {
        let what = if typed.is_some() {
            format!(
                "a typed name is not an approval: closing a {} ticket needs an approval recorded by someone with the `{role}` role; {}",
                status.severity,
                who()
            )
        } else if recorded {
            return None;
        } else {
            format!(
                "closing a {} ticket needs an approval recorded by someone with the `{role}` role{}; {}",
                status.severity,
                if policy.four_eyes {
                    " who did not resolve it"
                } else {
                    ""
                },
                who()
            )
        };
        return Some(Unapproved {
            what,
            recorded: true,
        });
    }
    if recorded {
        return None;
    }
    let what = match typed {
        Some(name) => unfit_approver(policy, status, name, at)?,
        None => format!(
            "closing a {} ticket needs a manager's approval",
            status.severity
        ),
    };
    Some(Unapproved {
        what,
        recorded: false,
    })
}
