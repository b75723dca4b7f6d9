//! Real-browser test of `policies serve`: runs `tests/browser/run.py`, which indexes the
//! seed corpus (plus a hostile policy), starts the server and drives headless Chromium
//! through the search, facet, policy and index pages. Screenshots go to
//! `target/screenshots/`.
//!
//! `build.rs` sets `cfg(browser_available)` when Chromium, chromedriver and selenium are
//! installed; without them this test is reported as ignored, with the reason.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Exit status of run.py when chromium, chromedriver or selenium is missing.
const SKIPPED: i32 = 77;
const TIMEOUT: Duration = Duration::from_secs(600);

#[test]
#[cfg_attr(
    not(browser_available),
    ignore = "chromium, chromedriver or python3-selenium is not installed"
)]
fn web_app_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("temporary directory");
    let log_path = work.path().join("run.log");
    let log = File::create(&log_path).expect("log file");
    let python = env!("POLICIES_BROWSER_PYTHON");

    let mut child = Command::new(python)
        .arg(root.join("tests/browser/run.py"))
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_policies"))
        .arg("--workdir")
        .arg(work.path().join("w"))
        .arg("--shots")
        .arg(root.join("target/screenshots"))
        .current_dir(root)
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python} tests/browser/run.py: {e}"));

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for run.py") {
            break Some(status);
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    println!("{output}");

    match status.map(|s| s.code()) {
        None => panic!("tests/browser/run.py did not finish in {TIMEOUT:?}; output above"),
        Some(Some(0)) => {}
        Some(Some(SKIPPED)) => panic!(
            "tests/browser/run.py skipped (exit 77) although build.rs found chromium, \
             chromedriver and selenium: {}",
            output.trim()
        ),
        Some(code) => panic!("tests/browser/run.py failed (exit {code:?}); output above"),
    }
}
