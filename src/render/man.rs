//! Manual pages: `tkt(1)` and one page per verb, rendered by clap_mangen
//! from the same clap definitions as `--help`, with the sections no
//! definition holds written here by hand: exit status, environment, files.

use std::io::{self, Write};

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

/// The environment variables tkt reads, and what for.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "TKT_NOW",
        "Evaluate at this RFC 3339 instant (as --now); also the default time of new events.",
    ),
    (
        "TKT_USER",
        "Who is acting (as --by); else git's user.email. A handle, email or alias when people.toml lists anyone.",
    ),
    ("NO_COLOR", "Under --color auto, no colour."),
    (
        "TKT_PAGER, PAGER",
        "The pager for long output on a terminal, in this order; else less. Empty or cat: none.",
    ),
    ("LESS", "Passed to the pager; FRX when unset."),
    (
        "COLUMNS",
        "The width tables fit on a terminal; else the terminal's.",
    ),
    (
        "TZ",
        "The zone --absolute shows instants in (an IANA name); else UTC.",
    ),
    (
        "TKT_ISATTY",
        "1 or 0: treat stdout as a terminal or not (pager, width), for tests and scripts.",
    ),
    (
        "TKT_LOCK_TIMEOUT",
        "Seconds a writer waits for another one's lock on a ticket (default 10).",
    ),
    (
        "VISUAL, EDITOR",
        "The editor for a text not given with -m or -F, in an interactive session.",
    ),
    (
        "GITHUB_ACTIONS",
        "When true, check reports as GitHub annotations by default.",
    ),
    (
        "TKT_COMPLETE",
        "bash, zsh or fish: print the shell's completion script, or answer its completion request (source <(TKT_COMPLETE=bash tkt)).",
    ),
];

/// The files tkt reads and writes, relative to the repository root.
const FILES: &[(&str, &str)] = &[
    (
        "policy.toml",
        "The SOP: severities, SLA targets, calendars, levels, closure and review rules. Its presence marks the repository root.",
    ),
    (
        "people.toml",
        "Who works the desk: people, roles, levels served, on-call rotations. Optional.",
    ),
    (
        "tickets/T-*.yaml",
        "One ticket per file: a header and append-only events.",
    ),
    (
        "attachments/ID/",
        "Evidence stored beside the tickets, named by SHA-256.",
    ),
    (
        "tickets/.tkt-tmp/",
        "Temporary files of writes in progress; swept on start.",
    ),
    (
        ".gitattributes",
        "Routes ticket files to tkt's merge driver (tkt setup-git).",
    ),
];

fn section(roff: &mut Roff, title: &str) {
    roff.control("SH", [title]);
}

fn entries(roff: &mut Roff, entries: &[(&str, &str)]) {
    for (name, text) in entries {
        roff.control("TP", []);
        roff.text([bold(*name)]);
        roff.text([roman(*text)]);
    }
}

/// The hand-written sections every page ends with.
fn tail(name: &str) -> Roff {
    let mut roff = Roff::default();
    section(&mut roff, "EXIT STATUS");
    entries(
        &mut roff,
        &[
            ("0", "Success."),
            (
                "1",
                "The command worked and found or refused something: a breach under sla --check, a finding of check, a refused transition (nothing was written).",
            ),
            (
                "2",
                "It could not do its job: bad arguments, no repository, an invalid policy, an unreadable file.",
            ),
        ],
    );
    section(&mut roff, "ENVIRONMENT");
    entries(&mut roff, ENVIRONMENT);
    section(&mut roff, "FILES");
    entries(&mut roff, FILES);
    section(&mut roff, "SEE ALSO");
    let also = if name == "tkt" {
        "git(1), and the documentation under docs/ in tkt's repository: format.md, policy.md, people.md, workflow.md, listing.md, sla.md, json.md.".to_string()
    } else {
        "tkt(1), and docs/workflow.md in tkt's repository.".to_string()
    };
    roff.text([roman(also)]);
    roff
}

/// The page of `cmd`, named `name` (`tkt` or `tkt-VERB`).
pub fn page(out: &mut impl Write, cmd: clap::Command, name: &str) -> io::Result<()> {
    // A verb without subcommands gets no empty SUBCOMMANDS heading.
    let has_subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let man = Man::new(cmd.name(name.to_string())).title(name.to_uppercase());
    let mut buf: Vec<u8> = Vec::new();
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    man.render_synopsis_section(&mut buf)?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    if has_subcommands {
        man.render_subcommands_section(&mut buf)?;
    }
    man.render_version_section(&mut buf)?;
    tail(name).to_writer(&mut buf)?;
    out.write_all(ascii(&String::from_utf8_lossy(&buf)).as_bytes())
}

/// Roff is ASCII: every other character as a groff escape (`…` is
/// `\[u2026]`), so that the page renders without a preprocessor.
fn ascii(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out
}
