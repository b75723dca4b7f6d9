//! End-to-end tests of `policies index` and `policies query`, running the real binary.
//! Expected values are computed in the test from the fixture files with regexes.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::Stdio;

use common::{TestEnv, copy_tree, fixtures, headers};
use regex::Regex;
use serde::Deserialize;

/// The JSON output as a script sees it; unknown fields fail the test, so renaming or
/// adding a field is a deliberate change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // every field is read by serde; not all are asserted on
struct Output {
    query: String,
    total_hits: u64,
    took_ms: u64,
    hits: Vec<Hit>,
    index_complete: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Hit {
    rank: usize,
    score: f64,
    id: String,
    policy_id: String,
    vendor: String,
    date: Option<String>,
    year: Option<u32>,
    title: Option<String>,
    heading: String,
    heading_path: Vec<String>,
    part: u32,
    processors: Vec<String>,
    section_processors: Vec<String>,
    trackers: Vec<String>,
    programs: Vec<String>,
    laws: Vec<String>,
    snippet: Snippet,
    url: Option<String>,
    source_url: Option<String>,
    path: String,
    revision: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Snippet {
    text: String,
    highlights: Vec<[usize; 2]>,
}

fn indexed_seeds() -> TestEnv {
    let env = TestEnv::with_seeds();
    env.ok(&["index", "--quiet"]);
    env
}

fn query(env: &TestEnv, args: &[&str]) -> Output {
    let mut all = vec!["query", "--format", "json"];
    all.extend_from_slice(args);
    env.json(&all)
}

/// Vendors whose file matches `pattern` (case-insensitive), by the test's own reading.
fn vendors_matching(dir: &std::path::Path, pattern: &str) -> BTreeSet<String> {
    let re = Regex::new(pattern).unwrap();
    headers(dir)
        .into_iter()
        .filter(|(p, _, _)| re.is_match(&std::fs::read_to_string(p).unwrap()))
        .map(|(_, v, _)| v)
        .collect()
}

#[test]
fn fresh_clone_query_builds_the_default_index() {
    let env = TestEnv::with_seeds();
    let r = env.run(&["query", "\"credit card\""]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("building"), "{}", r.stderr);
    assert!(env.path("index/meta.json").is_file());
    // The second run uses the index without rebuilding.
    let r = env.run(&["query", "\"credit card\""]);
    assert_eq!(r.code, 0);
    assert!(!r.stderr.contains("building"), "{}", r.stderr);
}

#[test]
fn credit_card_across_all_vendors() {
    let env = indexed_seeds();
    let out = query(&env, &["\"credit card\"", "--limit", "1000"]);
    let vendors: BTreeSet<String> = out.hits.iter().map(|h| h.vendor.clone()).collect();
    let expected = vendors_matching(&env.path("corpus"), r"(?i)credit\s+cards?\b");
    assert_eq!(expected.len(), 5);
    assert_eq!(vendors, expected);
    assert_eq!(out.total_hits as usize, out.hits.len());
    assert_eq!(out.query, "\"credit card\"");
    // Ranks are 1.. in order and scores do not increase.
    for (i, h) in out.hits.iter().enumerate() {
        assert_eq!(h.rank, i + 1);
        assert!(i == 0 || out.hits[i - 1].score >= h.score);
        assert!(h.id.starts_with(&h.policy_id));
        assert_eq!(h.heading_path.last(), Some(&h.heading));
        assert!(
            h.url
                .as_deref()
                .unwrap()
                .starts_with("https://web.archive.org/")
        );
        assert!(h.source_url.as_deref().unwrap().starts_with("http"));
        assert!(std::path::Path::new(&h.path).is_file());
    }
}

#[test]
fn highlights_point_at_the_phrase() {
    let env = indexed_seeds();
    let out = query(&env, &["\"credit card\"", "--limit", "100"]);
    let phrase = Regex::new(r"(?i)^credit\s+cards?$").unwrap();
    let mention = Regex::new(r"(?i)credit\s+cards?").unwrap();
    let mut n = 0;
    for h in &out.hits {
        let chars: Vec<char> = h.snippet.text.chars().collect();
        let body_mentions = mention.find_iter(&h.snippet.text).count();
        assert_eq!(
            h.snippet.highlights.len(),
            body_mentions,
            "{}",
            h.snippet.text
        );
        for [a, b] in &h.snippet.highlights {
            let s: String = chars[*a..*b].iter().collect();
            assert!(
                phrase.is_match(&s),
                "highlight {s:?} in {:?}",
                h.snippet.text
            );
            n += 1;
        }
    }
    assert!(n >= out.hits.len());
}

#[test]
fn stemming_matches_plural_phrases() {
    let env = indexed_seeds();
    let singular = query(&env, &["\"credit card\"", "--count"]);
    let plural = query(&env, &["\"credit cards\"", "--count"]);
    assert_eq!(singular.total_hits, plural.total_hits);
    assert!(singular.hits.is_empty());
}

#[test]
fn year_and_date_filters() {
    let env = indexed_seeds();
    let seeds = headers(&env.path("corpus"));
    let mut by_year: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, vendor, date) in &seeds {
        by_year
            .entry(date[..4].to_string())
            .or_default()
            .insert(vendor.clone());
    }
    for (year, vendors) in &by_year {
        let out = query(&env, &["*", "--year", year, "--limit", "1000"]);
        let got: BTreeSet<String> = out.hits.iter().map(|h| h.vendor.clone()).collect();
        assert_eq!(&got, vendors, "year {year}");
        assert!(
            out.hits
                .iter()
                .all(|h| h.year.map(|y| y.to_string()).as_ref() == Some(year))
        );
        // The query-language form counts the same sections.
        let q = query(&env, &[&format!("year:{year}"), "--count"]);
        assert_eq!(q.total_hits, out.total_hits);
    }
    // --since/--until are inclusive on archive dates.
    let (_, _, first_date) = seeds.iter().min_by_key(|s| s.2.clone()).unwrap();
    let out = query(&env, &["*", "--until", first_date, "--limit", "1000"]);
    assert!(!out.hits.is_empty());
    assert!(
        out.hits
            .iter()
            .all(|h| h.date.as_deref() == Some(first_date.as_str()))
    );
    let out = query(&env, &["*", "--since", "2016", "--limit", "1000"]);
    let expected: BTreeSet<String> = seeds
        .iter()
        .filter(|s| s.2.as_str() >= "2016")
        .map(|s| s.1.clone())
        .collect();
    let got: BTreeSet<String> = out.hits.iter().map(|h| h.vendor.clone()).collect();
    assert_eq!(got, expected);
    // A year range in the query language.
    let range = query(&env, &["year:[2016 TO 2017]", "--count"]);
    let since = query(
        &env,
        &["*", "--since", "2016", "--until", "2017", "--count"],
    );
    assert_eq!(range.total_hits, since.total_hits);
}

#[test]
fn processor_filter_and_field() {
    let env = indexed_seeds();
    let expected = vendors_matching(&env.path("corpus"), r"\bSWREG\b");
    for args in [
        vec!["*", "--processor", "swreg"],
        vec!["processor:SWREG"],
        vec!["processor:swreg"],
    ] {
        let mut a = args.clone();
        a.extend(["--limit", "1000"]);
        let out = query(&env, &a);
        let got: BTreeSet<String> = out.hits.iter().map(|h| h.vendor.clone()).collect();
        assert_eq!(got, expected, "{args:?}");
        assert!(
            out.hits
                .iter()
                .all(|h| h.processors.contains(&"SWREG".to_string()))
        );
    }
    let out = query(&env, &["*", "--processor", "Avangate", "--limit", "1000"]);
    let got: BTreeSet<String> = out.hits.iter().map(|h| h.vendor.clone()).collect();
    assert_eq!(
        got,
        vendors_matching(&env.path("corpus"), r"(?i)\bavangate\b")
    );
    // Section-level processors: only sections that name it themselves.
    let out = query(&env, &["\"SWREG\"", "--limit", "1000"]);
    assert!(!out.hits.is_empty());
    for h in &out.hits {
        assert!(h.section_processors.contains(&"SWREG".to_string()), "{h:?}");
    }
}

#[test]
fn vendor_filter_and_per_vendor_cap() {
    let env = indexed_seeds();
    let all = query(&env, &["information", "--limit", "1000"]);
    let per_vendor: BTreeMap<&str, usize> = all.hits.iter().fold(BTreeMap::new(), |mut m, h| {
        *m.entry(h.vendor.as_str()).or_insert(0) += 1;
        m
    });
    let capped = query(
        &env,
        &["information", "--per-vendor", "1", "--limit", "1000"],
    );
    assert_eq!(capped.hits.len(), per_vendor.len());
    // The one kept per vendor is that vendor's best hit.
    for h in &capped.hits {
        let best = all.hits.iter().find(|x| x.vendor == h.vendor).unwrap();
        assert_eq!(best.id, h.id);
    }
    let (vendor, n) = per_vendor.iter().next().unwrap();
    let only = query(
        &env,
        &["information", "--vendor", vendor, "--limit", "1000"],
    );
    assert_eq!(only.hits.len(), *n);
    let upper = vendor.to_uppercase();
    let only_upper = query(&env, &["information", "--vendor", &upper, "--count"]);
    assert_eq!(only_upper.total_hits as usize, *n);
}

#[test]
fn paging_with_limit_and_offset() {
    let env = indexed_seeds();
    let all = query(&env, &["information", "--limit", "1000"]);
    let page = query(&env, &["information", "--limit", "3", "--offset", "2"]);
    let ids: Vec<&str> = page.hits.iter().map(|h| h.id.as_str()).collect();
    let expected: Vec<&str> = all.hits[2..5].iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, expected);
    assert_eq!(page.hits[0].rank, 3);
    assert_eq!(page.total_hits, all.total_hits);
}

#[test]
fn exit_codes_and_bad_input() {
    let env = indexed_seeds();
    let none = env.run(&["query", "zyzzyvaqqq"]);
    assert_eq!(none.code, 1);
    let bad = env.run(&["query", "\"credit card"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("bad query"), "{}", bad.stderr);
    let unknown = env.run(&["query", "colour:red"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown field \"colour\""),
        "{}",
        unknown.stderr
    );
    let date = env.run(&["query", "x", "--since", "2015-13-01"]);
    assert_eq!(date.code, 2);
    assert!(date.stderr.contains("--since"), "{}", date.stderr);
    let missing = env.run(&["query", "x", "--index", "nowhere"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no index at nowhere"),
        "{}",
        missing.stderr
    );
    let nested = "(".repeat(500) + "a" + &")".repeat(500);
    let deep = env.run(&["query", &nested]);
    assert_eq!(deep.code, 2);
    assert!(deep.stderr.contains("nest"), "{}", deep.stderr);
    let huge = env.run(&["query", "credit", "--limit", "10000000"]);
    assert_eq!(huge.code, 0);
    let zero = query(&env, &["credit", "--limit", "0"]);
    assert!(zero.hits.is_empty() && zero.total_hits > 0);
    let negative = env.run(&["query", "x", "--limit", "-1"]);
    assert_eq!(negative.code, 2);
    let bad_root = env.run(&["index", "no-such-dir", "--index", "other"]);
    assert_eq!(bad_root.code, 2);
    assert!(
        bad_root.stderr.contains("no-such-dir"),
        "{}",
        bad_root.stderr
    );
}

#[test]
fn csv_jsonl_and_human_formats() {
    let env = indexed_seeds();
    let json = query(&env, &["\"credit card\"", "--limit", "4"]);
    let jsonl = env.ok(&[
        "query",
        "\"credit card\"",
        "--limit",
        "4",
        "--format",
        "jsonl",
    ]);
    let lines: Vec<&str> = jsonl.stdout.lines().collect();
    assert_eq!(lines.len(), 4);
    for (line, hit) in lines.iter().zip(&json.hits) {
        let h: Hit = serde_json::from_str(line).unwrap();
        assert_eq!(h.id, hit.id);
    }
    let csv = env.ok(&[
        "query",
        "\"credit card\"",
        "--limit",
        "4",
        "--format",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header[0], "rank");
    assert!(header.contains(&"snippet".to_string()));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][2], json.hits[0].id.as_str());
    let human = env.ok(&["query", "\"credit card\"", "--limit", "4"]);
    assert!(human.stdout.contains(&json.hits[0].vendor));
    assert!(
        !human.stdout.contains('\x1b'),
        "no colour when not a terminal"
    );
    let count = env.ok(&["query", "\"credit card\"", "--count"]);
    assert_eq!(count.stdout.trim(), json.total_hits.to_string());
}

#[test]
fn closed_pipe_exits_quietly() {
    let env = TestEnv::new();
    copy_tree(&fixtures().join("plp"), &env.path("corpus"));
    env.ok(&["index", "--quiet"]);
    let mut child = env
        .command(&["query", "*", "--limit", "10000", "--snippet-chars", "5000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}

#[test]
fn incremental_update_adds_changes_and_removes() {
    let env = TestEnv::with_seeds();
    let first = env.ok(&["index"]);
    assert!(first.stderr.contains("indexed 5 files"), "{}", first.stderr);
    let again = env.ok(&["index"]);
    assert!(
        again
            .stderr
            .contains("indexed 0 files (5 unchanged, 0 removed"),
        "{}",
        again.stderr
    );
    let before = query(&env, &["*", "--count"]).total_hits;

    let seeds = headers(&env.path("corpus"));
    let (changed, changed_vendor, _) = &seeds[0];
    let (removed, removed_vendor, _) = &seeds[1];
    let mut text = std::fs::read_to_string(changed).unwrap();
    text.push_str("\n\n## Added later\n\nThe quixotically unusual clause.\n");
    std::fs::write(changed, text).unwrap();
    std::fs::remove_file(removed).unwrap();
    env.write(
        "corpus/new/extra.md",
        "# Extra Policy\n\nNo header here, but the quixotically worded text counts.\n",
    );
    let third = env.ok(&["index"]);
    assert!(
        third
            .stderr
            .contains("indexed 2 files (3 unchanged, 1 removed"),
        "{}",
        third.stderr
    );
    let hits = query(&env, &["quixotically", "--limit", "10"]);
    let vendors: BTreeSet<String> = hits.hits.iter().map(|h| h.vendor.clone()).collect();
    assert_eq!(
        vendors,
        BTreeSet::from([changed_vendor.clone(), "extra".to_string()])
    );
    let undated = hits.hits.iter().find(|h| h.vendor == "extra").unwrap();
    assert_eq!(undated.date, None);
    assert_eq!(undated.year, None);
    let gone = query(&env, &["*", "--vendor", removed_vendor, "--count"]);
    assert_eq!(gone.total_hits, 0);
    // One policy changed (old sections replaced), one removed, one added.
    let after = query(&env, &["*", "--limit", "10000"]);
    let policies: BTreeSet<String> = after.hits.iter().map(|h| h.policy_id.clone()).collect();
    assert_eq!(policies.len(), 5);
    assert_ne!(after.total_hits, before);
    // --rebuild gives the same ids.
    env.ok(&["index", "--rebuild", "--quiet"]);
    let rebuilt = query(&env, &["*", "--limit", "10000"]);
    let ids = |o: &Output| o.hits.iter().map(|h| h.id.clone()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&rebuilt), ids(&after));
}

#[test]
fn bad_files_are_skipped_with_their_names() {
    let env = TestEnv::with_seeds();
    env.write("corpus/binary.md", b"abc\0\x01\x02");
    env.write("corpus/empty.md", b"  \n\n ");
    env.write(
        "corpus/latin1.md",
        b"# Caf\xe9 policy\n\nWe don\x92t sell cr\xe9dit card data.\n",
    );
    let r = env.ok(&["index", "--max-file-mb", "1"]);
    assert!(r.stderr.contains("binary.md"), "{}", r.stderr);
    assert!(r.stderr.contains("empty.md"), "{}", r.stderr);
    assert!(
        r.stderr.contains("1 file decoded as Windows-1252"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("index now holds 6 policies"),
        "{}",
        r.stderr
    );
    let out = query(&env, &["\"card data\"", "--vendor", "latin1"]);
    assert_eq!(out.hits.len(), 1);
    // The Windows-1252 bytes, read as a browser reads them: 0x92 is ’, 0xE9 is é.
    assert!(
        out.hits[0]
            .snippet
            .text
            .contains("don\u{2019}t sell cr\u{e9}dit card"),
        "{:?}",
        out.hits[0].snippet.text
    );
    assert!(!out.hits[0].snippet.text.contains('\u{fffd}'));
    let cafe = query(&env, &["caf\u{e9}", "--vendor", "latin1"]);
    assert_eq!(cafe.total_hits, 1);
}

#[test]
fn real_fixtures_index_and_count() {
    let env = TestEnv::new();
    copy_tree(&fixtures().join("plp"), &env.path("corpus"));
    let r = env.ok(&["index"]);
    let manifest = std::fs::read_to_string(fixtures().join("plp/MANIFEST.tsv")).unwrap();
    let n = manifest.lines().count();
    assert!(
        r.stderr.contains(&format!("index now holds {n} policies")),
        "{}",
        r.stderr
    );
    let years: BTreeSet<&str> = manifest
        .lines()
        .map(|l| &l.split('\t').nth(2).unwrap()[..4])
        .collect();
    let span = format!(
        "years {}–{}",
        years.iter().next().unwrap(),
        years.iter().next_back().unwrap()
    );
    assert!(r.stderr.contains(&span), "{}", r.stderr);
    // Each manifest vendor is found by its own vendor filter.
    for line in manifest.lines() {
        let vendor = line.split('\t').nth(1).unwrap();
        let out = query(&env, &["*", "--vendor", vendor, "--limit", "1"]);
        assert!(out.total_hits >= 1, "{vendor}");
    }
}
