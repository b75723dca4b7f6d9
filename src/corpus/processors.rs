//! Payment-processor detection: a table of canonical names with aliases, matched
//! case-insensitively on word boundaries with one Aho-Corasick pass over the text.

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::error::CorpusError;

/// The built-in table: canonical name, then aliases (the name itself always matches).
const BUILTIN: &[(&str, &[&str])] = &[
    ("SWREG", &[]),
    ("Avangate", &[]),
    ("2Checkout", &["2checkout.com", "2 checkout"]),
    ("FastSpring", &["fast spring"]),
    ("PayPal", &["pay pal"]),
    ("Stripe", &["stripe.com", "stripe, inc"]),
    ("Digital River", &["digitalriver"]),
    (
        "Share-it",
        &["shareit", "share-it!", "element 5", "element5"],
    ),
    ("cleverbridge", &["clever bridge"]),
    ("BlueSnap", &["plimus", "blue snap"]),
    ("RegNow", &["reg now"]),
    ("eSellerate", &[]),
    ("Paddle", &["paddle.com"]),
    ("Braintree", &[]),
    ("Authorize.Net", &["authorizenet", "authorize net"]),
    ("WorldPay", &["world pay"]),
    ("CCBill", &[]),
    ("Google Checkout", &["google wallet"]),
    ("Amazon Payments", &["amazon pay", "pay with amazon"]),
    ("Skrill", &["moneybookers"]),
    ("ClickBank", &["click bank"]),
    ("MyCommerce", &[]),
    ("Kagi", &[]),
    ("CoinPayments", &[]),
    ("BitPay", &[]),
    ("Adyen", &[]),
    ("Klarna", &[]),
    ("Payoneer", &[]),
    ("Alipay", &[]),
];

/// Finds the processors a text names.
#[derive(Debug)]
pub struct ProcessorMatcher {
    automaton: AhoCorasick,
    /// For each pattern, the index of its canonical name in `names`.
    canonical: Vec<usize>,
    names: Vec<String>,
}

impl ProcessorMatcher {
    /// The built-in table, built once per process (queries use it to read names and
    /// aliases).
    pub fn shared_builtin() -> &'static ProcessorMatcher {
        static SHARED: std::sync::LazyLock<ProcessorMatcher> =
            std::sync::LazyLock::new(ProcessorMatcher::builtin);
        &SHARED
    }

    /// The built-in table.
    pub fn builtin() -> ProcessorMatcher {
        Self::from_table(builtin_table()).expect("the built-in table is a few short literals")
    }

    /// The built-in table plus the entries of a user file (see [`parse_processor_file`]).
    pub fn with_file(path: &Path) -> Result<ProcessorMatcher, CorpusError> {
        let text = std::fs::read_to_string(path).map_err(|source| CorpusError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut table = builtin_table();
        for (name, aliases) in parse_processor_file(&text, path)? {
            match table
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(&name))
            {
                Some((_, existing)) => existing.extend(aliases),
                None => table.push((name, aliases)),
            }
        }
        Self::from_table(table).map_err(|e| CorpusError::ProcessorFile {
            path: path.to_path_buf(),
            line: 0,
            message: format!("too many names to match: {e}"),
        })
    }

    fn from_table(
        table: Vec<(String, Vec<String>)>,
    ) -> Result<ProcessorMatcher, aho_corasick::BuildError> {
        let mut patterns = Vec::new();
        let mut canonical = Vec::new();
        let mut names = Vec::new();
        for (i, (name, aliases)) in table.into_iter().enumerate() {
            patterns.push(name.to_lowercase());
            canonical.push(i);
            for alias in aliases {
                patterns.push(alias.to_lowercase());
                canonical.push(i);
            }
            names.push(name);
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)?;
        Ok(ProcessorMatcher {
            automaton,
            canonical,
            names,
        })
    }

    /// Canonical names of the processors `text` names, sorted and without repeats.
    pub fn find(&self, text: &str) -> Vec<String> {
        self.find_all(&[text])
    }

    /// Canonical names of the processors any of `texts` names (each text is matched on
    /// its own: a name never spans two of them).
    pub fn find_all(&self, texts: &[&str]) -> Vec<String> {
        let mut seen = vec![false; self.names.len()];
        for text in texts {
            for m in self.automaton.find_overlapping_iter(*text) {
                if on_word_boundaries(text, m.start(), m.end()) {
                    seen[self.canonical[m.pattern().as_usize()]] = true;
                }
            }
        }
        let mut out: Vec<String> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .map(|(i, _)| self.names[i].clone())
            .collect();
        out.sort_by_key(|n| n.to_lowercase());
        out
    }

    /// The canonical name for a user-typed name or alias, if the table knows it.
    pub fn canonical_name(&self, name: &str) -> Option<&str> {
        let lower = name.to_lowercase();
        self.automaton
            .find_overlapping_iter(&lower)
            .find(|m| m.start() == 0 && m.end() == lower.len())
            .map(|m| self.names[self.canonical[m.pattern().as_usize()]].as_str())
    }
}

/// The built-in table as owned (name, aliases) pairs, ready to extend.
fn builtin_table() -> Vec<(String, Vec<String>)> {
    BUILTIN
        .iter()
        .map(|(name, aliases)| {
            (
                name.to_string(),
                aliases.iter().map(|a| a.to_string()).collect(),
            )
        })
        .collect()
}

/// Whether `text[start..end]` stands as whole words: the characters on either side (if
/// any) are not word characters. Word characters are letters and digits of any script;
/// punctuation, symbols and spaces of any script (`’`, `®`, `“`, a no-break space) are
/// not. The patterns are ASCII-case-insensitive literals, so `start..end` always lies on
/// character boundaries of `text`.
fn on_word_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).and_then(|t| t.chars().next_back());
    let after = text.get(end..).and_then(|t| t.chars().next());
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Parses a processors file: one processor a line, `Name` or `Name: alias, alias…`;
/// blank lines and lines starting with `#` are ignored.
pub fn parse_processor_file(
    text: &str,
    path: &Path,
) -> Result<Vec<(String, Vec<String>)>, CorpusError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, rest) = line.split_once(':').unwrap_or((line, ""));
        let name = name.trim();
        let bad = |message: &str| CorpusError::ProcessorFile {
            path: path.to_path_buf(),
            line: n + 1,
            message: message.to_string(),
        };
        if name.is_empty() {
            return Err(bad("empty processor name before ':'"));
        }
        if name.len() > 200 {
            return Err(bad("processor name longer than 200 bytes"));
        }
        let aliases: Vec<String> = rest
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        out.push((name.to_string(), aliases));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_and_case() {
        let m = ProcessorMatcher::builtin();
        assert_eq!(m.find("We use SWREG and paypal."), vec!["PayPal", "SWREG"]);
        assert!(m.find("Paypalooza and unswreg").is_empty());
        assert_eq!(m.find("formerly Plimus"), vec!["BlueSnap"]);
        assert_eq!(m.find("element 5 AG"), vec!["Share-it"]);
        assert_eq!(m.find("2Checkout.com Inc."), vec!["2Checkout"]);
    }

    #[test]
    fn unicode_punctuation_and_symbols_are_boundaries() {
        let m = ProcessorMatcher::builtin();
        for text in [
            "PayPal\u{2019}s terms",
            "\u{201c}Stripe\u{201d}",
            "PayPal\u{ae} and more",
            "(PayPal)\u{a0}is used",
            "\u{a0}PayPal\u{a0}",
            "\u{ab}PayPal\u{bb}",
            "\u{2014}PayPal\u{2014}",
        ] {
            assert!(!m.find(text).is_empty(), "{text:?}");
        }
        // Letters of any script still join a word.
        for text in [
            "PayPal\u{e9}",
            "\u{e9}PayPal",
            "PayPal\u{4e2d}",
            "PayPal\u{0663}",
        ] {
            assert!(m.find(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn user_file_adds_and_extends() {
        let parsed = parse_processor_file(
            "# comment\nAcmePay: acme pay, acmepay.com\nPayPal: pp-express\n",
            Path::new("p.txt"),
        )
        .unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].1, vec!["acme pay", "acmepay.com"]);
        let err = parse_processor_file("ok\n: x\n", Path::new("p.txt")).unwrap_err();
        assert!(err.to_string().contains("p.txt:2"), "{err}");
    }

    #[test]
    fn canonical_name_lookup() {
        let m = ProcessorMatcher::builtin();
        assert_eq!(m.canonical_name("moneybookers"), Some("Skrill"));
        assert_eq!(m.canonical_name("swreg"), Some("SWREG"));
        assert_eq!(m.canonical_name("nope"), None);
    }
}
