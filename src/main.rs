//! The `policies` binary: parse the command line, run, turn the outcome into an exit code.

mod cli;
mod cmd;
mod serve;

use std::process::ExitCode;

/// mimalloc instead of the system allocator: an index build allocates documents in the
/// parsing threads and frees them in tantivy's indexing threads, and glibc's per-thread
/// arenas kept that memory (on the benchmark corpus M the build's anonymous memory was
/// 730-870 MB with glibc, 545 MB with one glibc arena).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = <cli::Cli as clap::Parser>::parse();
    // A panic is a bug (or an index damaged in a way no check caught): report it as an
    // error with the way out, not as a crash.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "policies: internal error: {info}\npolicies: if the index is damaged, \
             `policies index --rebuild` recreates it"
        );
    }));
    match std::panic::catch_unwind(|| cmd::run(cli)) {
        Ok(Ok(exit)) => ExitCode::from(exit.code()),
        Ok(Err(err)) => {
            if cmd::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("policies: error: {err:#}");
            ExitCode::from(cmd::Exit::Error.code())
        }
        Err(_) => ExitCode::from(cmd::Exit::Error.code()),
    }
}
