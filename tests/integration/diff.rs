//! `policies diff`: sections added, removed and changed between two snapshots, checked
//! against the headings and paragraphs of the two files read with regexes.

use crate::common;

use std::collections::BTreeSet;

use common::TestEnv;
use regex::Regex;
use serde_json::Value;

const HEADER: &str = "> *The following text is extracted and transformed from the acme.com privacy policy that was archived on DATE. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150101000000id_/http%3A//acme.com/privacy) for the most accurate reproduction.*\n\n";

const OLD: &str = "# Acme Privacy\n\n## Data we collect\n\nWe collect your name and email.\n\n## Selling data\n\nWe sell your data to partners.\n\n## Contact\n\nWrite to us.\n";
const MID: &str = "# Acme Privacy\n\n## Data we collect\n\nWe collect your name and email.\n\n## Contact\n\nWrite to us.\n";
const NEW: &str = "# Acme Privacy\n\n## Data we collect\n\nWe collect your name, email and location.\n\n## Contact\n\nWrite to us.\n\n## Your rights under GDPR\n\nYou may ask for your data.\n";

/// `## heading` → its paragraph, read with a regex.
fn sections(text: &str) -> Vec<(String, String)> {
    let re = Regex::new(r"(?m)^## (.+)\n\n(.+)$").unwrap();
    re.captures_iter(text)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

fn env() -> TestEnv {
    let env = TestEnv::new();
    for (name, date, body) in [
        ("a", "2015-01-01", OLD),
        ("b", "2016-01-01", MID),
        ("c", "2018-06-01", NEW),
    ] {
        env.write(
            &format!("corpus/{name}.md"),
            HEADER.replace("DATE", date) + body,
        );
    }
    env.ok(&["index", "--quiet"]);
    env
}

#[test]
fn sections_added_removed_and_changed_match_the_files() {
    let env = env();
    let v: Value = env.json(&[
        "diff",
        "acme.com",
        "--from",
        "2015-01-01",
        "--to",
        "2018-06-01",
        "--format",
        "json",
    ]);
    let (old, new) = (sections(OLD), sections(NEW));
    let old_heads: BTreeSet<&str> = old.iter().map(|(h, _)| h.as_str()).collect();
    let new_heads: BTreeSet<&str> = new.iter().map(|(h, _)| h.as_str()).collect();
    let changed: BTreeSet<&str> = old
        .iter()
        .filter(|(h, b)| new.iter().any(|(h2, b2)| h2 == h && b2 != b))
        .map(|(h, _)| h.as_str())
        .collect();
    let of = |kind: &str| -> BTreeSet<String> {
        v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["change"] == kind)
            .map(|s| {
                s["heading_path"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let strings = |s: BTreeSet<&str>| s.into_iter().map(str::to_string).collect::<BTreeSet<_>>();
    assert_eq!(
        of("added"),
        strings(new_heads.difference(&old_heads).copied().collect())
    );
    assert_eq!(
        of("removed"),
        strings(old_heads.difference(&new_heads).copied().collect())
    );
    assert_eq!(of("changed"), strings(changed));
    assert_eq!(v["added"], 1);
    assert_eq!(v["removed"], 1);
    // The changed section's words: what was inserted is in the new text only.
    let runs = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["change"] == "changed")
        .unwrap()["words"]
        .clone();
    let inserted: String = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["op"] == "insert")
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert!(inserted.contains("location"), "{runs}");
    // Defaults: the latest snapshot and the one before it.
    let v: Value = env.json(&["diff", "acme.com", "--format", "json"]);
    assert_eq!(v["from"]["date"], "2016-01-01");
    assert_eq!(v["to"]["date"], "2018-06-01");
    assert_eq!(v["removed"], 0);
    // Human output and errors.
    let r = env.ok(&["diff", "acme.com", "--from", "2015-01-01"]);
    assert!(
        r.stdout.contains("- Acme Privacy › Selling data"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("{+"), "{}", r.stdout);
    let r = env.run(&["diff", "acme.com", "--from", "2014-01-01"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("2015-01-01, 2016-01-01, 2018-06-01"),
        "{}",
        r.stderr
    );
    let r = env.run(&["diff", "nobody.com"]);
    assert_eq!(r.code, 2);
}
