//! One row per matching policy snapshot: its number, vendor, date, fingerprints, how many
//! of its sections matched and, when asked, one of its measures. Read from fast fields by
//! one collector; the research measures (trends by unit and de-duplication, `--as-of`,
//! histories, clusters) are computed from these rows in plain Rust.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::Query;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::error::SearchError;
use crate::index::name;

/// A per-snapshot measure that trends can summarise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Words,
    Sentences,
    Sections,
    Flesch,
    FkGrade,
    Smog,
}

impl Metric {
    pub fn field_name(self) -> &'static str {
        match self {
            Metric::Words => name::words,
            Metric::Sentences => name::sentences,
            Metric::Sections => name::sections,
            Metric::Flesch => name::flesch,
            Metric::FkGrade => name::fk_grade,
            Metric::Smog => name::smog,
        }
    }

    fn is_integer(self) -> bool {
        matches!(self, Metric::Words | Metric::Sentences | Metric::Sections)
    }
}

/// One matching snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRow {
    pub num: u64,
    /// Index into [`Rows::vendors`].
    pub vendor: u32,
    /// The archive date as `YYYYMMDD`, if known.
    pub date: Option<u32>,
    pub text_hash: u64,
    pub simhash: u64,
    /// Sections of the snapshot that matched.
    pub sections: u64,
    /// The measure asked for, if the snapshot has it.
    pub metric: Option<f64>,
    /// The first matching section's document, to read stored fields from.
    pub doc: DocAddress,
}

/// The rows of a query, vendors interned.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub vendors: Vec<String>,
    pub rows: Vec<PolicyRow>,
}

impl Rows {
    pub fn vendor(&self, row: &PolicyRow) -> &str {
        &self.vendors[row.vendor as usize]
    }
}

/// `YYYY-MM-DD` as `YYYYMMDD`.
pub fn date_number(date: &str) -> Option<u32> {
    let b = date.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: u32 = date.get(0..4)?.parse().ok()?;
    let m: u32 = date.get(5..7)?.parse().ok()?;
    let d: u32 = date.get(8..10)?.parse().ok()?;
    Some(y * 10000 + m * 100 + d)
}

/// `YYYYMMDD` as `YYYY-MM-DD`.
pub fn date_text(n: u32) -> String {
    format!("{:04}-{:02}-{:02}", n / 10000, n / 100 % 100, n % 100)
}

/// Collects [`Rows`].
pub struct RowCollector {
    pub metric: Option<Metric>,
}

pub struct RowSegmentCollector {
    segment: SegmentOrdinal,
    policy: Column<u64>,
    text_hash: Column<u64>,
    simhash: Column<u64>,
    date: Option<StrColumn>,
    vendor: Option<StrColumn>,
    metric_u64: Option<Column<u64>>,
    metric_f64: Option<Column<f64>>,
    /// Vendor ord → index into `vendors`.
    vendor_of_ord: FxHashMap<u64, u32>,
    /// Date ord → the day as `YYYYMMDD`.
    day_of_ord: FxHashMap<u64, Option<u32>>,
    vendors: Vec<String>,
    rows: Vec<PolicyRow>,
}

impl Collector for RowCollector {
    type Fruit = Rows;
    type Child = RowSegmentCollector;

    fn for_segment(
        &self,
        segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<RowSegmentCollector> {
        let ff = segment.fast_fields();
        let (metric_u64, metric_f64) = match self.metric {
            Some(m) if m.is_integer() => (Some(ff.u64(m.field_name())?), None),
            Some(m) => (None, Some(ff.f64(m.field_name())?)),
            None => (None, None),
        };
        Ok(RowSegmentCollector {
            segment: segment_local_id,
            policy: ff.u64(name::policy_num)?,
            text_hash: ff.u64(name::text_hash)?,
            simhash: ff.u64(name::simhash)?,
            date: ff.str(name::date)?,
            vendor: ff.str(name::vendor)?,
            metric_u64,
            metric_f64,
            vendor_of_ord: FxHashMap::default(),
            day_of_ord: FxHashMap::default(),
            vendors: Vec::new(),
            rows: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Rows>) -> tantivy::Result<Rows> {
        let mut out = Rows::default();
        let mut vendor_ids: FxHashMap<String, u32> = FxHashMap::default();
        // A snapshot's sections are written as one group, into one segment (see
        // `index::build::batch`); rows of one number are added up all the same, so that
        // an index built otherwise still counts each snapshot once.
        let mut seen: FxHashMap<u64, usize> = FxHashMap::default();
        for fruit in fruits {
            let local: Vec<u32> = fruit
                .vendors
                .into_iter()
                .map(|v| {
                    let next = vendor_ids.len() as u32;
                    *vendor_ids.entry(v.clone()).or_insert_with(|| {
                        out.vendors.push(v);
                        next
                    })
                })
                .collect();
            for mut row in fruit.rows {
                row.vendor = local[row.vendor as usize];
                match seen.get(&row.num) {
                    Some(&i) => out.rows[i].sections += row.sections,
                    None => {
                        seen.insert(row.num, out.rows.len());
                        out.rows.push(row);
                    }
                }
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for RowSegmentCollector {
    type Fruit = Rows;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let num = self.policy.first(doc).unwrap_or(u64::MAX);
        if let Some(last) = self.rows.last_mut()
            && last.num == num
        {
            last.sections += 1;
            return;
        }
        let vendor = match self.vendor.as_ref().and_then(|c| c.term_ords(doc).next()) {
            Some(ord) => match self.vendor_of_ord.get(&ord) {
                Some(&i) => i,
                None => {
                    let mut s = String::new();
                    if let Some(c) = &self.vendor {
                        let _ = c.ord_to_str(ord, &mut s);
                    }
                    let i = self.vendors.len() as u32;
                    self.vendors.push(s);
                    self.vendor_of_ord.insert(ord, i);
                    i
                }
            },
            None => {
                let i = self.vendors.len() as u32;
                self.vendors.push(String::new());
                i
            }
        };
        let date = match self.date.as_ref().and_then(|c| c.term_ords(doc).next()) {
            Some(ord) => *self.day_of_ord.entry(ord).or_insert_with(|| {
                let mut s = String::new();
                self.date
                    .as_ref()
                    .and_then(|c| c.ord_to_str(ord, &mut s).ok())
                    .and_then(|_| date_number(&s))
            }),
            None => None,
        };
        let metric = match (&self.metric_u64, &self.metric_f64) {
            (Some(c), _) => c.first(doc).map(|v| v as f64),
            (_, Some(c)) => c.first(doc),
            _ => None,
        };
        self.rows.push(PolicyRow {
            num,
            vendor,
            date,
            text_hash: self.text_hash.first(doc).unwrap_or(0),
            simhash: self.simhash.first(doc).unwrap_or(0),
            sections: 1,
            metric,
            doc: DocAddress::new(self.segment, doc),
        });
    }

    fn harvest(self) -> Rows {
        Rows {
            vendors: self.vendors,
            rows: self.rows,
        }
    }
}

/// The rows of the snapshots a query matches.
pub fn collect_rows(
    searcher: &Searcher,
    query: &dyn Query,
    metric: Option<Metric>,
) -> Result<Rows, SearchError> {
    Ok(searcher.search(query, &RowCollector { metric })?)
}

/// The policy numbers of the latest snapshot of each vendor archived on or before `day`
/// (`YYYY-MM-DD`); ties on the date go to the higher number, so the choice is stable.
pub fn as_of_policies(searcher: &Searcher, day: &str) -> Result<Vec<u64>, SearchError> {
    let limit = date_number(day).unwrap_or(0);
    let rows = collect_rows(searcher, &tantivy::query::AllQuery, None)?;
    let mut latest: FxHashMap<u32, (u32, u64)> = FxHashMap::default();
    for r in &rows.rows {
        let Some(d) = r.date.filter(|d| *d <= limit) else {
            continue;
        };
        let e = latest.entry(r.vendor).or_insert((d, r.num));
        if (d, r.num) > *e {
            *e = (d, r.num);
        }
    }
    let mut nums: Vec<u64> = latest.into_values().map(|(_, n)| n).collect();
    nums.sort_unstable();
    Ok(nums)
}
