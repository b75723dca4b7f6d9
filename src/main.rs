//! The `policies` binary: parse the command line, run, turn the outcome into an exit code.

mod cli;
mod cmd;
mod serve;

use std::process::ExitCode;

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
