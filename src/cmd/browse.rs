//! `policies stats`, `show` and `vendors`.

use super::query::open_or_build;
use crate::cli::{ShowArgs, StatsArgs, VendorsArgs};
use crate::output::reports::{print_shown, print_stats, print_vendors};
use crate::output::use_color;
use crate::search::browse::{
    ShowTarget, show as find, stats as compute_stats, vendors as list_vendors,
};
use crate::search::{Filters, QueryConfig};

pub(super) fn stats(args: StatsArgs) -> anyhow::Result<u8> {
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let s = compute_stats(&idx, &searcher)?;
    super::with_stdout(|out| print_stats(out, &s, args.format.into()))?;
    Ok(0)
}

pub(super) fn show(args: ShowArgs) -> anyhow::Result<u8> {
    let date = args
        .date
        .as_deref()
        .map(|d| {
            crate::corpus::header::parse_date(d)
                .map(|_| d.to_string())
                .ok_or_else(|| anyhow::anyhow!("bad --date {d:?}: use YYYY-MM-DD"))
        })
        .transpose()?;
    let target = ShowTarget::parse(&args.target, date, args.latest);
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let shown = find(&idx, &searcher, &target)?;
    super::with_stdout(|out| print_shown(out, &shown, args.format.into(), use_color()))?;
    Ok(0)
}

pub(super) fn vendors(args: VendorsArgs) -> anyhow::Result<u8> {
    let query = args
        .query
        .as_deref()
        .map(|q| QueryConfig::new(q, Filters::default()));
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let rows = list_vendors(&idx, &searcher, query.as_ref())?;
    super::with_stdout(|out| print_vendors(out, &rows, args.format))?;
    Ok(if rows.is_empty() { 1 } else { 0 })
}
