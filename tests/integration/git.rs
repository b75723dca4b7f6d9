//! `policies index --git`: every version of every policy file in a repository's history,
//! indexed once each, incrementally. The repositories are made here with the `git`
//! command (only in the test; the program reads them with gitoxide).

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::TestEnv;
use serde_json::Value;

fn header(domain: &str, date: &str) -> String {
    format!(
        "> *The following text is extracted and transformed from the {domain} privacy policy that was archived on {date}. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150101000000id_/http%3A//{domain}/privacy) for the most accurate reproduction.*\n\n"
    )
}

fn policy(domain: &str, date: &str, body: &str) -> String {
    header(domain, date)
        + "# Privacy Policy\n\n## Payments\n\n"
        + body
        + "\n\n## Contact\n\nWrite to us.\n"
}

struct Repo<'a> {
    dir: &'a Path,
    clock: u32,
}

impl Repo<'_> {
    fn git(&mut self, args: &[&str]) -> String {
        self.clock += 1;
        let date = format!(
            "2020-01-01T00:{:02}:{:02}Z",
            self.clock / 60,
            self.clock % 60
        );
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn commit(&mut self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }
}

/// An empty repository at `repo/` in the test's directory, or `None` (said on stderr)
/// when there is no `git` command to make one.
fn init_repo(env: &TestEnv) -> Option<std::path::PathBuf> {
    if !have_git() {
        eprintln!("skipped: no git command to build the test repository");
        return None;
    }
    let dir = env.path("repo");
    std::fs::create_dir_all(&dir).unwrap();
    Repo {
        dir: &dir,
        clock: 0,
    }
    .git(&["init", "-q", "-b", "main"]);
    Some(dir)
}

fn have_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn stats(env: &TestEnv) -> Value {
    env.json(&["stats", "--format", "json"])
}

fn hits(env: &TestEnv, q: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["query", q, "--limit", "10000", "--format", "json"];
    args.extend_from_slice(extra);
    let v: Value = env.json(&args);
    v["hits"].as_array().unwrap().clone()
}

#[test]
fn history_is_indexed_once_per_version_and_incrementally() {
    let env = TestEnv::new();
    let Some(dir) = init_repo(&env) else {
        return;
    };
    let mut repo = Repo {
        dir: &dir,
        clock: 0,
    };

    // A: two sites.
    repo.write(
        "x/xs/xsi/xsite.com.md",
        &policy("xsite.com", "2014-01-10", "We take credit card payments."),
    );
    let y_v1 = policy(
        "ysite.com",
        "2014-02-01",
        "We take credit cards through PayPal.",
    );
    repo.write("y/ys/ysi/ysite.com.md", &y_v1);
    repo.write(
        "README.txt",
        "not a policy? it ends in .txt, but has no header",
    );
    let a = repo.commit("A");
    // B: x changes; the same bytes as y appear at a second path.
    repo.write(
        "x/xs/xsi/xsite.com.md",
        &policy("xsite.com", "2015-03-03", "We take wire transfers only."),
    );
    repo.write("z/zs/zsi/zcopy.com.md", &y_v1);
    let b = repo.commit("B");
    // A branch changes y; main adds w and deletes the copy; then they merge.
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write(
        "y/ys/ysi/ysite.com.md",
        &policy("ysite.com", "2016-05-05", "Card data goes to Stripe."),
    );
    let c = repo.commit("C");
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        "w/ws/wsi/wsite.com.md",
        &policy("wsite.com", "2016-07-07", "No payments, no credit card."),
    );
    std::fs::remove_file(dir.join("z/zs/zsi/zcopy.com.md")).unwrap();
    repo.commit("D");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);

    let r = env.ok(&["index", "--git", "repo"]);
    assert!(r.stderr.contains("walked 5 new commits"), "{}", r.stderr);
    // x twice, y twice (its first version once, though two paths had it), w, README.
    let s = stats(&env);
    assert_eq!(s["policies"], 6, "{s}");
    let dates: BTreeSet<String> = hits(&env, "*", &[])
        .iter()
        .filter_map(|h| h["date"].as_str().map(str::to_string))
        .collect();
    let expected: BTreeSet<String> = [
        "2014-01-10",
        "2014-02-01",
        "2015-03-03",
        "2016-05-05",
        "2016-07-07",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(dates, expected);

    // Each version cites the commit that brought it, and its path.
    let x = hits(&env, "*", &["--vendor", "xsite.com"]);
    let by_date = |d: &str| x.iter().find(|h| h["date"] == d).unwrap().clone();
    assert_eq!(by_date("2014-01-10")["revision"], a.as_str());
    assert_eq!(by_date("2015-03-03")["revision"], b.as_str());
    assert_eq!(by_date("2015-03-03")["path"], "x/xs/xsi/xsite.com.md");
    let y_new = hits(&env, "*", &["--vendor", "ysite.com", "--year", "2016"]);
    assert_eq!(y_new[0]["revision"], c.as_str());

    // show, vendors and trend see the whole time axis.
    let shown: Value = env.json(&["show", "xsite.com", "--format", "json"]);
    assert_eq!(shown["kind"], "snapshots");
    assert_eq!(shown["snapshots"].as_array().unwrap().len(), 2);
    let old: Value = env.json(&[
        "show",
        "xsite.com",
        "--date",
        "2014-01-10",
        "--format",
        "json",
    ]);
    assert_eq!(old["revision"], a.as_str());
    let v: Value = env.json(&["vendors", "\"credit card\"", "--format", "json"]);
    let xrow = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["vendor"] == "xsite.com")
        .unwrap();
    assert_eq!(xrow["first_match"], "2014-01-10");
    assert_eq!(xrow["last_match"], "2014-01-10");
    assert_eq!(xrow["last_date"], "2015-03-03");
    let t: Value = env.json(&["trend", "\"credit card\"", "--format", "json"]);
    let rows = t["rows"].as_array().unwrap();
    let row = |p: &str| rows.iter().find(|r| r["period"] == p).unwrap().clone();
    assert_eq!(row("2014")["policies_total"], 2);
    assert_eq!(row("2014")["matches"][0]["policies_matching"], 2);
    assert_eq!(row("2015")["policies_total"], 1);
    assert_eq!(row("2015")["matches"][0]["policies_matching"], 0);
    assert_eq!(row("2016")["policies_total"], 2);
    assert_eq!(row("2016")["matches"][0]["policies_matching"], 1);

    // Nothing new: nothing indexed.
    let again = env.ok(&["index", "--git", "repo"]);
    assert!(
        again.stderr.contains("indexed 0 versions"),
        "{}",
        again.stderr
    );
    assert_eq!(stats(&env)["policies"], 6);

    // After new commits, only they are read.
    repo.write(
        "w/ws/wsi/wsite.com.md",
        &policy(
            "wsite.com",
            "2017-01-01",
            "Now we take credit card payments.",
        ),
    );
    repo.commit("E");
    let inc = env.ok(&["index", "--git", "repo"]);
    assert!(
        inc.stderr.contains("walked 1 new commits"),
        "{}",
        inc.stderr
    );
    assert_eq!(stats(&env)["policies"], 7);

    // Rewritten history is detected and explained; --rebuild starts over.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.write(
        "w/ws/wsi/wsite.com.md",
        &policy("wsite.com", "2017-02-02", "Rewritten."),
    );
    repo.commit("E'");
    let rewritten = env.run(&["index", "--git", "repo"]);
    assert_eq!(rewritten.code, 2);
    assert!(
        rewritten.stderr.contains("history was rewritten"),
        "{}",
        rewritten.stderr
    );
    assert!(
        rewritten.stderr.contains("--rebuild"),
        "{}",
        rewritten.stderr
    );
    env.ok(&["index", "--git", "repo", "--rebuild"]);
    assert_eq!(stats(&env)["policies"], 7);
    assert!(hits(&env, "rewritten", &[]).len() == 1);
}

#[test]
fn paths_globs_and_bad_repositories() {
    let env = TestEnv::new();
    let Some(dir) = init_repo(&env) else {
        return;
    };
    let mut repo = Repo {
        dir: &dir,
        clock: 0,
    };
    repo.write(
        "a/aa/aaa/asite.com.md",
        &policy("asite.com", "2012-01-01", "a"),
    );
    repo.write(
        "b/bb/bbb/bsite.com.md",
        &policy("bsite.com", "2013-01-01", "b"),
    );
    repo.commit("one");
    env.ok(&[
        "index", "--git", "repo", "--paths", "a/**", "--index", "only-a",
    ]);
    let v: Value = env.json(&["stats", "--index", "only-a", "--format", "json"]);
    assert_eq!(v["policies"], 1);
    let bad = env.run(&["index", "--git", "nowhere"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("not a git repository"),
        "{}",
        bad.stderr
    );
    let rev = env.run(&["index", "--git", "repo", "--rev", "no-such-branch"]);
    assert_eq!(rev.code, 2);
    assert!(rev.stderr.contains("no-such-branch"), "{}", rev.stderr);
    // Files and git history can share an index without clobbering each other.
    env.write("corpus/c.md", policy("csite.com", "2014-01-01", "c"));
    env.ok(&["index", "--git", "repo", "--index", "mixed"]);
    env.ok(&["index", "corpus", "--index", "mixed"]);
    let again = env.ok(&["index", "corpus", "--index", "mixed"]);
    assert!(again.stderr.contains("0 removed"), "{}", again.stderr);
    let v: Value = env.json(&["stats", "--index", "mixed", "--format", "json"]);
    assert_eq!(v["policies"], 3);
}

/// Feeds a `git fast-import` stream to the repository at `dir`.
fn fast_import(dir: &Path, stream: &[u8]) {
    let mut fi = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(fi.stdin.as_mut().unwrap(), stream).unwrap();
    drop(fi.stdin.take());
    assert!(fi.wait().unwrap().success());
}

/// One commit of a `git fast-import` stream: commit `mark` on `branch` at `time` (seconds
/// after 1,000,000), after `from`, merging `merge`, writing `files` (path, text).
struct Planned<'a> {
    mark: u32,
    branch: &'a str,
    time: u32,
    from: Option<u32>,
    merge: Option<u32>,
    files: Vec<(String, String)>,
}

impl Planned<'_> {
    fn write(&self, stream: &mut Vec<u8>) {
        let (mark, branch) = (self.mark, self.branch);
        stream.extend_from_slice(
            format!(
                "commit refs/heads/{branch}\nmark :{mark}\ncommitter t <t@example.com> {} +0000\ndata 1\nc\n",
                1_000_000 + self.time
            )
            .as_bytes(),
        );
        if let Some(from) = self.from {
            stream.extend_from_slice(format!("from :{from}\n").as_bytes());
        }
        if let Some(merge) = self.merge {
            stream.extend_from_slice(format!("merge :{merge}\n").as_bytes());
        }
        for (path, body) in &self.files {
            stream.extend_from_slice(
                format!("M 100644 inline {path}\ndata {}\n", body.len()).as_bytes(),
            );
            stream.extend_from_slice(body.as_bytes());
            stream.push(b'\n');
        }
    }
}

/// Commit `n` of a linear history on `main` (after commit `n - 1`), writing one file.
fn linear(n: u32, time: u32, path: String, text: String) -> Planned<'static> {
    Planned {
        mark: n,
        branch: "main",
        time,
        from: (n > 1).then(|| n - 1),
        merge: None,
        files: vec![(path, text)],
    }
}

/// Each version cites the first commit in history that brought it, also when a revert
/// brings it back within the same second, and when the history is long enough to be read
/// in many chunks. The expectation comes from `git log --reverse --raw`.
#[test]
fn each_version_cites_the_first_commit_that_brought_it() {
    let env = TestEnv::new();
    let Some(dir) = init_repo(&env) else {
        return;
    };
    // 150 seconds, four commits in each: site s gets version A, then B, then A again (a
    // revert, in the same second); another site gets version C. Then two more seconds of
    // one commit each, so that chunks of the walk (16, 32, 64... commits from the tip)
    // end between a version and its revert.
    let mut stream = Vec::new();
    let mut n = 0u32;
    for k in 0..152u32 {
        let (s, t) = (k % 40, (k + 20) % 40);
        let version = |site: u32, v: &str| {
            policy(
                &format!("site{site}.com"),
                &format!("{}-{:02}-01", 2001 + k / 12, 1 + k % 12),
                &format!("version {v} of group {k}."),
            )
        };
        let commits = if k < 150 {
            vec![
                (s, version(s, "A")),
                (s, version(s, "B")),
                (s, version(s, "A")),
                (t, version(t, "C")),
            ]
        } else {
            vec![(t, version(t, "C"))]
        };
        for (site, text) in commits {
            n += 1;
            linear(n, k, format!("s/{site}.md"), text).write(&mut stream);
        }
    }
    fast_import(&dir, &stream);
    let expected = first_commits(&dir);
    assert_eq!(expected.len(), 452);

    env.ok(&["index", "--git", "repo", "--quiet"]);
    assert_cites(&env, &expected);
}

/// The first commit in which each blob is added or modified, oldest first by `git log
/// --reverse --topo-order` (which shows no changes for merges): (path, commit) pairs.
fn first_commits(dir: &Path) -> BTreeSet<(String, String)> {
    let log = Repo { dir, clock: 0 }.git(&[
        "log",
        "--reverse",
        "--topo-order",
        "--raw",
        "--no-abbrev",
        "--format=%H",
    ]);
    let (mut commit, mut first) = (String::new(), std::collections::HashMap::new());
    for line in log.lines() {
        if let Some(raw) = line.strip_prefix(':') {
            let (fields, path) = raw.split_once('\t').unwrap();
            let blob = fields.split(' ').nth(3).unwrap().to_string();
            first
                .entry(blob)
                .or_insert_with(|| (path.to_string(), commit.clone()));
        } else if !line.is_empty() {
            commit = line.to_string();
        }
    }
    first.into_values().collect()
}

/// The index in `env` has one version per expected (path, commit), each cited by that
/// commit, and two sections each (the test policies' "Payments" and "Contact").
fn assert_cites(env: &TestEnv, expected: &BTreeSet<(String, String)>) {
    let r = env.ok(&["query", "*", "--all", "--format", "jsonl"]);
    let hits: Vec<(String, String)> = r
        .stdout
        .lines()
        .map(|l| {
            let h: Value = serde_json::from_str(l).unwrap();
            (
                h["path"].as_str().unwrap().to_string(),
                h["revision"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(hits.len(), 2 * expected.len());
    let cited: BTreeSet<(String, String)> = hits.into_iter().collect();
    let wrong: Vec<_> = cited.symmetric_difference(expected).collect();
    assert!(
        wrong.is_empty(),
        "{} of {} differ: {wrong:?}",
        wrong.len(),
        expected.len()
    );
}

/// Across branches: a merge does not cite a version its merged branch brought (even when
/// the merge's date is the older), and of two commits of one second on one line, the
/// ancestor is cited, also when the walk (breadth first from the tip) meets it before the
/// other, through a branch that puts it nearer the tip.
#[test]
fn merged_branches_cite_the_commit_that_brought_a_version() {
    let env = TestEnv::new();
    let Some(dir) = init_repo(&env) else {
        return;
    };
    let text = |site: &str, v: &str| policy(&format!("{site}.com"), "2015-01-01", v);
    let mut stream = Vec::new();
    // (mark, branch, time, parent, merged parent, files)
    let mut commit = |mark, branch, time, from, merge, path: &str, v: &str| {
        let site = path.trim_end_matches(".md");
        Planned {
            mark,
            branch,
            time,
            from,
            merge,
            files: vec![(path.to_string(), text(site, v))],
        }
        .write(&mut stream)
    };
    commit(1, "main", 100, None, None, "x.md", "one");
    // A side commit whose clock ran ahead of the merge that takes it.
    commit(2, "side", 250, Some(1), None, "y.md", "side");
    commit(3, "main", 150, Some(1), None, "x.md", "two");
    // The merge takes y.md from the side branch.
    commit(4, "main", 200, Some(3), Some(2), "y.md", "side");
    // p.md: B, then C, then B again, all in one second.
    commit(5, "main", 300, Some(4), None, "p.md", "B");
    commit(6, "main", 300, Some(5), None, "p.md", "C");
    commit(7, "main", 300, Some(6), None, "p.md", "B");
    commit(8, "main", 400, Some(7), None, "q.md", "1");
    commit(9, "main", 401, Some(8), None, "q.md", "2");
    // A branch from the first B, merged at the tip: a shorter way to it.
    commit(10, "other", 402, Some(5), None, "r.md", "w");
    commit(11, "main", 403, Some(9), Some(10), "r.md", "w");
    fast_import(&dir, &stream);
    let expected = first_commits(&dir);
    // x twice, y, p's B and C, q twice, r.
    assert_eq!(expected.len(), 8);
    env.ok(&["index", "--git", "repo", "--quiet"]);
    assert_cites(&env, &expected);
}

#[test]
fn an_interrupted_history_run_resumes_to_the_end() {
    let env = TestEnv::new();
    let Some(dir) = init_repo(&env) else {
        return;
    };
    // 800 versions of 300 files, one commit each, written with fast-import; the same
    // texts also as files.
    let filler = "Some policy text about cookies and analytics. ".repeat(60);
    let mut stream = Vec::new();
    for n in 1..=800u32 {
        let site = n % 300;
        let date = format!("{}-{:02}-{:02}", 2001 + n / 100, 1 + n % 12, 1 + n % 28);
        let text = policy(
            &format!("site{site}.com"),
            &date,
            &format!("version {n}. {filler}"),
        );
        env.write(&format!("files/{n}.md"), &text);
        linear(n, n, format!("s/{site}.md"), text).write(&mut stream);
    }
    fast_import(&dir, &stream);

    env.ok(&["index", "--git", "repo", "--index", "clean", "--quiet"]);
    let clean: Value = env.json(&["stats", "--index", "clean", "--format", "json"]);
    assert_eq!(clean["policies"], 800);
    // Read from the pack (whose mapped pages are given back every few hundred objects),
    // every section is the one the same text gives as a file.
    env.ok(&["index", "files", "--index", "from-files", "--quiet"]);
    let sections = |index: &str| {
        let r = env.ok(&["query", "*", "--all", "--format", "jsonl", "--index", index]);
        let mut rows: Vec<String> = r
            .stdout
            .lines()
            .map(|l| {
                let h: Value = serde_json::from_str(l).unwrap();
                format!(
                    "{} {} {} {} {}",
                    h["vendor"], h["date"], h["heading"], h["part"], h["snippet"]["text"]
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let from_git = sections("clean");
    // Two sections a version: "Payments" (under the bare title) and "Contact".
    assert_eq!(from_git.len(), 1600);
    assert!(from_git.iter().any(|r| r.contains("version 789.")));
    assert_eq!(from_git, sections("from-files"));

    // Interrupted once part of the history is committed.
    let stopped = common::stop_after_a_checkpoint(
        &env,
        &[
            "index",
            "--git",
            "repo",
            "--index",
            "stopped",
            "--checkpoint-mb",
            "1",
            "--threads",
            "1",
        ],
        "stopped",
        libc::SIGINT,
    );
    assert_eq!(stopped.code, Some(130), "{}", stopped.stderr);
    assert!(stopped.stderr.contains("interrupted"), "{}", stopped.stderr);
    let partial: Value = env.json(&["stats", "--index", "stopped", "--format", "json"]);
    assert!(
        (1..800).contains(&partial["policies"].as_u64().unwrap()),
        "{partial}"
    );
    // Rerunning reads the history again and indexes what is missing, nothing twice.
    env.ok(&["index", "--git", "repo", "--index", "stopped"]);
    let done: Value = env.json(&["stats", "--index", "stopped", "--format", "json"]);
    assert_eq!(done["policies"], 800);
    assert_eq!(done["sections"], clean["sections"]);
}
