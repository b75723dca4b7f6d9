//! `policies trend`: share of snapshots matching each query per period, with a chart.

use super::Exit;

use anyhow::Context;

use super::query::open_or_build;
use crate::cli::TrendArgs;
use policies::output::plot::plot_trend;
use policies::output::reports::print_trend;
use policies::search::trend::trend;

pub(super) fn run(args: TrendArgs) -> anyhow::Result<Exit> {
    let cfg = super::args::trend_config(&args)?;
    if args.plot.is_some() && cfg.queries.is_empty() {
        anyhow::bail!(
            "bad --plot: the chart draws each query's share; give a query or an --entity \
             (a --metric alone is a table)"
        );
    }
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let t = trend(&idx, &searcher, &cfg).context("trend failed")?;
    if let Some(path) = &args.plot {
        plot_trend(&t, path)?;
        eprintln!("policies: chart written to {}", path.display());
    }
    super::with_stdout(|out| print_trend(out, &t, args.format.into()))?;
    // With queries: did any match? Without (a measure alone): is there any period?
    let any = if t.queries.is_empty() {
        !t.rows.is_empty()
    } else {
        t.rows
            .iter()
            .any(|r| r.matches.iter().any(|c| c.policies_matching > 0))
    };
    Ok(Exit::matched(any))
}
