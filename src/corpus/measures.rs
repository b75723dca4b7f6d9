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
use xxhash_rust::xxh3::xxh3_64;

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
            // ASCII lines (most of them) take the byte-wise path; the rules are the same.
            let words_since_end = if line.is_ascii() {
                count_ascii_line(&mut r, line.as_bytes())
            } else {
                count_tokens(&mut r, line.split_whitespace())
            };
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

/// Counts the words, syllables and sentence ends of one line's tokens; whether words
/// follow the last sentence end.
fn count_tokens<'a>(r: &mut Readability, tokens: impl Iterator<Item = &'a str>) -> bool {
    let mut words_since_end = false;
    for token in tokens {
        let is_word = token.chars().any(char::is_alphanumeric);
        if is_word {
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
    words_since_end
}

/// [`count_tokens`] for an ASCII line, in one pass over its bytes: the same rules.
fn count_ascii_line(r: &mut Readability, line: &[u8]) -> bool {
    let vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let mut words_since_end = false;
    // The token being read.
    let mut in_token = false;
    let mut has_alnum = false;
    let mut groups = 0u64;
    let mut prev_vowel = false;
    let (mut last, mut before_last) = (0u8, 0u8);
    // The token's last byte that is not a closing quote or bracket.
    let mut last_kept = 0u8;
    let mut end_token = |has_alnum: bool, groups: u64, last: u8, before_last: u8, kept: u8| {
        if has_alnum {
            let mut s = groups;
            if s > 1
                && last == b'e'
                && before_last != 0
                && before_last != b'l'
                && !vowel(before_last)
            {
                s -= 1;
            }
            let s = s.max(1);
            r.words += 1;
            r.syllables += s;
            if s >= 3 {
                r.polysyllables += 1;
            }
            words_since_end = true;
        }
        if matches!(kept, b'.' | b'!' | b'?') && words_since_end {
            r.sentences += 1;
            words_since_end = false;
        }
    };
    for &b in line.iter().chain(std::iter::once(&b' ')) {
        // White space as `char::is_whitespace` has it in ASCII (with the vertical tab).
        if b.is_ascii_whitespace() || b == 0x0b {
            if in_token {
                end_token(has_alnum, groups, last, before_last, last_kept);
                in_token = false;
            }
            continue;
        }
        if !in_token {
            in_token = true;
            has_alnum = false;
            groups = 0;
            prev_vowel = false;
            (last, before_last, last_kept) = (0, 0, 0);
        }
        has_alnum |= b.is_ascii_alphanumeric();
        if b.is_ascii_alphabetic() {
            let l = b.to_ascii_lowercase();
            let v = vowel(l);
            if v && !prev_vowel {
                groups += 1;
            }
            prev_vowel = v;
            before_last = last;
            last = l;
        }
        if !matches!(b, b'"' | b'\'' | b')' | b']') {
            last_kept = b;
        }
    }
    words_since_end
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

/// Per bit position, how many of the words added have that bit set, kept bit-sliced:
/// `planes[p]` holds bit `p` of every position's count, so adding a word is a ripple
/// carry through a few planes instead of 64 additions.
#[derive(Default)]
struct BitCounter {
    /// 32 planes count to 2^32 − 1 words, far beyond any policy's shingles.
    planes: [u64; 32],
    words: u64,
}

impl BitCounter {
    fn add(&mut self, word: u64) {
        let mut carry = word;
        for plane in self.planes.iter_mut() {
            if carry == 0 {
                break;
            }
            let next = *plane & carry;
            *plane ^= carry;
            carry = next;
        }
        self.words += 1;
    }

    /// The word whose bit is set where more than half of the words added have it.
    fn majority(&self) -> u64 {
        (0..64).fold(0u64, |h, bit| {
            let count: u64 = self
                .planes
                .iter()
                .enumerate()
                .map(|(p, plane)| (plane >> bit & 1) << p)
                .sum();
            if 2 * count > self.words {
                h | 1 << bit
            } else {
                h
            }
        })
    }
}

/// The tokens read so far: lower-cased and joined by spaces (hashed whole for
/// `text_hash`; each shingle is a slice of it, from its first token to the end).
struct Joined {
    bytes: Vec<u8>,
    /// Where the last three tokens start in `bytes`.
    starts: [usize; 3],
    /// Tokens ended.
    n: usize,
    counter: BitCounter,
}

impl Joined {
    fn start_token(&mut self) {
        if self.n > 0 {
            self.bytes.push(b' ');
        }
        self.starts[self.n % 3] = self.bytes.len();
    }

    /// Ends the token that is `word` in the text; a word that is not all ASCII is
    /// lower-cased again as a whole (Unicode's final sigma depends on the word).
    fn end_token(&mut self, word: &str, ascii: bool) {
        if !ascii {
            self.bytes.truncate(self.starts[self.n % 3]);
            self.bytes.extend_from_slice(word.to_lowercase().as_bytes());
        }
        self.n += 1;
        if self.n >= 3 {
            self.counter
                .add(xxh3_64(&self.bytes[self.starts[self.n % 3]..]));
        }
    }
}

/// Fingerprints of a policy's text after its header line.
pub fn fingerprints(text: &str) -> Fingerprints {
    let mut j = Joined {
        bytes: Vec::with_capacity(text.len()),
        starts: [0; 3],
        n: 0,
        counter: BitCounter::default(),
    };
    // The token being read: where it starts in `text`, and whether it is all ASCII.
    let mut token: Option<(usize, bool)> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (word, len) = if b < 0x80 {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            (c.is_alphanumeric(), c.len_utf8())
        };
        if word {
            match &mut token {
                None => {
                    j.start_token();
                    token = Some((i, len == 1));
                }
                Some((_, ascii)) => *ascii &= len == 1,
            }
            if len == 1 {
                j.bytes.push(b.to_ascii_lowercase());
            } else {
                j.bytes.extend_from_slice(&bytes[i..i + len]);
            }
        } else if let Some((from, ascii)) = token.take() {
            j.end_token(&text[from..i], ascii);
        }
        i += len;
    }
    if let Some((from, ascii)) = token {
        j.end_token(&text[from..], ascii);
    }
    if (1..3).contains(&j.n) {
        j.counter.add(xxh3_64(&j.bytes));
    }
    // A bit is set when more shingles have it than not (counter +1/-1 above zero).
    Fingerprints {
        text_hash: xxh3_64(&j.bytes),
        simhash: j.counter.majority(),
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
    fn the_ascii_path_counts_as_the_general_one() {
        for line in [
            "We use cookies. We share data!  (See \"Terms.\") e.g. U.S. law",
            "- a list item with table and use",
            "... ?! x.",
            "",
            "2018 3rd-party, Inc.'s data)",
            "tab\tand\u{b}vertical\u{c}feed.",
        ] {
            let mut a = Readability::default();
            let mut b = Readability::default();
            let ea = count_ascii_line(&mut a, line.as_bytes());
            let eb = count_tokens(&mut b, line.split_whitespace());
            assert_eq!((a, ea), (b, eb), "{line:?}");
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
    fn bit_counter_counts_each_position() {
        let words = [0b1011u64, 0b0011, 0b1000, u64::MAX, 1 << 63];
        let mut c = BitCounter::default();
        for w in words {
            c.add(w);
        }
        for bit in 0..64 {
            let by_hand = words.iter().filter(|w| *w >> bit & 1 == 1).count() as u64;
            let counted: u64 = c
                .planes
                .iter()
                .enumerate()
                .map(|(p, plane)| (plane >> bit & 1) << p)
                .sum();
            assert_eq!(counted, by_hand, "bit {bit}");
        }
        // Bits 0, 1 and 3 are set in 3 of 5 words; bit 63 in 2.
        assert_eq!(c.majority(), 0b1011);
    }

    #[test]
    fn tokens_are_runs_of_letters_and_digits_of_any_script() {
        // Hashed by hand: the tokens lower-cased and joined by single spaces.
        let f = fingerprints("Ça va, 2018—données; naïve_x ß ΟΔΟΣ");
        assert_eq!(
            f.text_hash,
            xxh3_64("ça va 2018 données naïve x ß οδος".as_bytes())
        );
        // Three tokens make one shingle: the simhash is its hash.
        assert_eq!(fingerprints("A b, C").simhash, xxh3_64(b"a b c"));
        assert_eq!(fingerprints("Two words").simhash, xxh3_64(b"two words"));
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
