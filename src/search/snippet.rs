//! Snippets: the window of a section body with the most query matches, with the
//! character offsets of every match inside it. Phrases are highlighted as whole
//! phrases, not word by word.

use serde::{Deserialize, Serialize};
use tantivy::query::{BooleanQuery, Occur, PhraseQuery, Query, TermQuery};
use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;

/// A piece of a section body with its matches.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Snippet {
    pub text: String,
    /// `[start, end)` character (not byte) offsets of each match inside `text`.
    pub highlights: Vec<[usize; 2]>,
}

/// What to look for in a body: each pattern is a sequence of analysed terms
/// (one term, or the terms of a phrase), stemmed or, for exact-wording queries, as
/// written (lower-cased).
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    patterns: Vec<Vec<String>>,
    exact: Vec<Vec<String>>,
}

impl Patterns {
    /// Collects the positive terms and phrases of `query` that search `body`: stemmed,
    /// or as written for exact-wording queries.
    pub fn from_query(query: &dyn Query, body: Field) -> Patterns {
        let mut patterns = Vec::new();
        let mut exact = Vec::new();
        collect(query, body, &mut patterns, &mut exact);
        for list in [&mut patterns, &mut exact] {
            list.sort();
            list.dedup();
        }
        Patterns { patterns, exact }
    }
}

/// The two ways a body is cut into terms: as `body` is indexed (stemmed), and into the
/// words as written (for exact-wording queries).
pub struct Analyzers {
    pub stemmed: TextAnalyzer,
    pub exact: TextAnalyzer,
}

impl Analyzers {
    /// The index's own analyzers, `None` if it lacks them.
    pub fn of(index: &tantivy::Index) -> Option<Analyzers> {
        let tokenizers = index.tokenizers();
        Some(Analyzers {
            stemmed: tokenizers.get(crate::index::schema::TEXT_TOKENIZER)?,
            exact: tokenizers.get(crate::index::schema::EXACT_TOKENIZER)?,
        })
    }
}

fn term_text(term: &tantivy::Term) -> Option<String> {
    term.value().as_str().map(str::to_string)
}

fn collect(
    query: &dyn Query,
    field: Field,
    out: &mut Vec<Vec<String>>,
    exact: &mut Vec<Vec<String>>,
) {
    if let Some(b) = query.downcast_ref::<BooleanQuery>() {
        for (occur, sub) in b.clauses() {
            if *occur != Occur::MustNot {
                collect(sub.as_ref(), field, out, exact);
            }
        }
    } else if let Some(e) = query.downcast_ref::<super::exact::ExactQuery>() {
        let (f, words) = e.words();
        if f == field && !words.is_empty() {
            exact.push(words.to_vec());
        }
    } else if let Some(p) = query.downcast_ref::<PhraseQuery>().or_else(|| {
        Some(
            query
                .downcast_ref::<super::pairs::PairPhraseQuery>()?
                .phrase(),
        )
    }) {
        if p.field() == field {
            let terms: Vec<String> = p.phrase_terms().iter().filter_map(term_text).collect();
            if !terms.is_empty() {
                out.push(terms);
            }
        }
    } else if let Some(t) = query.downcast_ref::<TermQuery>() {
        if t.term().field() == field
            && let Some(s) = term_text(t.term())
        {
            out.push(vec![s]);
        }
    } else {
        query.query_terms(&mut |term, _| {
            if term.field() == field
                && let Some(s) = term_text(term)
            {
                out.push(vec![s]);
            }
        });
    }
}

/// Byte spans of pattern matches in `text`, sorted, not overlapping.
fn find_matches(
    text: &str,
    patterns: &Patterns,
    analyzers: &mut Analyzers,
    words_of_missing_phrases: bool,
) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    if !patterns.patterns.is_empty() {
        find_spans(
            text,
            &patterns.patterns,
            &mut analyzers.stemmed,
            words_of_missing_phrases,
            &mut spans,
        );
    }
    if !patterns.exact.is_empty() {
        find_spans(
            text,
            &patterns.exact,
            &mut analyzers.exact,
            words_of_missing_phrases,
            &mut spans,
        );
    }
    merge_spans(spans)
}

/// Adds the byte spans where `patterns` occur in `text` as `analyzer` cuts it.
fn find_spans(
    text: &str,
    patterns: &[Vec<String>],
    analyzer: &mut TextAnalyzer,
    words_of_missing_phrases: bool,
    spans: &mut Vec<(usize, usize)>,
) {
    let mut tokens: Vec<(String, usize, usize, usize)> = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let t = stream.token();
        tokens.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
    }
    let match_at = |pattern: &[String], i: usize| -> Option<(usize, usize)> {
        let first = &tokens[i];
        if first.0 != pattern[0] {
            return None;
        }
        let mut end = first.2;
        for (k, term) in pattern.iter().enumerate().skip(1) {
            let t = tokens.get(i + k)?;
            if &t.0 != term || t.3 != first.3 + k {
                return None;
            }
            end = t.2;
        }
        Some((first.1, end))
    };
    for pattern in patterns {
        let before = spans.len();
        for i in 0..tokens.len() {
            if let Some(span) = match_at(pattern, i) {
                spans.push(span);
            }
        }
        // A phrase found only with slop, or only in the heading: show its words (in a
        // snippet of a hit; not when marking a whole policy).
        if words_of_missing_phrases && spans.len() == before && pattern.len() > 1 {
            for term in pattern {
                for i in 0..tokens.len() {
                    if let Some(span) = match_at(std::slice::from_ref(term), i) {
                        spans.push(span);
                    }
                }
            }
        }
    }
}

/// Sorts spans and merges those that overlap.
fn merge_spans(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The `[start, end)` character ranges of the matches of `patterns` in `text`: whole
/// phrases only (for marking a whole policy, where a section without the phrase must
/// not have its words marked).
pub fn match_ranges(text: &str, patterns: &Patterns, analyzers: &mut Analyzers) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    let mut chars = 0;
    let mut at = 0;
    for (s, e) in find_matches(text, patterns, analyzers, false) {
        chars += text[at..s].chars().count();
        let len = text[s..e].chars().count();
        out.push([chars, chars + len]);
        chars += len;
        at = e;
    }
    out
}

/// Builds the snippet of about `max_chars` characters around the densest matches.
pub fn make_snippet(
    body: &str,
    patterns: &Patterns,
    analyzers: &mut Analyzers,
    max_chars: usize,
) -> Snippet {
    let matches = find_matches(body, patterns, analyzers, true);
    let total_chars = body.chars().count();
    let (start, end) = if total_chars <= max_chars {
        (0, body.len())
    } else {
        choose_window(body, &matches, max_chars)
    };
    let mut text = String::new();
    let mut highlights = Vec::new();
    let prefix = start > 0;
    if prefix {
        text.push('…');
    }
    let window = &body[start..end];
    let mut chars_before = usize::from(prefix);
    let mut cursor = start;
    for &(s, e) in matches.iter().filter(|(s, e)| *s >= start && *e <= end) {
        chars_before += body[cursor..s].chars().count();
        let len = body[s..e].chars().count();
        highlights.push([chars_before, chars_before + len]);
        chars_before += len;
        cursor = e;
    }
    text.extend(window.chars().map(|c| if c == '\n' { ' ' } else { c }));
    if end < body.len() {
        text.push('…');
    }
    Snippet { text, highlights }
}

/// Picks the byte window of at most `max_chars` characters holding the most matches,
/// starting a little before the first of them, cut at white space.
fn choose_window(body: &str, matches: &[(usize, usize)], max_chars: usize) -> (usize, usize) {
    let byte_after_chars = |from: usize, n: usize| -> usize {
        body[from..]
            .char_indices()
            .nth(n)
            .map_or(body.len(), |(i, _)| from + i)
    };
    let mut best = (0usize, 0usize); // (count, index of first match)
    for (i, &(s, _)) in matches.iter().enumerate() {
        let limit = byte_after_chars(s, max_chars);
        let count = matches[i..].iter().take_while(|m| m.1 <= limit).count();
        if count > best.0 {
            best = (count, i);
        }
    }
    let anchor = matches.get(best.1).map_or(0, |m| m.0);
    let anchor_end = matches.get(best.1).map_or(0, |m| m.1);
    // Some context before the first match: a fifth of the window.
    let context = max_chars / 5;
    let mut start = anchor;
    for _ in 0..context {
        match body[..start].chars().next_back() {
            Some(c) => start -= c.len_utf8(),
            None => break,
        }
    }
    if start > 0 {
        // Start at a word: after the next white space, unless that passes the anchor.
        if let Some(ws) = body[start..anchor].find(char::is_whitespace) {
            start += ws;
            start += body[start..].chars().next().map_or(0, char::len_utf8);
        }
    }
    let mut end = byte_after_chars(start, max_chars);
    if end < body.len()
        && let Some(ws) = body[start..end].rfind(char::is_whitespace)
        && start + ws >= anchor_end
    {
        end = start + ws;
    }
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer};

    fn analyzer() -> Analyzers {
        Analyzers {
            stemmed: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(Stemmer::default())
                .build(),
            exact: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .build(),
        }
    }

    fn terms(p: &[&[&str]]) -> Vec<Vec<String>> {
        p.iter()
            .map(|v| v.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    fn pats(p: &[&[&str]]) -> Patterns {
        Patterns {
            patterns: terms(p),
            exact: Vec::new(),
        }
    }

    #[test]
    fn exact_patterns_match_the_words_as_written() {
        let body = "A third party. Third parties too.";
        let exact = Patterns {
            patterns: Vec::new(),
            exact: terms(&[&["third", "party"]]),
        };
        let s = make_snippet(body, &exact, &mut analyzer(), 200);
        assert_eq!(highlighted(&s), ["third party"]);
        let stemmed = pats(&[&["third", "parti"]]);
        let s = make_snippet(body, &stemmed, &mut analyzer(), 200);
        assert_eq!(highlighted(&s), ["third party", "Third parties"]);
    }

    fn highlighted(s: &Snippet) -> Vec<String> {
        let chars: Vec<char> = s.text.chars().collect();
        s.highlights
            .iter()
            .map(|[a, b]| chars[*a..*b].iter().collect())
            .collect()
    }

    #[test]
    fn phrase_highlighted_whole_and_only_where_adjacent() {
        let body = "A card. Your Credit Cards are safe; credit is not card.";
        let s = make_snippet(body, &pats(&[&["credit", "card"]]), &mut analyzer(), 200);
        assert_eq!(highlighted(&s), ["Credit Cards"]);
    }

    #[test]
    fn offsets_are_characters_and_window_has_matches() {
        let filler = "Ünïcödé wörds ".repeat(100);
        let body = format!("{filler}we take credit card data {filler}");
        let s = make_snippet(&body, &pats(&[&["credit", "card"]]), &mut analyzer(), 120);
        assert!(s.text.chars().count() <= 122);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert_eq!(highlighted(&s), ["credit card"]);
    }

    #[test]
    fn whole_policy_marks_only_whole_phrases() {
        let p = pats(&[&["credit", "card"]]);
        let text = "An identification card. Your Credit Card, é.";
        let ranges = match_ranges(text, &p, &mut analyzer());
        let chars: Vec<char> = text.chars().collect();
        let marked: Vec<String> = ranges
            .iter()
            .map(|[a, b]| chars[*a..*b].iter().collect())
            .collect();
        assert_eq!(marked, ["Credit Card"]);
        assert!(match_ranges("identification card", &p, &mut analyzer()).is_empty());
    }

    #[test]
    fn no_match_gives_the_beginning() {
        let body = "word ".repeat(100);
        let s = make_snippet(&body, &pats(&[&["absent"]]), &mut analyzer(), 50);
        assert!(s.highlights.is_empty());
        assert!(s.text.starts_with("word"));
    }
}
