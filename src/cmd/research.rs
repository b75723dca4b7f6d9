//! `policies history`, `clusters` and `rising`.

use super::Exit;
use super::query::open_or_build;
use crate::cli::{ClustersArgs, HistoryArgs, RisingArgs};
use policies::output::research::{print_clusters, print_history, print_rising};
use policies::search::research;

pub(super) fn history(args: HistoryArgs) -> anyhow::Result<Exit> {
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let h = research::history(&idx, &searcher, &args.vendor, &args.query, args.exact)?;
    super::warn_if_incomplete(&idx);
    super::with_stdout(|out| print_history(out, &h, args.format.into()))?;
    Ok(Exit::matched(h.matching > 0))
}

pub(super) fn clusters(args: ClustersArgs) -> anyhow::Result<Exit> {
    let filters = super::args::filters(&args.filters)?;
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let c = research::clusters(&idx, &searcher, &filters, args.near, args.limit)?;
    super::warn_if_incomplete(&idx);
    super::with_stdout(|out| print_clusters(out, &c, args.format.into()))?;
    Ok(Exit::matched(c.total_clusters > 0))
}

pub(super) fn rising(args: RisingArgs) -> anyhow::Result<Exit> {
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let r = research::rising(
        &idx,
        &searcher,
        &args.from,
        &args.to,
        args.min_policies,
        args.limit,
    )?;
    super::warn_if_incomplete(&idx);
    super::with_stdout(|out| print_rising(out, &r, args.format.into()))?;
    Ok(Exit::matched(!r.rising.is_empty() || !r.falling.is_empty()))
}
