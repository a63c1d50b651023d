use clap::Args;

use crate::cli::{CliError, Ctx, Format, Outcome};
use crate::render::check;
use std::io::Write;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Also check what changed since the merge-base of REV and HEAD:
    /// append-only history, editable header fields, no deleted tickets, no
    /// backdated or future-dated events
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// With --base: how far before the base's last event a new event may be
    /// dated (a call logged late); default: the policy's late_tolerance
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "base")]
    pub late_tolerance: Option<i64>,
    /// With --base: a pull request meant to take breaches out of the ledger
    /// (a loosened policy.toml, a void of a mistaken event) passes; what it
    /// erases is listed on stderr instead of failing the check
    #[arg(long, requires = "base")]
    pub allow_erased_breaches: bool,
    #[command(flatten)]
    pub format: crate::cli::format::CheckFormat,
}

fn parse_duration(text: &str) -> Result<i64, String> {
    tkt::duration::parse(text).map_err(|e| e.to_string())
}

pub fn run(ctx: &Ctx, args: CheckArgs) -> Result<Outcome, CliError> {
    // Annotations are what a GitHub Actions log wants by default.
    let on_github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let supported: &[Format] = if on_github {
        &[Format::Github, Format::Text, Format::Json]
    } else {
        &[Format::Text, Format::Json, Format::Github]
    };
    let format = ctx.format(supported)?;
    let repo = ctx.repo()?;
    // Future-dated means after the real clock, whatever --now says; what
    // a channel can no longer deliver is judged at --now, as `sla --check`
    // judges it.
    let at = tkt::check::At {
        now: ctx.clock(),
        clock: ctx.system_clock(),
    };
    let mut report = tkt::check::check_repo(&repo, at)?;
    if let Some(base) = &args.base {
        // A broken policy or people file is reported by the checks above;
        // the history rules then use the defaults and know nobody.
        let policy = repo.load_policy().ok();
        let policy_tolerance = policy
            .as_ref()
            .map(|p| p.late_tolerance)
            .unwrap_or(tkt::policy::DEFAULT_LATE_TOLERANCE);
        let rules = tkt::check::HistoryRules {
            late_tolerance_s: args.late_tolerance.unwrap_or(policy_tolerance),
            skew_s: tkt::workflow::FUTURE_SKEW_SECONDS,
            now: ctx.clock(),
        };
        tkt::check::check_history(&repo, base, rules, policy.as_ref(), &mut report)?;
    }
    let allowed = if args.allow_erased_breaches {
        report.take_rule(tkt::check::BREACH_ERASED)
    } else {
        Vec::new()
    };
    let mut out = crate::cli::output::stdout();
    match format {
        Format::Json => check::json(&mut out, &report)?,
        Format::Github => check::github(&mut out, &report)?,
        _ => check::text(&mut out, &report)?,
    }
    out.flush()?;
    if format != Format::Json {
        check::summary(&mut anstream::stderr(), &report)?;
    }
    check::allowed_erasures(&mut anstream::stderr(), &allowed)?;
    Ok(if report.findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Found
    })
}
