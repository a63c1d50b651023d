//! Dynamic shell completion (clap_complete's `CompleteEnv`, behind its
//! `unstable-dynamic` feature): `source <(TKT_COMPLETE=bash tkt)` once, and Tab
//! completes ticket IDs (titles as descriptions, most recently updated
//! first), severities, levels, teams, pause reasons and people from the
//! desk in the current directory. Notice kinds, states and formats are
//! clap's own possible values.
//!
//! The switch is `TKT_COMPLETE`, not clap's default `COMPLETE`: a variable
//! that generic is set by other tools, and tkt must not stop working when
//! it is.
//!
//! The completers are attached to the clap definition here, by argument
//! name, so the argument structs stay free of completion details. A
//! completer never fails: outside a desk, or with a broken file, it offers
//! nothing.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, CompletionCandidate};
use tkt::store::Repo;

use super::Cli;

/// The variable that asks tkt for completions (`TKT_COMPLETE=bash`).
pub const VAR: &str = "TKT_COMPLETE";

/// The shells `CompleteEnv` answers, by the names `TKT_COMPLETE` takes.
const SHELLS: [&str; 5] = ["bash", "elvish", "fish", "powershell", "zsh"];

/// Handles a completion request (when `TKT_COMPLETE` is set) and exits;
/// otherwise returns at once for a normal run. A value that names no shell
/// is refused here, escaped (clap's own message would print it as given:
/// the environment is untrusted text too).
pub fn complete() {
    if let Some(value) = std::env::var_os(VAR) {
        let value = value.to_string_lossy();
        if !value.is_empty() && value != "0" && !SHELLS.contains(&value.as_ref()) {
            eprintln!(
                "error: {VAR}=`{}` names no shell tkt completes for ({})",
                tkt::sanitize::line(&value),
                SHELLS.join(", ")
            );
            std::process::exit(2);
        }
    }
    clap_complete::CompleteEnv::with_factory(command)
        .var(VAR)
        .complete();
}

/// Above this many matching tickets, completion offers the next character
/// of their IDs instead of the IDs (no file is read), so that it answers
/// within 100 ms on a 100,000-ticket desk and Tab narrows the choice.
const TITLED: usize = 2_000;

fn command() -> clap::Command {
    attach(Cli::command(), "")
}

/// Which completer an argument gets, by verb and argument name.
fn completer(verb: &str, arg: &str) -> Option<fn() -> Vec<CompletionCandidate>> {
    Some(match (verb, arg) {
        ("escalate", "to") => levels,
        ("severity", "to") => severities,
        ("assign" | "handover", "to") => people,
        ("pause", "reason") => pause_reasons,
        (_, "severity") => severities,
        (_, "level") => levels,
        (_, "team" | "waiting_on") => teams,
        (_, "assignee" | "by" | "from" | "for_whom" | "owner" | "approved_by") => people,
        _ => return None,
    })
}

fn attach(mut cmd: clap::Command, verb: &str) -> clap::Command {
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        if id == "id" {
            // Filtered by what was typed before anything is built: a
            // 100,000-ticket desk has 100,000 IDs.
            cmd = cmd.mut_arg(id, |a| a.add(ArgValueCompleter::new(tickets)));
        } else if let Some(f) = completer(verb, &id) {
            cmd = cmd.mut_arg(id, |a| a.add(ArgValueCandidates::new(f)));
        }
    }
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for sub in subs {
        // `sla explain ID`, `action done ID`: the verb is the outer one.
        let name = if verb.is_empty() {
            sub.clone()
        } else {
            verb.to_string()
        };
        cmd = cmd.mut_subcommand(sub, |s| attach(s, &name));
    }
    cmd
}

fn repo() -> Option<Repo> {
    Repo::discover(Path::new("."), tkt::git::safe_directory).ok()
}

fn named(names: impl IntoIterator<Item = String>) -> Vec<CompletionCandidate> {
    names.into_iter().map(CompletionCandidate::new).collect()
}

fn policy() -> Option<tkt::policy::Policy> {
    repo()?.load_policy().ok()
}

fn severities() -> Vec<CompletionCandidate> {
    let Some(policy) = policy() else {
        return Vec::new();
    };
    policy
        .severities
        .iter()
        .map(|s| CompletionCandidate::new(&s.id).help(Some(s.description.clone().into())))
        .collect()
}

fn levels() -> Vec<CompletionCandidate> {
    let Some(policy) = policy() else {
        return Vec::new();
    };
    policy
        .levels
        .iter()
        .map(|l| CompletionCandidate::new(&l.id).help(Some(l.name.clone().into())))
        .collect()
}

fn teams() -> Vec<CompletionCandidate> {
    named(policy().map(|p| p.teams).unwrap_or_default())
}

fn pause_reasons() -> Vec<CompletionCandidate> {
    named(policy().map(|p| p.pause_reasons).unwrap_or_default())
}

fn people() -> Vec<CompletionCandidate> {
    let Some(policy) = policy() else {
        return Vec::new();
    };
    policy
        .people
        .people
        .iter()
        .filter(|p| p.left.is_none())
        .map(|p| CompletionCandidate::new(&p.handle).help(Some(p.name.clone().into())))
        .collect()
}

/// The ticket IDs that start with what was typed (in any case, as `tkt`
/// takes them), from the file names under `tickets/`; when no more than
/// `TITLED` match, with their titles, most recently updated first.
fn tickets(current: &std::ffi::OsStr) -> Vec<CompletionCandidate> {
    let typed = current.to_string_lossy().to_ascii_uppercase();
    let Some(repo) = repo() else {
        return Vec::new();
    };
    let Ok(read) = std::fs::read_dir(repo.tickets_dir()) else {
        return Vec::new();
    };
    let dir = repo.tickets_dir();
    let ids: Vec<String> = read
        .flatten()
        .filter_map(|e| {
            let name = e.file_name();
            let id = name.to_str()?.strip_suffix(".yaml")?;
            (id.starts_with("T-") && id.starts_with(typed.as_str())).then(|| id.to_string())
        })
        .collect();
    if ids.len() > TITLED {
        // Too many to list: the next character of each, so that Tab
        // narrows the choice (`T-0` offers `T-00` … `T-0Z`).
        let width = typed.len().max(1) + 1;
        let mut prefixes: Vec<&str> = ids.iter().map(|id| &id[..width.min(id.len())]).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        return prefixes.into_iter().map(CompletionCandidate::new).collect();
    }
    let mut titled: Vec<(String, CompletionCandidate)> = ids
        .into_iter()
        .map(|id| {
            let path = dir.join(format!("{id}.yaml"));
            let (title, updated) = title_and_updated(&path).unwrap_or_default();
            let help = (!title.is_empty()).then(|| title.into());
            (updated, CompletionCandidate::new(id).help(help))
        })
        .collect();
    // Most recently updated first: the last event's `at` (RFC 3339 in UTC
    // sorts as text).
    titled.sort_by(|a, b| b.0.cmp(&a.0));
    titled
        .into_iter()
        .enumerate()
        .map(|(i, (_, c))| c.display_order(Some(i)))
        .collect()
}

/// The `title:` of a ticket file, escaped for a terminal (a title is
/// untrusted text), and the `at` of its last event. Read as text, without
/// parsing: completion must be quick, and a broken file still completes.
fn title_and_updated(path: &Path) -> Option<(String, String)> {
    let bytes = tkt::store::read_capped(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let title = text
        .lines()
        .find_map(|l| l.strip_prefix("title:"))
        .map(|t| t.trim().trim_matches('"').trim_matches('\''))
        .unwrap_or_default();
    let updated = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("at:"))
        .map(|t| t.trim().to_string())
        .max()
        .unwrap_or_default();
    Some((tkt::sanitize::line(title).into_owned(), updated))
}
