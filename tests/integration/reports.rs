//! Facets, trends, stats, `show` and `vendors` on the seeds and the real fixtures, with
//! every count checked against one the test computes from the files with regexes.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{TestEnv, copy_tree, fixtures, headers};
use regex::Regex;
use serde_json::Value;

/// Seeds and real fixtures, plus three dated snapshots of one site (the later one
/// without its credit-card text) and one file without a header.
fn corpus_env() -> TestEnv {
    let env = TestEnv::new();
    copy_tree(&fixtures().join("seeds"), &env.path("corpus/seeds"));
    copy_tree(&fixtures().join("plp"), &env.path("corpus/plp"));
    let original = std::fs::read_to_string(fixtures().join("plp/l/le/lea/leawo.org.md")).unwrap();
    let date = Regex::new(r"archived on \d{4}-\d{2}-\d{2}").unwrap();
    let cards = Regex::new(r"(?i)credit\s+cards?").unwrap();
    for (d, keep_cards) in [
        ("2009-03-02", true),
        ("2011-08-19", true),
        ("2021-01-30", false),
    ] {
        let mut text = date
            .replace(&original, format!("archived on {d}").as_str())
            .into_owned();
        if !keep_cards {
            text = cards.replace_all(&text, "payment").into_owned();
        }
        env.write(&format!("corpus/history/leawo.org/{d}.md"), text);
    }
    env.write(
        "corpus/undated/notes.md",
        "# Notes\n\nCookies and credit cards, no header.\n",
    );
    env.ok(&["index", "--quiet"]);
    env
}

/// The test's own reading of every policy file: vendor, year (if dated), visible text.
struct FileFacts {
    vendor: String,
    year: Option<String>,
    date: Option<String>,
    text: String,
}

fn facts(dir: &Path) -> Vec<FileFacts> {
    let link = Regex::new(r"\]\([^)]*\)").unwrap();
    let dated: BTreeMap<_, _> = headers(dir)
        .into_iter()
        .map(|(p, v, d)| (p, (v, d)))
        .collect();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let raw = std::fs::read_to_string(entry.path()).unwrap();
        // Drop the header line and link destinations: not searchable text.
        let body: String = raw
            .lines()
            .skip_while(|l| l.trim().is_empty())
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n");
        let text = if dated.contains_key(entry.path()) {
            body
        } else {
            raw.clone()
        };
        let text = link.replace_all(&text, "]").into_owned();
        match dated.get(entry.path()) {
            Some((v, d)) => out.push(FileFacts {
                vendor: v.clone(),
                year: Some(d[..4].to_string()),
                date: Some(d.clone()),
                text,
            }),
            None => out.push(FileFacts {
                vendor: entry
                    .path()
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .to_lowercase(),
                year: None,
                date: None,
                text,
            }),
        }
    }
    out
}

fn run_json(env: &TestEnv, args: &[&str]) -> Value {
    env.json(args)
}

/// A facet value as text: years are numbers in JSON (`null` when undated), the rest text.
fn value_text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::Null => "unknown".to_string(),
        Value::String(s) => s.clone(),
        other => panic!("unexpected facet value {other}"),
    }
}

fn facet(v: &Value, name: &str) -> Vec<(String, u64, u64)> {
    v["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no facet {name}: {v}"))
        .iter()
        .map(|c| {
            (
                value_text(&c["value"]),
                c["sections"].as_u64().unwrap(),
                c["policies"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn facets_count_all_hits_exactly() {
    let env = corpus_env();
    let files = facts(&env.path("corpus"));
    let phrase = Regex::new(r"(?i)\bcredit\s+cards?\b").unwrap();
    let matching: Vec<&FileFacts> = files.iter().filter(|f| phrase.is_match(&f.text)).collect();
    assert!(matching.len() > 10);

    let v = run_json(
        &env,
        &[
            "query",
            "\"credit card\"",
            "--facet",
            "year,vendor,processor",
            "--facet-limit",
            "100",
            "--limit",
            "0",
            "--format",
            "json",
        ],
    );
    assert_eq!(v["hits"].as_array().unwrap().len(), 0);
    let total = v["total_hits"].as_u64().unwrap();

    // Years: policies per year as the files say, in year order, "unknown" last.
    let mut expected_years: BTreeMap<String, u64> = BTreeMap::new();
    for f in &matching {
        *expected_years
            .entry(f.year.clone().unwrap_or("unknown".into()))
            .or_insert(0) += 1;
    }
    let years = facet(&v, "year");
    let got: BTreeMap<String, u64> = years.iter().map(|(y, _, p)| (y.clone(), *p)).collect();
    assert_eq!(got, expected_years);
    assert_eq!(years.last().unwrap().0, "unknown");
    let dated: Vec<&String> = years
        .iter()
        .map(|y| &y.0)
        .filter(|y| *y != "unknown")
        .collect();
    assert!(dated.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(years.iter().map(|y| y.1).sum::<u64>(), total);

    // Vendors: policies per vendor, and sections per vendor equal to a filtered count.
    let mut expected_vendors: BTreeMap<String, u64> = BTreeMap::new();
    for f in &matching {
        *expected_vendors.entry(f.vendor.clone()).or_insert(0) += 1;
    }
    let vendors = facet(&v, "vendor");
    let got: BTreeMap<String, u64> = vendors.iter().map(|(n, _, p)| (n.clone(), *p)).collect();
    assert_eq!(got, expected_vendors);
    assert!(vendors.windows(2).all(|w| w[0].1 > w[1].1
        || (w[0].1 == w[1].1 && (w[0].2 > w[1].2 || (w[0].2 == w[1].2 && w[0].0 < w[1].0)))));
    for (name, sections, _) in vendors.iter().take(5) {
        let c = run_json(
            &env,
            &[
                "query",
                "\"credit card\"",
                "--vendor",
                name,
                "--count",
                "--format",
                "json",
            ],
        );
        assert_eq!(c["total_hits"].as_u64().unwrap(), *sections, "{name}");
    }

    // Processors: policies naming SWREG / Avangate among the matching ones.
    let processors = facet(&v, "processor");
    for (name, pattern) in [("SWREG", r"\bSWREG\b"), ("Avangate", r"(?i)\bavangate\b")] {
        let re = Regex::new(pattern).unwrap();
        let n = matching.iter().filter(|f| re.is_match(&f.text)).count() as u64;
        let got = processors.iter().find(|p| p.0 == name).map_or(0, |p| p.2);
        assert_eq!(got, n, "{name}");
    }

    // The limit cuts vendors, not years; --count works with facets.
    let v2 = run_json(
        &env,
        &[
            "query",
            "\"credit card\"",
            "--facet",
            "vendor,year",
            "--facet-limit",
            "2",
            "--count",
            "--format",
            "json",
        ],
    );
    assert_eq!(facet(&v2, "vendor").len(), 2);
    assert_eq!(facet(&v2, "year").len(), expected_years.len());
    let human = env.ok(&[
        "query",
        "\"credit card\"",
        "--facet",
        "year",
        "--limit",
        "1",
    ]);
    assert!(
        human.stdout.contains("sections   policies"),
        "{}",
        human.stdout
    );
}

#[test]
fn trend_totals_and_shares_match_the_files() {
    let env = corpus_env();
    let files = facts(&env.path("corpus"));
    let queries = [
        ("\"credit card\"", r"(?i)\bcredit\s+cards?\b"),
        ("children", r"(?i)\bchildrens?\b"),
    ];
    let v = run_json(
        &env,
        &["trend", queries[0].0, queries[1].0, "--format", "json"],
    );
    let rows = v["rows"].as_array().unwrap();
    let years: BTreeSet<String> = files.iter().filter_map(|f| f.year.clone()).collect();
    let first: u32 = years.iter().next().unwrap().parse().unwrap();
    let last: u32 = years.iter().next_back().unwrap().parse().unwrap();
    assert_eq!(
        rows.len() as u32,
        last - first + 1,
        "one row per year, empty years included"
    );
    for (i, row) in rows.iter().enumerate() {
        let period = row["period"].as_str().unwrap();
        assert_eq!(period, (first + i as u32).to_string());
        let total = files
            .iter()
            .filter(|f| f.year.as_deref() == Some(period))
            .count() as u64;
        assert_eq!(row["policies_total"].as_u64().unwrap(), total, "{period}");
        for (q, (_, pattern)) in queries.iter().enumerate() {
            let re = Regex::new(pattern).unwrap();
            let n = files
                .iter()
                .filter(|f| f.year.as_deref() == Some(period) && re.is_match(&f.text))
                .count() as u64;
            let cell = &row["matches"][q];
            assert_eq!(
                cell["policies_matching"].as_u64().unwrap(),
                n,
                "{period} {pattern}"
            );
            let share = cell["share"].as_f64().unwrap();
            let expected = if total == 0 {
                0.0
            } else {
                n as f64 / total as f64
            };
            assert!((share - expected).abs() < 1e-9);
        }
    }
    assert_eq!(
        v["undated_policies"].as_u64().unwrap(),
        files.iter().filter(|f| f.year.is_none()).count() as u64
    );

    // Months add up to years.
    let m = run_json(
        &env,
        &[
            "trend",
            "\"credit card\"",
            "--by",
            "month",
            "--format",
            "json",
        ],
    );
    let mut per_year: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for row in m["rows"].as_array().unwrap() {
        let e = per_year
            .entry(row["period"].as_str().unwrap()[..4].to_string())
            .or_default();
        e.0 += row["policies_total"].as_u64().unwrap();
        e.1 += row["matches"][0]["policies_matching"].as_u64().unwrap();
    }
    for row in rows {
        let p = row["period"].as_str().unwrap();
        assert_eq!(
            per_year[p],
            (
                row["policies_total"].as_u64().unwrap(),
                row["matches"][0]["policies_matching"].as_u64().unwrap()
            )
        );
    }

    // A vendor filter narrows the totals too.
    let one = run_json(
        &env,
        &[
            "trend",
            "\"credit card\"",
            "--vendor",
            "leawo.org",
            "--format",
            "json",
        ],
    );
    let totals: u64 = one["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["policies_total"].as_u64().unwrap())
        .sum();
    assert_eq!(
        totals,
        files.iter().filter(|f| f.vendor == "leawo.org").count() as u64
    );

    // CSV: a header and one line per period; human: a bar per row.
    let csv = env.ok(&["trend", "\"credit card\"", "--format", "csv"]);
    assert_eq!(csv.stdout.lines().count(), rows.len() + 1);
    let human = env.ok(&["trend", "\"credit card\""]);
    assert!(human.stdout.contains('█'));
}

#[test]
fn plot_is_an_svg_naming_every_query() {
    let env = corpus_env();
    let queries = ["\"credit card\"", "children", "cookies AND advertising"];
    let mut args = vec!["trend"];
    args.extend(queries);
    args.extend(["--plot", "chart.svg"]);
    env.ok(&args);
    let svg = std::fs::read_to_string(env.path("chart.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    for q in queries {
        assert!(
            texts.iter().any(|t| t.trim() == q),
            "{q} not in legend: {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t.contains("archive year")));
    env.ok(&["trend", "children", "--plot", "chart.png"]);
    let png = std::fs::read(env.path("chart.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // A picture of the chart: the size drawn, mostly white, and the first query's line
    // in its colour (31, 119, 180) over more than a few pixels.
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut pixels = vec![0u8; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1000, 560));
    let rgb: Vec<&[u8]> = pixels[..frame.buffer_size()].chunks(3).collect();
    let white = rgb.iter().filter(|p| **p == [255, 255, 255]).count();
    let line = rgb.iter().filter(|p| **p == [31, 119, 180]).count();
    assert!(white > rgb.len() / 2, "{white} white of {}", rgb.len());
    assert!(line > 200, "{line} pixels of the first line's colour");
    let bad = env.run(&["trend", "children", "--plot", "chart.gif"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("chart.gif"), "{}", bad.stderr);
}

#[test]
fn stats_match_the_files() {
    let env = corpus_env();
    let files = facts(&env.path("corpus"));
    let v = run_json(&env, &["stats", "--format", "json"]);
    assert_eq!(v["policies"].as_u64().unwrap(), files.len() as u64);
    assert_eq!(v["files"].as_u64().unwrap(), files.len() as u64);
    let vendors: BTreeSet<&str> = files.iter().map(|f| f.vendor.as_str()).collect();
    assert_eq!(v["vendors"].as_u64().unwrap(), vendors.len() as u64);
    let all = run_json(&env, &["query", "*", "--count", "--format", "json"]);
    assert_eq!(v["sections"], all["total_hits"]);
    let mut years: BTreeMap<String, u64> = BTreeMap::new();
    for f in &files {
        *years
            .entry(f.year.clone().unwrap_or("unknown".into()))
            .or_insert(0) += 1;
    }
    let got: BTreeMap<String, u64> = v["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (value_text(&y["year"]), y["policies"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, years);
    for (name, pattern) in [("SWREG", r"\bSWREG\b"), ("ClickBank", r"(?i)\bclickbank\b")] {
        let re = Regex::new(pattern).unwrap();
        let n = files.iter().filter(|f| re.is_match(&f.text)).count() as u64;
        let got = v["processors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["processor"] == name)
            .map_or(0, |p| p["policies"].as_u64().unwrap());
        assert_eq!(got, n, "{name}");
    }
    let bytes: u64 = walkdir::WalkDir::new(env.path("index"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert_eq!(v["index_bytes"].as_u64().unwrap(), bytes);
    assert!(v["segments"].as_u64().unwrap() >= 1);
    assert!(
        Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
            .unwrap()
            .is_match(v["built_at"].as_str().unwrap())
    );
    let corpus = std::path::absolute(env.path("corpus")).unwrap();
    assert_eq!(v["roots"][0].as_str().unwrap(), corpus.to_string_lossy());
    let keys: BTreeSet<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = [
        "policies",
        "sections",
        "vendors",
        "files",
        "years",
        "processors",
        "index_bytes",
        "segments",
        "schema_version",
        "built_at",
        "roots",
        "index_complete",
    ]
    .into();
    assert_eq!(keys, expected);
    assert_eq!(v["index_complete"], true);
}

#[test]
fn show_rebuilds_a_policy_from_the_index_alone() {
    let env = corpus_env();
    let hits = run_json(
        &env,
        &[
            "query",
            "\"credit card\"",
            "--vendor",
            "iskysoft.com",
            "--limit",
            "1",
            "--format",
            "json",
        ],
    );
    let hit = &hits["hits"][0];
    let id = hit["id"].as_str().unwrap();
    // The corpus is not needed any more.
    std::fs::remove_dir_all(env.path("corpus")).unwrap();
    let v = run_json(&env, &["show", id, "--format", "json"]);
    assert_eq!(v["kind"], "policy");
    assert_eq!(v["marked"].as_str(), Some(id));
    let sections = v["sections"].as_array().unwrap();
    let ordinals: Vec<u64> = sections
        .iter()
        .map(|s| s["ordinal"].as_u64().unwrap())
        .collect();
    assert_eq!(ordinals, (0..sections.len() as u64).collect::<Vec<_>>());
    let all = run_json(
        &env,
        &[
            "query",
            "*",
            "--vendor",
            "iskysoft.com",
            "--limit",
            "1000",
            "--format",
            "json",
        ],
    );
    let ids: BTreeSet<&str> = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["policy_id"] == hit["policy_id"])
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let shown: BTreeSet<&str> = sections.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, shown);
    let marked = sections.iter().find(|s| s["id"] == id).unwrap();
    let snippet = hit["snippet"]["text"].as_str().unwrap().trim_matches('…');
    assert!(
        marked["body"]
            .as_str()
            .unwrap()
            .replace('\n', " ")
            .contains(snippet)
    );
    let human = env.ok(&["show", id]);
    assert!(human.stdout.contains(&format!(">>> section {id}")));
    let missing = env.run(&["show", "000000000000-1"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no section with id 000000000000-1"),
        "{}",
        missing.stderr
    );
}

#[test]
fn show_vendor_lists_and_picks_snapshots() {
    let env = corpus_env();
    let files: Vec<FileFacts> = facts(&env.path("corpus"))
        .into_iter()
        .filter(|f| f.vendor == "leawo.org")
        .collect();
    let mut dates: Vec<String> = files.iter().filter_map(|f| f.date.clone()).collect();
    dates.sort();
    let v = run_json(&env, &["show", "leawo.org", "--format", "json"]);
    assert_eq!(v["kind"], "snapshots");
    let listed: Vec<&str> = v["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["date"].as_str().unwrap())
        .collect();
    assert_eq!(listed, dates);
    let latest = run_json(&env, &["show", "LEAWO.org", "--latest", "--format", "json"]);
    assert_eq!(latest["date"].as_str(), dates.last().map(String::as_str));
    let one = run_json(
        &env,
        &["show", "leawo.org", "--date", &dates[0], "--format", "json"],
    );
    assert_eq!(one["date"].as_str(), Some(dates[0].as_str()));
    let none = env.run(&["show", "leawo.org", "--date", "2000-01-01"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains(&dates[0]), "{}", none.stderr);
    let single = run_json(&env, &["show", "flvsoft.com", "--format", "json"]);
    assert_eq!(single["kind"], "policy");
}

#[test]
fn vendors_with_dates_and_first_last_match() {
    let env = corpus_env();
    let files = facts(&env.path("corpus"));
    let v = run_json(&env, &["vendors", "--format", "json"]);
    let rows = v.as_array().unwrap();
    let vendors: BTreeSet<&str> = files.iter().map(|f| f.vendor.as_str()).collect();
    assert_eq!(rows.len(), vendors.len());
    let leawo: Vec<&FileFacts> = files.iter().filter(|f| f.vendor == "leawo.org").collect();
    let row = rows.iter().find(|r| r["vendor"] == "leawo.org").unwrap();
    assert_eq!(row["snapshots"].as_u64().unwrap(), leawo.len() as u64);
    let dates: BTreeSet<&str> = leawo.iter().filter_map(|f| f.date.as_deref()).collect();
    assert_eq!(row["first_date"].as_str(), dates.iter().next().copied());
    assert_eq!(row["last_date"].as_str(), dates.iter().next_back().copied());
    assert_eq!(row["processors"], serde_json::json!(["SWREG"]));

    let phrase = Regex::new(r"(?i)\bcredit\s+cards?\b").unwrap();
    let q = run_json(&env, &["vendors", "\"credit card\"", "--format", "json"]);
    let matched: BTreeSet<&str> = q
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["vendor"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = files
        .iter()
        .filter(|f| phrase.is_match(&f.text))
        .map(|f| f.vendor.as_str())
        .collect();
    assert_eq!(matched, expected);
    let row = q
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["vendor"] == "leawo.org")
        .unwrap();
    let hit_dates: BTreeSet<&str> = leawo
        .iter()
        .filter(|f| phrase.is_match(&f.text))
        .filter_map(|f| f.date.as_deref())
        .collect();
    assert_eq!(
        row["first_match"].as_str(),
        hit_dates.iter().next().copied()
    );
    assert_eq!(
        row["last_match"].as_str(),
        hit_dates.iter().next_back().copied()
    );
    assert_ne!(
        row["last_match"], row["last_date"],
        "the latest snapshot dropped the phrase"
    );
    let none = env.run(&["vendors", "zyzzyvaqqq"]);
    assert_eq!(none.code, 1);
}
