//! Every `policies` command the README shows runs here, in the order shown, on a fresh
//! copy of the default corpus (the five seeds), and must succeed (exit 0: for a query,
//! that means it printed hits). A block that needs other material (a benchmark corpus, a
//! cloned repository) is marked in the README with `<!-- not run by tests: REASON -->` on
//! the line before its fence, and is listed as skipped with that reason.

use crate::common;

use common::{TestEnv, copy_tree, fixtures, run_command};

/// One shell command of the README, with the line it starts on.
struct Example {
    line: usize,
    command: String,
}

/// The `policies …` commands of the README's `sh` blocks, and the skipped blocks with
/// their reasons.
fn examples(readme: &str) -> (Vec<Example>, Vec<(usize, String)>) {
    let mut run = Vec::new();
    let mut skipped = Vec::new();
    let lines: Vec<&str> = readme.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```sh" {
            i += 1;
            continue;
        }
        let marker = i
            .checked_sub(1)
            .map(|p| lines[p].trim())
            .and_then(|l| l.strip_prefix("<!-- not run by tests:"))
            .map(|r| r.trim_end_matches("-->").trim().to_string());
        let start = i + 1;
        i += 1;
        let mut pending = String::new();
        let mut pending_line = 0;
        while i < lines.len() && lines[i].trim() != "```" {
            let line = lines[i];
            if pending.is_empty() {
                pending_line = i + 1;
            }
            pending.push_str(line.trim_end_matches('\\'));
            if !line.ends_with('\\') {
                if pending.trim_start().starts_with("policies ") && marker.is_none() {
                    run.push(Example {
                        line: pending_line,
                        command: pending.trim().to_string(),
                    });
                }
                pending.clear();
            }
            i += 1;
        }
        if let Some(reason) = marker {
            skipped.push((start, reason));
        }
        i += 1;
    }
    (run, skipped)
}

/// The command up to its first pipe or redirection outside quotes: what `policies`
/// itself prints is what is checked (the README's `jq` and files are the reader's).
fn policies_part(command: &str) -> &str {
    let (mut single, mut double) = (false, false);
    for (i, c) in command.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '|' | '>' if !single && !double => return command[..i].trim_end(),
            '#' if !single && !double && command[..i].ends_with(' ') => {
                return command[..i].trim_end();
            }
            _ => {}
        }
    }
    command
}

#[test]
fn every_readme_command_runs_and_default_corpus_examples_print_hits() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let (run, skipped) = examples(&readme);
    assert!(run.len() >= 15, "only {} commands found", run.len());
    for (line, reason) in &skipped {
        eprintln!("README.md:{line}: block not run: {reason}");
    }
    let env = TestEnv::new();
    copy_tree(&fixtures().join("seeds"), &env.path("corpus"));
    // Material the examples name that a reader would have: their own policy files, a
    // file of extra processors, the docs folder a chart goes to.
    copy_tree(&fixtures().join("seeds"), &env.path("path/to/policies"));
    env.write("my-processors.txt", "AcmePay: acme pay, acmepay.com\n");
    std::fs::create_dir_all(env.path("docs")).unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_policies"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    for example in &run {
        let command = policies_part(&example.command);
        let r = run_command(
            std::process::Command::new("sh")
                .arg("-c")
                .arg(command)
                .env("PATH", &path)
                .env_remove("NO_COLOR")
                .current_dir(env.dir.path()),
        );
        if r.code != 0 || r.stdout.trim().is_empty() && !command.contains("index") {
            failures.push(format!(
                "README.md:{}: `{command}` exited {}\nstdout: {}\nstderr: {}",
                example.line, r.code, r.stdout, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_command_is_cut_at_pipes_and_redirections_outside_quotes() {
    assert_eq!(
        policies_part("policies query '\"a\"' --format json | jq -r '.hits[] | .x'"),
        "policies query '\"a\"' --format json"
    );
    assert_eq!(
        policies_part("policies vendors 'a' --format csv > out.csv"),
        "policies vendors 'a' --format csv"
    );
    assert_eq!(
        policies_part("policies show google.com --index i        # every snapshot"),
        "policies show google.com --index i"
    );
    assert_eq!(
        policies_part("policies query 'a|b'"),
        "policies query 'a|b'"
    );
}
