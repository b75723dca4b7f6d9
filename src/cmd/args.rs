//! The resolve step, as ripgrep's `hiargs`: clap's raw arguments in, the library's plain
//! config structs out. Every default that clap does not set and every check that spans
//! several options lives here, and its errors name the option; the library below speaks
//! of values only.

use std::path::PathBuf;

use anyhow::Context;
use policies::corpus::Category;
use policies::index::IndexConfig;
use policies::index::build::GitSource;
use policies::search::browse::ShowTarget;
use policies::search::rows::Metric;
use policies::search::trend::{Dedup, TrendConfig, Unit};
use policies::search::{DatePeriod, Filters, GroupBy, QueryConfig};

use crate::cli::{
    DedupArg, FacetArg, FilterArgs, IndexArgs, MetricArg, QueryArgs, SelectArgs, ShowArgs,
    TrendArgs, UnitArg, VendorsArgs,
};

/// Default corpus and index locations, relative to the working directory.
pub const DEFAULT_CORPUS: &str = "corpus";
pub const DEFAULT_INDEX: &str = "index";

/// The index writer needs this much memory per indexing thread (tantivy's floor).
const MB_PER_THREAD: u32 = 16;

/// `policies index …` as a build config.
pub fn index_config(args: &IndexArgs) -> anyhow::Result<IndexConfig> {
    let roots = if args.corpus.is_empty() {
        vec![PathBuf::from(DEFAULT_CORPUS)]
    } else {
        args.corpus.clone()
    };
    let threads = match args.threads {
        Some(t) => {
            let t = u32::from(t);
            if args.memory_mb < MB_PER_THREAD * t {
                anyhow::bail!(
                    "--memory-mb {} is too small for --threads {t}: the index writer needs \
                     {MB_PER_THREAD} MB per thread ({} MB)",
                    args.memory_mb,
                    MB_PER_THREAD * t
                );
            }
            t as usize
        }
        // All cores (at most 8), but no more than the memory budget feeds.
        None => std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .min(8)
            .min((args.memory_mb / MB_PER_THREAD) as usize)
            .max(1),
    };
    Ok(IndexConfig {
        roots,
        index_dir: args.index.clone(),
        threads,
        memory_mb: args.memory_mb as usize,
        rebuild: args.rebuild,
        max_file_bytes: args.max_file_mb.saturating_mul(1024 * 1024),
        processors_file: args.processors.clone(),
        entities_file: args.entities.clone(),
        checkpoint_bytes: args.checkpoint_mb.saturating_mul(1024 * 1024),
        git: args.git.as_ref().map(|repo| GitSource {
            repo: repo.clone(),
            rev: args.rev.clone(),
            paths: args.paths.clone(),
        }),
    })
}

/// The build a bare `policies index` runs: every default as clap defines it, so the index
/// built on first use by `query` is the one `policies index` would build.
pub fn default_index_config() -> anyhow::Result<IndexConfig> {
    use clap::Parser;
    match crate::cli::Cli::try_parse_from(["policies", "index"]) {
        Ok(crate::cli::Cli {
            command: crate::cli::Command::Index(args),
        }) => index_config(&args),
        _ => anyhow::bail!("internal error: the defaults of `policies index` do not parse"),
    }
}

/// The filter options (shared by `query`, `trend` and `vendors`) as plain filters.
pub fn filters(args: &FilterArgs) -> anyhow::Result<Filters> {
    let bound = |value: &Option<String>, flag: &str, end: bool| -> anyhow::Result<_> {
        value
            .as_deref()
            .map(|d| {
                DatePeriod::parse(d)
                    .map(|p| if end { p.last } else { p.first })
                    .map_err(|message| anyhow::anyhow!("bad {flag}: {message}"))
            })
            .transpose()
    };
    let since = bound(&args.since, "--since", false)?;
    let until = bound(&args.until, "--until", true)?;
    if let (Some(s), Some(u)) = (&since, &until)
        && s > u
    {
        anyhow::bail!("bad --since/--until: --since {s} is after --until {u}");
    }
    for (lo, hi, flags) in [
        (
            args.min_words.map(|v| v as f64),
            args.max_words.map(|v| v as f64),
            "--min-words/--max-words",
        ),
        (args.min_fk, args.max_fk, "--min-fk/--max-fk"),
    ] {
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            anyhow::bail!("bad {flags}: the minimum {lo} is above the maximum {hi}");
        }
    }
    for (v, flag) in [(args.min_fk, "--min-fk"), (args.max_fk, "--max-fk")] {
        if v.is_some_and(|v| !v.is_finite()) {
            anyhow::bail!("bad {flag}: give a number");
        }
    }
    Ok(Filters {
        vendors: args.vendors.clone(),
        year: args.year,
        since,
        until,
        processors: args.processors.clone(),
        min_words: args.min_words,
        max_words: args.max_words,
        min_fk: args.min_fk,
        max_fk: args.max_fk,
        ..Filters::default()
    })
}

/// `CATEGORY:NAME` as an entity.
pub fn entity(value: &str) -> anyhow::Result<(Category, String)> {
    Category::parse_pair(value).map_err(|m| anyhow::anyhow!("bad --entity: {m}"))
}

/// The filters plus `--entity` and `--as-of`.
pub fn select_filters(args: &FilterArgs, select: &SelectArgs) -> anyhow::Result<Filters> {
    let mut f = filters(args)?;
    f.entities = select
        .entities
        .iter()
        .map(|e| entity(e))
        .collect::<anyhow::Result<_>>()?;
    f.as_of = select
        .as_of
        .as_deref()
        .map(|d| {
            DatePeriod::parse(d)
                .map(|p| p.last)
                .map_err(|message| anyhow::anyhow!("bad --as-of: {message}"))
        })
        .transpose()?;
    Ok(f)
}

/// `policies query …` as a search config.
pub fn query_config(args: &QueryArgs) -> anyhow::Result<QueryConfig> {
    let mut facets: Vec<GroupBy> = args
        .facet
        .iter()
        .map(|f| match f {
            FacetArg::Year => GroupBy::Year,
            FacetArg::Vendor => GroupBy::Vendor,
            FacetArg::Processor => GroupBy::Processor,
            FacetArg::Tracker => GroupBy::Tracker,
            FacetArg::Program => GroupBy::Program,
            FacetArg::Law => GroupBy::Law,
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
        ..QueryConfig::new(&args.query, select_filters(&args.filters, &args.select)?)
    })
}

/// `policies trend …` as a trend config.
pub fn trend_config(args: &TrendArgs) -> anyhow::Result<TrendConfig> {
    let mut queries = args.queries.clone();
    for e in &args.entities {
        let (category, name) = entity(e)?;
        queries.push(policies::search::trend::entity_query(category, &name));
    }
    Ok(TrendConfig {
        queries,
        by: args.by.into(),
        unit: match args.unit {
            UnitArg::Snapshots => Unit::Snapshots,
            UnitArg::Sites => Unit::Sites,
        },
        dedup: match args.dedup {
            DedupArg::None => Dedup::None,
            DedupArg::Exact => Dedup::Exact,
            DedupArg::Near => Dedup::Near,
        },
        metric: args.metric.map(|m| match m {
            MetricArg::Words => Metric::Words,
            MetricArg::Sentences => Metric::Sentences,
            MetricArg::Sections => Metric::Sections,
            MetricArg::Flesch => Metric::Flesch,
            MetricArg::FkGrade => Metric::FkGrade,
            MetricArg::Smog => Metric::Smog,
        }),
        filters: QueryConfig::new("*", filters(&args.filters)?),
    })
}

/// What `policies show …` asks for.
pub fn show_target(args: &ShowArgs) -> anyhow::Result<ShowTarget> {
    let date = args
        .date
        .as_deref()
        .map(|d| {
            policies::corpus::header::parse_date(d)
                .map(|_| d.to_string())
                .with_context(|| format!("bad --date {d:?}: write YYYY-MM-DD"))
        })
        .transpose()?;
    Ok(ShowTarget::parse(&args.target, date, args.latest))
}

/// The query of `policies vendors [QUERY]`, if any.
pub fn vendors_query(args: &VendorsArgs) -> anyhow::Result<Option<QueryConfig>> {
    let filters = select_filters(&args.filters, &args.select)?;
    Ok(match args.query.as_deref() {
        Some(q) => Some(QueryConfig::new(q, filters)),
        None if !filters.is_empty() => Some(QueryConfig::new("*", filters)),
        None => None,
    })
}

/// `policies diff …` as a diff request.
pub fn diff_request(
    args: &crate::cli::DiffArgs,
) -> anyhow::Result<policies::search::diff::DiffRequest> {
    let date = |d: &Option<String>, flag: &str| -> anyhow::Result<Option<String>> {
        d.as_deref()
            .map(|d| {
                policies::corpus::header::parse_date(d)
                    .map(|_| d.to_string())
                    .with_context(|| format!("bad {flag} {d:?}: write YYYY-MM-DD"))
            })
            .transpose()
    };
    Ok(policies::search::diff::DiffRequest {
        vendor: args.vendor.clone(),
        from: date(&args.from, "--from")?,
        to: date(&args.to, "--to")?,
    })
}
