//! Exact wording without a second index: an exact query is the stemmed query (whose
//! matches include every exact match, since equal words have equal stems and both
//! analyzers cut text at the same places) with each candidate checked against the
//! section's stored text, cut into lower-cased unstemmed words. Candidates are visited
//! in index order, so the document store is read block by block.
//!
//! An unstemmed copy of heading and body in the index would answer exact queries from
//! postings, but on the benchmark corpus M it made the index 42% larger (456 MB against
//! 320 MB, 1.16× the corpus bytes) and the build much slower, for a query mode lawyers
//! use on clauses. Checking costs about 20 µs a candidate (1.5 s for the 75,000 sections
//! holding "third party" on M).

use std::sync::Arc;

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, Value};
use tantivy::store::StoreReader;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyDocument};

/// Blocks of the document store kept decompressed per segment while checking.
const STORE_CACHE_BLOCKS: usize = 16;

/// `inner` (a stemmed query on `field`), keeping only the sections whose `field` holds
/// `words` as written (lower-cased), next to each other.
pub struct ExactQuery {
    inner: Box<dyn Query>,
    field: Field,
    words: Arc<Vec<String>>,
}

impl Clone for ExactQuery {
    fn clone(&self) -> Self {
        ExactQuery {
            inner: self.inner.box_clone(),
            field: self.field,
            words: Arc::clone(&self.words),
        }
    }
}

impl std::fmt::Debug for ExactQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExactQuery")
            .field("inner", &self.inner)
            .field("field", &self.field)
            .field("words", &self.words)
            .finish()
    }
}

impl ExactQuery {
    /// `analyzer` cuts text into the exact words (the same cuts as the stemmed field's
    /// tokenizer, without stemming); `text` is what the user wrote.
    pub fn new(
        inner: Box<dyn Query>,
        field: Field,
        text: &str,
        mut analyzer: TextAnalyzer,
    ) -> ExactQuery {
        let words = words_of(&mut analyzer, text);
        ExactQuery {
            inner,
            field,
            words: Arc::new(words),
        }
    }

    /// The field checked and the exact words looked for.
    pub fn words(&self) -> (Field, &[String]) {
        (self.field, &self.words)
    }
}

fn words_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

impl Query for ExactQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ExactWeight {
            inner: self.inner.weight(enable_scoring)?,
            field: self.field,
            words: Arc::clone(&self.words),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct ExactWeight {
    inner: Box<dyn Weight>,
    field: Field,
    words: Arc<Vec<String>>,
}

impl Weight for ExactWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorer = ExactScorer {
            inner: self.inner.scorer(reader, boost)?,
            store: reader.get_store_reader(STORE_CACHE_BLOCKS)?,
            field: self.field,
            words: Arc::clone(&self.words),
        };
        // Stand on the first document that passes.
        let first = scorer.inner.doc();
        if first != TERMINATED && !scorer.passes(first) {
            scorer.advance();
        }
        Ok(Box::new(scorer))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

struct ExactScorer {
    inner: Box<dyn Scorer>,
    store: StoreReader,
    field: Field,
    words: Arc<Vec<String>>,
}

impl ExactScorer {
    /// Whether the stored text of `doc` holds the words. A document the store cannot
    /// give back does not pass (the same document fails loudly when a hit is shown).
    fn passes(&mut self, doc: DocId) -> bool {
        let Ok(stored) = self.store.get::<TantivyDocument>(doc) else {
            return false;
        };
        stored
            .get_all(self.field)
            .filter_map(|v| v.as_str())
            .any(|text| holds(text, &self.words))
    }
}

/// Whether `text` holds `words` (lower-case) at consecutive positions, reading it as
/// the full-text tokenizer does: words are runs of letters and digits, compared without
/// regard to case; a word of 40 bytes or more is dropped but keeps its position (so it
/// breaks a phrase). One pass, no allocation for ASCII words; several partial matches
/// are followed at once (a bit per number of words matched so far).
fn holds(text: &str, words: &[String]) -> bool {
    let n = words.len();
    if n == 0 {
        return true;
    }
    if n >= 64 {
        // Phrases this long are matched the slow way.
        return holds_long(text, words);
    }
    let done = 1u64 << n;
    let mut matched = 1u64; // bit k: the last tokens match words[..k]; bit 0 always
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if word.len() >= MAX_WORD_BYTES {
            matched = 1;
            continue;
        }
        let mut next = 1u64;
        let mut rest = matched;
        while rest != 0 {
            let k = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if k < n && same_word(word, &words[k]) {
                next |= 1 << (k + 1);
            }
        }
        if next & done != 0 {
            return true;
        }
        matched = next;
    }
    false
}

/// Words this long (bytes) or longer are dropped by the tokenizer.
const MAX_WORD_BYTES: usize = 40;

fn same_word(word: &str, lower: &str) -> bool {
    if word.is_ascii() {
        word.eq_ignore_ascii_case(lower)
    } else {
        word.to_lowercase() == lower
    }
}

fn holds_long(text: &str, words: &[String]) -> bool {
    let tokens: Vec<Option<String>> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| (w.len() < MAX_WORD_BYTES).then(|| w.to_lowercase()))
        .collect();
    tokens.windows(words.len()).any(|window| {
        window
            .iter()
            .zip(words)
            .all(|(t, w)| t.as_deref() == Some(w.as_str()))
    })
}

impl DocSet for ExactScorer {
    fn advance(&mut self) -> DocId {
        loop {
            let doc = self.inner.advance();
            if doc == TERMINATED || self.passes(doc) {
                return doc;
            }
        }
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }
}

impl Scorer for ExactScorer {
    fn score(&mut self) -> Score {
        self.inner.score()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer};

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn words_next_to_each_other_as_written() {
        assert!(holds("A Third-Party site", &w("third party")));
        assert!(!holds("third parties", &w("third party")));
        assert!(!holds("third, and party", &w("third party")));
        assert!(holds("parties", &w("parties")));
        assert!(!holds("party", &w("parties")));
        assert!(holds("a a a b", &w("a a b")));
        assert!(holds("Caf\u{c9} ouvert", &w("caf\u{e9} ouvert")));
        let long = "x".repeat(40);
        assert!(!holds(&format!("third {long} party"), &w("third party")));
    }

    /// The one-pass check agrees with tokens from tantivy's own chain (the tokenizer the
    /// stemmed field's cuts are tested against), compared window by window.
    #[test]
    fn agrees_with_the_tokenizer_chain() {
        use tantivy::tokenizer::RemoveLongFilter;
        let mut a = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build();
        let texts = [
            "We share data with Third Parties; a third party may see it.",
            "Le caf\u{e9} et la CAF\u{c9}: donn\u{e9}es personnelles",
            "third-party third party party third third party",
        ];
        let phrases = [
            "third party",
            "third parties",
            "caf\u{e9}",
            "party third",
            "third",
        ];
        for text in texts {
            let mut tokens: Vec<(usize, String)> = Vec::new();
            let mut stream = a.token_stream(text);
            while stream.advance() {
                tokens.push((stream.token().position, stream.token().text.clone()));
            }
            for phrase in phrases {
                let words = w(phrase);
                let expected = (0..tokens.len()).any(|i| {
                    words.iter().enumerate().all(|(k, word)| {
                        tokens
                            .get(i + k)
                            .is_some_and(|(p, t)| *p == tokens[i].0 + k && t == word)
                    })
                });
                assert_eq!(holds(text, &words), expected, "{text:?} {phrase:?}");
            }
        }
    }
}
