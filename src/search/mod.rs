//! The search stage: turn the user's query and filters into a tantivy query, collect the
//! ranked hits (optionally at most K per vendor) and build their snippets.

pub mod aggregate;
pub mod browse;
pub mod snippet;
pub mod trend;

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::corpus::ProcessorMatcher;
use crate::error::SearchError;
use crate::index::{Fields, PolicyIndex};
pub use aggregate::{Group, GroupBy, GroupCollector, Groups};
pub use snippet::{Patterns, Snippet, make_snippet};

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Deepest parenthesis nesting accepted.
pub const MAX_QUERY_DEPTH: usize = 64;

/// A search, resolved from the command line.
#[derive(Debug, Clone)]
pub struct QueryConfig {
    pub query: String,
    pub limit: usize,
    pub offset: usize,
    pub vendors: Vec<String>,
    pub year: Option<u64>,
    /// Inclusive lower bound, `YYYY-MM-DD`.
    pub since: Option<String>,
    /// Inclusive upper bound, `YYYY-MM-DD`.
    pub until: Option<String>,
    pub processors: Vec<String>,
    pub per_vendor: Option<usize>,
    pub snippet_chars: usize,
    /// Only count; no hits, no snippets.
    pub count_only: bool,
    /// Facets to count over all matching sections.
    pub facets: Vec<GroupBy>,
    /// Most values shown per vendor or processor facet.
    pub facet_limit: usize,
}

/// One value of a facet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FacetCount {
    pub value: String,
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
            value: value.clone(),
            sections: g.sections,
            policies: g.policies.len() as u64,
        })
        .collect();
    match by {
        GroupBy::Year | GroupBy::Month => {
            counts.sort_by_key(|c| (c.value == aggregate::UNKNOWN, c.value.clone()));
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
    /// Sections matching the query and filters (before paging and --per-vendor).
    pub total_hits: u64,
    pub took_ms: u64,
    pub hits: Vec<Hit>,
    /// Present when facets were asked for: facet name → counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facets: Option<BTreeMap<String, Vec<FacetCount>>>,
}

/// Parses the query and adds the filters: the one place that knows the query language.
pub fn build_query(idx: &PolicyIndex, cfg: &QueryConfig) -> Result<Box<dyn Query>, SearchError> {
    let f = &idx.fields;
    check_query_shape(&cfg.query)?;
    let mut parser = QueryParser::for_index(&idx.index, vec![f.heading, f.body]);
    parser.set_field_boost(f.heading, 2.0);
    parser.set_conjunction_by_default();
    let user = if cfg.query.trim().is_empty() || cfg.query.trim() == "*" {
        Box::new(tantivy::query::AllQuery) as Box<dyn Query>
    } else {
        parser
            .parse_query(&cfg.query)
            .map_err(|e| SearchError::BadQuery {
                query: cfg.query.clone(),
                message: describe_parse_error(&e),
            })?
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if !cfg.vendors.is_empty() {
        let terms = cfg
            .vendors
            .iter()
            .map(|v| Term::from_field_text(f.vendor, &v.to_lowercase()))
            .collect();
        clauses.push((
            Occur::Must,
            Box::new(BooleanQuery::new_multiterms_query(terms)),
        ));
    }
    if !cfg.processors.is_empty() {
        let matcher = ProcessorMatcher::builtin();
        let terms = cfg
            .processors
            .iter()
            .map(|p| {
                let name = matcher.canonical_name(p).unwrap_or(p);
                Term::from_field_text(f.processor, &name.to_lowercase())
            })
            .collect();
        clauses.push((
            Occur::Must,
            Box::new(BooleanQuery::new_multiterms_query(terms)),
        ));
    }
    if let Some(y) = cfg.year {
        clauses.push((
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_u64(f.year, y),
                IndexRecordOption::Basic,
            )),
        ));
    }
    if cfg.since.is_some() || cfg.until.is_some() {
        let bound = |d: &Option<String>| match d {
            Some(d) => Bound::Included(Term::from_field_text(f.date, d)),
            None => Bound::Unbounded,
        };
        clauses.push((
            Occur::Must,
            Box::new(RangeQuery::new(bound(&cfg.since), bound(&cfg.until))),
        ));
    }
    let filters = clauses.into_iter().map(|(_, q)| q).collect();
    Ok(with_filters(user, filters))
}

/// The user's query restricted to documents matching every filter (vendor, processor,
/// year, dates). Filters score nothing, so ranking is the query's alone. When the query is
/// an alternative (`Should` clauses only, as a phrase or word searched in heading and body
/// is), each alternative is filtered on its own: tantivy then seeks each phrase to the
/// filtered documents only, instead of matching the phrase everywhere and intersecting
/// afterwards (a vendor's or a year's phrase search costs its share of the index, not the
/// whole index).
fn with_filters(user: Box<dyn Query>, filters: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    if filters.is_empty() {
        return user;
    }
    let filter = |extra: Box<dyn Query>| -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, extra)];
        for f in &filters {
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(f.box_clone(), 0.0)),
            ));
        }
        Box::new(BooleanQuery::new(clauses))
    };
    if let Some(b) = user.downcast_ref::<BooleanQuery>() {
        let alternatives = b.clauses();
        if !alternatives.is_empty()
            && alternatives.iter().all(|(o, _)| *o == Occur::Should)
            && b.get_minimum_number_should_match() <= 1
        {
            return Box::new(BooleanQuery::new(
                alternatives
                    .iter()
                    .map(|(_, q)| (Occur::Should, filter(q.box_clone())))
                    .collect(),
            ));
        }
    }
    filter(user)
}

/// Refuses queries that are too long or too deeply nested for the parser's recursion.
fn check_query_shape(query: &str) -> Result<(), SearchError> {
    let bad = |message: String| SearchError::BadQuery {
        query: if query.len() > 80 {
            format!("{}…", &query[..query.floor_char_boundary(80)])
        } else {
            query.to_string()
        },
        message,
    };
    if query.len() > MAX_QUERY_BYTES {
        return Err(bad(format!(
            "the query is {} bytes long; the limit is {MAX_QUERY_BYTES}",
            query.len()
        )));
    }
    let (mut depth, mut max) = (0usize, 0usize);
    for c in query.chars() {
        match c {
            '(' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if max > MAX_QUERY_DEPTH {
        return Err(bad(format!(
            "parentheses nest {max} deep; the limit is {MAX_QUERY_DEPTH}"
        )));
    }
    Ok(())
}

fn describe_parse_error(e: &tantivy::query::QueryParserError) -> String {
    use tantivy::query::QueryParserError as E;
    match e {
        E::SyntaxError(s) => format!(
            "syntax error ({s}); quote phrases (\"credit card\"), balance parentheses and \
             brackets, and write ranges as year:[2010 TO 2015]"
        ),
        E::FieldDoesNotExist(name) => format!(
            "unknown field {name:?}; fields are vendor, date, year, processor, heading, title, body"
        ),
        E::FieldNotIndexed(name) => format!("field {name:?} cannot be searched"),
        other => other.to_string(),
    }
}

/// Runs a search: total count, ranked hits (paged, capped per vendor) and snippets.
pub fn search(
    idx: &PolicyIndex,
    searcher: &Searcher,
    cfg: &QueryConfig,
) -> Result<SearchResult, SearchError> {
    let started = Instant::now();
    let query = build_query(idx, cfg)?;
    let total_docs = searcher.num_docs() as usize;
    let wanted = cfg.offset.saturating_add(cfg.limit).min(total_docs);
    let grouping = GroupCollector {
        by: cfg.facets.clone(),
        with_processors: false,
    };

    let (total_hits, ranked, groups) = if cfg.count_only || wanted == 0 || cfg.offset >= total_docs
    {
        let (count, groups) = searcher.search(&query, &(Count, grouping))?;
        (count as u64, Vec::new(), groups)
    } else {
        match cfg.per_vendor {
            None => {
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

    let body_patterns = Patterns::from_query(query.as_ref(), idx.fields.body);
    let mut analyzer = idx
        .index
        .tokenizers()
        .get(crate::index::schema::TEXT_TOKENIZER)
        .ok_or_else(|| SearchError::BadArgument {
            argument: "index",
            message: "the index has no text tokenizer".to_string(),
        })?;
    let mut hits = Vec::new();
    for (i, (score, addr)) in ranked.into_iter().enumerate().skip(cfg.offset) {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let body = first_str(&doc, idx.fields.body).unwrap_or_default();
        let snippet = make_snippet(&body, &body_patterns, &mut analyzer, cfg.snippet_chars);
        hits.push(hit_from_doc(&idx.fields, &doc, i + 1, score, snippet));
    }
    Ok(SearchResult {
        query: cfg.query.clone(),
        total_hits,
        took_ms: started.elapsed().as_millis() as u64,
        hits,
        facets,
    })
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
                        .str("vendor")?,
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

pub(crate) fn first_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

pub(crate) fn all_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

pub(crate) fn first_u64(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<u64> {
    doc.get_first(field).and_then(|v| v.as_u64())
}

fn hit_from_doc(
    f: &Fields,
    doc: &TantivyDocument,
    rank: usize,
    score: f32,
    snippet: Snippet,
) -> Hit {
    Hit {
        rank,
        score,
        id: first_str(doc, f.id).unwrap_or_default(),
        policy_id: first_str(doc, f.policy_id).unwrap_or_default(),
        vendor: first_str(doc, f.vendor).unwrap_or_default(),
        date: first_str(doc, f.date),
        year: first_u64(doc, f.year),
        title: first_str(doc, f.title),
        heading: first_str(doc, f.heading).unwrap_or_default(),
        heading_path: all_str(doc, f.heading_path),
        part: first_u64(doc, f.part).unwrap_or(0),
        processors: all_str(doc, f.processor),
        section_processors: all_str(doc, f.section_processor),
        snippet,
        url: first_str(doc, f.url),
        source_url: first_str(doc, f.source_url),
        path: first_str(doc, f.path).unwrap_or_default(),
        revision: first_str(doc, f.revision),
    }
}

/// Turns a user's `--since`/`--until` (YYYY, YYYY-MM or YYYY-MM-DD) into an inclusive
/// `YYYY-MM-DD` bound; `end` picks the last day of a year or month.
pub fn resolve_date_bound(
    input: &str,
    end: bool,
    argument: &'static str,
) -> Result<String, SearchError> {
    let bad = || SearchError::BadArgument {
        argument,
        message: format!("{input:?} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD"),
    };
    let parts: Vec<&str> = input.split('-').collect();
    let num = |s: &str, len: usize| -> Result<u32, SearchError> {
        if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    match parts.as_slice() {
        [y] => {
            num(y, 4)?;
            Ok(if end {
                format!("{y}-12-31")
            } else {
                format!("{y}-01-01")
            })
        }
        [y, m] => {
            num(y, 4)?;
            let mm = num(m, 2)?;
            if !(1..=12).contains(&mm) {
                return Err(bad());
            }
            Ok(if end {
                format!("{y}-{m}-31")
            } else {
                format!("{y}-{m}-01")
            })
        }
        [_, _, _] => {
            crate::corpus::header::parse_date(input).ok_or_else(bad)?;
            Ok(input.to_string())
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_bounds() {
        assert_eq!(
            resolve_date_bound("2015", false, "--since").unwrap(),
            "2015-01-01"
        );
        assert_eq!(
            resolve_date_bound("2015", true, "--until").unwrap(),
            "2015-12-31"
        );
        assert_eq!(
            resolve_date_bound("2015-02", true, "--until").unwrap(),
            "2015-02-31"
        );
        assert_eq!(
            resolve_date_bound("2015-02-28", true, "--until").unwrap(),
            "2015-02-28"
        );
        for bad in ["2015-13", "2015-02-30", "15", "yesterday", "2015-1-1", ""] {
            assert!(resolve_date_bound(bad, false, "--since").is_err(), "{bad}");
        }
    }

    #[test]
    fn query_shape_limits() {
        assert!(check_query_shape(&"(".repeat(100)).is_err());
        assert!(check_query_shape(&"a ".repeat(40_000)).is_err());
        assert!(check_query_shape("(a OR (b AND c))").is_ok());
    }
}
