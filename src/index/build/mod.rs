//! Building and updating the index: one runner over a small `Source` trait (policy
//! files on disk, a git history; adding a source is adding a file here). Items are read
//! and parsed in parallel with rayon and fed to one tantivy `IndexWriter` (which runs its
//! own indexing threads), in checkpoint batches. Incremental by default: the state is
//! read back from the index itself.

mod batch;
mod dir;
mod files;
mod git;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tantivy::{Index, IndexWriter, TantivyDocument};

use self::batch::{
    Gathered, ItemContext, Outcome, Payloads, RunContext, empty_info, open_writer, run_in_batches,
    thread_pool,
};
use super::record::Totals;
use super::schema::Fields;
use super::{IndexInfo, PolicyIndex, now_rfc3339};
use crate::corpus::{EntityMatcher, SkipReason};
use crate::error::IndexError;

/// Everything `build_index` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    pub roots: Vec<PathBuf>,
    pub index_dir: PathBuf,
    /// Threads for parsing and for the writer.
    pub threads: usize,
    /// The writer's total memory budget.
    pub memory_mb: usize,
    pub rebuild: bool,
    pub max_file_bytes: u64,
    pub processors_file: Option<PathBuf>,
    /// Entity dictionaries to add to or replace the built-in ones (TOML).
    pub entities_file: Option<PathBuf>,
    /// Commit after about this many bytes of input.
    pub checkpoint_bytes: u64,
    /// Index a git repository's history instead of the roots.
    pub git: Option<GitSource>,
}

/// `index --git REPO [--rev REV] [--paths GLOB…]`.
#[derive(Debug, Clone)]
pub struct GitSource {
    pub repo: PathBuf,
    pub rev: String,
    pub paths: Vec<String>,
}

impl IndexConfig {
    /// A build of `roots` into `index_dir` with the command line's defaults: all cores
    /// (at most 8), a 1 GB writer budget, 32 MiB files at most, checkpoints every 256 MB,
    /// incremental.
    pub fn new(roots: Vec<PathBuf>, index_dir: PathBuf) -> IndexConfig {
        IndexConfig {
            roots,
            index_dir,
            threads: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
            memory_mb: 1024,
            rebuild: false,
            max_file_bytes: 32 * 1024 * 1024,
            processors_file: None,
            entities_file: None,
            checkpoint_bytes: 256 * 1024 * 1024,
            git: None,
        }
    }
}

/// Progress reports that go nowhere (for library users without a progress bar).
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _files: u64, _bytes: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// Reports progress; implemented by the command layer (a progress bar, or nothing).
pub trait Progress: Sync {
    fn start(&self, files: u64, bytes: u64);
    fn advance(&self, bytes: u64);
    fn finish(&self);
    /// Polled between files: true asks the build to stop at the last commit.
    fn should_stop(&self) -> bool {
        false
    }
}

/// What a build did and what the index holds afterwards.
#[derive(Debug, Default, Clone)]
pub struct BuildSummary {
    pub files_seen: u64,
    pub files_indexed: u64,
    pub files_unchanged: u64,
    pub files_removed: u64,
    /// Files skipped this run (over the size limit, unreadable) whose records from an
    /// earlier run were kept.
    pub files_kept: u64,
    pub sections_added: u64,
    pub bytes_read: u64,
    /// Files that were not valid UTF-8 and were read as Windows-1252.
    pub windows_1252: u64,
    /// Files read as UTF-16 (by their byte-order mark).
    pub utf16: u64,
    /// Files whose byte-order mark promised an encoding their bytes broke: the invalid
    /// sequences became U+FFFD.
    pub replaced: u64,
    /// Files without the Princeton-Leuven header line.
    pub no_header: u64,
    pub skipped: Vec<(PathBuf, SkipReason)>,
    /// Files indexed with a problem worth telling (an impossible date, …).
    pub warnings: Vec<(PathBuf, String)>,
    pub elapsed: Duration,
    pub total_policies: u64,
    pub total_sections: u64,
    pub total_vendors: u64,
    pub undated_policies: u64,
    pub year_span: Option<(u64, u64)>,
    /// Commits made (one per checkpoint batch).
    pub checkpoints: u64,
    /// Git commits walked (with `--git`).
    pub commits: u64,
    /// The snapshots came from a git repository (versions, not files).
    pub from_git: bool,
    /// The run was stopped (signal) before it finished; the index is at its last commit.
    pub interrupted: bool,
}

impl BuildSummary {
    /// Skipped files counted by reason, in a stable order.
    pub fn skipped_by_reason(&self) -> BTreeMap<&'static str, u64> {
        let mut out = BTreeMap::new();
        for (_, r) in &self.skipped {
            *out.entry(r.kind()).or_insert(0) += 1;
        }
        out
    }
}

/// Where a build's snapshots come from. The runner ([`build_index`]) opens the index,
/// asks the source what to record and what to index, runs the batches and totals up.
trait Source: Sync + Send {
    /// One unit of work: a file, a version in a repository.
    type Item: Sync + Send;

    /// Records in `info` (committed with the run's last batch) what this run indexes;
    /// returns the metadata to commit at checkpoints before that.
    fn record(&mut self, info: &mut IndexInfo, cfg: &IndexConfig) -> IndexInfo;

    /// What to index, with sizes (for checkpoints and progress), and the summary's
    /// starting figures; may delete the records of what is gone through `writer`.
    fn plan(
        &mut self,
        cfg: &IndexConfig,
        index: &Index,
        fields: &Fields,
        writer: &IndexWriter<TantivyDocument>,
    ) -> Result<Plan<Self::Item>, IndexError>;

    /// Reads, parses and adds one item: the name to report it by, and the outcome.
    fn index_item(
        &self,
        item: &Self::Item,
        ctx: &ItemContext,
        writer: &IndexWriter<TantivyDocument>,
    ) -> (PathBuf, tantivy::Result<Outcome>);
}

/// What a source plans to do.
struct Plan<T> {
    items: Vec<T>,
    sizes: Vec<u64>,
    summary: BuildSummary,
    /// Items found already indexed and passed over before the run.
    unchanged: u64,
}

/// Builds or updates the index at `cfg.index_dir` from `cfg.roots` (or, with
/// `cfg.git`, from a repository's history).
pub fn build_index(cfg: &IndexConfig, progress: &dyn Progress) -> Result<BuildSummary, IndexError> {
    let started = Instant::now();
    let matcher =
        EntityMatcher::with_files(cfg.processors_file.as_deref(), cfg.entities_file.as_deref())?;
    let mut summary = match &cfg.git {
        Some(git) => run(cfg, git::History::open(git)?, &matcher, progress)?,
        None => run(cfg, files::Files::walk(cfg)?, &matcher, progress)?,
    };
    let opened = PolicyIndex::open(&cfg.index_dir)?;
    let searcher = opened.reader()?.searcher();
    let t = Totals::count(&searcher)?;
    summary.total_sections = t.sections;
    summary.total_policies = t.policies;
    summary.total_vendors = t.vendors;
    summary.undated_policies = t.undated_policies;
    summary.year_span = t.year_span;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// One run over a source.
fn run<S: Source>(
    cfg: &IndexConfig,
    mut source: S,
    matcher: &EntityMatcher,
    progress: &dyn Progress,
) -> Result<BuildSummary, IndexError> {
    let (index, fields, previous) = dir::open_or_create(cfg)?;
    let mut info = previous.unwrap_or_else(empty_info);
    info.built_at = now_rfc3339();
    info.incomplete = None;
    let checkpoint = source.record(&mut info, cfg);
    let writer = open_writer(cfg, &index, &checkpoint)?;
    // Planning may work in parallel too (a history's diffs), on the run's threads.
    let pool = thread_pool(cfg)?;
    let plan = pool.install(|| source.plan(cfg, &index, &fields, &writer))?;
    let gathered = Gathered::default();
    gathered
        .counters
        .unchanged
        .fetch_add(plan.unchanged, Ordering::Relaxed);
    let ctx = ItemContext {
        cfg,
        matcher,
        fields: &fields,
        counters: &gathered.counters,
    };
    let (checkpoints, interrupted) = run_in_batches(
        &RunContext {
            cfg,
            pool: &pool,
            progress,
            gathered: &gathered,
        },
        writer,
        Payloads {
            checkpoint: &checkpoint,
            last: &info,
        },
        &plan.items,
        &plan.sizes,
        |item, writer| {
            let (shown, outcome) = source.index_item(item, &ctx, writer);
            gathered.record(&shown, outcome);
        },
    )?;
    let mut summary = plan.summary;
    summary.checkpoints = checkpoints;
    summary.interrupted = interrupted;
    gathered.into_summary(&mut summary);
    Ok(summary)
}
