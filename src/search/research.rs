//! A policy's history under a query, clusters of sites sharing one text, and the terms
//! whose share of policies rose or fell between two periods.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use tantivy::query::AllQuery;
use tantivy::schema::Value;
use tantivy::{DocSet, Searcher, TantivyDocument};

use super::rows::{PolicyRow, Rows, collect_rows, date_text};
use super::trend::{Period, classes_by_key, near_classes, share};
use super::{Filters, QueryConfig, build_query};
use crate::error::SearchError;
use crate::index::PolicyIndex;

/// One snapshot of a vendor's history under a query.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub date: Option<String>,
    pub policy_id: String,
    pub matched: bool,
    pub sections_matching: u64,
    /// `appeared` where the query starts to match (at the first snapshot too),
    /// `disappeared` where it stops.
    pub change: Option<String>,
    /// The Wayback Machine address of the snapshot.
    pub url: Option<String>,
    /// For git corpora: the commit that brought this version.
    pub revision: Option<String>,
}

/// A vendor's snapshots under a query.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub vendor: String,
    pub query: String,
    pub snapshots: Vec<HistoryEntry>,
    /// Snapshots that match.
    pub matching: u64,
    pub index_complete: bool,
}

fn stored(searcher: &Searcher, row: &PolicyRow) -> Result<TantivyDocument, SearchError> {
    Ok(searcher.doc(row.doc)?)
}

/// Every snapshot of `vendor` in date order, with whether `query` matches it.
pub fn history(
    idx: &PolicyIndex,
    searcher: &Searcher,
    vendor: &str,
    query: &str,
    exact: bool,
) -> Result<History, SearchError> {
    let filters = Filters {
        vendors: vec![vendor.to_string()],
        ..Filters::default()
    };
    let all = collect_rows(
        searcher,
        build_query(idx, searcher, &QueryConfig::new("*", filters.clone()))?.as_ref(),
        None,
    )?;
    if all.rows.is_empty() {
        return Err(SearchError::BadArgument {
            argument: "history",
            message: format!("no snapshots of vendor {vendor:?} in the index"),
        });
    }
    let mut cfg = QueryConfig::new(query, filters);
    cfg.exact = exact;
    let matching: FxHashMap<u64, u64> =
        collect_rows(searcher, build_query(idx, searcher, &cfg)?.as_ref(), None)?
            .rows
            .iter()
            .map(|r| (r.num, r.sections))
            .collect();
    let mut rows: Vec<&PolicyRow> = all.rows.iter().collect();
    rows.sort_by_key(|r| (r.date.is_none(), r.date, r.num));
    let f = &idx.fields;
    let mut before = false;
    let mut snapshots = Vec::with_capacity(rows.len());
    for r in rows {
        let doc = stored(searcher, r)?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let matched = matching.contains_key(&r.num);
        let change = match (before, matched) {
            (false, true) => Some("appeared".to_string()),
            (true, false) => Some("disappeared".to_string()),
            _ => None,
        };
        before = matched;
        snapshots.push(HistoryEntry {
            date: r.date.map(date_text),
            policy_id: format!("{:012x}", r.num),
            matched,
            sections_matching: matching.get(&r.num).copied().unwrap_or(0),
            change,
            url: text(f.url),
            revision: text(f.revision),
        });
    }
    Ok(History {
        vendor: all.vendors.first().cloned().unwrap_or_default(),
        query: query.to_string(),
        matching: matching.len() as u64,
        snapshots,
        index_complete: idx.info.incomplete.is_none(),
    })
}

/// A group of sites sharing one policy text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    /// Distinct sites (vendors).
    pub sites: u64,
    pub snapshots: u64,
    /// The sites, sorted.
    pub vendors: Vec<String>,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// One snapshot of the text (the earliest), for `show` and `diff`.
    pub example_policy_id: String,
}

/// The biggest groups of sites sharing one text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Clusters {
    /// `exact` (identical normalised text) or `near` (simhashes within a few bits).
    pub mode: String,
    /// Groups of two sites or more, in all (before `limit`).
    pub total_clusters: u64,
    /// Snapshots looked at.
    pub snapshots: u64,
    pub clusters: Vec<Cluster>,
    pub index_complete: bool,
}

/// Groups the snapshots matching `filters` by text (or near-identical text) and lists
/// the groups that span two sites or more, biggest first.
pub fn clusters(
    idx: &PolicyIndex,
    searcher: &Searcher,
    filters: &Filters,
    near: bool,
    limit: usize,
) -> Result<Clusters, SearchError> {
    let rows = if filters.is_empty() {
        collect_rows(searcher, &AllQuery, None)?
    } else {
        let q = build_query(idx, searcher, &QueryConfig::new("*", filters.clone()))?;
        collect_rows(searcher, q.as_ref(), None)?
    };
    let class: Vec<usize> = if near {
        let hashes: Vec<u64> = rows.rows.iter().map(|r| r.simhash).collect();
        near_classes(&hashes).0
    } else {
        classes_by_key(rows.rows.iter().map(|r| r.text_hash)).0
    };
    let mut groups: FxHashMap<usize, Vec<&PolicyRow>> = FxHashMap::default();
    for (r, c) in rows.rows.iter().zip(class) {
        groups.entry(c).or_default().push(r);
    }
    let mut out: Vec<Cluster> = groups
        .into_values()
        .filter_map(|members| cluster_of(&rows, members))
        .collect();
    out.sort_by(|a, b| {
        (b.sites, b.snapshots, &a.first_date, &a.example_policy_id).cmp(&(
            a.sites,
            a.snapshots,
            &b.first_date,
            &b.example_policy_id,
        ))
    });
    let total = out.len() as u64;
    out.truncate(limit);
    Ok(Clusters {
        mode: if near { "near" } else { "exact" }.to_string(),
        total_clusters: total,
        snapshots: rows.rows.len() as u64,
        clusters: out,
        index_complete: idx.info.incomplete.is_none(),
    })
}

fn cluster_of(rows: &Rows, mut members: Vec<&PolicyRow>) -> Option<Cluster> {
    let vendors: FxHashSet<u32> = members.iter().map(|r| r.vendor).collect();
    if vendors.len() < 2 {
        return None;
    }
    members.sort_by_key(|r| (r.date.is_none(), r.date, r.num));
    let mut names: Vec<String> = vendors
        .iter()
        .map(|v| rows.vendors[*v as usize].clone())
        .collect();
    names.sort();
    let dates: Vec<u32> = members.iter().filter_map(|r| r.date).collect();
    Some(Cluster {
        sites: names.len() as u64,
        snapshots: members.len() as u64,
        vendors: names,
        first_date: dates.iter().min().map(|d| date_text(*d)),
        last_date: dates.iter().max().map(|d| date_text(*d)),
        example_policy_id: format!("{:012x}", members[0].num),
    })
}

/// A term's share of policies in two periods.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RisingTerm {
    /// The indexed (stemmed) word: `cooki` stands for cookie, cookies, …
    pub term: String,
    pub from_policies: u64,
    pub to_policies: u64,
    pub from_share: f64,
    pub to_share: f64,
    /// `to_share - from_share`.
    pub change: f64,
}

/// Terms that gained or lost the most share of policies between two periods.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rising {
    pub from: String,
    pub to: String,
    /// Snapshots archived in each period (under the filters).
    pub from_policies: u64,
    pub to_policies: u64,
    /// Terms held by at least this many policies in one of the periods.
    pub min_policies: u64,
    /// Terms looked at (held by enough policies).
    pub terms_compared: u64,
    pub rising: Vec<RisingTerm>,
    pub falling: Vec<RisingTerm>,
    pub took_ms: u64,
    pub index_complete: bool,
}

/// Which of the two periods each snapshot of a segment belongs to.
const NEITHER: u8 = 0;
const FROM: u8 = 1;
const TO: u8 = 2;

/// Compares the share of policies holding each indexed word of the body in two periods,
/// reading the postings (no pass over the files): the words whose share grew most and
/// fell most. `from`/`to` are period labels (`2016`, `2016-H2`, `2016-Q3`, `2016-05`).
pub fn rising(
    idx: &PolicyIndex,
    searcher: &Searcher,
    from: &str,
    to: &str,
    min_policies: u64,
    limit: usize,
) -> Result<Rising, SearchError> {
    let started = std::time::Instant::now();
    let period = |label: &str, argument: &'static str| {
        Period::parse_label(label).ok_or_else(|| SearchError::BadArgument {
            argument,
            message: format!("{label:?} is not a period; write 2016, 2016-H1, 2016-Q3 or 2016-05"),
        })
    };
    let (from_by, from_i) = period(from, "--from")?;
    let (to_by, to_i) = period(to, "--to")?;
    let (a, b) = (from_by.month_span(from_i), to_by.month_span(to_i));
    if a.0 <= b.1 && b.0 <= a.1 {
        return Err(SearchError::BadArgument {
            argument: "--from/--to",
            message: format!("{from} and {to} overlap; compare two separate periods"),
        });
    }
    let f = &idx.fields;
    // Per segment: each document's side, and each policy counted per side.
    let mut totals = [FxHashSet::default(), FxHashSet::default()];
    let mut counts: FxHashMap<Vec<u8>, [u64; 2]> = FxHashMap::default();
    for segment in searcher.segment_readers() {
        let ff = segment.fast_fields();
        let policy = ff.u64(crate::index::name::policy_num)?;
        let date = ff.str(crate::index::name::date)?;
        let max = segment.max_doc();
        let alive = segment.alive_bitset();
        let mut side = vec![NEITHER; max as usize];
        let mut num = vec![0u64; max as usize];
        // Date ords to sides, computed once per distinct date.
        let mut side_of_ord: FxHashMap<u64, u8> = FxHashMap::default();
        for doc in 0..max {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            let Some(ord) = date.as_ref().and_then(|c| c.term_ords(doc).next()) else {
                continue;
            };
            let s = *side_of_ord.entry(ord).or_insert_with(|| {
                let mut text = String::new();
                let day = date
                    .as_ref()
                    .and_then(|c| c.ord_to_str(ord, &mut text).ok())
                    .and_then(|_| super::rows::date_number(&text));
                match day {
                    Some(d) if from_by.index_of(d) == from_i => FROM,
                    Some(d) if to_by.index_of(d) == to_i => TO,
                    _ => NEITHER,
                }
            });
            side[doc as usize] = s;
            num[doc as usize] = policy.first(doc).unwrap_or(u64::MAX);
            if s != NEITHER {
                totals[usize::from(s - 1)].insert(num[doc as usize]);
            }
        }
        let inverted = segment.inverted_index(f.body)?;
        let mut stream = inverted
            .terms()
            .stream()
            .map_err(tantivy::TantivyError::from)?;
        while stream.advance() {
            let info = stream.value();
            let mut postings = inverted
                .read_postings_from_terminfo(info, tantivy::schema::IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?;
            let mut here = [0u64; 2];
            let mut last = [u64::MAX; 2];
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                let s = side[doc as usize];
                if s != NEITHER {
                    let k = usize::from(s - 1);
                    // A policy's sections are consecutive documents.
                    if last[k] != num[doc as usize] {
                        last[k] = num[doc as usize];
                        here[k] += 1;
                    }
                }
                doc = postings.advance();
            }
            if here != [0, 0] {
                let e = counts.entry(stream.key().to_vec()).or_default();
                e[0] += here[0];
                e[1] += here[1];
            }
        }
    }
    let (n_from, n_to) = (totals[0].len() as u64, totals[1].len() as u64);
    let mut terms: Vec<RisingTerm> = counts
        .into_iter()
        .filter(|(_, c)| c[0].max(c[1]) >= min_policies)
        .map(|(term, c)| {
            let from_share = share(c[0] as usize, n_from as usize);
            let to_share = share(c[1] as usize, n_to as usize);
            RisingTerm {
                term: String::from_utf8_lossy(&term).into_owned(),
                from_policies: c[0],
                to_policies: c[1],
                from_share,
                to_share,
                change: to_share - from_share,
            }
        })
        .collect();
    let compared = terms.len() as u64;
    terms.sort_by(|a, b| b.change.total_cmp(&a.change).then(a.term.cmp(&b.term)));
    let rising: Vec<RisingTerm> = terms
        .iter()
        .filter(|t| t.change > 0.0)
        .take(limit)
        .cloned()
        .collect();
    terms.sort_by(|a, b| a.change.total_cmp(&b.change).then(a.term.cmp(&b.term)));
    let falling: Vec<RisingTerm> = terms
        .iter()
        .filter(|t| t.change < 0.0)
        .take(limit)
        .cloned()
        .collect();
    Ok(Rising {
        from: from.to_string(),
        to: to.to_string(),
        from_policies: n_from,
        to_policies: n_to,
        min_policies,
        terms_compared: compared,
        rising,
        falling,
        took_ms: started.elapsed().as_millis() as u64,
        index_complete: idx.info.incomplete.is_none(),
    })
}

/// Snapshots of the rows by vendor, for reports: vendor → dates.
pub fn dates_by_vendor(rows: &Rows) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows.rows {
        if let Some(d) = r.date {
            out.entry(rows.vendor(r).to_string())
                .or_default()
                .push(date_text(d));
        }
    }
    out
}
