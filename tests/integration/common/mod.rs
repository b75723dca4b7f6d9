//! A fresh temporary directory per test and a runner for the real `policies` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct TestEnv {
    pub dir: tempfile::TempDir,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if entry
            .path()
            .extension()
            .is_some_and(|e| e == "md" || e == "txt")
        {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// Runs any command to completion and captures its outcome.
pub fn run_command(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A directory with the five seeds in `corpus/`, like a fresh clone.
    pub fn with_seeds() -> TestEnv {
        let env = TestEnv::new();
        copy_tree(&fixtures().join("seeds"), &env.path("corpus"));
        env
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_policies"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("NO_COLOR")
            .stdin(Stdio::null());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_command(&mut self.command(args))
    }

    /// Runs and expects exit 0.
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(r.code, 0, "{args:?} failed:\n{}\n{}", r.stdout, r.stderr);
        r
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self, args: &[&str]) -> T {
        let r = self.run(args);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: bad JSON ({e}):\n{}", r.stdout))
    }
}

/// Vendor, date of each policy file under `dir`, read with a regex on the header line
/// (independently of the library's parser).
pub fn headers(dir: &Path) -> Vec<(PathBuf, String, String)> {
    let re = regex::Regex::new(
        r"transformed from the (\S+) privacy policy that was archived on (\d{4}-\d{2}-\d{2})",
    )
    .unwrap();
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        if let Some(c) = re.captures(&text) {
            out.push((
                entry.path().to_path_buf(),
                c[1].to_lowercase(),
                c[2].to_string(),
            ));
        }
    }
    out
}

/// The Princeton-Leuven header line of a policy of `domain` archived on `date`.
pub fn policy_header(domain: &str, date: &str) -> String {
    format!(
        "> *The following text is extracted and transformed from the {domain} privacy policy that was archived on {date}. Please check the [original snapshot on the Wayback Machine](https://web.archive.org/web/20150101000000id_/http%3A//{domain}/privacy) for the most accurate reproduction.*\n\n"
    )
}

/// A corpus of `n` policies of real text (the Princeton-Leuven fixtures' bodies, cycled)
/// with made-up domains and dates, in 97 directories.
pub fn make_corpus(env: &TestEnv, n: usize) {
    let mut texts = Vec::new();
    for entry in walkdir::WalkDir::new(fixtures().join("plp")).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            let t = std::fs::read_to_string(entry.path()).unwrap();
            texts.push(t.split_once('\n').unwrap().1.to_string());
        }
    }
    for i in 0..n {
        let date = format!("{}-{:02}-{:02}", 2000 + i % 20, 1 + i % 12, 1 + i % 28);
        let body = &texts[i % texts.len()];
        env.write(
            &format!("corpus/{:03}/site{i}.md", i % 97),
            policy_header(&format!("site{i}.com"), &date) + body,
        );
    }
}

/// Waits until the committed metadata of the index at `index` says that a build is
/// under way and has committed part of its work. Fails when `child` ends first: the
/// test's corpus is then too small to be caught mid-way.
pub fn wait_for_a_checkpoint(env: &TestEnv, child: &mut std::process::Child, index: &str) {
    let started = std::time::Instant::now();
    let meta_path = env.path(index).join("meta.json");
    loop {
        let meta = std::fs::read_to_string(&meta_path).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&meta).unwrap_or_default();
        let payload: serde_json::Value = v["payload"]
            .as_str()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default();
        if payload["incomplete"]["items_done"].as_u64().unwrap_or(0) > 0 {
            return;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before a checkpoint was seen; make the corpus larger"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(120));
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Starts the build `args` and stops it with `signal` (`"-KILL"`, `"-INT"`, ...) as soon as
/// the committed metadata of the index at `index` says that the build is under way and
/// has committed part of its work. Fails when the build ends first: the test's corpus is
/// then too small to be interrupted.
pub fn stop_after_a_checkpoint(env: &TestEnv, args: &[&str], index: &str, signal: &str) -> Stopped {
    let log = env.path("stopped-build.log");
    let mut child = env
        .command(args)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    wait_for_a_checkpoint(env, &mut child, index);
    let sent = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    let signalled = std::time::Instant::now();
    assert!(sent.success());
    let status = child.wait().unwrap();
    Stopped {
        code: status.code(),
        stderr: std::fs::read_to_string(&log).unwrap(),
        took: signalled.elapsed(),
    }
}

/// How a build stopped by a signal ended.
pub struct Stopped {
    /// The exit code; `None` when the signal killed it.
    pub code: Option<i32>,
    pub stderr: String,
    /// From the signal to the build's exit.
    pub took: std::time::Duration,
}
