//! `policies trend`: share of snapshots matching each query per period, with a chart.

use anyhow::Context;

use super::query::{filters, open_or_build};
use crate::cli::TrendArgs;
use crate::output::plot::plot_trend;
use crate::output::reports::print_trend;
use crate::search::QueryConfig;
use crate::search::trend::{TrendConfig, trend};

pub(super) fn run(args: TrendArgs) -> anyhow::Result<u8> {
    let cfg = TrendConfig {
        queries: args.queries.clone(),
        by: args.by,
        filters: QueryConfig::new("*", filters(&args.filters)?),
    };
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let t = trend(&idx, &searcher, &cfg).context("trend failed")?;
    if let Some(path) = &args.plot {
        plot_trend(&t, path)?;
        eprintln!("policies: chart written to {}", path.display());
    }
    super::with_stdout(|out| print_trend(out, &t, args.format))?;
    let any = t
        .rows
        .iter()
        .any(|r| r.matches.iter().any(|c| c.policies_matching > 0));
    Ok(if any { 0 } else { 1 })
}
