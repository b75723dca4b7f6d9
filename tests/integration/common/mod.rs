//! A fresh temporary directory per test and a runner for the real `policies` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// The build's progress in the committed metadata of the index at `index`: its opstamp
/// and, while a build is under way, how many of its items it had processed at its last
/// checkpoint (unchanged and skipped files count; 0 when none yet).
fn committed_progress(env: &TestEnv, index: &str) -> (Option<u64>, u64) {
    let meta = std::fs::read_to_string(env.path(index).join("meta.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&meta).unwrap_or_default();
    let payload: serde_json::Value = v["payload"]
        .as_str()
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_default();
    (
        v["opstamp"].as_u64(),
        payload["incomplete"]["items_done"].as_u64().unwrap_or(0),
    )
}

/// Kills and reaps the child when dropped, so that a failing test leaves no build running.
pub struct ChildGuard(pub Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `child`, a build writing the index at `index` (the `--index` it was given),
/// has committed a checkpoint: a commit newer than the one the index had when this was
/// called, recording items processed and the build not finished. Fails when the child
/// ends first (the test's corpus is then too small to catch the build mid-way); a
/// failure kills the child.
pub fn wait_for_a_checkpoint(env: &TestEnv, child: &mut Child, index: &str) {
    let (before, _) = committed_progress(env, index);
    let started = Instant::now();
    loop {
        let (opstamp, done) = committed_progress(env, index);
        if done > 0 && opstamp != before {
            return;
        }
        let ended = child.try_wait().unwrap();
        if ended.is_some() || started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "no checkpoint of the build was seen in {} ({ended:?} after {:?}); \
                 make the corpus larger",
                env.path(index).join("meta.json").display(),
                started.elapsed()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Starts the build `args` (writing the index at `index`) and sends it `signal`
/// (`libc::SIGKILL`, `libc::SIGINT`, ...) as soon as it has committed a checkpoint (see
/// [`wait_for_a_checkpoint`]). Fails when the build ends before the signal reaches it.
pub fn stop_after_a_checkpoint(env: &TestEnv, args: &[&str], index: &str, signal: i32) -> Stopped {
    let log = env.path(&format!("{index}-stopped.log"));
    let mut child = ChildGuard(
        env.command(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for_a_checkpoint(env, &mut child.0, index);
    let pid = i32::try_from(child.0.id()).unwrap();
    // SAFETY: kill(2) on our own child, not reaped yet, so the pid is still its.
    let sent = unsafe { libc::kill(pid, signal) };
    let signalled = Instant::now();
    assert_eq!(sent, 0, "kill({pid}, {signal})");
    let status = child.0.wait().unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        !status.success(),
        "the build finished before the signal reached it; make the corpus larger\n{stderr}"
    );
    Stopped {
        code: status.code(),
        stderr,
        took: signalled.elapsed(),
    }
}

/// How a build stopped by a signal ended.
pub struct Stopped {
    /// The exit code; `None` when the signal killed it.
    pub code: Option<i32>,
    pub stderr: String,
    /// From the signal to the build's exit.
    pub took: Duration,
}
