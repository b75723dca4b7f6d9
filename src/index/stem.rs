//! The full-text tokenizer: tantivy's `SimpleTokenizer`, `RemoveLongFilter(40)`,
//! `LowerCaser` and English `Stemmer` fused into one pass with a memo, giving exactly
//! their tokens (text, offsets, positions) at a fraction of the cost.
//!
//! Tokenizing and stemming were the largest cost of indexing we control (a quarter of the
//! CPU time on the benchmark corpus with tantivy's chain). A corpus repeats the same few
//! hundred thousand words millions of times, so each tokenizer instance remembers the
//! stems it has computed in a direct-mapped table (like a CPU cache), keyed by the word
//! as written: a word hashes to one slot that holds it and its stem inline, so a repeated
//! word costs one memory access and a 16-byte compare, with no lower-casing or stemming.
//! A collision overwrites the slot; words longer than 16 bytes, and stems longer than 14,
//! are worked out every time.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Bytes of a word kept inline in a slot.
const WIDTH: usize = 16;
/// Slots per table: 2^16 slots of 32 bytes, 2 MiB per tokenizer instance.
const SLOT_BITS: u32 = 16;
/// Tokens this long or longer (in bytes, as written) are dropped, as tantivy's
/// `RemoveLongFilter::limit(40)` does; they still use up a position.
const MAX_TOKEN_BYTES: usize = 40;
/// Texts an instance tokenizes before it sets up its memo (an indexing thread gets
/// there at once; a query or a page of snippets does not).
const MEMO_AFTER: u32 = 256;

/// Bytes of a stem kept in a slot.
const STEM_WIDTH: usize = WIDTH - 2;

/// A word as written (its bytes zero-padded, read as two little-endian integers), its
/// stem, and the stem's number among the pair words (0: not one). Words are never empty
/// and never contain NUL (they are letters and digits), so an all-zero word marks an
/// empty slot.
#[derive(Clone, Copy)]
struct Slot {
    word: [u64; 2],
    stem: [u8; STEM_WIDTH],
    stem_len: u8,
    pair_word: u8,
}

const EMPTY: Slot = Slot {
    word: [0; 2],
    stem: [0; STEM_WIDTH],
    stem_len: 0,
    pair_word: 0,
};

/// The key of the word `text[start..end]`: its bytes zero-padded to `WIDTH`, as two
/// integers, read straight from the text when 16 bytes are there (no copy); `None` when
/// the word is longer than `WIDTH`.
fn key_of(text: &[u8], start: usize, end: usize) -> Option<[u64; 2]> {
    let len = end - start;
    if len > WIDTH {
        return None;
    }
    let mut padded = [0u8; WIDTH];
    let bytes = match text.get(start..start + WIDTH) {
        Some(chunk) => chunk,
        None => {
            padded[..len].copy_from_slice(text.get(start..end)?);
            &padded
        }
    };
    let lo = u64::from_le_bytes(bytes[..8].try_into().ok()?);
    let hi = u64::from_le_bytes(bytes[8..].try_into().ok()?);
    let mask = |n: usize| {
        if n >= 8 {
            u64::MAX
        } else {
            (1u64 << (8 * n)) - 1
        }
    };
    Some([lo & mask(len), hi & mask(len.saturating_sub(8))])
}

fn slot_of(key: [u64; 2]) -> usize {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let h = (key[0].wrapping_mul(K) ^ key[1]).wrapping_mul(K);
    (h >> (64 - SLOT_BITS)) as usize
}

/// Words of letters and digits, lower-cased and stemmed (English).
///
/// Each text it tokenizes to the end is handed to this thread's [`PairTokenizer`] with
/// its pair words (see [`HandOff`]), so that the pairs of a section's body, indexed
/// right after its words, cost no second pass over the text.
pub struct EnglishTokenizer {
    token: Token,
    /// Allocated once this instance has tokenized `MEMO_AFTER` texts, so that the
    /// short-lived clones made for query parsing and snippets cost nothing.
    memo: Vec<Slot>,
    texts: u32,
    stemmer: frostem::Stemmer,
    lower: String,
    /// The pair words of the text being tokenized; `None` for the tokenizer inside a
    /// [`PairTokenizer`], which hands nothing off.
    pair_words: Option<Vec<PairWord>>,
}

impl Default for EnglishTokenizer {
    fn default() -> Self {
        EnglishTokenizer {
            token: Token::default(),
            memo: Vec::new(),
            texts: 0,
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            lower: String::new(),
            pair_words: Some(Vec::new()),
        }
    }
}

impl EnglishTokenizer {
    /// With its memo from the start (for tests).
    #[cfg(test)]
    fn with_memo() -> Self {
        EnglishTokenizer {
            memo: vec![EMPTY; 1 << SLOT_BITS],
            ..EnglishTokenizer::default()
        }
    }
}

impl Clone for EnglishTokenizer {
    fn clone(&self) -> Self {
        EnglishTokenizer::default()
    }
}

impl Tokenizer for EnglishTokenizer {
    type TokenStream<'a> = EnglishTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EnglishTokenStream<'a> {
        if self.memo.is_empty() {
            self.texts += 1;
            if self.texts >= MEMO_AFTER {
                self.memo = vec![EMPTY; 1 << SLOT_BITS];
            }
        }
        self.token.reset();
        if let Some(words) = &mut self.pair_words {
            words.clear();
        }
        EnglishTokenStream {
            text,
            cursor: 0,
            token: &mut self.token,
            memo: &mut self.memo,
            stemmer: &self.stemmer,
            lower: &mut self.lower,
            pair_word: 0,
            pair_words: self.pair_words.as_mut(),
        }
    }
}

pub struct EnglishTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    cursor: usize,
    token: &'a mut Token,
    memo: &'a mut [Slot],
    stemmer: &'a frostem::Stemmer,
    lower: &'a mut String,
    /// The current token's number among the pair words (0: not one).
    pair_word: u8,
    /// Where the pair words are gathered, to be handed off at the end of the text.
    pair_words: Option<&'a mut Vec<PairWord>>,
}

impl EnglishTokenStream<'_> {
    /// The next word's byte range at or after the cursor (`char::is_alphanumeric`
    /// runs, with an ASCII fast path).
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let bytes = self.text.as_bytes();
        let mut i = self.cursor;
        let start = loop {
            let b = *bytes.get(i)?;
            if b < 0x80 {
                if b.is_ascii_alphanumeric() {
                    break i;
                }
                i += 1;
            } else {
                let c = self.text[i..].chars().next()?;
                if c.is_alphanumeric() {
                    break i;
                }
                i += c.len_utf8();
            }
        };
        let mut end = start;
        while let Some(&b) = bytes.get(end) {
            if b < 0x80 {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                end += 1;
            } else {
                match self.text[end..].chars().next() {
                    Some(c) if c.is_alphanumeric() => end += c.len_utf8(),
                    _ => break,
                }
            }
        }
        self.cursor = end;
        Some((start, end))
    }

    /// Lower-cases (as tantivy's `LowerCaser`: char by char, no final-sigma rule) and
    /// stems `word` into the token's text.
    fn stem_into_token(&mut self, word: &str) {
        self.lower.clear();
        if word.is_ascii() {
            self.lower.push_str(word);
            self.lower.make_ascii_lowercase();
        } else {
            for c in word.chars() {
                self.lower.extend(c.to_lowercase());
            }
        }
        let stem = self.stemmer.stem(self.lower.as_str());
        self.token.text.clear();
        self.token.text.push_str(&stem);
        self.pair_word = pair_word_number(&self.token.text);
    }

    /// The current token's number among the pair words (0: not one).
    fn pair_word(&self) -> u8 {
        self.pair_word
    }

    /// Notes the token just made if it is a pair word.
    fn gather(&mut self) {
        if self.pair_word != 0
            && let Some(words) = &mut self.pair_words
        {
            words.push(PairWord {
                number: self.pair_word,
                position: self.token.position,
                offset_from: self.token.offset_from,
                offset_to: self.token.offset_to,
            });
        }
    }

    /// At the end of the text: hands the pair words gathered to this thread's
    /// [`PairTokenizer`], with the text they were read from. Once per stream: an
    /// `advance` after the end hands nothing again.
    fn hand_off(&mut self) {
        if let Some(words) = self.pair_words.take() {
            HAND_OFF.with_borrow_mut(|h| {
                h.text.clear();
                h.text.push_str(self.text);
                std::mem::swap(&mut h.words, words);
                h.fresh = true;
            });
        }
    }
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            self.token.position = self.token.position.wrapping_add(1);
            let Some((start, end)) = self.next_word() else {
                self.token.text.clear();
                self.hand_off();
                return false;
            };
            if end - start >= MAX_TOKEN_BYTES {
                continue;
            }
            self.token.offset_from = start;
            self.token.offset_to = end;
            let text = self.text;
            let word = &text[start..end];
            let key = if self.memo.is_empty() {
                None
            } else {
                key_of(text.as_bytes(), start, end)
            };
            let Some(key) = key else {
                self.stem_into_token(word);
                self.gather();
                return true;
            };
            let at = slot_of(key);
            if self.memo[at].word != key {
                self.stem_into_token(word);
                let stem = self.token.text.as_bytes();
                if stem.len() <= STEM_WIDTH {
                    let mut slot = Slot {
                        word: key,
                        stem: [0; STEM_WIDTH],
                        stem_len: stem.len() as u8,
                        pair_word: self.pair_word,
                    };
                    slot.stem[..stem.len()].copy_from_slice(stem);
                    self.memo[at] = slot;
                }
                self.gather();
                return true;
            }
            let slot = &self.memo[at];
            // The slot holds a whole stem, so the bytes are a valid str.
            let stem = std::str::from_utf8(&slot.stem[..usize::from(slot.stem_len)]);
            self.token.text.clear();
            self.token.text.push_str(stem.unwrap_or_default());
            self.pair_word = slot.pair_word;
            self.gather();
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The separator inside a pair term: never part of a word.
pub const PAIR_SEPARATOR: char = ' ';

/// The stems whose pairs are indexed (see [`PairTokenizer`]), in the file's order; a
/// stem's number is its place in the list plus one, so that it fits in a memo slot.
static PAIR_WORDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    include_str!("pair_words.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Each pair word's number (at most 255 words: a test checks the file).
static PAIR_NUMBERS: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, u8>> =
    std::sync::LazyLock::new(|| {
        PAIR_WORDS
            .iter()
            .enumerate()
            .filter_map(|(i, w)| Some((*w, u8::try_from(i + 1).ok()?)))
            .collect()
    });

/// Whether pairs holding this stem are indexed.
pub fn is_common(stem: &str) -> bool {
    pair_word_number(stem) != 0
}

/// The stem's number among the pair words; 0 when it is not one.
fn pair_word_number(stem: &str) -> u8 {
    PAIR_NUMBERS.get(stem).copied().unwrap_or(0)
}

/// The pair word numbered `number`.
fn pair_word_text(number: u8) -> &'static str {
    PAIR_WORDS
        .get(usize::from(number).wrapping_sub(1))
        .copied()
        .unwrap_or_default()
}

/// A pair word where a text has it.
#[derive(Clone, Copy, Debug)]
struct PairWord {
    number: u8,
    position: usize,
    offset_from: usize,
    offset_to: usize,
}

/// The last text an [`EnglishTokenizer`] of this thread read to its end, with its pair
/// words. tantivy indexes a document's fields in the schema's order on one thread, and
/// `pairs` comes right after `body` and is given the same text: the pair tokenizer takes
/// the words from here when its text is this one (compared whole), and reads the text
/// itself otherwise.
#[derive(Default)]
struct HandOff {
    text: String,
    words: Vec<PairWord>,
    /// Not yet taken.
    fresh: bool,
}

thread_local! {
    static HAND_OFF: std::cell::RefCell<HandOff> = std::cell::RefCell::new(HandOff::default());
}

/// Pairs of neighbouring words, for the `pairs` field: a token `"a b"` for each stem `a`
/// of the full-text tokenizer directly followed by a stem `b` (at the next position, so
/// never across a dropped long token), both among the common stems of `pair_words.txt`.
/// A two-word phrase of those is then one term, whose frequency in a section is the
/// phrase's count there (see `search::pairs`).
///
/// Only common stems: a phrase is slow when all its words are in many sections (every
/// one of those sections has its positions decoded); with one rarer word, the rare word
/// bounds the work. Pairs of all words made the build on M 1.8 times slower and the
/// index 40% larger; pairs of the 256 most common stems 1.4 times and 12%; without the
/// function words among them (`of the`, `to you`: no phrase needs them) 1.2 times and 3%.
///
/// The words come from the body's own pass when this thread's [`EnglishTokenizer`] has
/// just read the same text (see [`HandOff`]).
pub struct PairTokenizer {
    words: EnglishTokenizer,
    token: Token,
    handed: Vec<PairWord>,
}

impl Default for PairTokenizer {
    fn default() -> Self {
        PairTokenizer {
            words: EnglishTokenizer {
                pair_words: None,
                ..EnglishTokenizer::default()
            },
            token: Token::default(),
            handed: Vec::new(),
        }
    }
}

impl Clone for PairTokenizer {
    fn clone(&self) -> Self {
        PairTokenizer::default()
    }
}

impl Tokenizer for PairTokenizer {
    type TokenStream<'a> = PairTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairTokenStream<'a> {
        self.token.reset();
        let handed = &mut self.handed;
        let taken = HAND_OFF.with_borrow_mut(|h| {
            let same = h.fresh && h.text == text;
            if same {
                std::mem::swap(&mut h.words, handed);
                h.fresh = false;
            }
            same
        });
        let source = if taken {
            PairSource::HandedOff(self.handed.iter())
        } else {
            PairSource::Text(self.words.token_stream(text))
        };
        PairTokenStream {
            source,
            token: &mut self.token,
            previous: None,
        }
    }
}

/// Where a pair stream's words come from.
enum PairSource<'a> {
    HandedOff(std::slice::Iter<'a, PairWord>),
    Text(EnglishTokenStream<'a>),
}

impl PairSource<'_> {
    fn next(&mut self) -> Option<PairWord> {
        match self {
            PairSource::HandedOff(words) => words.next().copied(),
            PairSource::Text(words) => loop {
                if !words.advance() {
                    return None;
                }
                let number = words.pair_word();
                if number != 0 {
                    let t = words.token();
                    return Some(PairWord {
                        number,
                        position: t.position,
                        offset_from: t.offset_from,
                        offset_to: t.offset_to,
                    });
                }
            },
        }
    }
}

pub struct PairTokenStream<'a> {
    source: PairSource<'a>,
    token: &'a mut Token,
    /// The last pair word read.
    previous: Option<PairWord>,
}

impl TokenStream for PairTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some(word) = self.source.next() {
            let previous = self.previous.replace(word);
            if let Some(p) = previous.filter(|p| p.position.wrapping_add(1) == word.position) {
                self.token.text.clear();
                self.token.text.push_str(pair_word_text(p.number));
                self.token.text.push(PAIR_SEPARATOR);
                self.token.text.push_str(pair_word_text(word.number));
                self.token.position = p.position;
                self.token.offset_from = p.offset_from;
                self.token.offset_to = word.offset_to;
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use tantivy::tokenizer::{
        LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    };

    use super::*;

    type Tok = (String, usize, usize, usize, usize);

    fn tokens(a: &mut TextAnalyzer, text: &str) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut s = a.token_stream(text);
        while s.advance() {
            let t = s.token();
            out.push((
                t.text.clone(),
                t.offset_from,
                t.offset_to,
                t.position,
                t.position_length,
            ));
        }
        out
    }

    /// A pair tokenizer's terms with their positions.
    fn pair_positions(pairs: &mut TextAnalyzer, text: &str) -> Vec<(String, usize)> {
        tokens(pairs, text)
            .into_iter()
            .map(|(t, _, _, position, _)| (t, position))
            .collect()
    }

    /// The chain the fused tokenizer stands for.
    fn tantivy_chain() -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .filter(LowerCaser)
            .filter(Stemmer::default())
            .build()
    }

    fn fused() -> TextAnalyzer {
        TextAnalyzer::from(EnglishTokenizer::with_memo())
    }

    #[test]
    fn the_memo_is_set_up_after_a_few_texts() {
        let mut t = EnglishTokenizer::default();
        let text = "Cards carded policies";
        let mut expected = None;
        for _ in 0..MEMO_AFTER + 1 {
            let mut s = t.token_stream(text);
            let mut out = Vec::new();
            while s.advance() {
                out.push(s.token().text.clone());
            }
            assert_eq!(*expected.get_or_insert_with(|| out.clone()), out);
        }
        assert_eq!(expected.unwrap_or_default(), ["card", "card", "polici"]);
        assert!(!t.memo.is_empty());
        assert!(t.clone().memo.is_empty());
    }

    #[test]
    fn same_output_as_tantivys_chain() {
        let text = "Running runners ran; the cards, carded CARDING. Credit cards' \
                    policies policy's running — Ünïcödé naïve cafés, ΣΊΣΥΦΟΣ running again \
                    supercalifragilisticexpialidociousandthensomemoreletters x \
                    İstanbul ǅemal 2015-06-01 ＦＵＬＬＷＩＤＴＨ";
        let mut plain = tantivy_chain();
        let mut memo = fused();
        // Twice: the second pass is served from the memo.
        let expected = tokens(&mut plain, text);
        assert!(expected.len() > 20);
        for _ in 0..2 {
            assert_eq!(tokens(&mut memo, text), expected);
        }
    }

    #[test]
    fn same_output_when_slots_collide_and_words_are_long() {
        // 300,000 distinct words for 65,536 slots: most slots are overwritten several
        // times, and every word is looked up twice (a hit or a recomputation).
        let suffixes = ["", "s", "ing", "ED", "ies", "ational", "fulness", "ly"];
        let mut text = String::new();
        for i in 0..300_000u32 {
            let word: String = format!("{i:x}")
                .chars()
                .map(|c| (b'a' + c.to_digit(16).unwrap_or(0) as u8) as char)
                .collect();
            text.push_str(&word);
            text.push_str(suffixes[i as usize % suffixes.len()]);
            text.push(' ');
        }
        text.push_str("internationalizations counterrevolutionaries ñandúes añadidas");
        let expected = tokens(&mut tantivy_chain(), &text);
        assert_eq!(expected.len(), 300_004);
        let mut memo = fused();
        for _ in 0..2 {
            assert_eq!(tokens(&mut memo, &text), expected);
        }
    }

    proptest! {
        #[test]
        fn same_output_on_arbitrary_text(text in "(\\PC|[ a-zA-Z0-9'.,\n])*") {
            let expected = tokens(&mut tantivy_chain(), &text);
            prop_assert_eq!(tokens(&mut fused(), &text), expected.clone());
            let mut without_memo = TextAnalyzer::from(EnglishTokenizer::default());
            prop_assert_eq!(tokens(&mut without_memo, &text), expected);
        }

        #[test]
        fn same_output_on_wordy_text(
            words in proptest::collection::vec("[a-zA-ZéÉßİ]{1,45}|[0-9]{1,5}", 0..60),
            seps in proptest::collection::vec("[ ,.;'\n-]{1,3}", 60),
        ) {
            let mut text = String::new();
            for (w, s) in words.iter().zip(&seps) {
                text.push_str(w);
                text.push_str(s);
            }
            let mut memo = fused();
            let expected = tokens(&mut tantivy_chain(), &text);
            prop_assert_eq!(tokens(&mut memo, &text), expected.clone());
            prop_assert_eq!(tokens(&mut memo, &text), expected);
        }
    }

    /// Pairs of neighbouring common words, written out by hand: not across a dropped long
    /// word, not with a rare word ("zebra") or a function word ("the"), across punctuation
    /// and line ends as a phrase query is.
    #[test]
    fn pairs_of_neighbouring_common_words() {
        let long = "a".repeat(45);
        let text = format!(
            "Third parties, third-party credit {long} card; the data\nshared zebra data share"
        );
        let mut words = fused();
        let mut pairs = TextAnalyzer::from(PairTokenizer::default());
        let mut pairs_of = |text: &str| pair_positions(&mut pairs, text);
        // Read afresh: no words pass before.
        let got = pairs_of(&text);
        // Third0 parties1 third2 party3 credit4 (long5, dropped) card6 the7 data8 shared9
        // zebra10 data11 share12.
        let want = [
            ("third parti", 0),
            ("parti third", 1),
            ("third parti", 2),
            ("parti credit", 3),
            ("data share", 8),
            ("data share", 11),
        ];
        let want: Vec<(String, usize)> = want.iter().map(|(t, p)| (t.to_string(), *p)).collect();
        assert_eq!(got, want);
        // Handed off by the words pass over the same text, as in indexing.
        assert!(tokens(&mut words, &text).len() > 10);
        assert_eq!(pairs_of(&text), want);
        // Taken once: the same text again is read afresh.
        assert_eq!(pairs_of(&text), want);
        // Another text than the words pass read: its own pairs, not the handed ones.
        tokens(&mut words, &text);
        assert_eq!(
            pairs_of("credit card data"),
            [("credit card".to_string(), 0), ("card data".to_string(), 1)]
        );
        // A text cut short is not handed off: its pairs are read afresh, not the last
        // text's.
        tokens(&mut words, &text);
        let mut cut = words.token_stream("credit card data");
        cut.advance();
        drop(cut);
        assert_eq!(
            pairs_of("credit card data"),
            [("credit card".to_string(), 0), ("card data".to_string(), 1)]
        );
    }

    /// The pairs by their definition, from tantivy's own tokens: each two tokens at
    /// neighbouring positions whose stems are both listed in `pair_words.txt`.
    fn reference_pairs(text: &str) -> Vec<(String, usize)> {
        let listed: Vec<&str> = include_str!("pair_words.txt")
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let words = tokens(&mut tantivy_chain(), text);
        words
            .windows(2)
            .filter(|w| {
                w[0].3 + 1 == w[1].3
                    && listed.contains(&w[0].0.as_str())
                    && listed.contains(&w[1].0.as_str())
            })
            .map(|w| (format!("{} {}", w[0].0, w[1].0), w[0].3))
            .collect()
    }

    proptest! {
        /// Pairs handed off by a words pass served from the memo (as in indexing, once
        /// the memo is warm), and pairs read afresh, against their definition.
        #[test]
        fn handed_off_pairs_are_the_pairs_of_the_text(
            words in proptest::collection::vec(
                "third|parties|Party|credit|cards?|data|shared?|personal|information|the|\
                 zebra|[a-z]{41,45}|Ünïcödé|privacy|polic(y|ies)", 0..40),
            seps in proptest::collection::vec("[ ,.;'\n-]{1,2}", 40),
        ) {
            let mut text = String::new();
            for (w, s) in words.iter().zip(&seps) {
                text.push_str(w);
                text.push_str(s);
            }
            let want = reference_pairs(&text);
            let mut memo = fused();
            let mut pairs = TextAnalyzer::from(PairTokenizer::default());
            let mut pairs_of = |text: &str| pair_positions(&mut pairs, text);
            // Twice: the second words pass is served from the memo, and hands off.
            tokens(&mut memo, &text);
            tokens(&mut memo, &text);
            prop_assert_eq!(pairs_of(&text), want.clone());
            // Taken: read afresh.
            prop_assert_eq!(pairs_of(&text), want);
        }
    }

    /// A stream asked for more after its end hands off nothing again.
    #[test]
    fn a_stream_hands_off_once() {
        let mut words = fused();
        let mut pairs = TextAnalyzer::from(PairTokenizer::default());
        let text = "third parties share data";
        tokens(&mut words, "credit card data");
        let mut s = words.token_stream(text);
        while s.advance() {}
        // The hand-off now holds this text's words; another advance must not swap in
        // the buffer of the text before.
        assert!(!s.advance());
        drop(s);
        let got = pair_positions(&mut pairs, text);
        assert_eq!(got, reference_pairs(text));
        assert_eq!(got.len(), 3);
    }

    /// Every pair word fits the memo's one-byte number.
    #[test]
    fn pair_words_are_numbered_in_a_byte() {
        assert!(
            (100..=255).contains(&PAIR_WORDS.len()),
            "{}",
            PAIR_WORDS.len()
        );
        assert_eq!(
            PAIR_NUMBERS.len(),
            PAIR_WORDS.len(),
            "a stem is listed twice"
        );
        assert!(is_common("parti") && is_common("third") && !is_common("the"));
    }
}
