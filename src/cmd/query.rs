//! `policies query`: search and print; builds the default index on first use.

use super::Exit;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::QueryArgs;
use policies::error::IndexError;
use policies::index::PolicyIndex;
use policies::output::{HitPrinter, use_color};
use policies::search::search_each;

/// Opens the index; with the default location and no index yet, builds it from the
/// default corpus first, saying so.
pub(super) fn open_or_build(index: Option<&Path>) -> anyhow::Result<PolicyIndex> {
    let path = index.map_or_else(
        || PathBuf::from(super::args::DEFAULT_INDEX),
        Path::to_path_buf,
    );
    match PolicyIndex::open(&path) {
        Err(IndexError::Missing { .. }) if index.is_none() => {
            let corpus = PathBuf::from(super::args::DEFAULT_CORPUS);
            eprintln!(
                "policies: no index yet; building {} from {}/ first",
                path.display(),
                corpus.display()
            );
            let cfg = super::args::default_index_config()?;
            let (summary, signal) = super::index::build(&cfg, false)?;
            super::index::report(&summary, false);
            if summary.interrupted {
                anyhow::bail!("interrupted by signal {signal} while building the index");
            }
            let idx = PolicyIndex::open(&path)?;
            super::warn_if_incomplete(&idx);
            Ok(idx)
        }
        other => {
            let idx = other?;
            super::warn_if_incomplete(&idx);
            Ok(idx)
        }
    }
}

pub(super) fn run(args: QueryArgs) -> anyhow::Result<Exit> {
    use std::io::Write;
    let cfg = super::args::query_config(&args)?;
    let idx = open_or_build(args.index.as_deref())?;
    let reader = idx.reader()?;
    let searcher = reader.searcher();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut printer = HitPrinter::new(
        &mut out,
        args.format.into(),
        args.count,
        use_color(),
        idx.info.incomplete.is_none(),
    );
    let result = search_each(&idx, &searcher, &cfg, &mut |hit| printer.hit(&hit))
        .context("search failed")?;
    printer.finish(&result)?;
    out.flush()?;
    let matched = result.per_vendor_hits.unwrap_or(result.total_hits);
    if matched == 0 {
        super::explain_unknown_filters(&searcher, &cfg.filters)?;
    }
    Ok(Exit::matched(matched > 0))
}
