//! The search stage: turn the user's query and filters into a tantivy query, collect the
//! ranked hits (optionally at most K per vendor) and build their snippets.

pub mod aggregate;
pub mod browse;
pub mod exact;
pub mod query;
pub mod snippet;
pub mod trend;

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::Query;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use crate::error::SearchError;
use crate::index::{Fields, PolicyIndex, StoredSection};
pub use aggregate::{Group, GroupBy, GroupCollector, Groups};
pub use query::{DATE_FORMS, DatePeriod, Filters};
pub use snippet::{Patterns, Snippet, make_snippet};

/// A search, resolved from the command line.
#[derive(Debug, Clone)]
pub struct QueryConfig {
    pub query: String,
    /// Unfielded words and phrases match the exact wording (unstemmed).
    pub exact: bool,
    pub filters: Filters,
    /// Hits to return after `offset`; `None` returns every hit.
    pub limit: Option<usize>,
    pub offset: usize,
    pub per_vendor: Option<usize>,
    pub snippet_chars: usize,
    /// Only count; no hits, no snippets.
    pub count_only: bool,
    /// Facets to count over all matching sections.
    pub facets: Vec<GroupBy>,
    /// Most values shown per vendor or processor facet.
    pub facet_limit: usize,
}

impl QueryConfig {
    /// A query with the given filters and the defaults of everything else (ten hits,
    /// 240-character snippets, no facets).
    pub fn new(query: &str, filters: Filters) -> QueryConfig {
        QueryConfig {
            query: query.to_string(),
            exact: false,
            filters,
            limit: Some(10),
            offset: 0,
            per_vendor: None,
            snippet_chars: 240,
            count_only: false,
            facets: Vec::new(),
            facet_limit: 10,
        }
    }
}

/// A facet's value: a year is a number (`null` for undated snapshots), the rest text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(untagged)]
pub enum FacetValue {
    Number(u64),
    Text(String),
    /// No value (a snapshot without a date).
    Missing,
}

impl std::fmt::Display for FacetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FacetValue::Number(n) => write!(f, "{n}"),
            FacetValue::Text(s) => f.write_str(s),
            FacetValue::Missing => f.write_str(aggregate::UNKNOWN),
        }
    }
}

/// One value of a facet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FacetCount {
    pub value: FacetValue,
    /// Matching sections with this value.
    pub sections: u64,
    /// Distinct matching policy snapshots with this value.
    pub policies: u64,
}

/// The name of a facet in output.
pub fn facet_name(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Year => "year",
        GroupBy::Month => "month",
        GroupBy::Vendor => "vendor",
        GroupBy::Processor => "processor",
    }
}

/// Turns groups into facet counts: years (and months) in order with "unknown" last,
/// other facets by sections, then policies, then name, cut to `limit`.
pub fn facet_counts(
    by: GroupBy,
    groups: &BTreeMap<String, Group>,
    limit: usize,
) -> Vec<FacetCount> {
    let mut counts: Vec<FacetCount> = groups
        .iter()
        .map(|(value, g)| FacetCount {
            value: match (by, value.parse::<u64>()) {
                _ if value == aggregate::UNKNOWN => FacetValue::Missing,
                (GroupBy::Year, Ok(year)) => FacetValue::Number(year),
                _ => FacetValue::Text(value.clone()),
            },
            sections: g.sections,
            policies: g.policies.len() as u64,
        })
        .collect();
    match by {
        GroupBy::Year | GroupBy::Month => {
            // Missing sorts after numbers and text: undated last.
            counts.sort_by(|a, b| a.value.cmp(&b.value));
        }
        GroupBy::Vendor | GroupBy::Processor => {
            counts.sort_by(|a, b| {
                b.sections
                    .cmp(&a.sections)
                    .then(b.policies.cmp(&a.policies))
                    .then_with(|| a.value.cmp(&b.value))
            });
            counts.truncate(limit);
        }
    }
    counts
}

/// One ranked section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Hit {
    pub rank: usize,
    pub score: f32,
    pub id: String,
    pub policy_id: String,
    pub vendor: String,
    pub date: Option<String>,
    pub year: Option<u64>,
    pub title: Option<String>,
    pub heading: String,
    pub heading_path: Vec<String>,
    pub part: u64,
    pub processors: Vec<String>,
    pub section_processors: Vec<String>,
    pub snippet: Snippet,
    pub url: Option<String>,
    pub source_url: Option<String>,
    pub path: String,
    /// For snapshots indexed from git: the commit that brought this version.
    pub revision: Option<String>,
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SearchResult {
    pub query: String,
    /// Sections matching the query and filters (before paging and the per-vendor cap).
    pub total_hits: u64,
    /// With a per-vendor cap and a count only: the hits a listing would have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_vendor_hits: Option<u64>,
    pub took_ms: u64,
    pub hits: Vec<Hit>,
    /// False when the index is the partial result of a build that has not finished
    /// (stopped, or still running): counts may be too low.
    pub index_complete: bool,
    /// Present when facets were asked for: facet name → counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<BTreeMap<String, Vec<FacetCount>>>,
}

/// The tantivy query for a search: its query string and filters (see [`query`]).
pub fn build_query(idx: &PolicyIndex, cfg: &QueryConfig) -> Result<Box<dyn Query>, SearchError> {
    query::build_query(&idx.index, &idx.fields, &cfg.query, cfg.exact, &cfg.filters)
}

/// Largest ranking computed with tantivy's top-k collector, which sets aside room for
/// twice the hits asked for in every segment; longer rankings (exports of every hit)
/// collect exactly the matching sections and sort them once.
const TOP_K_MAX: usize = 10_000;

/// Hits built and handed on at a time: their documents are read in index order (the
/// document store is read block by block) and then passed on in rank order, so memory
/// stays bounded however many hits are exported.
const HIT_CHUNK: usize = 256;

/// Runs a search and returns the page of hits with the totals and facets.
pub fn search(
    idx: &PolicyIndex,
    searcher: &Searcher,
    cfg: &QueryConfig,
) -> Result<SearchResult, SearchError> {
    let mut hits = Vec::new();
    let mut result = search_each(idx, searcher, cfg, &mut |hit| {
        hits.push(hit);
        Ok(())
    })?;
    result.hits = hits;
    Ok(result)
}

/// Runs a search and hands each hit, in rank order, to `sink` as soon as it is built;
/// the result returned holds the totals and facets but no hits. Ranking is by score,
/// ties broken by position in the index (deterministic for an unchanged index), so
/// pages fetched with `offset` neither repeat nor skip a hit.
pub fn search_each(
    idx: &PolicyIndex,
    searcher: &Searcher,
    cfg: &QueryConfig,
    sink: &mut dyn FnMut(Hit) -> std::io::Result<()>,
) -> Result<SearchResult, SearchError> {
    let started = Instant::now();
    let query = build_query(idx, cfg)?;
    let total_docs = searcher.num_docs() as usize;
    let wanted = match cfg.limit {
        Some(limit) => cfg.offset.saturating_add(limit).min(total_docs),
        None => total_docs,
    };
    let grouping = GroupCollector {
        by: cfg.facets.clone(),
        with_processors: false,
    };

    let mut per_vendor_hits = None;
    let (total_hits, ranked, groups) = if cfg.count_only || wanted == 0 || cfg.offset >= wanted {
        let (count, groups) = searcher.search(&query, &(Count, grouping))?;
        if let (Some(k), true) = (cfg.per_vendor, cfg.count_only) {
            per_vendor_hits = Some(capped_count(searcher, &query, k)?);
        }
        (count as u64, Vec::new(), groups)
    } else {
        match cfg.per_vendor {
            None if wanted <= TOP_K_MAX => {
                let (top, count, groups) = searcher.search(
                    &query,
                    &(
                        TopDocs::with_limit(wanted).order_by_score(),
                        Count,
                        grouping,
                    ),
                )?;
                (count as u64, top, groups)
            }
            None => {
                let (mut all, groups) = searcher.search(&query, &(AllScored, grouping))?;
                let count = all.len() as u64;
                all.truncate(wanted);
                (count, all, groups)
            }
            Some(k) => {
                let groups = if cfg.facets.is_empty() {
                    Groups::new()
                } else {
                    searcher.search(&query, &grouping)?
                };
                let (count, top) = top_per_vendor(searcher, &query, wanted, k.max(1), total_docs)?;
                (count, top, groups)
            }
        }
    };
    let facets = (!cfg.facets.is_empty()).then(|| {
        cfg.facets
            .iter()
            .zip(&groups)
            .map(|(by, g)| {
                (
                    facet_name(*by).to_string(),
                    facet_counts(*by, g, cfg.facet_limit),
                )
            })
            .collect()
    });

    let builder = HitBuilder::new(idx, query.as_ref(), cfg.snippet_chars)?;
    let ranked = ranked.get(cfg.offset..).unwrap_or_default();
    for (n, chunk) in ranked.chunks(HIT_CHUNK).enumerate() {
        let first_rank = cfg.offset + n * HIT_CHUNK + 1;
        for hit in builder.build(searcher, chunk, first_rank)? {
            sink(hit).map_err(SearchError::Sink)?;
        }
    }
    Ok(SearchResult {
        query: cfg.query.clone(),
        total_hits,
        per_vendor_hits,
        took_ms: started.elapsed().as_millis() as u64,
        hits: Vec::new(),
        index_complete: idx.info.incomplete.is_none(),
        facets,
    })
}

/// Turns ranked document addresses into hits with snippets.
struct HitBuilder<'a> {
    fields: &'a Fields,
    patterns: Patterns,
    analyzers: std::cell::RefCell<snippet::Analyzers>,
    snippet_chars: usize,
}

impl<'a> HitBuilder<'a> {
    fn new(
        idx: &'a PolicyIndex,
        query: &dyn Query,
        snippet_chars: usize,
    ) -> Result<HitBuilder<'a>, SearchError> {
        let analyzers = snippet::Analyzers::of(&idx.index).ok_or_else(|| {
            SearchError::Index(crate::error::IndexError::Damaged {
                path: idx.path.clone(),
                reason: "the index has no text tokenizer".to_string(),
            })
        })?;
        Ok(HitBuilder {
            fields: &idx.fields,
            patterns: Patterns::from_query(query, idx.fields.body),
            analyzers: std::cell::RefCell::new(analyzers),
            snippet_chars,
        })
    }

    /// The hits of one chunk of the ranking, in rank order; documents are read in index
    /// order.
    fn build(
        &self,
        searcher: &Searcher,
        chunk: &[(f32, DocAddress)],
        first_rank: usize,
    ) -> Result<Vec<Hit>, SearchError> {
        let mut order: Vec<usize> = (0..chunk.len()).collect();
        order.sort_unstable_by_key(|&i| chunk[i].1);
        let mut built: Vec<Option<Hit>> = vec![None; chunk.len()];
        let mut analyzers = self.analyzers.borrow_mut();
        for i in order {
            let (score, addr) = chunk[i];
            let doc: TantivyDocument = searcher.doc(addr)?;
            let body = doc
                .get_first(self.fields.body)
                .and_then(|v| tantivy::schema::Value::as_str(&v))
                .unwrap_or_default()
                .to_string();
            let snippet = make_snippet(&body, &self.patterns, &mut analyzers, self.snippet_chars);
            built[i] = Some(hit_from_doc(
                self.fields,
                &doc,
                first_rank + i,
                score,
                snippet,
            ));
        }
        Ok(built.into_iter().flatten().collect())
    }
}

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

fn hit_from_doc(
    f: &Fields,
    doc: &TantivyDocument,
    rank: usize,
    score: f32,
    snippet: Snippet,
) -> Hit {
    let s = StoredSection::from_doc(f, doc);
    Hit {
        rank,
        score,
        id: s.id,
        policy_id: s.policy_id,
        vendor: s.vendor,
        date: s.date,
        year: s.year,
        title: s.title,
        heading: s.heading,
        heading_path: s.heading_path,
        part: s.part,
        processors: s.processors,
        section_processors: s.section_processors,
        snippet,
        url: s.url,
        source_url: s.source_url,
        path: s.path,
        revision: s.revision,
    }
}
