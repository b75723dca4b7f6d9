//! `policies query`: search and print; builds the default index on first use.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::{FacetArg, FilterArgs, IndexArgs, QueryArgs};
use crate::error::{IndexError, SearchError};
use crate::index::PolicyIndex;
use crate::output::{print_search, use_color};
use crate::search::{GroupBy, QueryConfig, resolve_date_bound, search};

/// Largest page a single query returns; larger requests are cut to it.
const MAX_LIMIT: usize = 10_000;

/// Resolves filters (shared by query, trend and vendors) into a search config.
pub(super) fn filter_config(filters: &FilterArgs, query: &str) -> Result<QueryConfig, SearchError> {
    let since = filters
        .since
        .as_deref()
        .map(|d| resolve_date_bound(d, false, "--since"))
        .transpose()?;
    let until = filters
        .until
        .as_deref()
        .map(|d| resolve_date_bound(d, true, "--until"))
        .transpose()?;
    if let (Some(s), Some(u)) = (&since, &until)
        && s > u
    {
        return Err(SearchError::BadArgument {
            argument: "--since/--until",
            message: format!("--since {s} is after --until {u}"),
        });
    }
    Ok(QueryConfig {
        query: query.to_string(),
        limit: 10,
        offset: 0,
        vendors: filters.vendors.clone(),
        year: filters.year,
        since,
        until,
        processors: filters.processors.clone(),
        per_vendor: None,
        snippet_chars: 240,
        count_only: false,
        facets: Vec::new(),
        facet_limit: 10,
    })
}

fn config(args: &QueryArgs) -> Result<QueryConfig, SearchError> {
    if args.snippet_chars < 20 || args.snippet_chars > 100_000 {
        return Err(SearchError::BadArgument {
            argument: "--snippet-chars",
            message: format!("{} is outside 20..=100000", args.snippet_chars),
        });
    }
    if args.per_vendor == Some(0) {
        return Err(SearchError::BadArgument {
            argument: "--per-vendor",
            message: "must be at least 1".to_string(),
        });
    }
    let mut facets: Vec<GroupBy> = args
        .facet
        .iter()
        .map(|f| match f {
            FacetArg::Year => GroupBy::Year,
            FacetArg::Vendor => GroupBy::Vendor,
            FacetArg::Processor => GroupBy::Processor,
        })
        .collect();
    facets.dedup();
    Ok(QueryConfig {
        limit: args.limit.min(MAX_LIMIT),
        offset: args.offset,
        per_vendor: args.per_vendor,
        snippet_chars: args.snippet_chars,
        count_only: args.count,
        facets,
        facet_limit: args.facet_limit,
        ..filter_config(&args.filters, &args.query)?
    })
}

/// Opens the index; with the default location and no index yet, builds it from the
/// default corpus first, saying so.
pub(super) fn open_or_build(index: Option<&Path>) -> anyhow::Result<PolicyIndex> {
    let path = index.map_or_else(|| PathBuf::from(super::DEFAULT_INDEX), Path::to_path_buf);
    match PolicyIndex::open(&path) {
        Err(IndexError::Missing { .. }) if index.is_none() => {
            let corpus = PathBuf::from(super::DEFAULT_CORPUS);
            eprintln!(
                "policies: no index yet; building {} from {}/ first",
                path.display(),
                corpus.display()
            );
            let args = IndexArgs {
                corpus: vec![corpus],
                index: path.clone(),
                threads: None,
                memory_mb: 1024,
                rebuild: false,
                max_file_mb: 32,
                processors: None,
                quiet: false,
                verbose: false,
                checkpoint_mb: 256,
                strict: false,
                git: None,
                rev: "HEAD".to_string(),
                paths: Vec::new(),
            };
            let (summary, signal) = super::index::build(&super::index::config(&args), false)?;
            if summary.interrupted {
                super::index::report(&summary, false);
                anyhow::bail!("interrupted by signal {signal} while building the index");
            }
            super::index::report(&summary, false);
            Ok(PolicyIndex::open(&path)?)
        }
        other => Ok(other?),
    }
}

pub(super) fn run(args: QueryArgs) -> anyhow::Result<u8> {
    let cfg = config(&args)?;
    let idx = open_or_build(args.index.as_deref())?;
    let reader = idx.reader()?;
    let searcher = reader.searcher();
    let result = search(&idx, &searcher, &cfg).context("search failed")?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    print_search(&mut out, &result, args.format, args.count, use_color())?;
    out.flush()?;
    Ok(if result.total_hits > 0 { 0 } else { 1 })
}
