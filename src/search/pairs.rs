//! Phrases in the body and the heading answered from their pairs fields (`pairs`,
//! `heading_pairs`): every two neighbouring stems of a section's body, and of each of its
//! headings, are indexed as one term (`"third parti"`, see `index::stem`), with its
//! frequency.
//!
//! A phrase of two words is then a single term: its documents are the phrase's sections
//! and its frequency the phrase's count there, so no position is decoded. The query scores
//! exactly as tantivy's phrase query does (BM25 over the phrase's words, its field's
//! norms, the phrase count as frequency), so hits, counts and ranking are the same; on the
//! benchmark corpora position decoding was most of a common phrase's time.
//!
//! A longer phrase, or one with a word outside the common stems, stays tantivy's phrase
//! query. (Requiring a longer phrase's pairs as filters beside it would decode positions
//! only in sections holding every pair, but tantivy 0.27's phrase scorer asserts, in
//! debug builds, an order of seeks its intersection does not keep.)

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, EmptyScorer, EnableScoring, Explanation, PhraseQuery, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocId, DocSet, Score, SegmentReader, TantivyError, Term};

use crate::index::stem::{PAIR_SEPARATOR, is_common};

/// Whether a phrase of these stems at these positions is answered from the pairs: two
/// neighbouring common stems.
pub fn answers(stems: &[(usize, String)]) -> bool {
    matches!(stems, [(p, a), (q, b)] if p + 1 == *q && is_common(a) && is_common(b))
}

/// The query for a phrase in `field` (heading or body, whose pairs are in `pairs`): its
/// pair term when [`answers`] holds for its stems (at their positions), tantivy's phrase
/// query otherwise.
pub fn phrase(field: Field, pairs: Field, stems: &[(usize, String)]) -> Box<dyn Query> {
    let terms: Vec<(usize, Term)> = stems
        .iter()
        .map(|(position, stem)| (*position, Term::from_field_text(field, stem)))
        .collect();
    let phrase = PhraseQuery::new_with_offset(terms.clone());
    if !answers(stems) {
        return Box::new(phrase);
    }
    let pair = stems
        .iter()
        .map(|(_, s)| s.as_str())
        .collect::<Vec<_>>()
        .join(&PAIR_SEPARATOR.to_string());
    Box::new(PairPhraseQuery {
        phrase,
        body_terms: terms.into_iter().map(|(_, t)| t).collect(),
        pair: Term::from_field_text(pairs, &pair),
    })
}

/// A two-word body phrase looked up as its pair term, scored as the phrase.
#[derive(Clone, Debug)]
pub struct PairPhraseQuery {
    /// The phrase it stands for (for snippets, and what it matches).
    phrase: PhraseQuery,
    body_terms: Vec<Term>,
    pair: Term,
}

impl PairPhraseQuery {
    /// The phrase this query answers.
    pub fn phrase(&self) -> &PhraseQuery {
        &self.phrase
    }
}

impl Query for PairPhraseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let similarity = match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(
                statistics_provider,
                &self.body_terms,
            )?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(Box::new(PairWeight {
            pair: self.pair.clone(),
            body: self.phrase.field(),
            similarity,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.phrase.query_terms(visitor);
    }
}

struct PairWeight {
    pair: Term,
    body: Field,
    similarity: Option<Bm25Weight>,
}

impl PairWeight {
    fn postings(&self, reader: &SegmentReader) -> tantivy::Result<Option<SegmentPostings>> {
        reader
            .inverted_index(self.pair.field())?
            .read_postings(&self.pair, IndexRecordOption::WithFreqs)
            .map_err(TantivyError::from)
    }

    fn pair_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<PairScorer>> {
        let Some(postings) = self.postings(reader)? else {
            return Ok(None);
        };
        let norms = match self.similarity {
            Some(_) => reader.fieldnorms_readers().get_field(self.body)?,
            None => None,
        };
        Ok(Some(PairScorer {
            postings,
            norms: norms.unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)),
            similarity: self.similarity.as_ref().map(|s| s.boost_by(boost)),
        }))
    }
}

impl Weight for PairWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.pair_scorer(reader, boost)? {
            Some(s) => Box::new(s),
            None => Box::new(EmptyScorer),
        })
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        let Some(postings) = self.postings(reader)? else {
            return Ok(0);
        };
        Ok(match reader.alive_bitset() {
            None => postings.doc_freq(),
            Some(alive) => postings.doc_freq_given_deletes(alive),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let not_found = || TantivyError::InvalidArgument(format!("document #{doc} does not match"));
        let mut scorer = self.pair_scorer(reader, 1.0)?.ok_or_else(not_found)?;
        if scorer.seek(doc) != doc {
            return Err(not_found());
        }
        let mut explanation = Explanation::new("Phrase (as its pair term)", scorer.score());
        if let Some(s) = &self.similarity {
            explanation
                .add_detail(s.explain(scorer.norms.fieldnorm_id(doc), scorer.postings.term_freq()));
        }
        Ok(explanation)
    }
}

struct PairScorer {
    postings: SegmentPostings,
    norms: FieldNormReader,
    similarity: Option<Bm25Weight>,
}

impl DocSet for PairScorer {
    fn advance(&mut self) -> DocId {
        self.postings.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.postings.seek(target)
    }

    fn fill_buffer(&mut self, buffer: &mut [DocId; COLLECT_BLOCK_BUFFER_LEN]) -> usize {
        self.postings.fill_buffer(buffer)
    }

    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn size_hint(&self) -> u32 {
        self.postings.size_hint()
    }
}

impl Scorer for PairScorer {
    fn score(&mut self) -> Score {
        match &self.similarity {
            Some(s) => s.score(
                self.norms.fieldnorm_id(self.postings.doc()),
                self.postings.term_freq(),
            ),
            None => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::QueryParser;
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;
    use crate::index::schema::{build_schema, register_tokenizers};
    use crate::search::query::{Filters, build_query};

    /// Bodies written to catch a pair that is wrong: repeats, words across punctuation
    /// and line ends, the words in the other order, a word too long to index between
    /// them, a rare word, and a phrase inside a longer one.
    const BODIES: &[&str] = &[
        "We share data with third parties. Third parties may use it.",
        "Third-party services; parties, third. The third, parties of record.",
        "third\nparties and a third party, and third parties again: third parties!",
        "We never sell. Do not track signals are honoured; we do not track you.",
        "do not sell. not track. do not x track",
        "Pay by credit card. Credit cards and card credit are accepted.",
        "credit aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa card",
        "personal information personal personal information information",
        "Zebra crossings and third zebra parties.",
        "Third parties see credit card numbers; credit card data goes to third parties.",
        "",
    ];

    const PHRASES: &[&str] = &[
        "\"third parties\"",
        "\"third party\"",
        "\"credit card\"",
        "\"do not track\"",
        "\"not track\"",
        "\"personal information\"",
        "\"zebra crossings\"",
        "\"third zebra parties\"",
        "body:\"third parties\"",
        "heading:\"third parties\"",
        "heading:\"credit card\"",
        "\"third parties\" AND \"credit card\"",
        "\"third parties\" OR \"do not track\"",
        "cookies OR \"third parties\"",
        "\"third parties\" -\"credit card\"",
        "\"credit card\"^3 OR \"third parties\"",
    ];

    fn index() -> (Index, crate::index::Fields) {
        let (schema, fields) = build_schema();
        let index = Index::create_in_ram(schema);
        register_tokenizers(&index);
        let mut writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        for (i, body) in BODIES.iter().enumerate() {
            let mut d = TantivyDocument::default();
            // Headings: the phrase alone, a phrase split across two heading values
            // (which must not match), and another section's body as its heading.
            let other = BODIES[(i + 5) % BODIES.len()];
            let headings: &[&str] = match i % 3 {
                0 => &["Third parties"],
                1 => &["Sharing with third", "parties and credit card"],
                _ => &[other],
            };
            for h in headings {
                d.add_text(fields.heading, h);
                d.add_text(fields.heading_pairs, h);
            }
            d.add_text(fields.body, body);
            d.add_text(fields.pairs, body);
            writer.add_document(d).unwrap();
        }
        writer.commit().unwrap();
        (index, fields)
    }

    fn run(index: &Index, query: &dyn Query) -> (usize, Vec<(u32, f32)>) {
        let searcher = index.reader().unwrap().searcher();
        let (count, top) = searcher
            .search(query, &(Count, TopDocs::with_limit(100).order_by_score()))
            .unwrap();
        (count, top.into_iter().map(|(s, a)| (a.doc_id, s)).collect())
    }

    /// The same sections, counts and scores as tantivy's own phrase queries (the query
    /// parser's, over positions), for every phrase.
    #[test]
    fn pairs_answer_as_the_phrase_query_does() {
        let (index, fields) = index();
        let mut parser = QueryParser::for_index(&index, vec![fields.heading, fields.body]);
        parser.set_field_boost(fields.heading, 2.0);
        parser.set_conjunction_by_default();
        for phrase in PHRASES {
            let ours =
                build_query(&index, &fields, phrase, false, &Filters::default(), None).unwrap();
            let theirs = parser.parse_query(phrase).unwrap();
            let (a, b) = (run(&index, ours.as_ref()), run(&index, theirs.as_ref()));
            assert_eq!(a, b, "{phrase}: {ours:?}");
            assert!(
                a.0 > 0 || phrase.contains("zebra parties"),
                "{phrase} found nothing"
            );
        }
    }

    /// A two-word phrase of common words is answered from the pairs; one with a rarer
    /// word stays a phrase query.
    #[test]
    fn which_phrases_use_pairs() {
        let (index, fields) = index();
        let q = build_query(
            &index,
            &fields,
            "body:\"third parties\"",
            false,
            &Filters::default(),
            None,
        )
        .unwrap();
        assert!(q.downcast_ref::<PairPhraseQuery>().is_some(), "{q:?}");
        let q = build_query(
            &index,
            &fields,
            "body:\"zebra crossings\"",
            false,
            &Filters::default(),
            None,
        )
        .unwrap();
        assert!(q.downcast_ref::<PhraseQuery>().is_some(), "{q:?}");
        // Unfielded: the heading's pairs (boosted) and the body's.
        let q = build_query(
            &index,
            &fields,
            "\"third parties\"",
            false,
            &Filters::default(),
            None,
        )
        .unwrap();
        let debug = format!("{q:?}");
        assert_eq!(debug.matches("PairPhraseQuery").count(), 2, "{debug}");
    }
}
