//! `policies index`: build or update the index, with a progress bar and a summary.

use super::Exit;

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::cli::IndexArgs;
use policies::index::{BuildSummary, IndexConfig, Progress, build_index};

/// A progress bar on stderr (or nothing), and the signal that asks the build to stop.
struct Bar {
    bar: Option<ProgressBar>,
    /// The number of the signal received (SIGINT or SIGTERM), 0 while none.
    signal: Arc<AtomicUsize>,
}

impl Progress for Bar {
    fn should_stop(&self) -> bool {
        self.signal.load(Ordering::Relaxed) != 0
    }
    fn start(&self, _files: u64, bytes: u64) {
        if let Some(b) = &self.bar {
            b.set_length(bytes);
        }
    }
    fn advance(&self, bytes: u64) {
        if let Some(b) = &self.bar {
            b.inc(bytes);
            b.inc_length(0);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn progress_bar(quiet: bool, signal: Arc<AtomicUsize>) -> Bar {
    if quiet || !std::io::stderr().is_terminal() {
        return Bar { bar: None, signal };
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} indexing [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Bar {
        bar: Some(bar),
        signal,
    }
}

pub(super) fn run(args: IndexArgs) -> anyhow::Result<Exit> {
    let cfg = super::args::index_config(&args)?;
    let (summary, signal) = build(&cfg, args.quiet)?;
    if !args.quiet || summary.interrupted {
        report(&summary, args.verbose);
    }
    if summary.interrupted {
        eprintln!(
            "policies: interrupted; the index is left at its last commit ({} checkpoints this run); \
             run the same command again to resume",
            summary.checkpoints
        );
        return Ok(Exit::Interrupted(signal as i32));
    }
    let problems = summary.skipped.len() + summary.warnings.len();
    if args.strict && problems > 0 {
        anyhow::bail!("{problems} files skipped or warned about, and --strict is set");
    }
    Ok(Exit::Match)
}

/// Builds with a progress bar, stopping cleanly on SIGINT or SIGTERM (a second signal
/// ends the process at once); returns the summary and the signal number (0 if none).
pub(super) fn build(cfg: &IndexConfig, quiet: bool) -> anyhow::Result<(BuildSummary, usize)> {
    let signal = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicBool::new(false));
    let mut handlers = Vec::new();
    for sig in [SIGINT, SIGTERM] {
        // A second signal while the first is being handled exits at once, as usual.
        handlers.push(
            signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, Arc::clone(&seen))
                .context("cannot install signal handlers")?,
        );
        handlers.push(signal_hook::flag::register(sig, Arc::clone(&seen))?);
        handlers.push(signal_hook::flag::register_usize(
            sig,
            Arc::clone(&signal),
            sig as usize,
        )?);
    }
    let bar = progress_bar(quiet, Arc::clone(&signal));
    let result = build_index(cfg, &bar);
    // After the build (e.g. the one `query` runs on first use), signals act as usual.
    for id in handlers {
        signal_hook::low_level::unregister(id);
    }
    let summary = result.with_context(|| format!("indexing into {}", cfg.index_dir.display()))?;
    Ok((summary, signal.load(Ordering::Relaxed)))
}

/// The summary, on stderr: what was done, what was skipped and why.
pub(super) fn report(s: &BuildSummary, verbose: bool) {
    let stderr = std::io::stderr();
    // A summary that cannot be written (stderr closed) is not worth failing the run.
    let _ = policies::output::reports::print_build_summary(&mut stderr.lock(), s, verbose);
}
