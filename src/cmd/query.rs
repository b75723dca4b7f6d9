//! `policies query`: search and print; builds the default index on first use.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::{FacetArg, FilterArgs, QueryArgs};
use crate::error::{IndexError, SearchError};
use crate::index::PolicyIndex;
use crate::output::{HitPrinter, use_color};
use crate::search::{DatePeriod, Filters, GroupBy, QueryConfig, search_each};

/// Resolves the filter options (shared by query, trend and vendors) into plain filters.
pub(super) fn filters(args: &FilterArgs) -> Result<Filters, SearchError> {
    let bound = |value: &Option<String>, flag: &'static str, end: bool| {
        value
            .as_deref()
            .map(|d| {
                DatePeriod::parse(d)
                    .map(|p| if end { p.last } else { p.first })
                    .map_err(|message| SearchError::BadArgument {
                        argument: flag,
                        message,
                    })
            })
            .transpose()
    };
    let since = bound(&args.since, "--since", false)?;
    let until = bound(&args.until, "--until", true)?;
    if let (Some(s), Some(u)) = (&since, &until)
        && s > u
    {
        return Err(SearchError::BadArgument {
            argument: "--since/--until",
            message: format!("--since {s} is after --until {u}"),
        });
    }
    Ok(Filters {
        vendors: args.vendors.clone(),
        year: args.year,
        since,
        until,
        processors: args.processors.clone(),
    })
}

fn config(args: &QueryArgs) -> Result<QueryConfig, SearchError> {
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
        exact: args.exact,
        limit: (!args.all).then_some(args.limit),
        offset: args.offset,
        per_vendor: args.per_vendor.map(|k| k as usize),
        snippet_chars: args.snippet_chars as usize,
        count_only: args.count,
        facets,
        facet_limit: args.facet_limit,
        ..QueryConfig::new(&args.query, filters(&args.filters)?)
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
            // The defaults of `policies index`, from the one place that defines them.
            let args = super::index::default_args()?;
            let (summary, signal) = super::index::build(&super::index::config(&args), false)?;
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

pub(super) fn run(args: QueryArgs) -> anyhow::Result<u8> {
    use std::io::Write;
    let cfg = config(&args)?;
    let idx = open_or_build(args.index.as_deref())?;
    let reader = idx.reader()?;
    let searcher = reader.searcher();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut printer = HitPrinter::new(
        &mut out,
        args.format,
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
    Ok(if matched > 0 { 0 } else { 1 })
}
