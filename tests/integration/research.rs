//! The research measures on a hand-built corpus whose answers are known by construction
//! (written out below, not computed by the tool's rules): periods, units, de-duplication,
//! entities, `--as-of`, histories, clusters, readability, rising words.
//!
//! The corpus (vendor, date, text):
//!   a.com 2018-02-10 T1        a.com 2018-05-20 T1 (an unchanged re-crawl, other markup)
//!   a.com 2018-08-01 T2 (names the GDPR)
//!   b.com 2018-03-15 T1 (the same template as a.com)
//!   c.com 2018-04-30 T1 with one word changed (a near-duplicate)
//!   d.com 2019-01-05 T4 (names the General Data Protection Regulation and DoubleClick)
//!   e.com undated    T5

use crate::common;

use std::collections::BTreeSet;

use common::{TestEnv, policy_header};
use serde_json::Value;

/// A long text of distinct sentences (the template), so that a one-word change moves its
/// simhash by a few bits only.
fn template(changed_word: &str) -> String {
    let mut s = String::from("# Privacy policy\n\n");
    for i in 0..400 {
        s.push_str(&format!(
            "Clause {i} says we keep record {i} of the account for service number {i}. "
        ));
        if i % 20 == 19 {
            s.push_str("\n\n");
        }
    }
    s.push_str(&format!("Finally we {changed_word} nothing else.\n"));
    s
}

fn corpus() -> TestEnv {
    let env = TestEnv::new();
    let t1 = template("store");
    // The same words with other markup and spacing: the same normalised text.
    let t1_recrawl = t1.replace("# Privacy policy", "**Privacy   policy**");
    let t2 = format!("{t1}\n## Your rights under the GDPR\n\nYou may ask us.\n");
    let t4 = "# Notice\n\nUnder the General Data Protection Regulation we use DoubleClick.\n";
    let t5 = "# Undated\n\nWe collect data. We share it with partners.\n";
    for (file, vendor, date, text) in [
        ("a1.md", "a.com", Some("2018-02-10"), t1.clone()),
        ("a2.md", "a.com", Some("2018-05-20"), t1_recrawl),
        ("a3.md", "a.com", Some("2018-08-01"), t2),
        ("b1.md", "b.com", Some("2018-03-15"), t1.clone()),
        ("c1.md", "c.com", Some("2018-04-30"), template("keep")),
        ("d1.md", "d.com", Some("2019-01-05"), t4.to_string()),
        ("e1.md", "e.com", None, t5.to_string()),
    ] {
        let head = match date {
            Some(d) => policy_header(vendor, d),
            None => String::new(),
        };
        env.write(&format!("corpus/{file}"), format!("{head}{text}"));
    }
    env.ok(&["index", "corpus", "-q"]);
    env
}

fn trend(env: &TestEnv, args: &[&str]) -> Value {
    let mut all = vec!["trend", "--format", "json"];
    all.extend_from_slice(args);
    env.json(&all)
}

/// (period, total, matching of the first series) per row.
fn rows(t: &Value) -> Vec<(String, u64, u64)> {
    t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["period"].as_str().unwrap().to_string(),
                r["total"].as_u64().unwrap(),
                r["matches"][0]["matching"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(v: &[(&str, u64, u64)]) -> Vec<(String, u64, u64)> {
    v.iter().map(|(p, t, m)| (p.to_string(), *t, *m)).collect()
}

#[test]
fn periods_units_and_dedup() {
    let env = corpus();
    let gdpr = ["--entity", "law:GDPR"];
    let t = trend(&env, &[&gdpr[..], &["--by", "half"]].concat());
    assert_eq!(t["unit"], "snapshots");
    assert_eq!(t["dedup"], "none");
    assert_eq!(t["undated_policies"], 1);
    assert_eq!(
        rows(&t),
        owned(&[("2018-H1", 4, 0), ("2018-H2", 1, 1), ("2019-H1", 1, 1)])
    );
    let t = trend(&env, &[&gdpr[..], &["--by", "quarter"]].concat());
    assert_eq!(
        rows(&t),
        owned(&[
            ("2018-Q1", 2, 0),
            ("2018-Q2", 2, 0),
            ("2018-Q3", 1, 1),
            ("2018-Q4", 0, 0),
            ("2019-Q1", 1, 1)
        ])
    );
    // Sites: a.com, b.com and c.com in 2018-H1; a.com alone in 2018-H2.
    let t = trend(
        &env,
        &[&gdpr[..], &["--by", "half", "--unit", "sites"]].concat(),
    );
    assert_eq!(t["unit"], "sites");
    assert_eq!(
        rows(&t),
        owned(&[("2018-H1", 3, 0), ("2018-H2", 1, 1), ("2019-H1", 1, 1)])
    );
    // By year, a.com's 2018 snapshots include the GDPR one: a.com matches as a site.
    let t = trend(&env, &[&gdpr[..], &["--unit", "sites"]].concat());
    assert_eq!(rows(&t), owned(&[("2018", 3, 1), ("2019", 1, 1)]));
    // Exact: 2018-H1 holds T1 (a1, a2, b1) and the changed template (c1): 2 texts.
    let t = trend(
        &env,
        &[&gdpr[..], &["--by", "half", "--dedup", "exact"]].concat(),
    );
    assert_eq!(t["rows"][0]["total"], 2);
    assert_eq!(t["rows"][0]["policies_total"], 4);
    // Sites with exact: a.com's latest 2018-H1 text is T1, as b.com's; c.com's differs.
    let t = trend(
        &env,
        &[
            &gdpr[..],
            &["--by", "half", "--unit", "sites", "--dedup", "exact"],
        ]
        .concat(),
    );
    assert_eq!(t["rows"][0]["total"], 2);
    // 2018 as a year: a.com's latest is T2 (GDPR), b.com T1, c.com T1': three texts,
    // one of which matches.
    let t = trend(
        &env,
        &[&gdpr[..], &["--unit", "sites", "--dedup", "exact"]].concat(),
    );
    assert_eq!(rows(&t)[0], ("2018".to_string(), 3, 1));
}

/// The simhashes the index stored, by vendor and date.
fn simhashes(env: &TestEnv) -> Vec<(String, String, u64)> {
    let hits: Vec<Value> = env
        .run(&["query", "*", "--all", "--format", "jsonl"])
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: BTreeSet<String> = hits
        .iter()
        .map(|h| h["policy_id"].as_str().unwrap().to_string())
        .collect();
    ids.iter()
        .map(|id| {
            let p: Value = env.json(&["show", id, "--format", "json"]);
            let hash = p["measures"]["simhash"].as_str().unwrap();
            (
                p["vendor"].as_str().unwrap().to_string(),
                p["date"].as_str().unwrap_or("").to_string(),
                u64::from_str_radix(hash, 16).unwrap(),
            )
        })
        .collect()
}

#[test]
fn near_duplicates_follow_the_stored_simhashes() {
    let env = corpus();
    let hashes = simhashes(&env);
    let of = |vendor: &str, date: &str| {
        hashes
            .iter()
            .find(|(v, d, _)| v == vendor && d == date)
            .unwrap()
            .2
    };
    let (a1, c1, d1) = (
        of("a.com", "2018-02-10"),
        of("c.com", "2018-04-30"),
        of("d.com", "2019-01-05"),
    );
    assert_eq!(a1, of("b.com", "2018-03-15"), "one template, one hash");
    assert_eq!(a1, of("a.com", "2018-05-20"), "markup does not count");
    let near = (a1 ^ c1).count_ones();
    assert!((a1 ^ d1).count_ones() > 3, "unrelated texts are far apart");
    let t = trend(
        &env,
        &["--by", "half", "--dedup", "near", "--entity", "law:GDPR"],
    );
    let expected_h1 = if near <= 3 { 1 } else { 2 };
    assert_eq!(t["rows"][0]["total"], expected_h1, "a1 ^ c1 = {near} bits");
    // The one-word change of a 4,000-word template stays within the threshold.
    assert!(near <= 3, "a one-word change moved the simhash {near} bits");

    let c: Value = env.json(&["clusters", "--format", "json"]);
    assert_eq!(c["total_clusters"], 1);
    assert_eq!(
        c["clusters"][0]["vendors"],
        serde_json::json!(["a.com", "b.com"])
    );
    assert_eq!(c["clusters"][0]["snapshots"], 3);
    assert_eq!(c["clusters"][0]["first_date"], "2018-02-10");
    assert_eq!(c["clusters"][0]["last_date"], "2018-05-20");
    // Near: the component of a1 under "at most 3 bits apart", by brute force over the
    // stored hashes.
    let mut component = vec![a1];
    let mut grew = true;
    while grew {
        grew = false;
        for (_, _, h) in &hashes {
            if !component.contains(h) && component.iter().any(|c| (c ^ h).count_ones() <= 3) {
                component.push(*h);
                grew = true;
            }
        }
    }
    let members: Vec<&(String, String, u64)> = hashes
        .iter()
        .filter(|(_, _, h)| component.contains(h))
        .collect();
    let vendors: BTreeSet<&str> = members.iter().map(|(v, _, _)| v.as_str()).collect();
    let c: Value = env.json(&["clusters", "--near", "--format", "json"]);
    assert_eq!(c["total_clusters"], 1);
    assert_eq!(c["clusters"][0]["vendors"], serde_json::json!(vendors));
    assert_eq!(c["clusters"][0]["snapshots"], members.len());
    assert!(vendors.contains("c.com"));
}

#[test]
fn entities_as_facets_filters_and_aliases() {
    let env = corpus();
    let r: Value = env.json(&[
        "query",
        "*",
        "--facet",
        "law,tracker",
        "--limit",
        "0",
        "--format",
        "json",
    ]);
    let law = &r["facets"]["law"];
    assert_eq!(law[0]["value"], "GDPR");
    assert_eq!(
        law[0]["policies"], 2,
        "a3 by its short name, d1 by its long one"
    );
    assert_eq!(r["facets"]["tracker"][0]["value"], "Google");
    assert_eq!(
        r["facets"]["tracker"][0]["policies"], 1,
        "DoubleClick is Google's"
    );
    let r = env.ok(&[
        "query",
        "*",
        "--entity",
        "law:gdpr",
        "--per-vendor",
        "1",
        "--format",
        "jsonl",
        "--all",
    ]);
    let vendors: BTreeSet<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["vendor"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        vendors,
        BTreeSet::from(["a.com".to_string(), "d.com".to_string()])
    );
    // Each hit carries the policy's entities: both name the GDPR; d.com names
    // DoubleClick, a.com no tracker.
    for l in r.stdout.lines() {
        let h: Value = serde_json::from_str(l).unwrap();
        assert_eq!(h["laws"], serde_json::json!(["GDPR"]), "{h}");
        let trackers = if h["vendor"] == "d.com" {
            serde_json::json!(["Google"])
        } else {
            serde_json::json!([])
        };
        assert_eq!(h["trackers"], trackers, "{h}");
    }
    let csv = env
        .ok(&[
            "query", "*", "--entity", "law:GDPR", "--vendor", "d.com", "--format", "csv",
        ])
        .stdout;
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(",trackers,programs,laws"));
    assert!(lines.next().unwrap().ends_with(",Google,,GDPR"), "{csv}");
    let r = env.run(&["query", "*", "--entity", "statute:GDPR"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--entity") && r.stderr.contains("law"),
        "{}",
        r.stderr
    );
    // Query syntax, with an alias turned into the name.
    let r = env.ok(&["query", "tracker:doubleclick", "--count"]);
    assert!(r.stdout.starts_with('1'), "{}", r.stdout);
}

#[test]
fn as_of_history_and_readability() {
    let env = corpus();
    // On 2018-06-30 the latest snapshots are a2 (2018-05-20), b1 and c1.
    let r = env.ok(&[
        "query",
        "*",
        "--as-of",
        "2018-06-30",
        "--all",
        "--format",
        "jsonl",
    ]);
    let in_force: BTreeSet<(String, String)> = r
        .stdout
        .lines()
        .map(|l| {
            let h: Value = serde_json::from_str(l).unwrap();
            (
                h["vendor"].as_str().unwrap().to_string(),
                h["date"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        in_force,
        BTreeSet::from([
            ("a.com".to_string(), "2018-05-20".to_string()),
            ("b.com".to_string(), "2018-03-15".to_string()),
            ("c.com".to_string(), "2018-04-30".to_string()),
        ])
    );
    let h: Value = env.json(&["history", "a.com", "law:GDPR", "--format", "json"]);
    let snaps = h["snapshots"].as_array().unwrap();
    let states: Vec<(&str, bool, Option<&str>)> = snaps
        .iter()
        .map(|s| {
            (
                s["date"].as_str().unwrap(),
                s["matched"].as_bool().unwrap(),
                s["change"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("2018-02-10", false, None),
            ("2018-05-20", false, None),
            ("2018-08-01", true, Some("appeared"))
        ]
    );
    assert!(
        snaps[2]["url"]
            .as_str()
            .unwrap()
            .contains("web.archive.org")
    );
    assert_eq!(env.run(&["history", "nobody.example", "x"]).code, 2);

    // "We collect data. We share it with partners.": 8 words, 2 sentences, syllables by
    // hand: we 1, collect 2, data 2, we 1, share 1, it 1, with 1, partners 2 = 11.
    let hits = env
        .ok(&["query", "\"share it with partners\"", "--format", "jsonl"])
        .stdout;
    let id = serde_json::from_str::<Value>(hits.lines().next().unwrap()).unwrap()["policy_id"]
        .as_str()
        .unwrap()
        .to_string();
    let p: Value = env.json(&["show", &id, "--format", "json"]);
    let m = &p["measures"];
    assert_eq!(m["words"], 8);
    assert_eq!(m["sentences"], 2);
    let close = |v: &Value, want: f64| (v.as_f64().unwrap() - want).abs() < 1e-6;
    assert!(
        close(&m["fk_grade"], 0.39 * 4.0 + 11.8 * 11.0 / 8.0 - 15.59),
        "{m}"
    );
    assert!(
        close(&m["flesch"], 206.835 - 1.015 * 4.0 - 84.6 * 11.0 / 8.0),
        "{m}"
    );
    // No word of three syllables: SMOG's constant alone.
    assert!(close(&m["smog"], 3.1291), "{m}");
    // Filters on the measures: e1 is the only policy under 9 words (d.com has 9).
    let r = env.ok(&[
        "query",
        "*",
        "--max-words",
        "8",
        "--format",
        "jsonl",
        "--all",
    ]);
    assert!(r.stdout.lines().all(|l| l.contains("\"e1\"")) && !r.stdout.is_empty());
    let r = env.ok(&[
        "query",
        "*",
        "--max-words",
        "9",
        "--format",
        "jsonl",
        "--all",
    ]);
    assert!(r.stdout.contains("\"d.com\""), "the bound is inclusive");
    let r = env.ok(&["query", "words:[0 TO 8]", "--count"]);
    assert!(r.stdout.starts_with('1'), "{}", r.stdout);
}

#[test]
fn metric_quartiles_and_rising_words() {
    let env = corpus();
    // Words per snapshot in 2019: d1 alone, "Under the General Data Protection
    // Regulation we use DoubleClick." = 9 words.
    let t = trend(&env, &["--metric", "words", "--by", "year"]);
    let y2019 = &t["rows"][1];
    assert_eq!(y2019["period"], "2019");
    assert_eq!(y2019["metric"]["median"], 9.0);
    assert_eq!(y2019["metric"]["n"], 1);
    // 2018: a1, a2, b1 have the same words; c1 as many; a3 has 4 more ("You may ask
    // us."; headings are not counted): the median is the template's count.
    let y2018 = &t["rows"][0]["metric"];
    assert_eq!(y2018["n"], 5);
    assert_eq!(
        y2018["max"].as_f64().unwrap() - y2018["min"].as_f64().unwrap(),
        4.0
    );
    assert_eq!(y2018["median"], y2018["min"]);

    let r: Value = env.json(&[
        "rising",
        "--from",
        "2018-H1",
        "--to",
        "2019-H1",
        "--min-policies",
        "1",
        "--limit",
        "5000",
        "--format",
        "json",
    ]);
    let rising: Vec<&str> = r["rising"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    // "doubleclick" is in d1 (the one 2019-H1 policy) and in no 2018-H1 policy.
    assert!(rising.contains(&"doubleclick"), "{rising:?}");
    let term = |list: &str, t: &str| {
        r[list]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["term"] == t)
            .unwrap()
            .clone()
    };
    let dc = term("rising", "doubleclick");
    assert_eq!(
        (dc["from_policies"].as_u64(), dc["to_policies"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        (dc["from_share"].as_f64(), dc["to_share"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    // "we" is in every policy of both periods: no change, in neither list.
    assert!(!rising.contains(&"we"));
    let falling: Vec<&str> = r["falling"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert!(
        falling.contains(&"claus"),
        "the stem of clause: {falling:?}"
    );
    let claus = term("falling", "claus");
    assert_eq!(claus["from_policies"], 4);
    assert_eq!(claus["from_share"], 1.0);
    assert_eq!(r["from_policies"], 4);
    assert_eq!(r["to_policies"], 1);
    let bad = env.run(&["rising", "--from", "2018-H3", "--to", "2019"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("2018-H3"), "{}", bad.stderr);
}

/// A name across the place where a long paragraph is cut into parts is still the
/// policy's: entities are found before the cut.
#[test]
fn a_name_across_a_cut_of_a_long_paragraph_is_found() {
    let env = TestEnv::new();
    // One paragraph without sentence ends, the law's long name starting ~20 bytes
    // before byte 4,000 of the body: every possible cut at white space near the limit
    // falls inside the name.
    let name = "Children\u{2019}s Online Privacy Protection Act";
    let filler = "word ".repeat(796);
    let text = format!("# Policy\n\n{filler}{name} and more words after it\n");
    let at = text.find("Children").unwrap() - "# Policy\n\n".len();
    assert!((3970..4000).contains(&at), "{at}");
    env.write(
        "corpus/long.md",
        format!("{}{text}", policy_header("long.example", "2015-01-01")),
    );
    env.ok(&["index", "corpus", "-q"]);
    let r: Value = env.json(&[
        "query", "*", "--facet", "law", "--limit", "0", "--format", "json",
    ]);
    assert_eq!(r["facets"]["law"][0]["value"], "COPPA", "{r}");
    // The body was indeed cut: more than one part.
    let hits = env.ok(&["query", "*", "--all", "--format", "jsonl"]).stdout;
    assert!(hits.lines().count() >= 2, "{hits}");
}

/// A word held by one section in each of several segments still counts every policy, and
/// overlapping periods are refused.
#[test]
fn rising_counts_across_segments() {
    let env = TestEnv::new();
    let policy = |vendor: &str, date: &str, extra: &str| {
        format!(
            "{}# Policy\n\nWe keep records.{extra}\n",
            policy_header(vendor, date)
        )
    };
    // Three runs, three segments: each holds one policy naming "zebra" once.
    for (i, (vendor, date)) in [
        ("a.com", "2018-02-01"),
        ("b.com", "2018-03-01"),
        ("c.com", "2018-04-01"),
    ]
    .iter()
    .enumerate()
    {
        env.write(&format!("corpus/{i}.md"), policy(vendor, date, " A zebra."));
        env.ok(&["index", "corpus", "-q"]);
    }
    env.write("corpus/later.md", policy("d.com", "2019-05-01", ""));
    env.ok(&["index", "corpus", "-q"]);
    let stats: Value = env.json(&["stats", "--format", "json"]);
    assert!(stats["segments"].as_u64().unwrap() >= 2, "{stats}");
    let r: Value = env.json(&[
        "rising",
        "--from",
        "2018",
        "--to",
        "2019",
        "--min-policies",
        "3",
        "--format",
        "json",
    ]);
    let zebra = r["falling"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["term"] == "zebra")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(zebra["from_policies"], 3);
    let bad = env.run(&["rising", "--from", "2018", "--to", "2018-H2"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("overlap"), "{}", bad.stderr);
}
