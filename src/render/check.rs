//! `tkt check` findings: compiler-style lines, JSON, or GitHub annotations.

use std::io::{self, Write};

use serde::Serialize;
use tkt::check::{Finding, Report};

use super::{JSON_SCHEMA, github_escape_data, github_escape_property};
use crate::render::style;

pub fn text(out: &mut impl Write, report: &Report) -> io::Result<()> {
    for f in &report.findings {
        writeln!(
            out,
            "{}:{}:{}: {}error[{}]{:#} {}",
            f.file,
            f.line,
            f.column,
            style::ERROR,
            f.rule,
            style::ERROR,
            f.message
        )?;
    }
    Ok(())
}

/// The closing line, for stderr: what was checked and what was found.
pub fn summary(report: &Report) -> String {
    let files: std::collections::BTreeSet<&str> =
        report.findings.iter().map(|f| f.file.as_str()).collect();
    match report.findings.len() {
        0 => format!(
            "checked policy.toml and {} ticket files: no findings",
            report.files
        ),
        n => format!(
            "checked policy.toml and {} ticket files: {n} finding{} in {} file{}",
            report.files,
            if n == 1 { "" } else { "s" },
            files.len(),
            if files.len() == 1 { "" } else { "s" }
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
        github_escape_data(&f.message)
    )
}

#[derive(Serialize)]
struct CheckJson<'a> {
    schema: u32,
    files: usize,
    tickets: usize,
    findings: &'a [Finding],
}

pub fn json(out: &mut impl Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &CheckJson {
            schema: JSON_SCHEMA,
            files: report.files,
            tickets: report.tickets,
            findings: &report.findings,
        },
    )?;
    writeln!(out)
}
