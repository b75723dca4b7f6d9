//! Entity detection: dictionaries of canonical names with aliases in four categories
//! (payment processors, trackers, self-regulatory programs, laws), matched
//! case-insensitively on word boundaries with one Aho-Corasick pass over the text.
//! Where each built-in list came from is in the README ("Entities").

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use crate::error::CorpusError;

/// The kinds of entity a policy can name. Each is a field of the index, a facet, a
/// filter (`--entity tracker:Google`) and a trend series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Processor,
    Tracker,
    Program,
    Law,
}

impl Category {
    pub const ALL: [Category; 4] = [
        Category::Processor,
        Category::Tracker,
        Category::Program,
        Category::Law,
    ];

    /// The field and facet name: `processor`, `tracker`, `program`, `law`.
    pub fn name(self) -> &'static str {
        match self {
            Category::Processor => "processor",
            Category::Tracker => "tracker",
            Category::Program => "program",
            Category::Law => "law",
        }
    }

    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }

    /// `CATEGORY:NAME` (as `--entity` takes it) as a category and a name.
    pub fn parse_pair(value: &str) -> Result<(Category, String), String> {
        let (category, name) = value.split_once(':').unwrap_or(("", value));
        let category = Category::from_name(category.trim()).ok_or_else(|| {
            format!(
                "{value:?} is not CATEGORY:NAME with a category of processor, tracker, \
                 program or law (e.g. tracker:Google, law:GDPR)"
            )
        })?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("{value:?}: the name after ':' is empty"));
        }
        Ok((category, name.to_string()))
    }

    fn builtin(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Category::Processor => PROCESSORS,
            Category::Tracker => TRACKERS,
            Category::Program => PROGRAMS,
            Category::Law => LAWS,
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Payment processors: canonical name, then aliases (the name itself always matches).
const PROCESSORS: &[(&str, &[&str])] = &[
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

/// Trackers: analytics, advertising and social plug-ins, under the company that runs
/// them (DoubleClick is Google's, Omniture Adobe's).
const TRACKERS: &[(&str, &[&str])] = &[
    (
        "Google",
        &[
            "google analytics",
            "doubleclick",
            "double click",
            "adsense",
            "adwords",
            "google ads",
            "google tag manager",
            "googletagmanager",
            "google-analytics.com",
            "urchin",
        ],
    ),
    (
        "Facebook",
        &["facebook pixel", "facebook connect", "meta pixel", "fbcdn"],
    ),
    ("Twitter", &["twitter pixel"]),
    ("LinkedIn", &["linkedin insight tag"]),
    ("Pinterest", &[]),
    ("Amazon", &["amazon associates", "amazon advertising"]),
    (
        "Adobe",
        &[
            "omniture",
            "adobe analytics",
            "sitecatalyst",
            "site catalyst",
        ],
    ),
    (
        "Microsoft",
        &["bing ads", "microsoft advertising", "microsoft clarity"],
    ),
    ("Yahoo", &[]),
    ("Yandex", &["yandex.metrica", "yandex metrica"]),
    ("Quantcast", &[]),
    ("comScore", &["scorecardresearch", "scorecard research"]),
    ("Nielsen", &[]),
    ("Hotjar", &[]),
    ("Mixpanel", &[]),
    ("Criteo", &[]),
    ("AppNexus", &["xandr"]),
    ("Taboola", &[]),
    ("Outbrain", &[]),
    ("Chartbeat", &[]),
    ("New Relic", &["newrelic"]),
    ("Optimizely", &[]),
    ("Crazy Egg", &["crazyegg"]),
    ("Kissmetrics", &["kiss metrics"]),
    ("HubSpot", &[]),
    ("Marketo", &[]),
    ("AddThis", &[]),
    ("ShareThis", &[]),
    ("Disqus", &[]),
    ("Flurry", &[]),
    ("AppsFlyer", &[]),
    ("Matomo", &["piwik"]),
    ("StatCounter", &[]),
    ("Tealium", &[]),
];

/// Self-regulatory programs, seals and transfer frameworks.
const PROGRAMS: &[(&str, &[&str])] = &[
    ("TRUSTe", &["trustarc", "trust-e"]),
    ("BBBOnLine", &["bbb online", "bbbonline reliability"]),
    ("NAI", &["network advertising initiative"]),
    (
        "DAA",
        &["digital advertising alliance", "adchoices", "aboutads.info"],
    ),
    (
        "EDAA",
        &[
            "european interactive digital advertising alliance",
            "youronlinechoices",
            "your online choices",
        ],
    ),
    ("Safe Harbor", &["safe harbour"]),
    ("Privacy Shield", &[]),
    ("ePrivacyseal", &["eprivacy seal"]),
    ("ESRB Privacy Certified", &["esrb"]),
    ("kidSAFE", &["kidsafe seal"]),
    (
        "CARU",
        &[
            "children's advertising review unit",
            "children\u{2019}s advertising review unit",
        ],
    ),
    (
        "APEC CBPR",
        &["cross-border privacy rules", "cross border privacy rules"],
    ),
    ("WebTrust", &[]),
];

/// Laws and regulations, by their short names and long ones.
const LAWS: &[(&str, &[&str])] = &[
    (
        "GDPR",
        &[
            "general data protection regulation",
            "regulation (eu) 2016/679",
            "regulation 2016/679",
        ],
    ),
    ("CCPA", &["california consumer privacy act"]),
    ("CPRA", &["california privacy rights act"]),
    (
        "COPPA",
        &[
            "children's online privacy protection act",
            "children\u{2019}s online privacy protection act",
            "childrens online privacy protection act",
        ],
    ),
    ("CalOPPA", &["california online privacy protection act"]),
    (
        "PIPEDA",
        &["personal information protection and electronic documents act"],
    ),
    (
        "LGPD",
        &[
            "lei geral de prote\u{e7}\u{e3}o de dados",
            "lei geral de protecao de dados",
        ],
    ),
    (
        "ePrivacy Directive",
        &[
            "e-privacy directive",
            "directive 2002/58/ec",
            "privacy and electronic communications directive",
        ],
    ),
    (
        "Data Protection Directive",
        &["directive 95/46/ec", "data protection directive 95/46"],
    ),
];

/// One category's table: canonical names with their aliases.
pub type Table = Vec<(String, Vec<String>)>;

/// The entity names a text holds, per category (canonical names, sorted, no repeats).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Found {
    pub processor: Vec<String>,
    pub tracker: Vec<String>,
    pub program: Vec<String>,
    pub law: Vec<String>,
}

impl Found {
    pub fn get(&self, c: Category) -> &Vec<String> {
        match c {
            Category::Processor => &self.processor,
            Category::Tracker => &self.tracker,
            Category::Program => &self.program,
            Category::Law => &self.law,
        }
    }

    pub fn get_mut(&mut self, c: Category) -> &mut Vec<String> {
        match c {
            Category::Processor => &mut self.processor,
            Category::Tracker => &mut self.tracker,
            Category::Program => &mut self.program,
            Category::Law => &mut self.law,
        }
    }

    /// Adds another text's names, keeping each list sorted and without repeats.
    pub fn extend(&mut self, other: &Found) {
        for c in Category::ALL {
            let list = self.get_mut(c);
            list.extend(other.get(c).iter().cloned());
            sort_names(list);
        }
    }
}

fn sort_names(list: &mut Vec<String>) {
    list.sort_by_key(|n| n.to_lowercase());
    list.dedup();
}

/// Finds the entities a text names.
#[derive(Debug)]
pub struct EntityMatcher {
    automaton: AhoCorasick,
    /// For each pattern, the index of its canonical name in `names`.
    canonical: Vec<usize>,
    /// Canonical names with their category.
    names: Vec<(Category, String)>,
    /// The tables the matcher was built from, per category.
    tables: Vec<(Category, Table)>,
}

impl EntityMatcher {
    /// The built-in tables, built once per process (queries use them to read names and
    /// aliases).
    pub fn shared_builtin() -> &'static EntityMatcher {
        static SHARED: std::sync::LazyLock<EntityMatcher> =
            std::sync::LazyLock::new(EntityMatcher::builtin);
        &SHARED
    }

    /// The built-in tables.
    pub fn builtin() -> EntityMatcher {
        Self::from_tables(builtin_tables()).expect("the built-in tables are short literals")
    }

    /// The built-in tables with the entries of a processors file (one a line, see
    /// [`parse_processor_file`]) and of an entities file (TOML, see
    /// [`parse_entity_file`]).
    pub fn with_files(
        processors: Option<&Path>,
        entities: Option<&Path>,
    ) -> Result<EntityMatcher, CorpusError> {
        let mut tables = builtin_tables();
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| CorpusError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        if let Some(path) = processors {
            let entries = parse_processor_file(&read(path)?, path)?;
            merge_entries(&mut tables, Category::Processor, entries);
        }
        if let Some(path) = entities {
            let file = parse_entity_file(&read(path)?, path)?;
            for c in &file.replace {
                if let Some((_, t)) = tables.iter_mut().find(|(k, _)| k == c) {
                    t.clear();
                }
            }
            for (c, entries) in file.entries {
                merge_entries(&mut tables, c, entries);
            }
        }
        let path = entities.or(processors).unwrap_or(Path::new(""));
        Self::from_tables(tables).map_err(|e| CorpusError::ProcessorFile {
            path: path.to_path_buf(),
            line: 0,
            message: format!("too many names to match: {e}"),
        })
    }

    fn from_tables(
        tables: Vec<(Category, Table)>,
    ) -> Result<EntityMatcher, aho_corasick::BuildError> {
        let mut patterns = Vec::new();
        let mut canonical = Vec::new();
        let mut names = Vec::new();
        for (category, table) in &tables {
            for (name, aliases) in table {
                let i = names.len();
                for p in std::iter::once(name).chain(aliases) {
                    patterns.push(p.to_lowercase());
                    canonical.push(i);
                }
                names.push((*category, name.clone()));
            }
        }
        // A DFA: the fastest search, for a table of a few hundred short names.
        let automaton = AhoCorasickBuilder::new()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)?;
        Ok(EntityMatcher {
            automaton,
            canonical,
            names,
            tables,
        })
    }

    /// The tables in use, per category: canonical names with aliases.
    pub fn tables(&self) -> &[(Category, Table)] {
        &self.tables
    }

    /// Canonical names of the processors `text` names, sorted and without repeats.
    pub fn find(&self, text: &str) -> Vec<String> {
        self.find_all(&[text]).processor
    }

    /// The entities any of `texts` names (each text is matched on its own: a name never
    /// spans two of them).
    pub fn find_all(&self, texts: &[&str]) -> Found {
        let mut seen = vec![false; self.names.len()];
        for text in texts {
            for m in self.automaton.find_overlapping_iter(*text) {
                if on_word_boundaries(text, m.start(), m.end()) {
                    seen[self.canonical[m.pattern().as_usize()]] = true;
                }
            }
        }
        let mut out = Found::default();
        for (i, (category, name)) in self.names.iter().enumerate() {
            if seen[i] {
                out.get_mut(*category).push(name.clone());
            }
        }
        for c in Category::ALL {
            sort_names(out.get_mut(c));
        }
        out
    }

    /// The canonical name of a category's entity for a user-typed name or alias, if the
    /// table knows it.
    pub fn canonical_name(&self, category: Category, name: &str) -> Option<&str> {
        let lower = name.to_lowercase();
        self.automaton
            .find_overlapping_iter(&lower)
            .filter(|m| m.start() == 0 && m.end() == lower.len())
            .map(|m| &self.names[self.canonical[m.pattern().as_usize()]])
            .find(|(c, _)| *c == category)
            .map(|(_, n)| n.as_str())
    }

    /// Every canonical name of a category.
    pub fn names_of(&self, category: Category) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .filter(move |(c, _)| *c == category)
            .map(|(_, n)| n.as_str())
    }
}

fn merge_entries(tables: &mut [(Category, Table)], category: Category, entries: Table) {
    let Some((_, table)) = tables.iter_mut().find(|(c, _)| *c == category) else {
        return;
    };
    for (name, aliases) in entries {
        match table
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            Some((_, existing)) => existing.extend(aliases),
            None => table.push((name, aliases)),
        }
    }
}

/// The built-in tables as owned (name, aliases) pairs, ready to extend.
fn builtin_tables() -> Vec<(Category, Table)> {
    Category::ALL
        .into_iter()
        .map(|c| {
            let table = c
                .builtin()
                .iter()
                .map(|(name, aliases)| {
                    (
                        name.to_string(),
                        aliases.iter().map(|a| a.to_string()).collect(),
                    )
                })
                .collect();
            (c, table)
        })
        .collect()
}

/// An entities file: per category, names with aliases to add, and the categories whose
/// built-in entries are dropped first.
#[derive(Debug, Default, PartialEq)]
pub struct EntityFile {
    pub replace: Vec<Category>,
    pub entries: Vec<(Category, Table)>,
}

/// Parses an entities file (TOML):
///
/// ```toml
/// replace = ["law"]            # optional: these categories drop their built-in entries
/// [tracker]
/// Matomo = ["piwik"]           # a name and its aliases; an existing name gains them
/// [law]
/// HIPAA = []
/// ```
pub fn parse_entity_file(text: &str, path: &Path) -> Result<EntityFile, CorpusError> {
    let bad = |line: usize, message: String| CorpusError::ProcessorFile {
        path: path.to_path_buf(),
        line,
        message,
    };
    let value: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map_or(0, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        bad(line, e.message().to_string())
    })?;
    let mut out = EntityFile::default();
    for (key, v) in value {
        if key == "replace" {
            let list = v
                .as_array()
                .ok_or_else(|| bad(0, "`replace` must be a list of categories".into()))?;
            for item in list {
                let c = item.as_str().and_then(Category::from_name).ok_or_else(|| {
                    bad(
                        0,
                        format!(
                            "`replace`: {item:?} is not one of processor, tracker, program, law"
                        ),
                    )
                })?;
                out.replace.push(c);
            }
            continue;
        }
        let category = Category::from_name(&key).ok_or_else(|| {
            bad(
                0,
                format!("[{key}] is not a category: use processor, tracker, program or law"),
            )
        })?;
        let table = v
            .as_table()
            .ok_or_else(|| bad(0, format!("`{key}` must be a table of names: [{key}]")))?;
        let mut entries = Vec::new();
        for (name, aliases) in table {
            let name = name.trim();
            if name.is_empty() || name.len() > 200 {
                return Err(bad(0, format!("[{key}]: a name must have 1 to 200 bytes")));
            }
            let aliases = aliases.as_array().ok_or_else(|| {
                bad(
                    0,
                    format!("[{key}] {name}: aliases must be a list of strings, e.g. []"),
                )
            })?;
            let mut list = Vec::new();
            for a in aliases {
                let a = a
                    .as_str()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| {
                        bad(
                            0,
                            format!("[{key}] {name}: every alias must be a non-empty string"),
                        )
                    })?;
                list.push(a.to_string());
            }
            entries.push((name.to_string(), list));
        }
        out.entries.push((category, entries));
    }
    Ok(out)
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

/// Parses a processors file (processors only): one processor a line, `Name` or `Name: alias, alias…`;
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
        let m = EntityMatcher::builtin();
        assert_eq!(m.find("We use SWREG and paypal."), vec!["PayPal", "SWREG"]);
        assert!(m.find("Paypalooza and unswreg").is_empty());
        assert_eq!(m.find("formerly Plimus"), vec!["BlueSnap"]);
        assert_eq!(m.find("element 5 AG"), vec!["Share-it"]);
        assert_eq!(m.find("2Checkout.com Inc."), vec!["2Checkout"]);
    }

    #[test]
    fn unicode_punctuation_and_symbols_are_boundaries() {
        let m = EntityMatcher::builtin();
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
        let m = EntityMatcher::builtin();
        let p = Category::Processor;
        assert_eq!(m.canonical_name(p, "moneybookers"), Some("Skrill"));
        assert_eq!(m.canonical_name(p, "swreg"), Some("SWREG"));
        assert_eq!(m.canonical_name(p, "nope"), None);
        assert_eq!(
            m.canonical_name(Category::Tracker, "DoubleClick"),
            Some("Google")
        );
        assert_eq!(m.canonical_name(Category::Processor, "DoubleClick"), None);
    }

    #[test]
    fn categories_and_aliases() {
        let m = EntityMatcher::builtin();
        let f = m.find_all(&[
            "We use DoubleClick and Omniture; TRUSTe certified. Under the General Data \
             Protection Regulation and COPPA, payments by PayPal.",
        ]);
        assert_eq!(f.tracker, ["Adobe", "Google"]);
        assert_eq!(f.program, ["TRUSTe"]);
        assert_eq!(f.law, ["COPPA", "GDPR"]);
        assert_eq!(f.processor, ["PayPal"]);
    }

    #[test]
    fn entity_file_adds_replaces_and_reports_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.toml");
        std::fs::write(
            &path,
            "replace = [\"law\"]\n[law]\nHIPAA = [\"health insurance portability\"]\n\
             [tracker]\nAcme = [\"acme beacon\"]\nGoogle = [\"gstatic\"]\n",
        )
        .unwrap();
        let m = EntityMatcher::with_files(None, Some(&path)).unwrap();
        let found = m.find_all(&["GDPR and HIPAA, Acme Beacon and gstatic"]);
        assert_eq!(found.law, ["HIPAA"]);
        assert_eq!(found.tracker, ["Acme", "Google"]);
        for (text, needle) in [
            ("[weird]\nX = []\n", "not a category"),
            ("[law]\nX = \"y\"\n", "aliases must be a list"),
            ("[law\n", "e.toml:1"),
            ("replace = [\"nope\"]\n", "not one of"),
        ] {
            let err = parse_entity_file(text, Path::new("e.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(needle) && err.contains("e.toml"),
                "{text:?}: {err}"
            );
        }
    }
}
