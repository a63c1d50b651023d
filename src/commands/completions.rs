use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::{Cli, CliError, Outcome};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> Result<Outcome, CliError> {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut command, "tkt", &mut buffer);
    use std::io::Write;
    std::io::stdout().write_all(&buffer)?;
    Ok(Outcome::Clean)
}
