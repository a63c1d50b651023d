use std::path::PathBuf;

use clap::Args;
use tkt::policy::DEFAULT_POLICY;
use tkt::store::Repo;

use crate::cli::{CliError, Ctx, Outcome};
use crate::render::init as render;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Directory to initialise (default: the current one, or -C)
    // Its own id: an arg with the id `dir` would receive the global -C.
    #[arg(id = "target", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<Outcome, CliError> {
    let root = match args.dir {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => ctx.dir.join(dir),
        None => ctx.dir.clone(),
    };
    let repo = Repo::at(&root);
    let policy = repo.policy_path();
    if policy.exists() {
        return Err(CliError::refused(format!(
            "{} already exists; not overwriting it",
            policy.display()
        )));
    }
    std::fs::create_dir_all(repo.tickets_dir())?;
    // create_new: never clobber a policy that appeared meanwhile.
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&policy)?;
    file.write_all(DEFAULT_POLICY.as_bytes())?;
    file.sync_all()?;
    let attributes = super::merge::ensure_gitattributes(&root)?;
    render::initialised(&mut anstream::stdout().lock(), &root, attributes)?;
    Ok(Outcome::Clean)
}
