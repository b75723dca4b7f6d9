//! Detects whether the real-browser test (`tests/browser.rs`) can run here: it sets
//! `cfg(browser_available)` when Chromium, chromedriver and Python's selenium are
//! installed, so without them that test shows as ignored, with the reason, instead of
//! passing silently. It also tells the test which Python has selenium
//! (`POLICIES_BROWSER_PYTHON`): `python3` on PATH may be a pyenv/venv interpreter
//! without Debian's python3-selenium.

use std::path::Path;
use std::process::{Command, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn main() {
    println!("cargo::rustc-check-cfg=cfg(browser_available)");
    println!("cargo::rerun-if-changed=build.rs");
    for file in [CHROMIUM, CHROMEDRIVER] {
        if Path::new(file).exists() {
            println!("cargo::rerun-if-changed={file}");
        } else {
            // A missing file would make Cargo rerun this script (and rebuild the
            // crate) on every build; the directory changes when it gets installed.
            println!("cargo::rerun-if-changed=/usr/bin");
        }
    }

    let python = ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import selenium"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    match python {
        Some(py) => println!("cargo::rustc-env=POLICIES_BROWSER_PYTHON={py}"),
        None => println!("cargo::rustc-env=POLICIES_BROWSER_PYTHON=python3"),
    }
    // Debian's python3-selenium; rerun when it is installed or removed.
    let selenium = "/usr/lib/python3/dist-packages/selenium";
    if Path::new(selenium).exists() {
        println!("cargo::rerun-if-changed={selenium}/__init__.py");
    } else if Path::new("/usr/lib/python3/dist-packages").exists() {
        println!("cargo::rerun-if-changed=/usr/lib/python3/dist-packages");
    }

    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() && python.is_some() {
        println!("cargo::rustc-cfg=browser_available");
    }
}
