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

/// Says on stderr, loudly, when the index is the partial result of an unfinished build:
/// every count it gives may be too low.
fn warn_if_incomplete(idx: &crate::index::PolicyIndex) {
    if let Some(incomplete) = &idx.info.incomplete {
        eprintln!(
            "policies: WARNING: the index at {} is INCOMPLETE: {incomplete}. Counts and hits \
             come from the part indexed so far; run the same `policies index` command again \
             to finish it.",
            idx.path.display()
        );
    }
}

/// After a search with no hits: names each vendor or processor filter the index does
/// not hold, with the values that look alike, on stderr.
fn explain_unknown_filters(
    searcher: &tantivy::Searcher,
    filters: &crate::search::Filters,
) -> anyhow::Result<()> {
    for unknown in crate::search::browse::unknown_filter_values(searcher, filters)? {
        let listing = if unknown.kind == "vendor" {
            "`policies vendors` lists them"
        } else {
            "`policies stats` lists them"
        };
        if unknown.similar.is_empty() {
            eprintln!(
                "policies: no {} {:?} in the index, and none looks alike ({listing})",
                unknown.kind, unknown.value
            );
        } else {
            eprintln!(
                "policies: no {} {:?} in the index; did you mean {}?",
                unknown.kind,
                unknown.value,
                unknown.similar.join(", ")
            );
        }
    }
    Ok(())
}
