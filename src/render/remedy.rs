//! The command lines that fix what a gate found missing and that take the
//! next step: the library names them as typed values, only the binary
//! knows how tkt's command line spells them.

use serde::Serialize;
use tkt::due::{NextStep, Step};
use tkt::policy::Doc;
use tkt::ticket::ReviewPart;
use tkt::workflow::{Input, Remedy};

/// How to supply what is missing, for ticket `id` (JSON passes `ID`).
pub fn remedy(remedy: &Remedy, id: &str) -> String {
    match remedy {
        Remedy::Document(doc) => match doc {
            Doc::Description => format!("tkt amend {id} --field description -m …"),
            Doc::Troubleshooting => format!("tkt diagnose {id} --step identify -m …"),
            Doc::Logs => {
                format!("tkt diagnose {id} --step test --log FILE (or --error-code CODE) -m …")
            }
            Doc::Contact => format!("tkt amend {id} --field contact -m …"),
            Doc::Impact => format!("tkt amend {id} --field impact -m …"),
            Doc::RootCause => format!("tkt diagnose {id} --step analyze -m …"),
        },
        Remedy::Review(part) => match part {
            ReviewPart::Assessment => format!("tkt review {id} --went-well … --went-poorly …"),
            ReviewPart::Feedback => format!("tkt review {id} --satisfaction 1-5 --feedback …"),
            ReviewPart::Lessons => format!("tkt review {id} --lessons …"),
            ReviewPart::ActionItems => {
                format!("tkt review {id} --action \"TEXT;OWNER;YYYY-MM-DD\"")
            }
        },
        Remedy::Reopen => format!("tkt reopen {id} --reason …"),
        Remedy::Resume => format!("tkt resume {id}"),
        Remedy::Involve => format!("tkt involve {id} --team TEAM -m REQUEST"),
        Remedy::Answer => format!(
            "tkt involve {id} --team TEAM --answer -m ANSWER (or close with --force -m WHY)"
        ),
        Remedy::Resolve => format!("tkt resolve {id} --summary …"),
        Remedy::NotifyResolution => format!("tkt notify {id} --kind resolution -m …"),
        Remedy::Approve => format!("the approver runs: {}", approve(id)),
        Remedy::AlreadyClosed => "it is closed already".to_string(),
        Remedy::Give(input) => input_flag(*input).to_string(),
    }
}

/// The flag that gives `input` to the command that was refused.
fn input_flag(input: Input) -> &'static str {
    match input {
        Input::Message => "-m TEXT",
        Input::Reason => "--reason TEXT",
        Input::Assignee => "--to WHO",
        Input::Summary => "--summary TEXT",
        Input::Confirmation => "--confirmed-by WHO, or --no-confirmation -m WHY",
        Input::Approval => "--approved-by MANAGER",
        Input::ReviewContent => {
            "--went-well, --went-poorly, --satisfaction, --feedback, --lessons or --action"
        }
        Input::ActionItem => "--action \"TEXT;OWNER;YYYY-MM-DD\"",
    }
}

/// The command an approver runs for ticket `id`.
pub fn approve(id: &str) -> String {
    format!("tkt approve {id} -m …")
}

/// The command that records `team`'s answer on ticket `id`.
pub fn answer(id: &str, team: &str) -> String {
    format!("tkt involve {id} --team {team} --answer -m …")
}

/// The command that answers the customer of ticket `id`.
pub fn update_customer(id: &str) -> String {
    format!("tkt notify {id} --kind update -m …")
}

/// The command that marks action item `item` of ticket `id` done.
pub fn action_done(id: &str, item: &str) -> String {
    format!("tkt action done {id} {item} -m …")
}

/// The command with which `who` escalates ticket `id` to `level` and takes it.
pub fn escalate_taking(id: &str, level: &str, who: &str) -> String {
    format!("tkt escalate {id} --to {level} --assignee {who} --reason …")
}

/// The command that assigns ticket `id` to `who`.
pub fn assign_to(id: &str, who: &str) -> String {
    format!("tkt assign {id} --to {who}")
}

/// The command that assigns ticket `id` to someone.
pub fn assign(id: &str) -> String {
    format!("tkt assign {id} --to WHO")
}

/// What a next step still needs, as a phrase that reads right: a gate's
/// "no customer confirmation" or "missing impact assessment" becomes
/// "needs customer confirmation", "needs impact assessment"; a sentence
/// that already says what is needed stays as it is.
pub fn need_phrase(what: &str) -> String {
    if let Some(rest) = what
        .strip_prefix("no ")
        .or_else(|| what.strip_prefix("missing "))
    {
        format!("needs {rest}")
    } else if what.contains(" needs ") || what.starts_with("needs ") {
        what.to_string()
    } else {
        format!("needs {what}")
    }
}

/// When the next step is due, for people: "overdue by 5m", "due in 20m";
/// for a ticket waiting, "waiting since 2h ago; the clocks resume with it".
pub fn step_when(next: &NextStep, now: tkt::time::Timestamp) -> Option<String> {
    let due = next.due?;
    Some(match next.step {
        Step::Resume => format!(
            "waiting since {}; the clocks resume with it",
            super::relative(now, due)
        ),
        _ if super::absolute_zone().is_some() && due <= now => {
            format!("overdue since {}", super::instant(due))
        }
        _ if super::absolute_zone().is_some() => format!("due {}", super::instant(due)),
        _ if due <= now => format!(
            "overdue by {}",
            tkt::duration::format((now.unix() - due.unix()).max(0))
        ),
        _ => format!("due in {}", tkt::duration::format(due.unix() - now.unix())),
    })
}

/// The command that takes `step` on ticket `id`.
pub fn step(step: &Step, id: &str) -> String {
    match step {
        Step::Acknowledge => format!("tkt notify {id} --kind acknowledgement -m …"),
        Step::Update => format!("tkt notify {id} --kind update -m …"),
        Step::Escalate { level } => format!("tkt escalate {id} --to {level} --reason …"),
        Step::Diagnose(stage) => format!("tkt diagnose {id} --step {} -m …", stage.name()),
        Step::Resolve => format!("tkt resolve {id} --summary …"),
        Step::Resume => format!("tkt resume {id}"),
        Step::Close => format!("tkt close {id} --confirmed-by …"),
        Step::Review => format!("tkt review {id} …"),
    }
}

/// A next step as JSON: `{action, command, needs: [{what, hint}]}`, with
/// commands spelled for `id` (documents use the placeholder `ID`).
#[derive(Serialize)]
pub struct NextStepJson {
    action: String,
    command: String,
    /// When it is or was due (`Resume`: since when the ticket waits).
    due: Option<tkt::time::Timestamp>,
    needs: Vec<NeedJson>,
}

#[derive(Serialize)]
struct NeedJson {
    what: String,
    hint: Option<String>,
}

impl NextStepJson {
    pub fn new(next: &NextStep, id: &str) -> Self {
        NextStepJson {
            action: next.step.action(),
            command: step(&next.step, id),
            due: next.due,
            needs: next
                .needs
                .iter()
                .map(|m| NeedJson {
                    what: m.what.clone(),
                    hint: m.remedy.as_ref().map(|r| remedy(r, id)),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_carry_the_ticket_id() {
        assert_eq!(
            remedy(&Remedy::Resume, "T-7FQ2M9KD3A"),
            "tkt resume T-7FQ2M9KD3A"
        );
        assert_eq!(
            remedy(&Remedy::Document(Doc::Impact), "ID"),
            "tkt amend ID --field impact -m …"
        );
        assert_eq!(remedy(&Remedy::Give(Input::Reason), "ID"), "--reason TEXT");
        assert_eq!(
            step(&Step::Escalate { level: "L2".into() }, "T-1"),
            "tkt escalate T-1 --to L2 --reason …"
        );
    }
}
