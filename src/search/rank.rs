//! Ranking: which sections match, in which order, and the counts gathered on the way
//! (total, facets, the per-vendor cap).

use std::collections::HashMap;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::{DocAddress, Searcher};

use super::QueryConfig;
use super::aggregate::{GroupBy, GroupCollector, Groups};
use crate::error::SearchError;

/// A search's ranking and counts.
pub(super) struct Ranking {
    /// Sections matching, before paging and the per-vendor cap.
    pub(super) total: u64,
    /// With a per-vendor cap and a count only: the hits a listing would have.
    pub(super) per_vendor_hits: Option<u64>,
    /// The first `offset + limit` hits (all with no limit), best first.
    pub(super) ranked: Vec<(f32, DocAddress)>,
    /// One group map per facet asked for.
    pub(super) groups: Groups,
}

/// Ranks the sections `query` matches as `cfg` asks (page size, per-vendor cap,
/// facets, count only).
pub(super) fn rank(
    searcher: &Searcher,
    query: &dyn Query,
    cfg: &QueryConfig,
) -> Result<Ranking, SearchError> {
    let total_docs = searcher.num_docs() as usize;
    let wanted = match cfg.limit {
        Some(limit) => cfg.offset.saturating_add(limit).min(total_docs),
        None => total_docs,
    };
    let grouping = GroupCollector {
        by: cfg.facets.clone(),
        with_processors: false,
    };
    if cfg.count_only || wanted == 0 || cfg.offset >= wanted {
        let (count, groups) = searcher.search(query, &(Count, grouping))?;
        let per_vendor_hits = match (cfg.per_vendor, cfg.count_only) {
            (Some(k), true) => Some(capped_count(searcher, query, k)?),
            _ => None,
        };
        return Ok(Ranking {
            total: count as u64,
            per_vendor_hits,
            ranked: Vec::new(),
            groups,
        });
    }
    let (total, ranked, groups) = match cfg.per_vendor {
        // Without facets, no grouping collector is called for every hit.
        None if wanted <= TOP_K_MAX && cfg.facets.is_empty() => {
            let (top, count) = searcher.search(
                query,
                &(TopDocs::with_limit(wanted).order_by_score(), Count),
            )?;
            (count as u64, top, Groups::new())
        }
        None if wanted <= TOP_K_MAX => {
            let (top, count, groups) = searcher.search(
                query,
                &(
                    TopDocs::with_limit(wanted).order_by_score(),
                    Count,
                    grouping,
                ),
            )?;
            (count as u64, top, groups)
        }
        None => {
            let (mut all, groups) = searcher.search(query, &(AllScored, grouping))?;
            let count = all.len() as u64;
            all.truncate(wanted);
            (count, all, groups)
        }
        Some(k) => {
            let groups = if cfg.facets.is_empty() {
                Groups::new()
            } else {
                searcher.search(query, &grouping)?
            };
            let (count, top) = top_per_vendor(searcher, query, wanted, k.max(1), total_docs)?;
            (count, top, groups)
        }
    };
    Ok(Ranking {
        total,
        per_vendor_hits: None,
        ranked,
        groups,
    })
}

/// Largest ranking computed with tantivy's top-k collector, which sets aside room for
/// twice the hits asked for in every segment; longer rankings (exports of every hit)
/// collect exactly the matching sections and sort them once.
const TOP_K_MAX: usize = 10_000;

/// Every matching section with its score, ranked: score, then index order (the order
/// tantivy's top-k collector gives ties), so a long ranking agrees with a short one.
struct AllScored;

struct AllScoredSegment {
    segment: u32,
    hits: Vec<(f32, DocAddress)>,
}

impl tantivy::collector::Collector for AllScored {
    type Fruit = Vec<(f32, DocAddress)>;
    type Child = AllScoredSegment;

    fn for_segment(
        &self,
        segment: tantivy::SegmentOrdinal,
        _reader: &tantivy::SegmentReader,
    ) -> tantivy::Result<AllScoredSegment> {
        Ok(AllScoredSegment {
            segment,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(f32, DocAddress)>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(f32, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(all)
    }
}

impl tantivy::collector::SegmentCollector for AllScoredSegment {
    type Fruit = Vec<(f32, DocAddress)>;

    fn collect(&mut self, doc: tantivy::DocId, score: tantivy::Score) {
        self.hits.push((score, DocAddress::new(self.segment, doc)));
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}

/// How many hits a listing with at most `k` per vendor has: the sum over vendors of
/// their matching sections, each capped at `k`.
fn capped_count(searcher: &Searcher, query: &dyn Query, k: usize) -> Result<u64, SearchError> {
    let groups = searcher.search(
        query,
        &GroupCollector {
            by: vec![GroupBy::Vendor],
            with_processors: false,
        },
    )?;
    Ok(groups
        .first()
        .map_or(0, |g| g.values().map(|v| v.sections.min(k as u64)).sum()))
}

/// Top hits keeping at most `k` per vendor: fetches more of the ranking until enough
/// hits survive the cap or the ranking is exhausted.
fn top_per_vendor(
    searcher: &Searcher,
    query: &dyn Query,
    wanted: usize,
    k: usize,
    total_docs: usize,
) -> Result<(u64, Vec<(f32, DocAddress)>), SearchError> {
    let mut fetch = wanted.saturating_mul(4).max(64).min(total_docs);
    let mut columns: HashMap<u32, Option<tantivy::columnar::StrColumn>> = HashMap::new();
    let mut names: HashMap<String, u64> = HashMap::new();
    loop {
        let (top, count) =
            searcher.search(query, &(TopDocs::with_limit(fetch).order_by_score(), Count))?;
        let exhausted = top.len() < fetch || fetch >= total_docs;
        // The vendor of each hit from the fast field, not the stored document.
        let mut per: HashMap<u64, usize> = HashMap::new();
        let mut kept = Vec::new();
        for (score, addr) in &top {
            let column = match columns.entry(addr.segment_ord) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    searcher
                        .segment_reader(addr.segment_ord)
                        .fast_fields()
                        .str(crate::index::name::vendor)?,
                ),
            };
            let ord = column
                .as_ref()
                .and_then(|c| c.term_ords(addr.doc_id).next())
                .unwrap_or(u64::MAX);
            // Ords are per segment: resolve to the vendor name across segments.
            let key = vendor_key(column.as_ref(), ord, &mut names);
            let n = per.entry(key).or_insert(0);
            if *n < k {
                *n += 1;
                kept.push((*score, *addr));
                if kept.len() == wanted {
                    break;
                }
            }
        }
        if kept.len() == wanted || exhausted {
            return Ok((count as u64, kept));
        }
        fetch = fetch.saturating_mul(4).min(total_docs);
    }
}

/// A number standing for a vendor name, the same across segments.
fn vendor_key(
    column: Option<&tantivy::columnar::StrColumn>,
    ord: u64,
    names: &mut HashMap<String, u64>,
) -> u64 {
    let mut name = String::new();
    if let Some(c) = column
        && ord != u64::MAX
    {
        let _ = c.ord_to_str(ord, &mut name);
    }
    let next = names.len() as u64;
    *names.entry(name).or_insert(next)
}
