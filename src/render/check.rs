//! `tkt check` findings: compiler-style lines, JSON, or GitHub annotations.

use std::io::{self, Write};

use serde::Serialize;
use tkt::check::{Finding, Fix, Report};

use super::{JSON_SCHEMA, github_escape_data, github_escape_property};
use crate::render::style;

/// How to fix a file with conflict markers.
pub const FIX_CONFLICTS: &str = "run `tkt fix-conflicts` or resolve by hand";

/// A finding's message with the command that fixes it, if one does.
fn message(f: &Finding) -> String {
    match &f.fix {
        None => f.message.clone(),
        Some(Fix::FixConflicts) => format!("{} ({FIX_CONFLICTS})", f.message),
        Some(Fix::AssignTeam) => format!("{}; record `tkt assign --team` instead", f.message),
        Some(Fix::Void { id, reference }) => format!(
            "{}; if the date is a mistake, correct it with `tkt void {id} {reference} --reason …` and record it again",
            f.message
        ),
    }
}

/// Compiler-style lines; file names and messages (which may quote the
/// file) shown escaped (`tkt::sanitize::line`).
pub fn text(out: &mut impl Write, report: &Report) -> io::Result<()> {
    for f in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {}error[{}]{:#} {}",
            tkt::sanitize::line(&f.file),
            f.line,
            f.column,
            style::ERROR,
            f.rule,
            style::ERROR,
            tkt::sanitize::line(&message(f))
        )?;
    }
    Ok(())
}

/// Breaches a branch erases that `--allow-erased-breaches` lets pass: each
/// as a note, for stderr (the log keeps what the merge takes out of the
/// ledger).
pub fn allowed_erasures(out: &mut impl Write, allowed: &[Finding]) -> io::Result<()> {
    for f in allowed {
        writeln!(
            out,
            "{}:{}:{}: {}allowed[{}]{:#} {}",
            tkt::sanitize::line(&f.file),
            f.line,
            f.column,
            style::WARN,
            f.rule,
            style::WARN,
            tkt::sanitize::line(&message(f))
        )?;
    }
    Ok(())
}

/// The closing line, for stderr: what was checked and what was found.
pub fn summary(out: &mut impl Write, report: &Report) -> io::Result<()> {
    writeln!(out, "{}", summary_text(report))
}

fn summary_text(report: &Report) -> String {
    let files: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.file.as_str()).collect();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let checked = format!(
        "checked policy.toml and {} ticket file{}",
        report.files,
        plural(report.files)
    );
    match report.findings.len() {
        0 => format!("{checked}: no findings"),
        n => format!(
            "{checked}: {n} finding{} in {} file{}",
            plural(n),
            files.len(),
            plural(files.len())
        ),
    }
}

pub fn github(out: &mut impl Write, report: &Report) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", github_annotation(f))?;
    }
    Ok(())
}

pub fn github_annotation(f: &Finding) -> String {
    format!(
        "::error file={},line={},col={},title={}::{}",
        github_escape_property(&f.file),
        f.line,
        f.column,
        github_escape_property(&format!("tkt {}", f.rule)),
        github_escape_data(&message(f))
    )
}

#[derive(Serialize)]
struct FindingJson<'a> {
    file: &'a str,
    line: u64,
    column: u64,
    rule: &'a str,
    message: String,
}

#[derive(Serialize)]
struct CheckJson<'a> {
    schema: u32,
    files: usize,
    tickets: usize,
    findings: Vec<FindingJson<'a>>,
}

pub fn json(out: &mut impl Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(
        super::JsonOut(&mut *out),
        &CheckJson {
            schema: JSON_SCHEMA,
            files: report.files,
            tickets: report.tickets,
            findings: report
                .findings
                .iter()
                .map(|f| FindingJson {
                    file: &f.file,
                    line: f.line,
                    column: f.column,
                    rule: f.rule,
                    message: message(f),
                })
                .collect(),
        },
    )?;
    writeln!(out)
}
