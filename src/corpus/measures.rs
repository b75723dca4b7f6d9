//! Measures of one snapshot, computed once at index time: length and readability of its
//! text, and two fingerprints of its wording for de-duplication.
//!
//! Rules (the README's "Measures" section says the same):
//! - A **word** (readability) is a run of characters between white space that holds at
//!   least one letter or digit. Its **syllables** are the groups of consecutive vowels
//!   (a e i o u y) among its ASCII letters, less one for a silent final `e` (not after
//!   `l`: "table" keeps it), at least 1. A **polysyllable** has 3 or more.
//! - A **sentence** ends at `.`, `!` or `?` (a run of them) followed by white space or
//!   the end of a line; a line (paragraph or list item) with words after its last end
//!   counts as one more sentence. Headings are not counted, section bodies are.
//! - Flesch reading ease = 206.835 − 1.015 × words/sentences − 84.6 × syllables/words;
//!   Flesch-Kincaid grade = 0.39 × words/sentences + 11.8 × syllables/words − 15.59;
//!   SMOG = 1.0430 × √(polysyllables × 30 / sentences) + 3.1291.
//! - The **fingerprints** read the policy's text after its header line, as written:
//!   its tokens are the runs of letters and digits (`char::is_alphanumeric`),
//!   lower-cased. `text_hash` is xxh3-64 of the tokens joined by single spaces
//!   (markup, punctuation and spacing make no difference); `simhash` is the 64-bit
//!   SimHash (Charikar) of its word 3-shingles, each shingle weighted 1 and hashed with
//!   xxh3-64 of its three tokens joined by spaces (texts of fewer than three tokens use
//!   their tokens as one shingle). Two snapshots are near-duplicates when their
//!   simhashes differ in at most [`NEAR_BITS`] bits.

use serde::Serialize;
use xxhash_rust::xxh3::{Xxh3, xxh3_64};

/// Hamming distance up to which two simhashes are near-duplicates (3 of 64 bits, the
/// threshold Manku, Jain and Das Sarma found for web pages).
pub const NEAR_BITS: u32 = 3;

/// Length and readability of a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Readability {
    pub words: u64,
    pub sentences: u64,
    pub syllables: u64,
    pub polysyllables: u64,
    /// `None` when the text has no words.
    pub flesch: Option<f64>,
    pub fk_grade: Option<f64>,
    pub smog: Option<f64>,
}

/// Counts words, sentences and syllables of texts (section bodies) and scores them.
pub fn readability<'a>(texts: impl IntoIterator<Item = &'a str>) -> Readability {
    let mut r = Readability::default();
    for text in texts {
        for line in text.lines() {
            let mut words_since_end = false;
            for token in line.split_whitespace() {
                if token.chars().any(char::is_alphanumeric) {
                    r.words += 1;
                    let s = syllables(token);
                    r.syllables += s;
                    if s >= 3 {
                        r.polysyllables += 1;
                    }
                    words_since_end = true;
                }
                let ends = token
                    .trim_end_matches(['"', '\'', ')', ']', '\u{201d}', '\u{2019}'])
                    .ends_with(['.', '!', '?']);
                if ends && words_since_end {
                    r.sentences += 1;
                    words_since_end = false;
                }
            }
            if words_since_end {
                r.sentences += 1;
            }
        }
    }
    if r.words > 0 {
        let w = r.words as f64;
        let s = r.sentences.max(1) as f64;
        let y = r.syllables as f64;
        r.flesch = Some(206.835 - 1.015 * (w / s) - 84.6 * (y / w));
        r.fk_grade = Some(0.39 * (w / s) + 11.8 * (y / w) - 15.59);
        r.smog = Some(1.0430 * (r.polysyllables as f64 * 30.0 / s).sqrt() + 3.1291);
    }
    r
}

/// Syllables of one word: vowel groups among its ASCII letters, less a silent final
/// `e`, at least 1.
pub fn syllables(word: &str) -> u64 {
    let vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut groups = 0u64;
    let mut prev_vowel = false;
    // The last two letters, lower-cased.
    let (mut last, mut before_last) = (0u8, 0u8);
    for b in word.bytes().filter(u8::is_ascii_alphabetic) {
        let b = b.to_ascii_lowercase();
        let v = vowel(b);
        if v && !prev_vowel {
            groups += 1;
        }
        prev_vowel = v;
        before_last = last;
        last = b;
    }
    if groups > 1 && last == b'e' && before_last != 0 && before_last != b'l' && !vowel(before_last)
    {
        groups -= 1;
    }
    groups.max(1)
}

/// The two fingerprints of a text (see the module's documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Fingerprints {
    pub text_hash: u64,
    pub simhash: u64,
}

/// Fingerprints of a policy's text after its header line.
pub fn fingerprints(text: &str) -> Fingerprints {
    let mut exact = Xxh3::new();
    // Per bit, how many shingle hashes have it set (branch-free, so it vectorises).
    let mut ones = [0u32; 64];
    let mut shingles = 0u32;
    // The last three tokens, lower-cased, reusing their buffers.
    let mut window: [String; 3] = Default::default();
    let mut n = 0usize;
    let mut shingle = String::new();
    let add = |ones: &mut [u32; 64], shingles: &mut u32, s: &str| {
        let h = xxh3_64(s.as_bytes());
        for (bit, c) in ones.iter_mut().enumerate() {
            *c += (h >> bit & 1) as u32;
        }
        *shingles += 1;
    };
    for token in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        window.rotate_left(1);
        let lower = &mut window[2];
        lower.clear();
        if token.is_ascii() {
            lower.extend(token.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            lower.push_str(&token.to_lowercase());
        }
        if n > 0 {
            exact.update(b" ");
        }
        exact.update(lower.as_bytes());
        n += 1;
        if n >= 3 {
            shingle.clear();
            shingle.push_str(&window[0]);
            shingle.push(' ');
            shingle.push_str(&window[1]);
            shingle.push(' ');
            shingle.push_str(&window[2]);
            add(&mut ones, &mut shingles, &shingle);
        }
    }
    if (1..3).contains(&n) {
        let start = 3 - n;
        add(&mut ones, &mut shingles, &window[start..].join(" "));
    }
    // A bit is set when more shingles have it than not (counter +1/-1 above zero).
    let simhash =
        ones.iter().enumerate().fold(
            0u64,
            |h, (bit, &c)| if 2 * c > shingles { h | 1 << bit } else { h },
        );
    Fingerprints {
        text_hash: exact.digest(),
        simhash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_rule() {
        // Hand-counted.
        for (w, n) in [
            ("privacy", 3),
            ("table", 2),
            ("information", 4),
            ("use", 1),
            ("we", 1),
            ("the", 1),
            ("cookies", 2),
            ("2018", 1),
            ("third-party", 3),
        ] {
            assert_eq!(syllables(w), n, "{w}");
        }
    }

    #[test]
    fn sentences_and_scores() {
        let r = readability(["We use cookies. We share data!\n- a list item\n\nWhy?"]);
        assert_eq!(r.words, 10);
        assert_eq!(r.sentences, 4);
        let fk = r.fk_grade.unwrap();
        let by_hand = 0.39 * (10.0 / 4.0) + 11.8 * (r.syllables as f64 / 10.0) - 15.59;
        assert!((fk - by_hand).abs() < 1e-9);
        assert_eq!(readability([""]).flesch, None);
    }

    #[test]
    fn fingerprints_ignore_markup_and_case() {
        let a = fingerprints("# Privacy\n\nWe **share** data, with partners.");
        let b = fingerprints("privacy we share   DATA with partners");
        assert_eq!(a, b);
        let c = fingerprints("privacy we share data with affiliates");
        assert_ne!(a.text_hash, c.text_hash);
        assert_eq!(fingerprints("").simhash, 0);
    }
}
