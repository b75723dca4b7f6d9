//! Trends: for each period (year, half-year, quarter or month), how many units were
//! archived, how many of them match each query, and the share; optionally a measure's
//! distribution. Totals come from the index (the same filters, no query), not from a walk
//! of the corpus.
//!
//! Units and de-duplication (the README's "Reproducing a study" says the same):
//! - `snapshots`: every snapshot archived in the period is a unit.
//! - `sites`: every vendor with a snapshot in the period is one unit; it matches when
//!   one of its snapshots in the period matches; its text (for de-duplication and
//!   measures) is its latest snapshot's in the period.
//! - `dedup none` counts units; `exact` counts the distinct texts among them (a text
//!   matches when one of its units matches); `near` counts groups of texts whose
//!   simhashes are within [`NEAR_BITS`] bits, chained (single linkage).

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::rows::{Metric, PolicyRow, Rows, collect_rows};
use super::{QueryConfig, build_query};
use crate::corpus::measures::NEAR_BITS;
use crate::error::SearchError;
use crate::index::PolicyIndex;

/// Period length of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Year,
    /// `2018-H1` (January–June), `2018-H2`.
    Half,
    /// `2018-Q1` … `2018-Q4`.
    Quarter,
    Month,
}

impl Period {
    /// The period holding a `YYYYMMDD` day, as a number that counts periods.
    pub fn index_of(self, day: u32) -> i64 {
        let y = i64::from(day / 10000);
        let m = i64::from(day / 100 % 100).clamp(1, 12) - 1;
        match self {
            Period::Year => y,
            Period::Half => y * 2 + m / 6,
            Period::Quarter => y * 4 + m / 3,
            Period::Month => y * 12 + m,
        }
    }

    /// The label of a period number: `2018`, `2018-H1`, `2018-Q3`, `2018-05`.
    pub fn label(self, i: i64) -> String {
        match self {
            Period::Year => format!("{i:04}"),
            Period::Half => format!("{:04}-H{}", i.div_euclid(2), i.rem_euclid(2) + 1),
            Period::Quarter => format!("{:04}-Q{}", i.div_euclid(4), i.rem_euclid(4) + 1),
            Period::Month => format!("{:04}-{:02}", i.div_euclid(12), i.rem_euclid(12) + 1),
        }
    }

    /// The first and last month (counted from year 0) of a period number.
    pub fn month_span(self, i: i64) -> (i64, i64) {
        match self {
            Period::Year => (i * 12, i * 12 + 11),
            Period::Half => (i * 6, i * 6 + 5),
            Period::Quarter => (i * 3, i * 3 + 2),
            Period::Month => (i, i),
        }
    }

    /// Parses a label back: its period length and number. Also takes `YYYY-MM`.
    pub fn parse_label(label: &str) -> Option<(Period, i64)> {
        // Digits only where numbers go (`parse` would take a sign).
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let year = label.get(..4)?;
        if !digits(year) {
            return None;
        }
        let y: i64 = year.parse().ok()?;
        if label.len() == 4 {
            return Some((Period::Year, y));
        }
        let rest = label.get(4..)?;
        let n = |s: &str| digits(s).then(|| s.parse::<i64>().ok()).flatten();
        match rest.as_bytes() {
            [b'-', b'H', ..] => n(&rest[2..])
                .filter(|h| (1..=2).contains(h))
                .map(|h| (Period::Half, y * 2 + h - 1)),
            [b'-', b'Q', ..] => n(&rest[2..])
                .filter(|q| (1..=4).contains(q))
                .map(|q| (Period::Quarter, y * 4 + q - 1)),
            [b'-', _, _] => n(&rest[1..])
                .filter(|m| (1..=12).contains(m))
                .map(|m| (Period::Month, y * 12 + m - 1)),
            _ => None,
        }
    }
}

/// What one unit of a trend is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    #[default]
    Snapshots,
    Sites,
}

/// How units with the same text are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dedup {
    #[default]
    None,
    Exact,
    Near,
}

/// A trend request: queries compared over the same periods and filters.
#[derive(Debug, Clone)]
pub struct TrendConfig {
    pub queries: Vec<String>,
    pub by: Period,
    pub unit: Unit,
    pub dedup: Dedup,
    /// A measure summarised per period (over all units and over each query's).
    pub metric: Option<Metric>,
    /// Filters shared by the totals and every query (`query` is ignored).
    pub filters: QueryConfig,
}

impl TrendConfig {
    pub fn new(queries: Vec<String>, by: Period, filters: QueryConfig) -> TrendConfig {
        TrendConfig {
            queries,
            by,
            unit: Unit::Snapshots,
            dedup: Dedup::None,
            metric: None,
            filters,
        }
    }
}

/// A measure's distribution over a period's units: quartiles by linear interpolation
/// between the closest ranks (numpy's default).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Units with the measure.
    pub n: u64,
    pub mean: f64,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(mut values: Vec<f64>) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (values.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
        };
        Some(Summary {
            n: values.len() as u64,
            mean: values.iter().sum::<f64>() / values.len() as f64,
            min: values[0],
            q1: q(0.25),
            median: q(0.5),
            q3: q(0.75),
            max: values[values.len() - 1],
        })
    }
}

/// One query's figures in one period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrendCell {
    /// Units (after de-duplication) that match.
    pub matching: u64,
    /// `matching / total`, 0 when the period has none.
    pub share: f64,
    /// Snapshots that match, whatever the unit.
    pub policies_matching: u64,
    pub sections_matching: u64,
    /// The measure over the matching units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Summary>,
}

/// One period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrendRow {
    /// `YYYY`, `YYYY-H1`, `YYYY-Q1` or `YYYY-MM`.
    pub period: String,
    /// Units (after de-duplication) in the period.
    pub total: u64,
    /// Snapshots in the period, whatever the unit.
    pub policies_total: u64,
    /// One cell per query, in the order of `queries`.
    pub matches: Vec<TrendCell>,
    /// The measure over all units of the period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Summary>,
}

/// A whole trend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Trend {
    pub by: Period,
    pub unit: Unit,
    pub dedup: Dedup,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Metric>,
    pub queries: Vec<String>,
    pub rows: Vec<TrendRow>,
    /// Snapshots without an archive date (in no period), under the same filters.
    pub undated_policies: u64,
    pub took_ms: u64,
    /// False when the index is the partial result of an unfinished build.
    pub index_complete: bool,
}

/// The units of one period, grouped into classes by de-duplication.
struct PeriodUnits<'a> {
    /// Each unit's representative snapshot.
    reps: Vec<&'a PolicyRow>,
    /// Each unit's snapshots' numbers.
    members: Vec<Vec<u64>>,
    /// Each unit's class.
    class: Vec<usize>,
    classes: usize,
}

fn period_units<'a>(rows: &[&'a PolicyRow], unit: Unit, dedup: Dedup) -> PeriodUnits<'a> {
    let (reps, members): (Vec<&PolicyRow>, Vec<Vec<u64>>) = match unit {
        Unit::Snapshots => rows.iter().map(|r| (*r, vec![r.num])).unzip(),
        Unit::Sites => {
            let mut by_vendor: BTreeMap<u32, (&PolicyRow, Vec<u64>)> = BTreeMap::new();
            for r in rows {
                let e = by_vendor.entry(r.vendor).or_insert((r, Vec::new()));
                if (r.date, r.num) > (e.0.date, e.0.num) {
                    e.0 = r;
                }
                e.1.push(r.num);
            }
            by_vendor.into_values().unzip()
        }
    };
    let (class, classes) = match dedup {
        Dedup::None => ((0..reps.len()).collect(), reps.len()),
        Dedup::Exact => classes_by_key(reps.iter().map(|r| r.text_hash)),
        Dedup::Near => {
            let hashes: Vec<u64> = reps.iter().map(|r| r.simhash).collect();
            near_classes(&hashes)
        }
    };
    PeriodUnits {
        reps,
        members,
        class,
        classes,
    }
}

/// Classes of equal keys: each item's class number, and how many classes.
pub(super) fn classes_by_key(keys: impl Iterator<Item = u64>) -> (Vec<usize>, usize) {
    let mut ids: FxHashMap<u64, usize> = FxHashMap::default();
    let class = keys
        .map(|k| {
            let next = ids.len();
            *ids.entry(k).or_insert(next)
        })
        .collect();
    (class, ids.len())
}

/// Classes of near-duplicate simhashes: two hashes at most [`NEAR_BITS`] bits apart are
/// in one class, and classes chain. Equal hashes are merged first; distinct ones are
/// compared only when they agree on one of `NEAR_BITS + 1` bands of bits (by the
/// pigeonhole principle, hashes that close always do), so no pair is missed.
pub fn near_classes(hashes: &[u64]) -> (Vec<usize>, usize) {
    let (first, distinct) = classes_by_key(hashes.iter().copied());
    let mut values = vec![0u64; distinct];
    for (h, c) in hashes.iter().zip(&first) {
        values[*c] = *h;
    }
    let mut parent: Vec<usize> = (0..distinct).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let bands = NEAR_BITS as usize + 1;
    let width = 64 / bands;
    for b in 0..bands {
        let shift = b * width;
        let mask = if b == bands - 1 {
            u64::MAX >> shift
        } else {
            (1u64 << width) - 1
        };
        let mut buckets: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        for (i, v) in values.iter().enumerate() {
            buckets.entry(v >> shift & mask).or_default().push(i);
        }
        for members in buckets.values() {
            for (k, &i) in members.iter().enumerate() {
                for &j in &members[k + 1..] {
                    if (values[i] ^ values[j]).count_ones() <= NEAR_BITS {
                        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                        if a != b {
                            parent[a.max(b)] = a.min(b);
                        }
                    }
                }
            }
        }
    }
    let roots: Vec<usize> = (0..distinct).map(|i| find(&mut parent, i)).collect();
    let (root_class, classes) = classes_by_key(roots.iter().map(|r| *r as u64));
    (first.iter().map(|c| root_class[*c]).collect(), classes)
}

/// The query of an entity series: `law:"GDPR"` (aliases turned into the name).
pub fn entity_query(category: crate::corpus::Category, name: &str) -> String {
    let canonical = crate::corpus::EntityMatcher::shared_builtin()
        .canonical_name(category, name)
        .unwrap_or(name);
    format!("{category}:\"{}\"", canonical.replace('"', ""))
}

/// Computes a trend.
pub fn trend(
    idx: &PolicyIndex,
    searcher: &Searcher,
    cfg: &TrendConfig,
) -> Result<Trend, SearchError> {
    let started = std::time::Instant::now();
    let run = |query: &str, metric| -> Result<Rows, SearchError> {
        let mut q = cfg.filters.clone();
        q.query = query.to_string();
        let query = build_query(idx, searcher, &q)?;
        collect_rows(searcher, query.as_ref(), metric)
    };
    let totals = run("*", cfg.metric)?;
    let per_query: Vec<FxHashMap<u64, u64>> = cfg
        .queries
        .iter()
        .map(|q| {
            run(q, None).map(|rows| {
                rows.rows
                    .iter()
                    .map(|r| (r.num, r.sections))
                    .collect::<FxHashMap<u64, u64>>()
            })
        })
        .collect::<Result<_, _>>()?;

    let mut by_period: BTreeMap<i64, Vec<&PolicyRow>> = BTreeMap::new();
    let mut undated = 0;
    for r in &totals.rows {
        match r.date {
            Some(d) => by_period.entry(cfg.by.index_of(d)).or_default().push(r),
            None => undated += 1,
        }
    }
    let first = by_period.keys().next().copied();
    let last = by_period.keys().next_back().copied();
    let span: Vec<i64> = match (first, last) {
        (Some(a), Some(b)) => (a..=b).collect(),
        _ => Vec::new(),
    };
    let empty = Vec::new();
    let rows = span
        .into_iter()
        .map(|p| {
            let rows = by_period.get(&p).unwrap_or(&empty);
            let units = period_units(rows, cfg.unit, cfg.dedup);
            let metric_of = |classes: &FxHashSet<usize>| {
                // One value per class: its first unit's representative.
                let mut seen = FxHashSet::default();
                let values = units
                    .class
                    .iter()
                    .zip(&units.reps)
                    .filter(|(c, _)| classes.contains(c) && seen.insert(**c))
                    .filter_map(|(_, r)| r.metric)
                    .collect();
                Summary::of(values)
            };
            let all: FxHashSet<usize> = units.class.iter().copied().collect();
            let matches = per_query
                .iter()
                .map(|matched| {
                    let classes: FxHashSet<usize> = units
                        .members
                        .iter()
                        .zip(&units.class)
                        .filter(|(m, _)| m.iter().any(|n| matched.contains_key(n)))
                        .map(|(_, c)| *c)
                        .collect();
                    let snapshots: Vec<u64> = rows
                        .iter()
                        .filter_map(|r| matched.get(&r.num).copied())
                        .collect();
                    TrendCell {
                        matching: classes.len() as u64,
                        share: share(classes.len(), units.classes),
                        policies_matching: snapshots.len() as u64,
                        sections_matching: snapshots.iter().sum(),
                        metric: cfg.metric.and_then(|_| metric_of(&classes)),
                    }
                })
                .collect();
            TrendRow {
                period: cfg.by.label(p),
                total: units.classes as u64,
                policies_total: rows.len() as u64,
                matches,
                metric: cfg.metric.and_then(|_| metric_of(&all)),
            }
        })
        .collect();
    Ok(Trend {
        by: cfg.by,
        unit: cfg.unit,
        dedup: cfg.dedup,
        metric: cfg.metric,
        queries: cfg.queries.clone(),
        rows,
        undated_policies: undated,
        took_ms: started.elapsed().as_millis() as u64,
        index_complete: idx.info.incomplete.is_none(),
    })
}

pub(super) fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_labels_round_trip() {
        for (day, by, label) in [
            (20180630, Period::Half, "2018-H1"),
            (20180701, Period::Half, "2018-H2"),
            (20181231, Period::Quarter, "2018-Q4"),
            (20180401, Period::Quarter, "2018-Q2"),
            (20180105, Period::Month, "2018-01"),
            (20180105, Period::Year, "2018"),
        ] {
            let i = by.index_of(day);
            assert_eq!(by.label(i), label);
            assert_eq!(Period::parse_label(label), Some((by, i)));
        }
        assert_eq!(Period::parse_label("2018-H3"), None);
        assert_eq!(Period::parse_label("+201"), None);
        assert_eq!(Period::parse_label("2018-H+1"), None);
        assert_eq!(Period::parse_label("2018-+5"), None);
        // Spans in months, for overlap tests.
        assert_eq!(
            Period::Half.month_span(2018 * 2 + 1),
            (2018 * 12 + 6, 2018 * 12 + 11)
        );
        assert_eq!(Period::parse_label("2018-13"), None);
    }

    #[test]
    fn quartiles_interpolate() {
        let s = Summary::of(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(
            (s.min, s.q1, s.median, s.q3, s.max),
            (1.0, 1.75, 2.5, 3.25, 4.0)
        );
        assert_eq!(s.mean, 2.5);
        assert!(Summary::of(Vec::new()).is_none());
    }

    #[test]
    fn near_classes_chain_and_miss_nothing() {
        let a = 0u64;
        let b = 0b111; // 3 bits from a
        let c = 0b111_1000; // 4 bits from a, 7 from b, 6 from d
        let d = 0b1111; // 1 bit from b, 4 from a
        let (class, n) = near_classes(&[a, b, c, d, a]);
        assert_eq!(class[0], class[1]);
        assert_eq!(class[1], class[3]);
        assert_eq!(class[0], class[4]);
        assert_ne!(class[0], class[2]);
        assert_eq!(n, 2);
        // Brute force agrees on random-ish hashes spread over every band.
        let hashes: Vec<u64> = (0..300u64)
            .map(|i| {
                let base = (i / 7).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                base ^ (1u64 << (i % 64)) ^ (1u64 << ((i * 13) % 64))
            })
            .collect();
        let (class, _) = near_classes(&hashes);
        for i in 0..hashes.len() {
            for j in 0..hashes.len() {
                if (hashes[i] ^ hashes[j]).count_ones() <= NEAR_BITS {
                    assert_eq!(class[i], class[j], "{i} {j}");
                }
            }
        }
    }
}
