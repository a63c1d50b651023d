//! The `tkt` binary: parse arguments, run one command, map the outcome to an
//! exit code. Everything else lives in the library and the modules below.

mod cli;
mod commands;
mod render;

fn main() -> std::process::ExitCode {
    cli::main()
}

/// malloc-heavy work (100,000 summaries decoded per listing) runs about a
/// quarter faster on mimalloc than on glibc's allocator (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
