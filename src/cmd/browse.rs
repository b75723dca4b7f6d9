//! `policies stats`, `show` and `vendors`.

use super::Exit;

use super::query::open_or_build;
use crate::cli::{ShowArgs, StatsArgs, VendorsArgs};
use policies::output::reports::{print_shown, print_stats, print_vendors};
use policies::output::use_color;
use policies::search::browse::{show as find, stats as compute_stats, vendors as list_vendors};

pub(super) fn stats(args: StatsArgs) -> anyhow::Result<Exit> {
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let s = compute_stats(&idx, &searcher)?;
    super::with_stdout(|out| print_stats(out, &s, args.format.into()))?;
    Ok(Exit::Match)
}

pub(super) fn show(args: ShowArgs) -> anyhow::Result<Exit> {
    let target = super::args::show_target(&args)?;
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let shown = find(&idx, &searcher, &target)?;
    super::with_stdout(|out| print_shown(out, &shown, args.format.into(), use_color()))?;
    Ok(Exit::Match)
}

pub(super) fn vendors(args: VendorsArgs) -> anyhow::Result<Exit> {
    let query = super::args::vendors_query(&args)?;
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let rows = list_vendors(&idx, &searcher, query.as_ref())?;
    super::with_stdout(|out| print_vendors(out, &rows, args.format.into()))?;
    Ok(Exit::matched(!rows.is_empty()))
}

pub(super) fn diff(args: crate::cli::DiffArgs) -> anyhow::Result<Exit> {
    let req = super::args::diff_request(&args)?;
    let idx = open_or_build(args.index.as_deref())?;
    let searcher = idx.reader()?.searcher();
    let d = policies::search::diff::diff(&idx, &searcher, &req)?;
    super::with_stdout(|out| {
        policies::output::reports::print_diff(out, &d, args.format.into(), use_color())
    })?;
    Ok(Exit::matched(d.added + d.removed + d.changed > 0))
}
