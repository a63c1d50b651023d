use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use tkt::ticket::{Attachment, DiagnosisStep, Event, LogExcerpt};
use tkt::workflow;

use super::input;
use super::record::{self, Draft};
use crate::cli::{CliError, Ctx, EventTime, Format, Outcome};
use crate::render::confirmation;

/// A log up to this size is kept inline in the ticket, whole.
pub const MAX_LOG_BYTES: u64 = 16 * 1024;

/// A larger log is stored in full as an attachment, and the ticket keeps
/// this much of its end inline (where the error usually is), so the ticket
/// stays small however many logs an incident collects.
pub const ATTACHED_LOG_TAIL_BYTES: u64 = 4 * 1024;

#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    /// Ticket ID or unique prefix
    pub id: String,
    /// Checklist stage: identify, analyze (root cause), test (verify), document (findings), correct (corrective action)
    #[arg(long, value_enum, required_unless_present = "checklist")]
    pub step: Option<Step>,
    /// What was done or found
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// The outcome of the step
    #[arg(long)]
    pub result: Option<String>,
    /// A log file (repeatable): kept inline up to 16 KiB; a larger one is attached in full, with its last 4 KiB inline
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,
    /// An error code seen (repeatable)
    #[arg(long = "error-code", value_name = "CODE")]
    pub error_codes: Vec<String>,
    /// Show which checklist stages are covered, and write nothing
    #[arg(long, conflicts_with_all = ["step", "message", "result", "log", "error_codes"])]
    pub checklist: bool,
    #[command(flatten)]
    pub text_file: input::TextFile,
    #[command(flatten)]
    pub time: EventTime,
    #[command(flatten)]
    pub format: crate::cli::format::TextJson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Step {
    Identify,
    Analyze,
    Test,
    Document,
    Correct,
}

impl From<Step> for DiagnosisStep {
    fn from(step: Step) -> Self {
        match step {
            Step::Identify => DiagnosisStep::Identify,
            Step::Analyze => DiagnosisStep::Analyze,
            Step::Test => DiagnosisStep::Test,
            Step::Document => DiagnosisStep::Document,
            Step::Correct => DiagnosisStep::Correct,
        }
    }
}

pub fn run(ctx: &Ctx, args: DiagnoseArgs) -> Result<Outcome, CliError> {
    if args.checklist {
        return checklist(ctx, &args.id);
    }
    record::text_or_json(ctx)?;
    let step = args.step.expect("clap requires --step").into();
    let text = input::required(
        ctx,
        args.message,
        &args.text_file,
        "step description",
        "-m TEXT",
    )?;
    // Read logs before taking the lock: a missing file is a usage error and
    // nothing is written.
    let logs = args
        .log
        .iter()
        .map(|p| read_log(p))
        .collect::<Result<Vec<_>, _>>()?;
    let error_codes: Vec<String> = args
        .error_codes
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let result = input::optional(args.result);
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(&args.id)?;
    let who = super::who::Who::new(&policy);
    let by = ctx.actor(&repo, &who)?;
    // Large logs are stored in full beside the ticket before the append;
    // a refusal takes them back.
    let large = args
        .log
        .iter()
        .zip(&logs)
        .filter(|(_, (_, whole))| !whole)
        .map(|(path, (excerpt, _))| (path.clone(), Some(Attachment::safe_name(&excerpt.name))));
    let stored = super::attach::store_all(&repo, &id, large)?;
    let attachments: Vec<Attachment> = stored.iter().map(|s| s.attachment.clone()).collect();
    let logs: Vec<LogExcerpt> = logs.into_iter().map(|(excerpt, _)| excerpt).collect();
    let appended = record::record_on(
        ctx,
        &record::Desk {
            repo: &repo,
            policy: &policy,
            who: &who,
        },
        &id,
        &args.time,
        by,
        |d: &Draft<'_>| {
            Ok(Event::Diagnosed {
                at: d.at,
                by: d.by.clone(),
                step,
                text,
                result,
                error_codes,
                logs,
                attachments,
            })
        },
    );
    super::attach::confirm_or_unstore(ctx, &repo, policy, &stored, appended)
}

/// A log's inline excerpt: the whole file up to [`MAX_LOG_BYTES`] (then
/// `true`), else its last [`ATTACHED_LOG_TAIL_BYTES`] (then `false`: the
/// file is attached in full).
fn read_log(path: &Path) -> Result<(LogExcerpt, bool), CliError> {
    let fail = |e: std::io::Error| CliError::usage(format!("--log {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // Never wait on a FIFO: its type is checked once it is open.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let mut file = options.open(path).map_err(fail)?;
    let len = file.metadata().map_err(fail)?.len();
    if !file.metadata().map_err(fail)?.is_file() {
        return Err(CliError::usage(format!(
            "--log {}: not a regular file",
            path.display()
        )));
    }
    let whole = len <= MAX_LOG_BYTES;
    let keep = if whole { len } else { ATTACHED_LOG_TAIL_BYTES };
    let skipped = len.saturating_sub(keep);
    file.seek(SeekFrom::Start(skipped)).map_err(fail)?;
    let mut bytes = Vec::with_capacity(keep as usize);
    file.take(keep).read_to_end(&mut bytes).map_err(fail)?;
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if skipped > 0 {
        // Start at a line boundary so the excerpt does not open mid-line.
        if let Some(nl) = text.find('\n') {
            text.drain(..=nl);
        }
        text.insert_str(
            0,
            &format!(
                "[… {} earlier bytes; the whole file is attached]\n",
                len - text.len() as u64
            ),
        );
    }
    // Control characters other than tab and newline make poor YAML.
    let text: String = text
        .chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok((
        LogExcerpt {
            name,
            text: text.trim_end().to_string(),
        },
        whole,
    ))
}

fn checklist(ctx: &Ctx, typed: &str) -> Result<Outcome, CliError> {
    let format = ctx.format(&[Format::Text, Format::Json])?;
    let (repo, policy) = ctx.repo_and_policy()?;
    let id = repo.resolve(typed)?;
    let mut ticket = repo.load(&id)?;
    super::require_opened(&ticket, ctx.now)?;
    // As of --now, like everything else.
    ticket.events.retain(|e| e.at() <= ctx.now);
    let status = workflow::replay_at(&policy, &ticket, ctx.now);
    let mut out = anstream::stdout().lock();
    match format {
        Format::Json => confirmation::checklist_json(&mut out, &ticket, &status)?,
        _ => confirmation::checklist(&mut out, &ticket, &status)?,
    }
    out.flush()?;
    Ok(Outcome::Clean)
}
