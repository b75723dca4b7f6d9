//! Counts a researcher can cite: each test builds a small corpus that carries one
//! failure mode, runs the real binary, and compares what it prints with an expectation
//! computed in the test another way (regexes over the raw files, a hand-read fixture).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;

use common::TestEnv;
use regex::Regex;
use serde_json::Value;

const HEADER: &str = "> *The following text is extracted and transformed from the DOMAIN privacy policy that was archived on DATE. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150101000000id_/http%3A//DOMAIN/privacy) for the most accurate reproduction.*\n\n";

fn header(domain: &str, date: &str) -> String {
    HEADER.replace("DOMAIN", domain).replace("DATE", date)
}

/// Every hit of a query, from `--all --format jsonl`.
fn all_hits(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["query", "--all", "--format", "jsonl"];
    all.extend_from_slice(args);
    let r = env.run(&all);
    assert!(r.code == 0 || r.code == 1, "{all:?}: {}", r.stderr);
    r.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn vendors_of(hits: &[Value]) -> BTreeSet<String> {
    hits.iter()
        .map(|h| h["vendor"].as_str().unwrap().to_string())
        .collect()
}

/// The text of a policy file below its header line.
fn body_of(text: &str) -> &str {
    text.split_once('\n').map_or(text, |(first, rest)| {
        if first.contains("privacy policy that was archived on") {
            rest
        } else {
            text
        }
    })
}

/// Whole-word, case-insensitive occurrence with Unicode boundaries: not preceded or
/// followed by a letter or digit of any script (written with character classes, not the
/// library's boundary test).
fn names(text: &str, name: &str) -> bool {
    let re = Regex::new(&format!(
        r"(?i)(?:^|[^\p{{L}}\p{{N}}]){}(?:$|[^\p{{L}}\p{{N}}])",
        regex::escape(name)
    ))
    .unwrap();
    re.is_match(text)
}

#[test]
fn processors_next_to_non_ascii_punctuation_are_found() {
    let env = TestEnv::new();
    let cases: &[(&str, &str)] = &[
        (
            "apostrophe.com",
            "Payments go through PayPal\u{2019}s checkout.",
        ),
        ("quotes.com", "We use \u{201c}Stripe\u{201d} for cards."),
        ("registered.com", "PayPal\u{ae} handles refunds."),
        ("nbsp.com", "Processor (PayPal)\u{a0}is used."),
        (
            "guillemets.com",
            "Paiement par \u{ab}PayPal\u{bb} accept\u{e9}.",
        ),
        (
            "dash.com",
            "Checkout\u{2014}FastSpring\u{2014}is our reseller.",
        ),
        (
            "joined.com",
            "PayPal\u{e9}e is not a processor, nor is xStripe.",
        ),
        (
            "cjk.com",
            "PayPal\u{4e2d}\u{6587} is a word of its own here.",
        ),
    ];
    for (domain, text) in cases {
        env.write(
            &format!("corpus/{domain}.md"),
            header(domain, "2016-05-01") + "# Policy\n\n" + text + "\n",
        );
    }
    // A name standing in a heading with no text of its own, at the end of the file.
    env.write(
        "corpus/heading.com.md",
        header("heading.com", "2016-05-01")
            + "# Policy\n\nWe sell software.\n\n## Payments by 2Checkout\n",
    );
    env.ok(&["index", "--quiet"]);
    let mut paypal = 0;
    for processor in ["PayPal", "Stripe", "FastSpring", "2Checkout"] {
        let mut expected = BTreeSet::new();
        for entry in std::fs::read_dir(env.path("corpus")).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if names(body_of(&text), processor) {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                expected.insert(name.trim_end_matches(".md").to_string());
            }
        }
        assert!(!expected.is_empty(), "{processor}");
        if processor == "PayPal" {
            paypal = expected.len();
        }
        let got = vendors_of(&all_hits(&env, &["*", "--processor", processor]));
        assert_eq!(got, expected, "{processor}");
    }
    // And the facet counts each policy once.
    let v: Value = env.json(&[
        "query",
        "*",
        "--facet",
        "processor",
        "--count",
        "--format",
        "json",
    ]);
    let counted = v["facets"]["processor"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"] == "PayPal")
        .unwrap()
        .clone();
    assert_eq!(counted["policies"], paypal);
}

/// Heading lines of a Markdown file (ATX only), read with a regex.
fn atx_headings(text: &str) -> Vec<String> {
    let re = Regex::new(r"(?m)^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$").unwrap();
    re.captures_iter(body_of(text))
        .map(|c| c[1].to_string())
        .collect()
}

#[test]
fn words_standing_only_in_headings_are_found_and_shown() {
    let env = TestEnv::new();
    let files = [
        (
            "nested.com",
            "# Privacy Policy\n\n## Sharing with Third Parties\n\n### Partners\n\nWe work with partners.\n\n### Advertisers\n\nAds are shown.\n",
        ),
        (
            "tail.com",
            "# Privacy Policy\n\nWe collect little.\n\n## Cookies\n\nWe use cookies.\n\n## Disclosure to third parties\n",
        ),
        (
            "body.com",
            "# Privacy Policy\n\nWe never give data to third parties.\n\n## Contact\n\nWrite to us.\n",
        ),
        (
            "none.com",
            "# Privacy Policy\n\n## Other sites\n\n## Cookies\n\nWe use cookies.\n",
        ),
    ];
    for (domain, text) in files {
        env.write(
            &format!("corpus/{domain}.md"),
            header(domain, "2017-01-01") + text,
        );
    }
    env.ok(&["index", "--quiet"]);
    let phrase = Regex::new(r"(?i)\bthird[\s-]+parties\b").unwrap();
    let expected: BTreeSet<String> = files
        .iter()
        .filter(|(_, text)| phrase.is_match(text))
        .map(|(d, _)| d.to_string())
        .collect();
    assert_eq!(expected.len(), 3);
    let hits = all_hits(&env, &["\"third parties\""]);
    assert_eq!(vendors_of(&hits), expected);
    // Facets count each policy once, however many of its records match.
    let v: Value = env.json(&[
        "query",
        "\"third parties\" OR partners",
        "--facet",
        "vendor",
        "--count",
        "--format",
        "json",
    ]);
    for c in v["facets"]["vendor"].as_array().unwrap() {
        assert_eq!(c["policies"], 1, "{c}");
    }
    // `show` lists every heading of the file, in order.
    for (domain, text) in files {
        let v: Value = env.json(&["show", domain, "--latest", "--format", "json"]);
        let mut shown: Vec<String> = Vec::new();
        for s in v["sections"].as_array().unwrap_or_else(|| panic!("{v}")) {
            for lead in s["lead_headings"].as_array().unwrap() {
                shown.push(lead.as_str().unwrap().to_string());
            }
            shown.push(s["heading"].as_str().unwrap().to_string());
        }
        assert_eq!(shown, atx_headings(text), "{domain}");
    }
}

#[test]
fn every_hit_can_be_exported_and_pages_neither_repeat_nor_skip() {
    let env = TestEnv::new();
    // 11,000 sections holding "information" (more than the old 10,000 cap), all with
    // the same text, so that their scores tie.
    let section = "## Part\n\nWe keep information safe.\n\n";
    for i in 0..220 {
        env.write(
            &format!("corpus/s{i:03}.md"),
            header(&format!("site{i}.com"), "2015-01-01") + &section.repeat(50),
        );
    }
    env.write(
        "corpus/other.md",
        header("other.com", "2015-01-01") + "# Other\n\nNothing here.\n",
    );
    env.ok(&["index", "--quiet"]);
    let expected: usize = std::fs::read_dir(env.path("corpus"))
        .unwrap()
        .map(|e| {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            text.matches("We keep information safe.").count()
        })
        .sum();
    assert_eq!(expected, 11_000);

    let r = env.ok(&[
        "query",
        "information",
        "--limit",
        "100000",
        "--format",
        "jsonl",
    ]);
    assert_eq!(r.stdout.lines().count(), expected);
    let all = all_hits(&env, &["information"]);
    let ids: Vec<String> = all
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), expected);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), expected);
    let ranks: Vec<u64> = all.iter().map(|h| h["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=expected as u64).collect::<Vec<_>>());
    let r = env.ok(&["query", "information", "--all", "--format", "csv"]);
    assert_eq!(r.stdout.lines().count(), expected + 1);

    // Pages of 700 (some under the top-k size, some over) concatenate to the whole list.
    let mut paged = Vec::new();
    let mut offset = 0;
    while offset < expected {
        let off = offset.to_string();
        let r = env.run(&[
            "query",
            "information",
            "--limit",
            "700",
            "--offset",
            &off,
            "--format",
            "jsonl",
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        paged.extend(r.stdout.lines().map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        }));
        offset += 700;
    }
    assert_eq!(paged, ids);
    // A page deep in the ranking with a larger page size agrees too.
    let r = env.ok(&[
        "query",
        "information",
        "--limit",
        "20000",
        "--offset",
        "10990",
        "--format",
        "jsonl",
    ]);
    let tail: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(tail, ids[10990..]);
}

fn dated_corpus() -> (TestEnv, Vec<String>) {
    let env = TestEnv::new();
    let dates = [
        "2014-12-31",
        "2015-01-01",
        "2015-06-15",
        "2016-02-29",
        "2016-12-31",
        "2017-01-01",
    ];
    for (i, date) in dates.iter().enumerate() {
        env.write(
            &format!("corpus/d{i}.md"),
            header(&format!("d{i}.com"), date) + "# Policy\n\nWe use cookies.\n",
        );
    }
    env.ok(&["index", "--quiet"]);
    (env, dates.iter().map(|d| d.to_string()).collect())
}

/// Vendors whose header date satisfies `keep`, from the dates the test wrote.
fn dated_vendors(dates: &[String], keep: impl Fn(&str) -> bool) -> BTreeSet<String> {
    dates
        .iter()
        .enumerate()
        .filter(|(_, d)| keep(d))
        .map(|(i, _)| format!("d{i}.com"))
        .collect()
}

/// Which archive dates (`YYYY-MM-DD`) a query should keep, as the test reads its forms.
type DateTest = Box<dyn Fn(&str) -> bool>;

#[test]
fn date_field_takes_the_forms_of_since_and_until() {
    let (env, dates) = dated_corpus();
    let cases: Vec<(&str, DateTest)> = vec![
        ("date:2015", Box::new(|d: &str| d.starts_with("2015"))),
        ("date:2016-02", Box::new(|d: &str| d.starts_with("2016-02"))),
        ("date:2016-02-29", Box::new(|d: &str| d == "2016-02-29")),
        (
            "date:[2015 TO 2016]",
            Box::new(|d: &str| ("2015".."2017").contains(&d)),
        ),
        (
            "date:{2014 TO 2017}",
            Box::new(|d: &str| ("2015".."2017").contains(&d)),
        ),
        (
            "date:[2015-06 TO 2016-02}",
            Box::new(|d: &str| ("2015-06".."2016-02").contains(&d)),
        ),
        (
            "date:[* TO 2015-01-01]",
            Box::new(|d: &str| d <= "2015-01-01"),
        ),
        ("date:>=2016", Box::new(|d: &str| d >= "2016")),
        ("date:>2016", Box::new(|d: &str| d >= "2017")),
        ("date:<2015-06", Box::new(|d: &str| d < "2015-06")),
    ];
    for (query, keep) in cases {
        let q = format!("cookies AND {query}");
        let got = vendors_of(&all_hits(&env, &[&q]));
        assert_eq!(got, dated_vendors(&dates, keep), "{query}");
    }
    // The same as the options.
    let by_query = vendors_of(&all_hits(&env, &["cookies AND date:[2015 TO 2016]"]));
    let by_flags = vendors_of(&all_hits(
        &env,
        &["cookies", "--since", "2015", "--until", "2016"],
    ));
    assert_eq!(by_query, by_flags);
    for bad in [
        "date:2015-13",
        "date:yesterday",
        "date:[2015 TO soon]",
        "date:15",
    ] {
        let r = env.run(&["query", &format!("cookies AND {bad}")]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stdout);
        assert!(r.stderr.contains("YYYY-MM-DD"), "{bad}: {}", r.stderr);
    }
    let r = env.run(&["query", "year:abc"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("year:abc is not a year"), "{}", r.stderr);
    assert!(!r.stderr.contains("ParseIntError"), "{}", r.stderr);
}

/// Spawns a command, closes the reading end of its stdout at once, and returns its exit
/// code and stderr.
fn closed_pipe(env: &TestEnv, args: &[&str]) -> (i32, String) {
    let mut child = env
        .command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_format_quietly() {
    let env = TestEnv::with_seeds();
    env.ok(&["index", "--quiet"]);
    let commands: &[&[&str]] = &[
        &["query", "the", "--all", "--format", "jsonl"],
        &["query", "the", "--all", "--format", "json"],
        &["query", "the", "--all", "--format", "csv"],
        &["query", "the", "--all"],
        &["query", "the", "--count", "--format", "jsonl"],
        &["vendors", "--format", "json"],
        &["vendors", "--format", "jsonl"],
        &["vendors", "--format", "csv"],
        &["trend", "cookies", "--format", "json"],
        &["trend", "cookies", "--format", "csv"],
        &["trend", "cookies", "--format", "jsonl"],
        &["stats", "--format", "json"],
        &["show", "softperfect.com", "--latest", "--format", "json"],
        &["completions", "bash"],
        &["man"],
    ];
    for args in commands {
        let (code, stderr) = closed_pipe(&env, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

#[test]
fn readers_say_loudly_when_the_index_is_incomplete() {
    let env = TestEnv::new();
    common::make_corpus(&env, 600);
    let build = [
        "index",
        "--checkpoint-mb",
        "1",
        "--threads",
        "1",
        "--memory-mb",
        "64",
    ];
    let stopped = common::stop_after_a_checkpoint(&env, &build, "index", libc::SIGKILL);
    assert_eq!(stopped.code, None, "{}", stopped.stderr);
    let r = env.run(&["query", "cookies", "--format", "json"]);
    assert!(r.stderr.contains("INCOMPLETE"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["index_complete"], false);
    for args in [&["trend", "cookies"][..], &["stats"][..], &["vendors"][..]] {
        let r = env.run(args);
        assert!(r.stderr.contains("INCOMPLETE"), "{args:?}: {}", r.stderr);
    }
    let trend: Value = env.json(&["trend", "cookies", "--format", "json"]);
    assert_eq!(trend["index_complete"], false);
    let stats: Value = env.json(&["stats", "--format", "json"]);
    assert_eq!(stats["index_complete"], false);
    let done = stats["incomplete"]["items_done"].as_u64().unwrap();
    assert!(done > 0 && done < 600, "{stats}");
    assert_eq!(stats["incomplete"]["items_total"], 600);
    // Finishing the build clears it.
    env.ok(&["index", "--quiet"]);
    let r = env.run(&["query", "cookies", "--format", "json"]);
    assert!(!r.stderr.contains("INCOMPLETE"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["index_complete"], true);
    // A rebuild stopped half-way is incomplete again.
    let stopped = common::stop_after_a_checkpoint(
        &env,
        &[&build[..], &["--rebuild"]].concat(),
        "index",
        libc::SIGKILL,
    );
    assert_eq!(stopped.code, None, "{}", stopped.stderr);
    let r = env.run(&["query", "cookies", "--count"]);
    assert!(r.stderr.contains("INCOMPLETE"), "{}", r.stderr);
}

#[test]
fn a_rerun_with_a_lower_size_limit_keeps_what_was_indexed() {
    let env = TestEnv::with_seeds();
    let big = header("big.com", "2015-01-01") + &"bulky words here ".repeat(130_000);
    assert!(big.len() > 2 * 1024 * 1024);
    env.write("corpus/big.md", &big);
    env.ok(&["index", "--max-file-mb", "3", "--quiet"]);
    let before = all_hits(&env, &["bulky"]).len();
    assert!(before > 0);
    let r = env.ok(&["index", "--max-file-mb", "1"]);
    assert!(r.stderr.contains("big.md: too large"), "{}", r.stderr);
    assert!(r.stderr.contains("kept the records"), "{}", r.stderr);
    assert_eq!(all_hits(&env, &["bulky"]).len(), before);
    // Out-of-range values are refused before anything is touched.
    for (flag, value) in [
        ("--max-file-mb", "0"),
        ("--checkpoint-mb", "0"),
        ("--threads", "0"),
        ("--memory-mb", "0"),
    ] {
        let r = env.run(&["index", flag, value]);
        assert_eq!(r.code, 2, "{flag} {value}");
        assert!(r.stderr.contains(flag), "{}", r.stderr);
    }
    assert_eq!(all_hits(&env, &["bulky"]).len(), before);
    // --rebuild with the lower limit drops them, as asked.
    env.ok(&["index", "--max-file-mb", "1", "--rebuild", "--quiet"]);
    assert!(all_hits(&env, &["bulky"]).is_empty());
}

#[cfg(unix)]
fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

#[cfg(unix)]
#[test]
fn index_files_follow_the_umask_and_permission_errors_say_so() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::with_seeds();
    let bin = env!("CARGO_BIN_EXE_policies");
    let r = common::run_command(
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("umask 022 && exec '{bin}' index --quiet"))
            .current_dir(env.dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for name in ["meta.json", ".managed.json"] {
        let mode = std::fs::metadata(env.path("index").join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644, "{name}");
    }
    // Another user who may not read the index is told so, and not told to rebuild it.
    if !is_root() {
        eprintln!("permission part needs root (to switch to another user): not run");
        return;
    }
    std::fs::set_permissions(env.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        env.path("index/meta.json"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let r = common::run_command(
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(["query", "cookies", "--index"])
            .arg(env.path("index")),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("permission denied"), "{}", r.stderr);
    assert!(!r.stderr.contains("rebuild"), "{}", r.stderr);
    assert!(!r.stderr.contains("damaged"), "{}", r.stderr);
}

#[test]
fn windows_1252_is_read_as_browsers_read_it() {
    let env = TestEnv::new();
    let mut bytes = header("latin.com", "2010-03-01").into_bytes();
    bytes.extend_from_slice(
        b"# Caf\xe9 Privacy\n\nWe don\x92t sell your data. Our caf\xe9 uses \x93cookies\x94 \x96 a little.\n",
    );
    env.write("corpus/latin.md", &bytes);
    env.write(
        "corpus/utf8.md",
        header("utf8.com", "2010-03-01") + "# Policy\n\nThe caf\u{e9} keeps cookies.\n",
    );
    let r = env.ok(&["index"]);
    assert!(
        r.stderr.contains("1 file decoded as Windows-1252"),
        "{}",
        r.stderr
    );
    let cafe = all_hits(&env, &["caf\u{e9}"]);
    assert_eq!(
        vendors_of(&cafe),
        BTreeSet::from(["latin.com".to_string(), "utf8.com".to_string()])
    );
    let hit = all_hits(&env, &["\"don't sell\""]);
    assert_eq!(vendors_of(&hit), BTreeSet::from(["latin.com".to_string()]));
    let text = hit[0]["snippet"]["text"].as_str().unwrap();
    assert!(text.contains("don\u{2019}t sell"), "{text}");
    assert!(text.contains("\u{201c}cookies\u{201d} \u{2013}"), "{text}");
    assert!(!text.contains('\u{fffd}'), "{text}");
}

#[test]
fn exact_wording_does_not_stem() {
    let env = TestEnv::new();
    let texts = [
        ("singular.com", "We may share data with a third party."),
        ("plural.com", "We may share data with third parties."),
        ("both.com", "A third party, or several third parties."),
    ];
    for (domain, text) in texts {
        env.write(
            &format!("corpus/{domain}.md"),
            header(domain, "2018-01-01") + "# Policy\n\n" + text + "\n",
        );
    }
    env.ok(&["index", "--quiet"]);
    let exact = Regex::new(r"(?i)\bthird party\b").unwrap();
    let expected: BTreeSet<String> = texts
        .iter()
        .filter(|(_, t)| exact.is_match(t))
        .map(|(d, _)| d.to_string())
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(
        vendors_of(&all_hits(&env, &["exact:\"third party\""])),
        expected
    );
    assert_eq!(
        vendors_of(&all_hits(&env, &["\"third party\"", "--exact"])),
        expected
    );
    // Stemmed, the singular finds the plural too.
    assert_eq!(vendors_of(&all_hits(&env, &["\"third party\""])).len(), 3);
    // The snippet marks the exact words only.
    let hits = all_hits(&env, &["exact:\"third party\"", "--vendor", "both.com"]);
    let s = &hits[0]["snippet"];
    let chars: Vec<char> = s["text"].as_str().unwrap().chars().collect();
    let marked: Vec<String> = s["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let (a, b) = (
                h[0].as_u64().unwrap() as usize,
                h[1].as_u64().unwrap() as usize,
            );
            chars[a..b].iter().collect()
        })
        .collect();
    assert_eq!(marked, ["third party"]);
}

#[test]
fn small_contract_points() {
    let env = TestEnv::with_seeds();
    env.ok(&["index", "--quiet"]);
    // An empty query is an error, not every section.
    for q in ["", "   "] {
        let r = env.run(&["query", q]);
        assert_eq!(r.code, 2, "{q:?}");
        assert!(r.stderr.contains("empty"), "{}", r.stderr);
    }
    // A vendor that is not in the index: the look-alikes are named.
    let r = env.run(&["query", "cookies", "--vendor", "www.softperfect.com"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("softperfect.com"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean"), "{}", r.stderr);
    let r = env.run(&["query", "cookies", "--processor", "Avangat"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Avangate"), "{}", r.stderr);
    // --count honours --per-vendor: the sum over vendors of min(k, their hits), from the
    // full list of hits.
    let hits = all_hits(&env, &["information"]);
    let mut per: BTreeMap<String, u64> = BTreeMap::new();
    for h in &hits {
        *per.entry(h["vendor"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(per.values().any(|&n| n > 2));
    let expected: u64 = per.values().map(|&n| n.min(2)).sum();
    let r = env.ok(&["query", "information", "--per-vendor", "2", "--count"]);
    assert_eq!(r.stdout.trim(), expected.to_string());
    let r = env.ok(&[
        "query",
        "information",
        "--per-vendor",
        "2",
        "--all",
        "--format",
        "jsonl",
    ]);
    assert_eq!(r.stdout.lines().count() as u64, expected);
    // --limit 0 says how many match.
    let r = env.ok(&["query", "information", "--limit", "0"]);
    assert!(
        r.stdout
            .trim()
            .ends_with(&format!("{} matching sections", hits.len()))
            || r.stdout
                .contains(&format!("{} matching sections (", hits.len())),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("no hits"), "{}", r.stdout);
    // Formats a command does not print are refused.
    for args in [
        &["stats", "--format", "csv"][..],
        &["stats", "--format", "jsonl"][..],
        &["show", "softperfect.com", "--format", "csv"][..],
    ] {
        let r = env.run(args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    // An index path that is a file, a corpus that does not exist: said once, plainly.
    env.write("afile", "x");
    let r = env.run(&["query", "cookies", "--index", "afile"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("afile is a file"), "{}", r.stderr);
    assert!(!r.stderr.contains("rebuild"), "{}", r.stderr);
    let r = env.run(&["index", "nowhere", "--index", "other"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.matches("No such file or directory").count(),
        1,
        "{}",
        r.stderr
    );
    // Years are numbers in JSON.
    let v: Value = env.json(&["query", "cookies", "--facet", "year", "--format", "json"]);
    for c in v["facets"]["year"].as_array().unwrap() {
        assert!(c["value"].is_u64(), "{c}");
    }
    let v: Value = env.json(&["stats", "--format", "json"]);
    for y in v["years"].as_array().unwrap() {
        assert!(y["year"].is_u64(), "{y}");
    }
    // Singular and plural agree: a phrase the seeds hold once (counted by regex).
    let once = Regex::new(r"(?i)softperfect\s+product").unwrap();
    let n: usize = std::fs::read_dir(env.path("corpus"))
        .unwrap()
        .map(|e| {
            once.find_iter(&std::fs::read_to_string(e.unwrap().path()).unwrap())
                .count()
        })
        .sum();
    assert_eq!(n, 1);
    let r = env.ok(&["query", "\"softperfect product\"", "--limit", "0"]);
    assert!(r.stdout.starts_with("1 matching section ("), "{}", r.stdout);
    let r = env.ok(&["vendors", "--format", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
}

/// A facet's policy counts, over several segments and policies matching in several
/// sections, against the files themselves: per archive year, the files whose text (after
/// the header line) holds "cookie" or "cookies" as a word (regex over the raw text).
#[test]
fn facet_policy_counts_match_the_files_across_segments() {
    let env = TestEnv::new();
    // Two runs: the second adds its policies in segments of their own.
    common::make_corpus(&env, 150);
    env.ok(&["index", "--quiet", "--threads", "2"]);
    common::make_corpus(&env, 300);
    env.ok(&["index", "--quiet", "--threads", "2"]);
    let segments = std::fs::read_dir(env.path("index"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "store")
        })
        .count();
    assert!(segments >= 2, "{segments} segments");

    let word = Regex::new(r"(?i)(^|[^\p{L}\p{N}])cookies?([^\p{L}\p{N}]|$)").unwrap();
    let mut expected: BTreeMap<u64, u64> = BTreeMap::new();
    let mut multi = 0;
    for (path, _, date) in common::headers(&env.path("corpus")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let body = text.split_once('\n').unwrap().1;
        if word.is_match(body) {
            *expected.entry(date[..4].parse().unwrap()).or_default() += 1;
            if word.find_iter(body).count() > 3 {
                multi += 1;
            }
        }
    }
    assert!(expected.values().sum::<u64>() > 100, "{expected:?}");
    assert!(multi > 50, "few policies name cookies often: {multi}");
    let v: Value = env.json(&[
        "query", "cookies", "--facet", "year", "--limit", "0", "--format", "json",
    ]);
    let got: BTreeMap<u64, u64> = v["facets"]["year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["value"].as_u64().unwrap(),
                c["policies"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, expected);
}
