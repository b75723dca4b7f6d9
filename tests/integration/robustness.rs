//! Bad input, interrupted and concurrent runs, damaged indexes: every case ends in a clear
//! message and a usable index, never a panic.

use crate::common;

use std::collections::BTreeSet;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{
    ChildGuard, Run, TestEnv, make_corpus, run_command, stop_after_a_checkpoint,
    wait_for_a_checkpoint,
};
use serde_json::Value;

const HEADER: &str = "> *The following text is extracted and transformed from the DOMAIN privacy policy that was archived on DATE. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150101000000id_/http%3A//DOMAIN/privacy) for the most accurate reproduction.*\n\n";

fn header(domain: &str, date: &str) -> String {
    HEADER.replace("DOMAIN", domain).replace("DATE", date)
}

fn no_panic(r: &Run) {
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert!(!r.stderr.contains("internal error"), "{}", r.stderr);
}

fn hits(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["query", "--format", "json", "--limit", "10000"];
    all.extend_from_slice(args);
    let v: Value = env.json(&all);
    v["hits"].as_array().unwrap().clone()
}

#[test]
fn broken_headers_are_indexed_without_a_date() {
    let env = TestEnv::new();
    let full = header("impossible.com", "2015-13-45") + "# Policy\n\nWe keep cookies.\n";
    env.write("corpus/impossible.md", full);
    env.write(
        "corpus/truncated.md",
        "> *The following text is extracted and transformed from the trunc\n\n# T\n\nWe keep cookies too.\n",
    );
    env.write(
        "corpus/headeronly.md",
        header("headeronly.com", "2016-02-03"),
    );
    let r = env.ok(&["index"]);
    no_panic(&r);
    assert!(
        r.stderr
            .contains("impossible.md: header: impossible archive date \"2015-13-45\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("truncated.md: header:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("index now holds 3 policies"),
        "{}",
        r.stderr
    );
    let impossible = hits(&env, &["*", "--vendor", "impossible.com"]);
    assert_eq!(impossible.len(), 1);
    assert!(impossible[0]["date"].is_null());
    let truncated = hits(&env, &["*", "--vendor", "truncated"]);
    assert!(truncated[0]["date"].is_null());
    // A header alone still gives a findable (empty) record, dated.
    let only = hits(&env, &["*", "--vendor", "headeronly.com"]);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["date"], "2016-02-03");
    // --strict fails after the whole report.
    let strict = env.run(&["index", "--strict", "--rebuild"]);
    assert_eq!(strict.code, 2);
    assert!(
        strict.stderr.contains("index now holds 3 policies"),
        "{}",
        strict.stderr
    );
    assert!(strict.stderr.contains("--strict"), "{}", strict.stderr);
}

#[test]
fn huge_and_deep_files_index_in_bounded_memory() {
    let env = TestEnv::new();
    // More sections in one policy than a u16 numbers.
    let mut many = header("many.com", "2015-01-01");
    for i in 0..70_000 {
        many.push_str(&format!("## Heading {i}\n\nword{i}\n\n"));
    }
    env.write("corpus/many.md", many);
    let line = (0..150_000)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(line.len() > 1_000_000);
    env.write(
        "corpus/oneline.md",
        header("oneline.com", "2015-01-01") + &line + "\n",
    );
    let deep_list = "- ".repeat(10_000) + "deepword\n";
    let deep_quote = ">".repeat(10_000) + " quoteword\n";
    env.write(
        "corpus/deep.md",
        header("deep.com", "2015-01-01") + &deep_list + "\n" + &deep_quote,
    );
    let time = std::path::Path::new("/usr/bin/time");
    let r = if time.exists() {
        run_command(
            std::process::Command::new(time)
                .args([
                    "-f",
                    "maxrss_kb=%M",
                    env!("CARGO_BIN_EXE_policies"),
                    "index",
                ])
                .current_dir(env.dir.path()),
        )
    } else {
        env.run(&["index"])
    };
    assert_eq!(r.code, 0, "{}", r.stderr);
    no_panic(&r);
    if let Some(kb) = r.stderr.split("maxrss_kb=").nth(1) {
        let kb: u64 = kb.trim().parse().unwrap();
        // The writer's budget is 1 GB; parsing adds little on top.
        assert!(kb < 1_500_000, "peak RSS {kb} kB");
    }
    let count = |q: &str| -> u64 {
        let v: Value = env.json(&["query", q, "--count", "--format", "json"]);
        v["total_hits"].as_u64().unwrap()
    };
    assert_eq!(count("vendor:many.com"), 70_000);
    assert_eq!(count("word69999"), 1);
    assert_eq!(count("w149999"), 1);
    assert_eq!(count("w0"), 1);
    assert!(
        count("vendor:oneline.com") >= 2,
        "a 1 MB line is split into parts"
    );
    assert_eq!(count("deepword"), 1);
    assert_eq!(count("quoteword"), 1);
}

#[test]
fn links_duplicates_and_vanishing_files() {
    let env = TestEnv::with_seeds();
    let seed = std::fs::read_dir(env.path("corpus"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::create_dir_all(env.path("corpus/copy")).unwrap();
    std::fs::copy(&seed, env.path("corpus/copy/same.txt")).unwrap();
    std::fs::create_dir_all(env.path("outside")).unwrap();
    env.write(
        "outside/secret.md",
        header("secret.com", "2015-01-01") + "hidden text\n",
    );
    std::os::unix::fs::symlink(env.path("outside/secret.md"), env.path("corpus/link.md")).unwrap();
    std::os::unix::fs::symlink(env.path("corpus"), env.path("corpus/loop")).unwrap();
    let r = env.ok(&["index"]);
    no_panic(&r);
    assert!(
        r.stderr.contains("link.md: symbolic link, not followed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("loop: symbolic link, not followed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("index now holds 6 policies"),
        "{}",
        r.stderr
    );
    assert!(hits(&env, &["hidden"]).is_empty());
    // The same text at two paths: two policies with distinct ids.
    let vendor = common::headers(&env.path("corpus"))
        .into_iter()
        .find(|(p, _, _)| p == &seed)
        .unwrap()
        .1;
    let h = hits(&env, &["*", "--vendor", &vendor]);
    let policies: BTreeSet<&str> = h.iter().map(|x| x["policy_id"].as_str().unwrap()).collect();
    let ids: BTreeSet<&str> = h.iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(policies.len(), 2);
    assert_eq!(ids.len(), h.len());
}

#[test]
fn unreadable_files_are_skipped_and_the_run_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::with_seeds();
    env.write(
        "corpus/locked.md",
        header("locked.com", "2015-01-01") + "text\n",
    );
    std::fs::set_permissions(
        env.path("corpus/locked.md"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    // Root reads anything: run as nobody then, when setpriv can switch users.
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let r = if is_root {
        if std::process::Command::new("setpriv")
            .arg("--help")
            .output()
            .is_err()
        {
            eprintln!("skipped: running as root without setpriv");
            return;
        }
        let mut perms = std::fs::metadata(env.dir.path()).unwrap().permissions();
        perms.set_mode(0o777);
        std::fs::set_permissions(env.dir.path(), perms).unwrap();
        std::fs::set_permissions(env.path("corpus"), std::fs::Permissions::from_mode(0o777))
            .unwrap();
        run_command(
            std::process::Command::new("setpriv")
                .args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    env!("CARGO_BIN_EXE_policies"),
                    "index",
                    "--index",
                    "idx",
                ])
                .current_dir(env.dir.path()),
        )
    } else {
        env.run(&["index", "--index", "idx"])
    };
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("locked.md: unreadable"), "{}", r.stderr);
    assert!(
        r.stderr.contains("index now holds 5 policies"),
        "{}",
        r.stderr
    );
}

/// The build the interruption tests stop: a commit every megabyte, two threads.
fn interruptible_build(index: &str) -> Vec<&str> {
    vec![
        "index",
        "--index",
        index,
        "--checkpoint-mb",
        "1",
        "--threads",
        "2",
    ]
}

fn spawn_index(env: &TestEnv, index: &str) -> Child {
    env.command(&interruptible_build(index))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every section id in an index, paging through all of it.
fn ids(env: &TestEnv, index: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut offset = 0;
    loop {
        let off = offset.to_string();
        let v: Value = env.json(&[
            "query", "*", "--index", index, "--limit", "10000", "--offset", &off, "--format",
            "json",
        ]);
        let hits = v["hits"].as_array().unwrap();
        out.extend(hits.iter().map(|h| h["id"].as_str().unwrap().to_string()));
        offset += 10_000;
        if offset as u64 >= v["total_hits"].as_u64().unwrap() {
            assert_eq!(out.len() as u64, v["total_hits"].as_u64().unwrap());
            return out;
        }
    }
}

#[test]
fn killed_runs_resume_to_the_same_index() {
    let env = TestEnv::new();
    make_corpus(&env, 400);
    let started = Instant::now();
    env.ok(&["index", "--index", "clean", "--quiet"]);
    let whole = started.elapsed();
    let clean = ids(&env, "clean");
    assert!(clean.len() > 400);
    // Killed at shares of the time a whole build took here (the killed runs commit every
    // megabyte and use 2 threads, so they take at least as long on this machine), and
    // once right after a checkpoint, which lands between two commits whatever the speed.
    let mut interrupted = 0;
    for (k, share) in [Some(0.05), Some(0.3), Some(0.6), None]
        .into_iter()
        .enumerate()
    {
        let index = format!("killed{k}");
        let when = match share {
            Some(share) => {
                let mut child = ChildGuard(spawn_index(&env, &index));
                std::thread::sleep(whole.mul_f64(share));
                if child.0.try_wait().unwrap().is_none() {
                    interrupted += 1;
                }
                drop(child); // SIGKILL
                format!("at {share} of {whole:?}")
            }
            None => {
                let args = interruptible_build(&index);
                let stopped = stop_after_a_checkpoint(&env, &args, &index, libc::SIGKILL);
                assert_eq!(stopped.code, None, "{}", stopped.stderr);
                let v: Value = env.json(&["stats", "--index", &index, "--format", "json"]);
                assert!((1..400).contains(&v["policies"].as_u64().unwrap()), "{v}");
                "after a checkpoint".to_string()
            }
        };
        if env.path(&index).join("meta.json").exists() {
            // Whatever the moment, the index opens and answers from its last commit, or,
            // killed before its first commit, says that it holds nothing yet.
            let stats = env.run(&["stats", "--index", &index, "--format", "json"]);
            no_panic(&stats);
            if !stats.stderr.contains("holds nothing yet") {
                assert_eq!(stats.code, 0, "killed {when}: {}", stats.stderr);
            }
        }
        // The same command again resumes and ends identical to a clean build.
        let r = env.ok(&["index", "--index", &index, "--checkpoint-mb", "1"]);
        assert!(
            r.stderr.contains("index now holds 400 policies"),
            "{}",
            r.stderr
        );
        assert_eq!(ids(&env, &index), clean, "killed {when}");
    }
    assert!(
        interrupted >= 2,
        "{interrupted} of 3 timed kills interrupted a run; make the corpus larger"
    );
}

/// The moment between tantivy creating an index (meta.json, no segments, no payload of
/// ours) and the build's first commit, made on purpose: a query says the index holds
/// nothing yet (not that it is damaged), and the next build carries on in it.
#[test]
fn a_build_stopped_before_its_first_commit_is_carried_on() {
    let env = TestEnv::new();
    make_corpus(&env, 300);
    env.ok(&["index", "--index", "clean", "--quiet"]);
    let clean = ids(&env, "clean");
    let mut meta: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("clean/meta.json")).unwrap())
            .unwrap();
    let fields = meta.as_object_mut().unwrap();
    assert!(fields.remove("payload").is_some());
    fields.insert("segments".into(), Value::Array(Vec::new()));
    fields.insert("opstamp".into(), Value::from(0));
    env.write("started/meta.json", serde_json::to_string(&meta).unwrap());
    for args in [
        vec!["stats", "--index", "started"],
        vec!["query", "privacy", "--index", "started"],
    ] {
        let r = env.run(&args);
        no_panic(&r);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains("holds nothing yet"), "{}", r.stderr);
        assert!(!r.stderr.contains("damaged"), "{}", r.stderr);
    }
    let r = env.ok(&["index", "--index", "started"]);
    assert!(
        r.stderr.contains("index now holds 300 policies"),
        "{}",
        r.stderr
    );
    assert_eq!(ids(&env, "started"), clean);
}

#[test]
fn signals_stop_at_the_last_commit() {
    let env = TestEnv::new();
    make_corpus(&env, 500);
    for (signal, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let index = format!("sig{code}");
        let stopped = stop_after_a_checkpoint(&env, &interruptible_build(&index), &index, signal);
        let err = &stopped.stderr;
        assert_eq!(stopped.code, Some(code), "{err}");
        assert!(err.contains("interrupted"), "{err}");
        assert!(
            stopped.took < Duration::from_secs(5),
            "took {:?} to stop",
            stopped.took
        );
        // The index answers from the last commit: part of the corpus.
        let stats = env.ok(&["stats", "--index", &index, "--format", "json"]);
        let v: Value = serde_json::from_str(&stats.stdout).unwrap();
        assert!((1..500).contains(&v["policies"].as_u64().unwrap()), "{v}");
        let r = env.ok(&["index", "--index", &index]);
        assert!(
            r.stderr.contains("index now holds 500 policies"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn a_second_writer_is_refused_while_queries_go_on() {
    let env = TestEnv::new();
    make_corpus(&env, 500);
    env.ok(&["index", "--index", "idx", "--quiet"]);
    // Change every file so the next run has work to do.
    for entry in walkdir::WalkDir::new(env.path("corpus")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let mut t = std::fs::read_to_string(entry.path()).unwrap();
            t.push_str("\nzqxappended\n");
            std::fs::write(entry.path(), t).unwrap();
        }
    }
    let mut first = spawn_index(&env, "idx");
    wait_for_a_checkpoint(&env, &mut first, "idx");
    let second = env.run(&["index", "--index", "idx"]);
    let query = env.run(&["query", "*", "--index", "idx", "--count"]);
    let first = first.wait_with_output().unwrap();
    assert_eq!(second.code, 2, "{}", second.stderr);
    assert!(
        second.stderr.contains("being written by another"),
        "{}",
        second.stderr
    );
    assert_eq!(query.code, 0, "{}", query.stderr);
    assert_eq!(
        first.status.code(),
        Some(0),
        "the first run is unharmed: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    // The first run's records: every policy once (`ids` pages through all of them and
    // fails on an id seen twice), each in its changed version, whose last section holds
    // the appended word.
    let stats: Value = env.json(&["stats", "--index", "idx", "--format", "json"]);
    assert_eq!(stats["policies"], 500);
    assert!(ids(&env, "idx").len() > 500);
    let v: Value = env.json(&[
        "query",
        "zqxappended",
        "--index",
        "idx",
        "--count",
        "--format",
        "json",
    ]);
    assert_eq!(v["total_hits"], 500);
}

#[test]
fn damaged_indexes_give_a_clear_error() {
    let env = TestEnv::with_seeds();
    env.ok(&["index", "--quiet"]);
    let segment_files = |dir: &str| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(env.path(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "json" && e != "lock"))
            .collect();
        v.sort();
        v
    };
    let copy = |name: &str| copy_dir(&env.path("index"), &env.path(name));
    copy("missing");
    std::fs::remove_file(
        segment_files("missing")
            .iter()
            .find(|p| p.extension().unwrap() == "idx")
            .unwrap(),
    )
    .unwrap();
    copy("truncated");
    for f in segment_files("truncated") {
        let len = std::fs::metadata(&f).unwrap().len();
        let file = std::fs::OpenOptions::new().write(true).open(&f).unwrap();
        file.set_len(len / 2).unwrap();
    }
    copy("garbled");
    std::fs::write(env.path("garbled/meta.json"), "{ not json").unwrap();
    copy("oldschema");
    let meta = std::fs::read_to_string(env.path("oldschema/meta.json")).unwrap();
    // The payload is JSON inside a JSON string: its keys are escaped.
    let meta = meta.replace("\\\"schema_version\\\":", "\\\"schema_version\\\":99");
    assert!(meta.contains(":99"));
    std::fs::write(env.path("oldschema/meta.json"), meta).unwrap();
    env.write("notindex/readme.txt", "my notes");
    for (dir, expect) in [
        ("missing", "--rebuild"),
        ("truncated", "--rebuild"),
        ("garbled", "--rebuild"),
        ("oldschema", "schema version"),
        ("notindex", "not a policies index"),
    ] {
        for args in [
            vec!["query", "credit", "--index", dir],
            vec!["stats", "--index", dir],
        ] {
            let r = env.run(&args);
            assert_eq!(r.code, 2, "{dir}: {}", r.stderr);
            assert!(r.stderr.contains(expect), "{dir}: {}", r.stderr);
            no_panic(&r);
        }
    }
    // The way out for an old schema names the corpus the index was built from, so that
    // following it rebuilds the same index, not one of the default corpus.
    let r = env.run(&["stats", "--index", "oldschema"]);
    let corpus = std::fs::canonicalize(env.path("corpus")).unwrap();
    let expected = format!("index --rebuild --index oldschema {}`", corpus.display());
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
    // --rebuild recovers a damaged index; it refuses to touch a directory of other data.
    env.ok(&["index", "--index", "truncated", "--rebuild", "--quiet"]);
    assert_eq!(
        env.run(&["query", "credit", "--index", "truncated"]).code,
        0
    );
    let r = env.run(&["index", "--index", "notindex", "--rebuild"]);
    assert_eq!(r.code, 2);
    assert!(env.path("notindex/readme.txt").exists());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn odd_query_input_is_refused_or_bounded() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::with_seeds();
    env.ok(&["index", "--quiet"]);
    let out = env
        .command(&[])
        .args([
            std::ffi::OsStr::new("query"),
            std::ffi::OsStr::from_bytes(b"caf\xe9"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let big = "credit ".repeat(14_000);
    let r = env.run(&["query", &big]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("limit"), "{}", r.stderr);
    no_panic(&r);
    for q in [
        "AND",
        "\"",
        "year:[2010 TO",
        "vendor:",
        "((((a)",
        "year:abc",
        "date:[x TO y]",
        "*:*",
        "^2",
        "a~~",
    ] {
        let r = env.run(&["query", q]);
        assert!(
            r.code == 1 || r.code == 2 || r.code == 0,
            "{q}: {}",
            r.stderr
        );
        no_panic(&r);
    }
    let r = env.run(&["query", "credit", "--offset", "100000000"]);
    assert_eq!(r.code, 0);
    no_panic(&r);
}

#[test]
fn rebuild_never_empties_a_directory_of_other_data() {
    let env = TestEnv::with_seeds();
    env.write("d/notes.txt", "mine");
    env.write("d/sub.idx", "looks like a segment file, is not");
    env.write("d/keep/f", "mine too");
    let r = env.run(&["index", "--index", "d"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not a policies index"), "{}", r.stderr);
    let r = env.run(&["index", "--index", "d", "--rebuild"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    for f in ["d/notes.txt", "d/sub.idx", "d/keep/f"] {
        assert!(env.path(f).exists(), "{f} was deleted");
    }
}

#[test]
fn a_file_that_turns_bad_loses_its_old_records() {
    let env = TestEnv::with_seeds();
    env.write(
        "corpus/later-empty.md",
        header("later.com", "2015-01-01") + "A zanzibarian clause.\n",
    );
    env.ok(&["index", "--quiet"]);
    assert_eq!(hits(&env, &["zanzibarian"]).len(), 1);
    env.write("corpus/later-empty.md", "   \n");
    let r = env.ok(&["index"]);
    assert!(r.stderr.contains("1 removed, 1 skipped"), "{}", r.stderr);
    assert!(hits(&env, &["zanzibarian"]).is_empty());
}

#[test]
fn roots_with_the_same_name_are_refused() {
    let env = TestEnv::new();
    env.write("a/corp/x.md", header("x.com", "2015-01-01") + "x\n");
    env.write("b/corp/x.md", header("z.com", "2015-01-01") + "z\n");
    let r = env.run(&["index", "a/corp", "b/corp"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("two corpus roots are named \"corp\""),
        "{}",
        r.stderr
    );
    // Files given as roots take their own name as id: two with one name are refused too.
    let r = env.run(&["index", "a/corp/x.md", "b/corp/x.md"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("two corpus roots are named \"x.md\""),
        "{}",
        r.stderr
    );
    // The same root written two ways is one set of files, not two.
    env.ok(&["index", "a/corp", "--quiet"]);
    std::fs::create_dir_all(env.path("a/sub")).unwrap();
    let r = env
        .command(&["index", "../corp", "--index", "../../index"])
        .current_dir(env.path("a/sub"))
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let v: Value = env.json(&["stats", "--format", "json"]);
    assert_eq!(v["policies"], 1);
    assert_eq!(v["sections"], 1);
}

#[test]
fn files_over_the_size_limit_are_skipped_until_the_limit_is_raised() {
    let env = TestEnv::with_seeds();
    let big = header("big.com", "2015-01-01") + &"bulky words here ".repeat(130_000);
    assert!(big.len() > 2 * 1024 * 1024);
    env.write("corpus/big.md", &big);
    let r = env.ok(&["index", "--max-file-mb", "1"]);
    assert!(r.stderr.contains("big.md: too large"), "{}", r.stderr);
    assert!(r.stderr.contains("1 too large"), "{}", r.stderr);
    assert!(hits(&env, &["bulky"]).is_empty());
    let r = env.ok(&["index", "--max-file-mb", "3"]);
    assert!(
        r.stderr.contains("index now holds 6 policies"),
        "{}",
        r.stderr
    );
    assert!(!hits(&env, &["bulky", "--vendor", "big.com"]).is_empty());
}

#[test]
fn files_deleted_during_the_run_do_not_stop_it() {
    let env = TestEnv::new();
    make_corpus(&env, 1000);
    let mut child = env
        .command(&["index", "--threads", "1", "--checkpoint-mb", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Delete files while the run reads them (it has committed a first part): every other
    // directory, from the back.
    wait_for_a_checkpoint(&env, &mut child, "index");
    let mut deleted = 0;
    for d in (0..97).rev().step_by(2) {
        let dir = env.path(&format!("corpus/{d:03}"));
        deleted += std::fs::read_dir(&dir).map(|r| r.count()).unwrap_or(0);
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(deleted > 0);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // Whatever was read is indexed; what vanished first is reported, not fatal.
    let v: Value = env.json(&["stats", "--format", "json"]);
    let indexed = v["policies"].as_u64().unwrap();
    assert!(
        indexed < 1000 && indexed >= 1000 - deleted as u64,
        "{indexed} {err}"
    );
    assert!(err.contains("unreadable"), "{err}");
    // The next run removes the records of the files that are gone.
    let r = env.ok(&["index"]);
    assert!(
        r.stderr
            .contains(&format!("index now holds {} policies", 1000 - deleted)),
        "{}",
        r.stderr
    );
}
