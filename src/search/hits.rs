//! Hits: ranked document addresses turned into hits with snippets, a chunk at a time.

use tantivy::query::Query;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::Hit;
use super::snippet::{self, Patterns, Snippet, make_snippet};
use crate::error::SearchError;
use crate::index::{Fields, PolicyIndex, StoredSection};

/// Hits built and handed on at a time: their documents are read in index order (the
/// document store is read block by block) and then passed on in rank order, so memory
/// stays bounded however many hits are exported.
pub(super) const HIT_CHUNK: usize = 256;

/// Turns ranked document addresses into hits with snippets.
pub(super) struct HitBuilder<'a> {
    fields: &'a Fields,
    patterns: Patterns,
    analyzers: std::cell::RefCell<snippet::Analyzers>,
    snippet_chars: usize,
}

impl<'a> HitBuilder<'a> {
    pub(super) fn new(
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
    pub(super) fn build(
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
        trackers: s.trackers,
        programs: s.programs,
        laws: s.laws,
        snippet,
        url: s.url,
        source_url: s.source_url,
        path: s.path,
        revision: s.revision,
    }
}
