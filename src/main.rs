//! The `policies` binary: parse the command line, run, turn the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <policies::cli::Cli as clap::Parser>::parse();
    // A panic is a bug (or an index damaged in a way no check caught): report it as an
    // error with the way out, not as a crash.
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "policies: internal error: {info}\npolicies: if the index is damaged, \
             `policies index --rebuild` recreates it"
        );
    }));
    match std::panic::catch_unwind(|| policies::run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(err)) => {
            if policies::cmd::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("policies: error: {err:#}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}
