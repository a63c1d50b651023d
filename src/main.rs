//! The `tkt` binary: parse arguments, run one command, map the outcome to an
//! exit code. Everything else lives in the library and the modules below.

mod cli;
mod commands;
mod render;

fn main() -> std::process::ExitCode {
    cli::main()
}
