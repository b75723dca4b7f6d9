//! The command layer: resolve clap arguments into config structs, call the library, hand
//! the results to the printers, and choose the exit code.

mod args;
mod browse;
mod index;
mod query;
mod research;
mod trend;

use crate::cli::{Cli, Command};

/// How a command ended, as the shell sees it (grep's convention, as ripgrep and fd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Something matched (or the command did its work): 0.
    Match,
    /// Nothing matched: 1.
    NoMatch,
    /// An error (bad argument or query, missing or damaged index): 2.
    Error,
    /// Stopped by this signal: 128 + the signal's number.
    Interrupted(i32),
}

impl Exit {
    /// `Match` when `matched`, else `NoMatch`.
    pub fn matched(matched: bool) -> Exit {
        if matched { Exit::Match } else { Exit::NoMatch }
    }

    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Match => 0,
            Exit::NoMatch => 1,
            Exit::Error => 2,
            Exit::Interrupted(signal) => u8::try_from(128 + signal).unwrap_or(255),
        }
    }
}

/// Runs one command; an error is [`Exit::Error`] once `main` has printed it.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Index(args) => index::run(args),
        Command::Query(args) => query::run(args),
        Command::Trend(args) => trend::run(args),
        Command::History(args) => research::history(args),
        Command::Clusters(args) => research::clusters(args),
        Command::Rising(args) => research::rising(args),
        Command::Stats(args) => browse::stats(args),
        Command::Show(args) => browse::show(args),
        Command::Vendors(args) => browse::vendors(args),
        Command::Diff(args) => browse::diff(args),
        Command::Serve(args) => {
            // Builds the default index on first use, as `query` does.
            let idx = query::open_or_build(args.index.as_deref())?;
            crate::serve::serve(crate::serve::ServeConfig {
                index: idx.path.clone(),
                bind: args.bind,
                open: args.open,
                quiet: args.quiet,
                cache_bytes: usize::try_from(args.cache_mb << 20).unwrap_or(usize::MAX),
            })?;
            Ok(Exit::Match)
        }
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            // Generated into memory: clap_complete panics when its writer fails.
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut command, "policies", &mut script);
            with_stdout(|out| out.write_all(&script))?;
            Ok(Exit::Match)
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            with_stdout(|out| clap_mangen::Man::new(command).render(out))?;
            Ok(Exit::Match)
        }
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

/// Says on stderr, loudly, when the index is the partial result of an unfinished build:
/// every count it gives may be too low.
fn warn_if_incomplete(idx: &policies::index::PolicyIndex) {
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
    filters: &policies::search::Filters,
) -> anyhow::Result<()> {
    for unknown in policies::search::browse::unknown_filter_values(searcher, filters)? {
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
