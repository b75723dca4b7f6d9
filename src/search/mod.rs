//! The search stage: turn the user's query and filters into a tantivy query, collect the
//! ranked hits (optionally at most K per vendor) and build their snippets.

pub mod aggregate;
pub mod browse;
pub mod diff;
pub mod exact;
pub mod facets;
mod hits;
pub mod pairs;
pub mod query;
mod rank;
pub mod research;
pub mod rows;
pub mod snippet;
pub mod trend;

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::Searcher;
use tantivy::query::Query;

use crate::error::SearchError;
use crate::index::PolicyIndex;
pub use aggregate::{Group, GroupBy, GroupCollector, Groups};
pub use facets::{FacetCount, FacetValue, facet_counts, facet_name};
use hits::{HIT_CHUNK, HitBuilder};
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
    /// Trackers, programs and laws the whole policy names.
    pub trackers: Vec<String>,
    pub programs: Vec<String>,
    pub laws: Vec<String>,
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
/// With `--as-of`, the snapshots in force on that day are found first (in `searcher`).
pub fn build_query(
    idx: &PolicyIndex,
    searcher: &Searcher,
    cfg: &QueryConfig,
) -> Result<Box<dyn Query>, SearchError> {
    let as_of = match &cfg.filters.as_of {
        Some(day) => Some(rows::as_of_policies(searcher, day)?),
        None => None,
    };
    query::build_query(
        &idx.index,
        &idx.fields,
        &cfg.query,
        cfg.exact,
        &cfg.filters,
        as_of.as_deref(),
    )
}

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
    let query = build_query(idx, searcher, cfg)?;
    let ranking = rank::rank(searcher, query.as_ref(), cfg)?;
    let (total_hits, per_vendor_hits, groups) =
        (ranking.total, ranking.per_vendor_hits, ranking.groups);
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
    let ranked = ranking.ranked.get(cfg.offset..).unwrap_or_default();
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
