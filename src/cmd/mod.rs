//! The command layer: resolve clap arguments into config structs, call the library, hand
//! the results to the printers, and choose the exit code.

mod browse;
mod index;
mod query;
mod trend;

use crate::cli::{Cli, Command};

/// Default corpus and index locations, relative to the working directory.
pub const DEFAULT_CORPUS: &str = "corpus";
pub const DEFAULT_INDEX: &str = "index";

/// Runs one command; returns the exit code (0 results, 1 none) or an error (exit 2).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Index(args) => index::run(args),
        Command::Query(args) => query::run(args),
        Command::Trend(args) => trend::run(args),
        Command::Stats(args) => browse::stats(args),
        Command::Show(args) => browse::show(args),
        Command::Vendors(args) => browse::vendors(args),
    }
}

/// Whether an error is stdout going away (`| head`): not worth a message.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs `print` on a buffered, locked stdout and flushes it.
fn with_stdout(
    print: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    print(&mut out)?;
    out.flush()?;
    Ok(())
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}
