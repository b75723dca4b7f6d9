//! The `policies` binary: parse the command line, run, turn the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = <policies::cli::Cli as clap::Parser>::parse();
    match policies::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if policies::cmd::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("policies: error: {err:#}");
            ExitCode::from(2)
        }
    }
}
