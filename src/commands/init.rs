use std::path::PathBuf;

use clap::Args;
use tkt::policy::DEFAULT_POLICY;
use tkt::store::{Repo, StoreError};

use crate::cli::{CliError, Ctx, Kind, Outcome};
use crate::render::init as render;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Directory to initialise (default: the current one, or -C)
    // Its own id: an arg with the id `dir` would receive the global -C.
    #[arg(id = "target", value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Only (re)write the JSON Schemas under .tkt/schema/ of an existing
    /// desk, e.g. after upgrading tkt
    #[arg(long)]
    pub schemas: bool,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<Outcome, CliError> {
    let root = match args.dir {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => ctx.dir.join(dir),
        None => ctx.dir.clone(),
    };
    let repo = Repo::at(&root);
    let policy = repo.policy_path();
    if args.schemas {
        if !policy.exists() {
            return Err(CliError::usage(format!(
                "{} is not a desk (no policy.toml); run tkt init there first",
                root.display()
            )));
        }
        let dir = root.join(tkt::schema::DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| CliError::new(Kind::Environment, format!("{}: {e}", dir.display())))?;
        for (name, text) in tkt::schema::all() {
            tkt::store::replace_file(&dir.join(name), text.as_bytes())?;
        }
        render::schemas_written(&mut anstream::stdout().lock(), &dir)?;
        return Ok(Outcome::Clean);
    }
    if policy.exists() {
        return Err(CliError::refused(format!(
            "{} already exists; not overwriting it",
            policy.display()
        )));
    }
    let tickets = repo.tickets_dir();
    std::fs::create_dir_all(&tickets)
        .map_err(|e| CliError::new(Kind::Environment, format!("{}: {e}", tickets.display())))?;
    // Atomic and exclusive: a full or read-only disk leaves no half-written
    // policy, and a policy that appeared meanwhile is never clobbered.
    match tkt::store::create_new_file(&policy, DEFAULT_POLICY.as_bytes()) {
        Ok(()) => {}
        Err(StoreError::Exists { .. }) => {
            return Err(CliError::refused(format!(
                "{} already exists; not overwriting it",
                policy.display()
            )));
        }
        Err(e) => return Err(e.into()),
    }
    // A commented example: nobody is listed until the team says so.
    match tkt::store::create_new_file(&repo.people_path(), tkt::people::EXAMPLE.as_bytes()) {
        Ok(()) | Err(StoreError::Exists { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    // The schemas editors validate with, in the desk itself.
    let schemas = root.join(tkt::schema::DIR);
    std::fs::create_dir_all(&schemas)
        .map_err(|e| CliError::new(Kind::Environment, format!("{}: {e}", schemas.display())))?;
    for (name, text) in tkt::schema::all() {
        match tkt::store::create_new_file(&schemas.join(name), text.as_bytes()) {
            Ok(()) | Err(StoreError::Exists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let attributes = super::merge::ensure_gitattributes(&root)?;
    render::initialised(&mut anstream::stdout().lock(), &root, attributes)?;
    Ok(Outcome::Clean)
}
