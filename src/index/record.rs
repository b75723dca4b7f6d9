//! Records: the one mapping between a parsed policy and the index's documents, both
//! ways. A [`Policy`]'s sections become documents in [`policy_docs`]; a stored document
//! becomes a [`StoredSection`] in [`StoredSection::from_doc`], from which hits and
//! `show` are built. [`Totals`] is the one way to count what the index holds.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

use super::schema::{Fields, name};
use crate::corpus::Policy;

/// Where a snapshot's text came from, as stored with its records.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The incremental state's key: a file's absolute path, or a path in a repository.
    pub path: &'a str,
    /// xxh3 of the raw bytes.
    pub hash: u64,
    /// For git: the commit that brought this version, and the blob.
    pub revision: Option<&'a str>,
    pub blob: Option<&'a str>,
}

/// A policy's stable id: 12 hex digits (48 bits) of the hash of its path below the
/// corpus root, and the same as a number.
pub fn policy_id(id_path: &str) -> (String, u64) {
    let num = xxhash_rust::xxh3::xxh3_64(id_path.as_bytes()) >> 16;
    (format!("{num:012x}"), num)
}

/// The documents of a policy: one per section, carrying the policy's fields.
pub fn policy_docs(
    f: &Fields,
    origin: &Origin,
    (policy_id, policy_num): &(String, u64),
    policy: &Policy,
) -> Vec<TantivyDocument> {
    policy
        .sections
        .iter()
        .map(|s| {
            let mut d = TantivyDocument::new();
            d.add_text(f.id, format!("{policy_id}-{}", s.ordinal));
            d.add_text(f.policy_id, policy_id);
            d.add_u64(f.policy_num, *policy_num);
            d.add_text(f.vendor, &policy.vendor);
            if let (Some(date), Some(year)) = (&policy.date, policy.year) {
                d.add_text(f.date, date);
                d.add_u64(f.year, u64::from(year));
            }
            if let Some(t) = &policy.title {
                d.add_text(f.title, t);
            }
            // The section's own heading first (what is shown as its heading), then the
            // bare headings before it, searchable with it.
            for h in std::iter::once(&s.heading).chain(&s.lead_headings) {
                d.add_text(f.heading, h);
                d.add_text(f.heading_pairs, h);
            }
            for h in &s.heading_path {
                d.add_text(f.heading_path, h);
            }
            d.add_u64(f.level, u64::from(s.level));
            d.add_u64(f.ordinal, u64::from(s.ordinal));
            d.add_u64(f.part, u64::from(s.part));
            d.add_text(f.body, &s.body);
            d.add_text(f.pairs, &s.body);
            for p in &policy.processors {
                d.add_text(f.processor, p);
            }
            for p in &s.processors {
                d.add_text(f.section_processor, p);
            }
            for t in &policy.entities.tracker {
                d.add_text(f.tracker, t);
            }
            for p in &policy.entities.program {
                d.add_text(f.program, p);
            }
            for l in &policy.entities.law {
                d.add_text(f.law, l);
            }
            let r = &policy.readability;
            d.add_u64(f.words, r.words);
            d.add_u64(f.sentences, r.sentences);
            d.add_u64(f.sections, policy.sections.len() as u64);
            for (field, v) in [
                (f.flesch, r.flesch),
                (f.fk_grade, r.fk_grade),
                (f.smog, r.smog),
            ] {
                if let Some(v) = v {
                    d.add_f64(field, v);
                }
            }
            d.add_u64(f.text_hash, policy.fingerprints.text_hash);
            d.add_u64(f.simhash, policy.fingerprints.simhash);
            if let Some(u) = &policy.url {
                d.add_text(f.url, u);
            }
            if let Some(u) = &policy.source_url {
                d.add_text(f.source_url, u);
            }
            d.add_text(f.path, origin.path);
            d.add_u64(f.file_hash, origin.hash);
            if let Some(r) = origin.revision {
                d.add_text(f.revision, r);
            }
            if let Some(b) = origin.blob {
                d.add_text(f.blob, b);
            }
            d
        })
        .collect()
}

/// Everything stored of one section document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSection {
    pub id: String,
    pub policy_id: String,
    pub vendor: String,
    pub date: Option<String>,
    pub year: Option<u64>,
    pub title: Option<String>,
    pub heading: String,
    pub lead_headings: Vec<String>,
    pub heading_path: Vec<String>,
    pub level: u64,
    pub ordinal: u64,
    pub part: u64,
    pub body: String,
    pub processors: Vec<String>,
    pub section_processors: Vec<String>,
    pub trackers: Vec<String>,
    pub programs: Vec<String>,
    pub laws: Vec<String>,
    pub measures: Measures,
    pub url: Option<String>,
    pub source_url: Option<String>,
    pub path: String,
    pub file_hash: Option<u64>,
    pub revision: Option<String>,
    pub blob: Option<String>,
}

fn first_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

fn all_str(doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn first_u64(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<u64> {
    doc.get_first(field).and_then(|v| v.as_u64())
}

fn first_f64(doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<f64> {
    doc.get_first(field).and_then(|v| v.as_f64())
}

/// A snapshot's stored measures (absent in documents of older builds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Measures {
    pub words: Option<u64>,
    pub sentences: Option<u64>,
    pub sections: Option<u64>,
    pub flesch: Option<f64>,
    pub fk_grade: Option<f64>,
    pub smog: Option<f64>,
    /// Fingerprints as 16 hex digits.
    pub text_hash: Option<String>,
    pub simhash: Option<String>,
}

impl StoredSection {
    /// Reads a stored document back.
    pub fn from_doc(f: &Fields, doc: &TantivyDocument) -> StoredSection {
        let mut headings = all_str(doc, f.heading).into_iter();
        StoredSection {
            id: first_str(doc, f.id).unwrap_or_default(),
            policy_id: first_str(doc, f.policy_id).unwrap_or_default(),
            vendor: first_str(doc, f.vendor).unwrap_or_default(),
            date: first_str(doc, f.date),
            year: first_u64(doc, f.year),
            title: first_str(doc, f.title),
            heading: headings.next().unwrap_or_default(),
            lead_headings: headings.collect(),
            heading_path: all_str(doc, f.heading_path),
            level: first_u64(doc, f.level).unwrap_or(0),
            ordinal: first_u64(doc, f.ordinal).unwrap_or(0),
            part: first_u64(doc, f.part).unwrap_or(0),
            body: first_str(doc, f.body).unwrap_or_default(),
            processors: all_str(doc, f.processor),
            section_processors: all_str(doc, f.section_processor),
            trackers: all_str(doc, f.tracker),
            programs: all_str(doc, f.program),
            laws: all_str(doc, f.law),
            measures: Measures {
                words: first_u64(doc, f.words),
                sentences: first_u64(doc, f.sentences),
                sections: first_u64(doc, f.sections),
                flesch: first_f64(doc, f.flesch),
                fk_grade: first_f64(doc, f.fk_grade),
                smog: first_f64(doc, f.smog),
                text_hash: first_u64(doc, f.text_hash).map(|h| format!("{h:016x}")),
                simhash: first_u64(doc, f.simhash).map(|h| format!("{h:016x}")),
            },
            url: first_str(doc, f.url),
            source_url: first_str(doc, f.source_url),
            path: first_str(doc, f.path).unwrap_or_default(),
            file_hash: first_u64(doc, f.file_hash),
            revision: first_str(doc, f.revision),
            blob: first_str(doc, f.blob),
        }
    }
}

/// What the index holds, counted one way for every report (the build's summary and
/// `stats`): from the fast fields of the live documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub sections: u64,
    pub policies: u64,
    pub vendors: u64,
    /// Distinct files (or, for git, paths in the repository).
    pub files: u64,
    /// Policies without an archive date.
    pub undated_policies: u64,
    /// First and last archive year.
    pub year_span: Option<(u64, u64)>,
}

impl Totals {
    pub fn count(searcher: &Searcher) -> tantivy::Result<Totals> {
        let mut policies = BTreeSet::new();
        let mut dated = BTreeSet::new();
        let mut vendors = BTreeSet::new();
        let mut files = BTreeSet::new();
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        for segment in searcher.segment_readers() {
            let ff = segment.fast_fields();
            let numbers = ff.u64(name::policy_num)?;
            let years = ff.u64(name::year)?;
            let vendor = ff.str(name::vendor)?;
            let path = ff.str(name::path)?;
            let mut vendor_seen = vendor
                .as_ref()
                .map_or_else(Vec::new, |c| vec![false; c.num_terms()]);
            let mut path_seen = path
                .as_ref()
                .map_or_else(Vec::new, |c| vec![false; c.num_terms()]);
            let alive = segment.alive_bitset();
            for doc in 0..segment.max_doc() {
                if alive.is_some_and(|a| !a.is_alive(doc)) {
                    continue;
                }
                let Some(num) = numbers.first(doc) else {
                    continue;
                };
                policies.insert(num);
                if let Some(y) = years.first(doc) {
                    dated.insert(num);
                    lo = lo.min(y);
                    hi = hi.max(y);
                }
                if let Some(c) = &vendor {
                    for ord in c.term_ords(doc) {
                        vendor_seen[ord as usize] = true;
                    }
                }
                if let Some(c) = &path {
                    for ord in c.term_ords(doc) {
                        path_seen[ord as usize] = true;
                    }
                }
            }
            for (column, seen, set) in [
                (&vendor, &vendor_seen, &mut vendors),
                (&path, &path_seen, &mut files),
            ] {
                if let Some(c) = column {
                    super::for_each_term(c, |ord, term| {
                        if seen[ord] {
                            set.insert(term.to_string());
                        }
                    })?;
                }
            }
        }
        Ok(Totals {
            sections: searcher.num_docs(),
            policies: policies.len() as u64,
            vendors: vendors.len() as u64,
            files: files.len() as u64,
            undated_policies: (policies.len() - dated.len()) as u64,
            year_span: (lo <= hi).then_some((lo, hi)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{EntityMatcher, parse_policy};

    /// Index a policy, read every record back, compare field by field with the parsed
    /// policy (not with `policy_docs`' own view of it).
    #[test]
    fn records_round_trip() {
        let text = "> *The following text is extracted and transformed from the Example.com privacy policy that was archived on 2016-03-04. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20160304000000id_/http%3A//example.com/privacy) for the most accurate reproduction.*\n\n# Example Privacy\n\n## Bare heading\n\n## Payments\n\nWe take PayPal and caf\u{e9} cards.\n\n### Cookies\n\nWe use cookies.\n\n## Trailing bare\n";
        let policy = parse_policy(text, "example.md", &EntityMatcher::builtin());
        assert!(policy.sections.len() >= 2);
        let (schema, fields) = super::super::schema::build_schema();
        let index = tantivy::Index::create_in_ram(schema);
        super::super::schema::register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, 15_000_000).unwrap();
        let origin = Origin {
            path: "/corpus/example.md",
            hash: 42,
            revision: Some("abc"),
            blob: Some("def"),
        };
        let id = policy_id("corpus/example.md");
        for doc in policy_docs(&fields, &origin, &id, &policy) {
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut back: Vec<StoredSection> = Vec::new();
        for segment in 0..searcher.segment_readers().len() {
            for doc in 0..searcher.segment_reader(segment as u32).max_doc() {
                let d: TantivyDocument = searcher
                    .doc(tantivy::DocAddress::new(segment as u32, doc))
                    .unwrap();
                back.push(StoredSection::from_doc(&fields, &d));
            }
        }
        back.sort_by_key(|s| s.ordinal);
        assert_eq!(back.len(), policy.sections.len());
        for (stored, section) in back.iter().zip(&policy.sections) {
            assert_eq!(stored.id, format!("{}-{}", id.0, section.ordinal));
            assert_eq!(stored.policy_id, id.0);
            assert_eq!(stored.vendor, "example.com");
            assert_eq!(stored.date.as_deref(), Some("2016-03-04"));
            assert_eq!(stored.year, Some(2016));
            assert_eq!(stored.title.as_deref(), Some("Example Privacy"));
            assert_eq!(stored.heading, section.heading);
            assert_eq!(stored.lead_headings, section.lead_headings);
            assert_eq!(stored.heading_path, section.heading_path);
            assert_eq!(stored.level, u64::from(section.level));
            assert_eq!(stored.ordinal, u64::from(section.ordinal));
            assert_eq!(stored.part, u64::from(section.part));
            assert_eq!(stored.body, section.body);
            assert_eq!(stored.processors, ["PayPal"]);
            assert_eq!(stored.section_processors, section.processors);
            assert_eq!(stored.url, policy.url);
            assert_eq!(stored.source_url, policy.source_url);
            assert_eq!(stored.path, "/corpus/example.md");
            assert_eq!(stored.file_hash, Some(42));
            assert_eq!(stored.revision.as_deref(), Some("abc"));
            assert_eq!(stored.blob.as_deref(), Some("def"));
        }
        // The bare headings are all there, each once.
        let shown: Vec<&str> = back
            .iter()
            .flat_map(|s| s.lead_headings.iter().chain([&s.heading]))
            .map(String::as_str)
            .collect();
        assert_eq!(
            shown,
            [
                "Example Privacy",
                "Bare heading",
                "Payments",
                "Cookies",
                "Trailing bare"
            ]
        );
        let totals = Totals::count(&searcher).unwrap();
        assert_eq!(
            totals,
            Totals {
                sections: back.len() as u64,
                policies: 1,
                vendors: 1,
                files: 1,
                undated_policies: 0,
                year_span: Some((2016, 2016)),
            }
        );
    }
}
