//! Command-line definition, the shared context every command gets, and the
//! single dispatch `match`.

pub mod complete;
pub mod error;
pub mod format;
pub mod output;
pub mod terminal;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tkt::policy::Policy;
use tkt::store::Repo;
use tkt::time::Timestamp;

use crate::commands;
pub use error::{CliError, Kind};

#[derive(Parser, Debug)]
#[command(
    name = "tkt",
    // The package version and the commit it was built from (build.rs).
    version = env!("TKT_VERSION"),
    about = "Git-native technical-support escalation: tickets as YAML, SLAs on business calendars, CI gates",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if started in DIR (the repository is the nearest ancestor holding policy.toml)
    #[arg(
        short = 'C',
        value_name = "DIR",
        global = true,
        help_heading = "Global options"
    )]
    pub dir: Option<PathBuf>,

    /// Evaluate at this instant instead of the clock; also the default time of new events
    #[arg(long, env = "TKT_NOW", value_name = "RFC3339", global = true, value_parser = parse_timestamp, help_heading = "Global options")]
    pub now: Option<Timestamp>,

    /// Who is acting (default: $TKT_USER, then git's user.email)
    #[arg(
        long,
        env = "TKT_USER",
        value_name = "WHO",
        global = true,
        help_heading = "Global options"
    )]
    pub by: Option<String>,

    /// When to use colour (NO_COLOR is honoured under `auto`)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, help_heading = "Global options")]
    pub color: ColorWhen,

    /// Do not page long output on a terminal (pager: TKT_PAGER, PAGER, less -FRX)
    #[arg(long, global = true, help_heading = "Global options")]
    pub no_pager: bool,

    /// Show instants (in the zone of TZ, else UTC) instead of "in 2h", "4d ago"
    #[arg(long, global = true, help_heading = "Global options")]
    pub absolute: bool,

    /// Read every ticket file, without the desk's index (also TKT_NO_INDEX=1)
    #[arg(
        long,
        env = "TKT_NO_INDEX",
        global = true,
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new(),
        help_heading = "Global options"
    )]
    pub no_index: bool,

    #[command(subcommand)]
    pub command: Command,
}

impl Command {
    /// The `--format` given to the verb, if it takes one.
    fn format(&self) -> Option<Format> {
        use commands::action::ActionCommand;
        use commands::sla::SlaCommand;
        match self {
            Command::Open(a) => a.format.get(),
            Command::Show(a) => a.format.get(),
            Command::Note(a) => a.format.get(),
            Command::Attach(a) => a.format.get(),
            Command::Diagnose(a) => a.format.get(),
            Command::Escalate(a) => a.format.get(),
            Command::Notify(a) => a.format.get(),
            Command::Pause(a) => a.format.get(),
            Command::Resume(a) => a.format.get(),
            Command::Assign(a) => a.format.get(),
            Command::Handover(a) => a.format.get(),
            Command::Involve(a) => a.format.get(),
            Command::Resolve(a) => a.format.get(),
            Command::Approve(a) => a.format.get(),
            Command::Close(a) => a.format.get(),
            Command::Reopen(a) => a.format.get(),
            Command::Review(a) => a.format.get(),
            Command::Action(a) => match &a.command {
                ActionCommand::List(l) => l.format.get(),
                ActionCommand::Done(d) => d.format.get(),
            },
            Command::Amend(a) => a.format.get(),
            Command::Void(a) => a.format.get(),
            Command::Flag(a) => a.format.get(),
            Command::Severity(a) => a.format.get(),
            Command::Inbox(a) => a.format.get(),
            Command::Oncall(a) => a.format.get(),
            Command::List(a) => a.format.get(),
            Command::Sla(a) => match &a.command {
                Some(SlaCommand::Explain { format, .. }) => format.get(),
                None => a.format.get(),
            },
            Command::Check(a) => a.format.get(),
            Command::Report(a) => a.format.get(),
            Command::Export(_) | Command::Deliver(_) => None,
            Command::Ingest(a) => a.format.get(),
            Command::Changes(a) => a.format.get(),
            Command::Init(_)
            | Command::FixConflicts(_)
            | Command::SetupGit(_)
            | Command::MergeDriver(_)
            | Command::Completions(_)
            | Command::Man(_) => None,
        }
    }

    /// Whether the command reads and may print a lot: its output goes
    /// through the pager on a terminal. Writing verbs print a line.
    fn pages(&self) -> bool {
        match self {
            Command::Show(_)
            | Command::List(_)
            | Command::Sla(_)
            | Command::Check(_)
            | Command::Changes(_)
            | Command::Inbox(_)
            | Command::Oncall(_)
            | Command::Report(_) => true,
            Command::Escalate(a) => a.due,
            Command::Notify(a) => a.due,
            Command::Review(a) => a.due || a.draft,
            Command::Handover(a) => a.summary,
            Command::Action(a) => matches!(a.command, commands::action::ActionCommand::List(_)),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Github,
    Junit,
    Markdown,
    Csv,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a tkt repository: policy.toml (the SOP defaults), people.toml, tickets/, editor schemas, .gitattributes
    Init(commands::init::InitArgs),
    /// Open a ticket; prints its ID
    Open(commands::open::OpenArgs),
    /// Show a ticket: header, status, timeline, what the next level needs
    Show(commands::show::ShowArgs),
    /// Add an internal note to a ticket
    Note(commands::note::NoteArgs),
    /// Attach evidence that is not a log (screenshots, dumps); stored beside the tickets
    Attach(commands::attach::AttachArgs),
    /// Record a troubleshooting step (identify, analyze, test, document, correct), with logs and error codes
    Diagnose(commands::diagnose::DiagnoseArgs),
    /// Escalate to a higher level, if the documentation it requires is present; --due lists escalations owed
    Escalate(commands::escalate::EscalateArgs),
    /// Record a customer notification from the policy's templates; --due lists customers owed word
    Notify(commands::notify::NotifyArgs),
    /// Send what channels.toml routes (mail, chat webhooks, pages, reminders), record each attempt, exit; for CI or cron
    Deliver(commands::deliver::DeliverArgs),
    /// Customers' mail into tickets: a reply becomes an event (and ends a wait on the customer), new mail from a known customer opens a ticket, the rest is quarantined
    Ingest(commands::ingest::IngestArgs),
    /// Pause the SLA clocks while waiting on the customer (or a third party)
    Pause(commands::pause::PauseArgs),
    /// Resume a paused ticket
    Resume(commands::pause::ResumeArgs),
    /// Assign a ticket to someone (and optionally a team)
    Assign(commands::assign::AssignArgs),
    /// Shift handover: reassign one person's open tickets, print the summary
    Handover(commands::handover::HandoverArgs),
    /// Ask another team for help, or record its answer
    Involve(commands::involve::InvolveArgs),
    /// Record the resolution
    Resolve(commands::resolve::ResolveArgs),
    /// Approve closing a resolved ticket, as yourself (four eyes: not its resolver)
    Approve(commands::resolve::ApproveArgs),
    /// Close a resolved ticket, verifying confirmation and approval
    Close(commands::resolve::CloseArgs),
    /// Reopen a resolved or closed ticket
    Reopen(commands::resolve::ReopenArgs),
    /// Record (part of) the post-escalation review; --draft, --due
    Review(commands::review::ReviewArgs),
    /// Review action items: list them (--owner @me, --overdue), mark one done
    Action(commands::action::ActionArgs),
    /// Add to or correct what was known at open (description, impact, contact, …)
    Amend(commands::amend::AmendArgs),
    /// Void an earlier event (a correction, appended): the replay ignores it from now on
    Void(commands::void::VoidArgs),
    /// Flag (or clear) a ticket as a repeated outage
    Flag(commands::amend::FlagArgs),
    /// Change a ticket's severity
    Severity(commands::amend::SeverityArgs),
    /// What needs you now across every ticket, most urgent first
    Inbox(commands::inbox::InboxArgs),
    /// Who is on call now and next, per rotation in people.toml
    Oncall(commands::oncall::OncallArgs),
    /// List tickets with filters
    List(commands::list::ListArgs),
    /// SLA timers of open tickets, most urgent first; `--check` gates CI
    Sla(commands::sla::SlaArgs),
    /// SLA attainment over a period (--month, --period, --since/--until), by group, with every breach
    Report(commands::report::ReportArgs),
    /// Tickets, events and timer cycles as JSON Lines, CSV or Parquet, for DuckDB, BigQuery, Spark
    Export(commands::export::ExportArgs),
    /// Validate the policy and every ticket; report all findings
    Check(commands::check::CheckArgs),
    /// What a branch does to tickets since --base, as a story for reviewers (markdown or JSON)
    Changes(commands::changes::ChangesArgs),
    /// Repair ticket files holding git conflict markers (concurrent appends merged in time order)
    FixConflicts(commands::merge::FixConflictsArgs),
    /// Make git merge ticket files with tkt: .gitattributes and this clone's merge driver
    SetupGit(commands::merge::SetupGitArgs),
    /// git's merge driver for ticket files (`tkt merge-driver %O %A %B`; set up by setup-git)
    #[command(hide = true)]
    MergeDriver(commands::merge::MergeDriverArgs),
    /// Print a manual page (tkt(1), or one verb's); --out DIR writes them all
    Man(commands::man::ManArgs),
    /// Print shell completions
    Completions(commands::completions::CompletionsArgs),
}

/// Event-writing verbs share these.
#[derive(Args, Debug, Clone, Default)]
pub struct EventTime {
    /// When it happened (default: --now, else the clock)
    #[arg(long, value_name = "RFC3339", value_parser = parse_timestamp)]
    pub at: Option<Timestamp>,
}

/// `--now`, `TKT_NOW` and `--at`: RFC 3339, in the years tkt writes.
pub fn parse_timestamp(text: &str) -> Result<Timestamp, String> {
    let at = Timestamp::parse(text).map_err(|e| e.to_string())?;
    if !at.is_writable() {
        let years = Timestamp::WRITABLE_YEARS;
        return Err(format!(
            "`{}` is outside the years tkt works in ({}-{})",
            text.trim(),
            years.start(),
            years.end()
        ));
    }
    Ok(at)
}

/// What every command gets: where it runs, the clock, the actor, the format.
pub struct Ctx {
    pub dir: PathBuf,
    /// The evaluation instant: --now, else the clock at start.
    pub now: Timestamp,
    /// Whether --now (or TKT_NOW) fixed the clock.
    fixed_now: bool,
    by: Option<String>,
    pub format: Option<Format>,
    pub interactive: bool,
    /// Listings read every file (--no-index).
    pub no_index: bool,
}

impl Ctx {
    /// The repository holding the working directory (or -C), trusted as
    /// git trusts it, with the lock wait from `TKT_LOCK_TIMEOUT` (seconds).
    pub fn repo(&self) -> Result<Repo, CliError> {
        let repo = Repo::discover(&self.dir, tkt::git::safe_directory)?;
        let timeout = match std::env::var("TKT_LOCK_TIMEOUT") {
            Ok(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0 && *s <= 86_400.0)
                .map(std::time::Duration::from_secs_f64)
                .ok_or_else(|| {
                    CliError::usage(format!(
                        "TKT_LOCK_TIMEOUT=`{text}` is not a number of seconds from 0 to 86400"
                    ))
                })?,
            Err(_) => tkt::store::DEFAULT_LOCK_TIMEOUT,
        };
        let root = repo.root().to_path_buf();
        let observer: tkt::store::LockObserver = std::sync::Arc::new(move |wait| {
            output::lock_wait(&root, wait);
        });
        Ok(repo
            .with_lock_wait(timeout, Some(observer))
            .with_index(!self.no_index))
    }

    pub fn repo_and_policy(&self) -> Result<(Repo, Policy), CliError> {
        let repo = self.repo()?;
        let policy = repo.load_policy()?;
        Ok((repo, policy))
    }

    /// The acting person: --by, $TKT_USER, then git's user.email.
    /// When `people.toml` lists anyone, the acting person must be one of
    /// them (handle, email or alias, never a prefix), still with the team;
    /// the handle is what new events record.
    pub fn actor(&self, repo: &Repo, who: &commands::who::Who) -> Result<String, CliError> {
        let named = self.named_actor(repo)?;
        who.resolve(&named, commands::who::Role::Actor, self.clock())
    }

    /// The acting identity as given (--by, $TKT_USER, git's user.email),
    /// not looked up in `people.toml`: for a system that records on its
    /// own (mail coming in), not a person of the desk.
    pub fn named_actor(&self, repo: &Repo) -> Result<String, CliError> {
        match self.by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(by) => Ok(by.to_string()),
            None => tkt::git::user_email(repo.root()).ok_or_else(|| {
                CliError::usage(
                    "who is acting? pass --by WHO, set TKT_USER, or set git's user.email",
                )
            }),
        }
    }

    /// The format asked for, checked against what a command supports; the
    /// first supported one is the default.
    pub fn format(&self, supported: &[Format]) -> Result<Format, CliError> {
        match self.format {
            None => Ok(supported[0]),
            Some(f) if supported.contains(&f) => Ok(f),
            Some(f) => Err(CliError::usage(format!(
                "this command does not support --format {}; use one of: {}",
                f.to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default(),
                supported
                    .iter()
                    .filter_map(|f| f.to_possible_value())
                    .map(|v| v.get_name().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The instant of a new event: --at, else --now, else the clock. Call
    /// it under the ticket's lock, so that concurrent writers that default to
    /// the clock append in time order.
    pub fn event_time(&self, time: &EventTime) -> Timestamp {
        match (time.at, self.fixed_now) {
            (Some(at), _) => at,
            (None, true) => self.now,
            (None, false) => Timestamp::from_utc(chrono::Utc::now()),
        }
    }

    /// The clock for "is this in the future" checks: --now, else the clock.
    pub fn clock(&self) -> Timestamp {
        if self.fixed_now {
            self.now
        } else {
            Timestamp::from_utc(chrono::Utc::now())
        }
    }

    /// The system clock, whatever --now says: new events may not be dated
    /// after it (by more than the skew allowance), so that a typo in
    /// `TKT_NOW` cannot write a future event.
    pub fn system_clock(&self) -> Timestamp {
        Timestamp::from_utc(chrono::Utc::now())
    }

    /// Where a new event's time came from, for messages.
    pub fn event_time_source(&self, time: &EventTime) -> &'static str {
        match (time.at, self.fixed_now) {
            (Some(_), _) => "--at",
            (None, true) => "--now (or TKT_NOW)",
            (None, false) => "the clock",
        }
    }

    /// Refuses a new event dated after the system clock (plus the skew
    /// allowance), naming where the date came from.
    pub fn refuse_future(&self, at: Timestamp, time: &EventTime) -> Result<(), CliError> {
        let clock = self.system_clock();
        if at > clock.plus(tkt::workflow::FUTURE_SKEW_SECONDS) {
            return Err(CliError::usage(format!(
                "{at} (from {}) is in the future: the system clock says {clock}, and events may be dated at most {} minutes ahead of it",
                self.event_time_source(time),
                tkt::workflow::FUTURE_SKEW_SECONDS / 60
            )));
        }
        Ok(())
    }
}

/// What a command that worked reports: 0 or 1 (found or refused something).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Found,
}

pub fn main() -> ExitCode {
    // A shell asking for completions (TKT_COMPLETE set) is answered and exits.
    complete::complete();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are successes; everything else is a usage
            // error, whose text may quote what was typed: print it plain,
            // with controls escaped, never raw.
            if e.use_stderr() {
                output::usage_error(&e.render().to_string());
                return ExitCode::from(2);
            }
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    output::set_color(cli.color);
    if cli.absolute {
        crate::render::show_absolute(Some(terminal::user_zone()));
    }
    let term = terminal::Terminal::detect();
    crate::render::table::fit_to(term.width);
    let pager = if term.is_tty && !cli.no_pager && cli.command.pages() {
        terminal::Pager::start()
    } else {
        None
    };
    if pager.is_some() && cli.color == ColorWhen::Auto && std::env::var_os("NO_COLOR").is_none() {
        // The pager shows colours (less -R) though stdout is now a pipe.
        output::set_color(ColorWhen::Always);
    }
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let ctx = Ctx {
        dir,
        now: cli
            .now
            .unwrap_or_else(|| Timestamp::from_utc(chrono::Utc::now())),
        fixed_now: cli.now.is_some(),
        by: cli.by.clone(),
        format: cli.command.format(),
        interactive: std::io::stdin().is_terminal() && std::io::stdout().is_terminal(),
        no_index: cli.no_index,
    };
    let result = match cli.command {
        Command::Init(args) => commands::init::run(&ctx, args),
        Command::Open(args) => commands::open::run(&ctx, args),
        Command::Show(args) => commands::show::run(&ctx, args),
        Command::Note(args) => commands::note::run(&ctx, args),
        Command::Diagnose(args) => commands::diagnose::run(&ctx, args),
        Command::Attach(args) => commands::attach::run(&ctx, args),
        Command::Escalate(args) => commands::escalate::run(&ctx, args),
        Command::Notify(args) => commands::notify::run(&ctx, args),
        Command::Deliver(args) => commands::deliver::run(&ctx, args),
        Command::Ingest(args) => commands::ingest::run(&ctx, args),
        Command::Pause(args) => commands::pause::pause(&ctx, args),
        Command::Resume(args) => commands::pause::resume(&ctx, args),
        Command::Assign(args) => commands::assign::run(&ctx, args),
        Command::Handover(args) => commands::handover::run(&ctx, args),
        Command::Involve(args) => commands::involve::run(&ctx, args),
        Command::Resolve(args) => commands::resolve::resolve(&ctx, args),
        Command::Approve(args) => commands::resolve::approve(&ctx, args),
        Command::Close(args) => commands::resolve::close(&ctx, args),
        Command::Reopen(args) => commands::resolve::reopen(&ctx, args),
        Command::Review(args) => commands::review::run(&ctx, args),
        Command::Action(args) => commands::action::run(&ctx, args),
        Command::Amend(args) => commands::amend::amend(&ctx, args),
        Command::Flag(args) => commands::amend::flag(&ctx, args),
        Command::Void(args) => commands::void::run(&ctx, args),
        Command::Severity(args) => commands::amend::severity(&ctx, args),
        Command::Inbox(args) => commands::inbox::run(&ctx, args),
        Command::Oncall(args) => commands::oncall::run(&ctx, args),
        Command::List(args) => commands::list::run(&ctx, args),
        Command::Sla(args) => commands::sla::run(&ctx, args),
        Command::Check(args) => commands::check::run(&ctx, args),
        Command::Report(args) => commands::report::run(&ctx, args),
        Command::Export(args) => commands::export::run(&ctx, args),
        Command::Changes(args) => commands::changes::run(&ctx, args),
        Command::FixConflicts(args) => commands::merge::fix_conflicts(&ctx, args),
        Command::SetupGit(args) => commands::merge::setup_git(&ctx, args),
        Command::MergeDriver(args) => commands::merge::merge_driver(&ctx, args),
        Command::Completions(args) => commands::completions::run(args),
        Command::Man(args) => commands::man::run(args),
    };
    if let Some(pager) = pager {
        pager.finish();
    }
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Err(e) => {
            if e.kind != Kind::BrokenPipe {
                output::print_error(&e);
            }
            ExitCode::from(e.exit_code())
        }
    }
}
