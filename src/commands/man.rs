//! `tkt man [VERB]`: the manual pages, generated from the clap definitions
//! (`tkt(1)`, `tkt-VERB(1)`); `--out DIR` writes them all for packaging.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory};

use crate::cli::{Cli, CliError, Outcome};
use crate::render::man;

#[derive(Args, Debug)]
pub struct ManArgs {
    /// The verb whose page to print (default: tkt(1))
    pub verb: Option<String>,
    /// Write every page (tkt.1 and tkt-VERB.1) into DIR instead
    #[arg(long, value_name = "DIR", conflicts_with = "verb")]
    pub out: Option<PathBuf>,
}

/// Every verb with a page: the subcommands `--help` lists.
fn verbs(root: &clap::Command) -> Vec<clap::Command> {
    root.get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .cloned()
        .collect()
}

pub fn run(args: ManArgs) -> Result<Outcome, CliError> {
    let mut root = Cli::command();
    root.build();
    if let Some(dir) = args.out {
        std::fs::create_dir_all(&dir)
            .map_err(|e| CliError::usage(format!("{}: {e}", dir.display())))?;
        let write = |name: &str, cmd: clap::Command| -> Result<(), CliError> {
            let path = dir.join(format!("{name}.1"));
            let mut file = std::fs::File::create(&path)
                .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
            man::page(&mut file, cmd, name)?;
            Ok(())
        };
        write("tkt", root.clone())?;
        let verbs = verbs(&root);
        for verb in &verbs {
            write(&format!("tkt-{}", verb.get_name()), verb.clone())?;
        }
        let mut out = anstream::stdout().lock();
        writeln!(out, "wrote {} pages to {}", verbs.len() + 1, dir.display())?;
        return Ok(Outcome::Clean);
    }
    let mut out = std::io::stdout().lock();
    match args.verb {
        None => man::page(&mut out, root, "tkt")?,
        Some(verb) => {
            let Some(cmd) = verbs(&root).into_iter().find(|c| c.get_name() == verb) else {
                let names: Vec<String> = verbs(&root)
                    .iter()
                    .map(|c| c.get_name().to_string())
                    .collect();
                return Err(CliError::usage(format!(
                    "no verb `{verb}`; tkt has: {}",
                    names.join(", ")
                )));
            };
            man::page(&mut out, cmd, &format!("tkt-{verb}"))?;
        }
    }
    Ok(Outcome::Clean)
}
