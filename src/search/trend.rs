//! Trends: for each year or month, how many snapshots were archived, how many of them
//! match each query, and the share. Totals come from the index (the same filters, no
//! query), not from a walk of the corpus.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::aggregate::{Group, GroupBy, GroupCollector, UNKNOWN};
use super::{QueryConfig, build_query};
use crate::error::SearchError;
use crate::index::PolicyIndex;

/// Period length of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Year,
    Month,
}

/// A trend request: queries compared over the same periods and filters.
#[derive(Debug, Clone)]
pub struct TrendConfig {
    pub queries: Vec<String>,
    pub by: Period,
    /// Filters shared by the totals and every query (`query` is ignored).
    pub filters: QueryConfig,
}

/// One query's figures in one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrendCell {
    pub policies_matching: u64,
    /// `policies_matching / policies_total`, 0 when the period has no snapshots.
    pub share: f64,
    pub sections_matching: u64,
}

/// One period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrendRow {
    /// `YYYY` or `YYYY-MM`.
    pub period: String,
    pub policies_total: u64,
    /// One cell per query, in the order of `queries`.
    pub matches: Vec<TrendCell>,
}

/// A whole trend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Trend {
    pub by: Period,
    pub queries: Vec<String>,
    pub rows: Vec<TrendRow>,
    /// Snapshots without an archive date (in no period), under the same filters.
    pub undated_policies: u64,
    pub took_ms: u64,
    /// False when the index is the partial result of an unfinished build.
    pub index_complete: bool,
}

/// Computes a trend.
pub fn trend(
    idx: &PolicyIndex,
    searcher: &Searcher,
    cfg: &TrendConfig,
) -> Result<Trend, SearchError> {
    let started = std::time::Instant::now();
    let by = match cfg.by {
        Period::Year => GroupBy::Year,
        Period::Month => GroupBy::Month,
    };
    let collector = GroupCollector {
        by: vec![by],
        with_processors: false,
    };
    let run = |query: &str| -> Result<BTreeMap<String, Group>, SearchError> {
        let mut q = cfg.filters.clone();
        q.query = query.to_string();
        let query = build_query(idx, &q)?;
        Ok(searcher
            .search(&query, &collector)?
            .pop()
            .unwrap_or_default())
    };
    let totals = run("*")?;
    let per_query: Vec<BTreeMap<String, Group>> = cfg
        .queries
        .iter()
        .map(|q| run(q))
        .collect::<Result<_, _>>()?;

    let dated: Vec<&String> = totals.keys().filter(|k| k.as_str() != UNKNOWN).collect();
    let periods = match (dated.first(), dated.last()) {
        (Some(first), Some(last)) => period_range(first, last, cfg.by),
        _ => Vec::new(),
    };
    let rows = periods
        .into_iter()
        .map(|period| {
            let total = totals.get(&period).map_or(0, |g| g.policies.len() as u64);
            let matches = per_query
                .iter()
                .map(|groups| {
                    let g = groups.get(&period);
                    let policies = g.map_or(0, |g| g.policies.len() as u64);
                    TrendCell {
                        policies_matching: policies,
                        share: if total == 0 {
                            0.0
                        } else {
                            policies as f64 / total as f64
                        },
                        sections_matching: g.map_or(0, |g| g.sections),
                    }
                })
                .collect();
            TrendRow {
                period,
                policies_total: total,
                matches,
            }
        })
        .collect();
    Ok(Trend {
        by: cfg.by,
        queries: cfg.queries.clone(),
        rows,
        undated_policies: totals.get(UNKNOWN).map_or(0, |g| g.policies.len() as u64),
        took_ms: started.elapsed().as_millis() as u64,
        index_complete: idx.info.incomplete.is_none(),
    })
}

/// Every period from `first` to `last`, inclusive.
fn period_range(first: &str, last: &str, by: Period) -> Vec<String> {
    let parse = |p: &str| -> Option<(i32, u32)> {
        let y = p.get(..4)?.parse().ok()?;
        let m = if by == Period::Month {
            p.get(5..7)?.parse().ok()?
        } else {
            1
        };
        Some((y, m))
    };
    let (Some((mut y, mut m)), Some((ly, lm))) = (parse(first), parse(last)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while (y, m) <= (ly, lm) {
        match by {
            Period::Year => {
                out.push(format!("{y:04}"));
                y += 1;
            }
            Period::Month => {
                out.push(format!("{y:04}-{m:02}"));
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_empty_periods() {
        assert_eq!(
            period_range("2010", "2013", Period::Year),
            ["2010", "2011", "2012", "2013"]
        );
        assert_eq!(
            period_range("2010-11", "2011-02", Period::Month),
            ["2010-11", "2010-12", "2011-01", "2011-02"]
        );
        assert_eq!(period_range("2012", "2012", Period::Year), ["2012"]);
    }
}
