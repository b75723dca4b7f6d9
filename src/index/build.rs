//! Building and updating the index: walk the corpus, read and parse files in parallel
//! with rayon, and feed one tantivy `IndexWriter` (which runs its own indexing threads).
//! Incremental by default: the (path, hash) state is read back from the index itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use tantivy::schema::Term;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::record::{Origin, Totals, policy_docs, policy_id};
use super::schema::{Fields, build_schema, register_tokenizers};
use super::{
    GitState, Incomplete, IndexInfo, PolicyIndex, SCHEMA_VERSION, file_state, now_rfc3339,
};
use crate::corpus::{
    FileEntry, ProcessorMatcher, SkipReason, TextEncoding, from_bytes, load_file, parse_policy,
    walk_roots,
};
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

/// Builds or updates the index at `cfg.index_dir` from `cfg.roots` (or, with
/// `cfg.git`, from a repository's history).
pub fn build_index(cfg: &IndexConfig, progress: &dyn Progress) -> Result<BuildSummary, IndexError> {
    let started = Instant::now();
    let matcher = match &cfg.processors_file {
        Some(p) => ProcessorMatcher::with_file(p)?,
        None => ProcessorMatcher::builtin(),
    };
    let mut summary = match &cfg.git {
        Some(git) => build_from_git(cfg, git, &matcher, progress)?,
        None => build_from_files(cfg, &matcher, progress)?,
    };
    let opened = PolicyIndex::open(&cfg.index_dir)?;
    let searcher = opened.reader()?.searcher();
    fill_totals(&mut summary, &searcher)?;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn empty_info() -> IndexInfo {
    IndexInfo {
        schema_version: SCHEMA_VERSION,
        built_at: now_rfc3339(),
        roots: Vec::new(),
        git: BTreeMap::new(),
        incomplete: None,
    }
}

/// `info` marked as the partial result of a build that started at `started_at` and has
/// committed `done` of `total` items (and bytes).
fn unfinished(
    info: &IndexInfo,
    started_at: &str,
    done: (u64, u64),
    total: (u64, u64),
) -> IndexInfo {
    IndexInfo {
        incomplete: Some(Incomplete {
            started_at: started_at.to_string(),
            items_done: done.0,
            items_total: total.0,
            bytes_done: done.1,
            bytes_total: total.1,
        }),
        ..info.clone()
    }
}

/// The index metadata to commit: what was there, plus this run's roots or git tip.
fn payload(info: &IndexInfo) -> Result<String, IndexError> {
    serde_json::to_string(info).map_err(|e| IndexError::Io {
        context: "cannot write index metadata".to_string(),
        source: std::io::Error::other(e),
    })
}

/// Opens the writer (refused while another run holds it) and, for a new index, commits
/// it empty with its metadata, so it opens even if this run stops before a checkpoint.
fn open_writer(
    cfg: &IndexConfig,
    index: &Index,
    info: &IndexInfo,
) -> Result<IndexWriter<TantivyDocument>, IndexError> {
    let per_thread_floor = 16;
    if cfg.memory_mb < per_thread_floor * cfg.threads {
        return Err(IndexError::Io {
            context: format!(
                "a writer memory budget of {} MB is too small for {} threads",
                cfg.memory_mb, cfg.threads
            ),
            source: std::io::Error::other(format!(
                "need at least {} MB ({per_thread_floor} MB per thread)",
                per_thread_floor * cfg.threads
            )),
        });
    }
    let mut writer: IndexWriter<TantivyDocument> = index
        .writer_with_num_threads(cfg.threads, cfg.memory_mb * 1024 * 1024)
        .map_err(|e| match e {
            tantivy::TantivyError::LockFailure(..) => IndexError::Locked {
                path: cfg.index_dir.clone(),
            },
            other => IndexError::Tantivy(other),
        })?;
    writer.set_merge_policy(Box::new(super::merge::BoundedMergePolicy {
        max_docs: merge_cap(cfg.memory_mb),
    }));
    if index.load_metas()?.payload.is_none() {
        // Nothing is in it yet: incomplete until the run's last commit.
        let empty = unfinished(info, &now_rfc3339(), (0, 0), (0, 0));
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload(&empty)?);
        prepared.commit()?;
        permissions(&cfg.index_dir)?;
    }
    if cfg.rebuild {
        writer.delete_all_documents()?;
    }
    Ok(writer)
}

/// See [`super::follow_umask`].
fn permissions(dir: &Path) -> Result<(), IndexError> {
    super::follow_umask(dir).map_err(|source| IndexError::Io {
        context: format!(
            "cannot set the permissions of the files in {}",
            dir.display()
        ),
        source,
    })
}

/// Most sections in a merged segment: 1,000 per MB of the writer's budget (about a
/// million for the default 1024 MB, some 0.5 GB of index on the benchmark corpus). A
/// merge maps its inputs, so this bounds the memory a merge adds to the writer's.
fn merge_cap(memory_mb: usize) -> u32 {
    u32::try_from(memory_mb.saturating_mul(1000)).unwrap_or(u32::MAX)
}

/// Outcomes of a run, gathered from the parsing threads.
#[derive(Default)]
struct Gathered {
    counters: Counters,
    skipped: Mutex<Vec<(PathBuf, SkipReason)>>,
    warnings: Mutex<Vec<(PathBuf, String)>>,
    error: Mutex<Option<tantivy::TantivyError>>,
}

impl Gathered {
    fn record(&self, path: &Path, outcome: tantivy::Result<Outcome>) {
        match outcome {
            Ok(Outcome::Indexed { warning }) => {
                if let Some(w) = warning {
                    lock(&self.warnings).push((path.to_path_buf(), w));
                }
            }
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Skipped(reason)) => lock(&self.skipped).push((path.to_path_buf(), reason)),
            Err(e) => {
                lock(&self.error).get_or_insert(e);
            }
        }
    }

    fn into_summary(self, summary: &mut BuildSummary) {
        let c = &self.counters;
        summary.files_indexed = c.indexed.load(Ordering::Relaxed);
        summary.files_removed += c.removed.load(Ordering::Relaxed);
        summary.files_unchanged = c.unchanged.load(Ordering::Relaxed);
        summary.files_kept = c.kept.load(Ordering::Relaxed);
        summary.sections_added = c.sections.load(Ordering::Relaxed);
        summary.bytes_read = c.bytes.load(Ordering::Relaxed);
        summary.windows_1252 = c.windows_1252.load(Ordering::Relaxed);
        summary.utf16 = c.utf16.load(Ordering::Relaxed);
        summary.replaced = c.replaced.load(Ordering::Relaxed);
        summary.no_header = c.no_header.load(Ordering::Relaxed);
        let mut skipped = self.skipped.into_inner().unwrap_or_else(|e| e.into_inner());
        summary.skipped.append(&mut skipped);
        summary.skipped.sort();
        summary.warnings = self
            .warnings
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        summary.warnings.sort();
    }
}

/// The metadata committed at checkpoints and with the last batch. They differ for git:
/// the new tip may only be recorded once everything it leads to is in the index; and a
/// checkpoint marks the index incomplete, with how far the run has got.
struct Payloads<'a> {
    checkpoint: &'a IndexInfo,
    last: &'a IndexInfo,
}

/// Runs `work` over `items` in parallel, in checkpoint batches of about
/// `cfg.checkpoint_bytes` (by `sizes`), committing after each batch. On a stop request
/// the unfinished batch is rolled back. Returns (checkpoints, interrupted).
#[allow(clippy::too_many_arguments)]
fn run_in_batches<T: Sync>(
    cfg: &IndexConfig,
    mut writer: IndexWriter<TantivyDocument>,
    payloads: Payloads,
    items: &[T],
    sizes: &[u64],
    progress: &dyn Progress,
    gathered: &Gathered,
    work: impl Fn(&T, &IndexWriter<TantivyDocument>) + Sync,
) -> Result<(u64, bool), IndexError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| IndexError::Io {
            context: "cannot start parsing threads".to_string(),
            source: std::io::Error::other(e),
        })?;
    let total = (items.len() as u64, sizes.iter().sum::<u64>());
    progress.start(total.0, total.1);
    let started_at = now_rfc3339();
    let mut done = (0u64, 0u64);
    let mut checkpoints = 0;
    let mut interrupted = false;
    let batches = checkpoint_batches(sizes, cfg.checkpoint_bytes);
    let last_batch = batches.len() - 1;
    for (n, range) in batches.into_iter().enumerate() {
        let shared = &writer;
        pool.install(|| {
            items[range.clone()]
                .par_iter()
                .zip(&sizes[range.clone()])
                .for_each(|(item, size)| {
                    if !progress.should_stop() {
                        work(item, shared);
                        progress.advance(*size);
                    }
                });
        });
        if let Some(e) = lock(&gathered.error).take() {
            progress.finish();
            return Err(e.into());
        }
        if progress.should_stop() {
            // Drop what this batch added: the index stays at its last commit.
            writer.rollback()?;
            interrupted = true;
            break;
        }
        done.0 += range.len() as u64;
        done.1 += sizes[range.clone()].iter().sum::<u64>();
        let info = if n == last_batch {
            payloads.last.clone()
        } else {
            unfinished(payloads.checkpoint, &started_at, done, total)
        };
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload(&info)?);
        prepared.commit()?;
        permissions(&cfg.index_dir)?;
        checkpoints += 1;
    }
    progress.finish();
    if !interrupted {
        writer.wait_merging_threads()?;
    }
    permissions(&cfg.index_dir)?;
    Ok((checkpoints, interrupted))
}

thread_local! {
    /// Each parsing thread's own handle on the repository (handles are not shared).
    static REPO: std::cell::RefCell<Option<gix::Repository>> = const { std::cell::RefCell::new(None) };
}

fn build_from_git(
    cfg: &IndexConfig,
    git: &GitSource,
    matcher: &ProcessorMatcher,
    progress: &dyn Progress,
) -> Result<BuildSummary, IndexError> {
    let (repo, tip) = super::git::open(&git.repo, &git.rev)?;
    let globs = if git.paths.is_empty() {
        None
    } else {
        let mut b = globset::GlobSetBuilder::new();
        for p in &git.paths {
            b.add(globset::Glob::new(p).map_err(|e| IndexError::Git {
                repo: git.repo.clone(),
                message: format!("bad path glob {p:?}: {e}"),
            })?);
        }
        Some(b.build().map_err(|e| IndexError::Git {
            repo: git.repo.clone(),
            message: e.to_string(),
        })?)
    };
    let (index, fields, previous) = open_or_create(cfg)?;
    let key = super::git::repo_key(&git.repo)
        .to_string_lossy()
        .into_owned();
    let mut info = previous.unwrap_or_else(empty_info);
    info.built_at = now_rfc3339();
    info.incomplete = None;
    // The state to resume from applies only to a walk with the same selection; with
    // other --paths or size limit the whole history is walked again (versions already
    // indexed are recognised by their blob id and not indexed twice).
    let wanted = GitState {
        tip: tip.to_string(),
        paths: git.paths.clone(),
        max_file_bytes: cfg.max_file_bytes,
    };
    let since = match info.git.get(&key) {
        Some(old)
            if !cfg.rebuild
                && old.paths == wanted.paths
                && old.max_file_bytes == wanted.max_file_bytes =>
        {
            gix::ObjectId::from_hex(old.tip.as_bytes()).ok()
        }
        _ => None,
    };
    let walk = super::git::walk(&git.repo, &repo, tip, since, globs.as_ref())?;
    // Checkpoints keep the old state: the new tip is recorded only with the last batch,
    // once everything it leads to is in the index.
    let checkpoint_info = info.clone();
    info.git.insert(key, wanted);
    let writer = open_writer(cfg, &index, &checkpoint_info)?;

    // A version already in the index (reached again through a revert, or committed by an
    // interrupted run) is not indexed twice.
    let mut snapshots = Vec::with_capacity(walk.snapshots.len());
    let mut already = 0;
    if cfg.rebuild {
        snapshots = walk.snapshots;
    } else {
        let searcher = index.reader()?.searcher();
        for s in walk.snapshots {
            let term = Term::from_field_text(fields.blob, &s.blob.to_string());
            if searcher.doc_freq(&term)? > 0 {
                already += 1;
            } else {
                snapshots.push(s);
            }
        }
    }
    let sizes: Vec<u64> = snapshots
        .iter()
        .map(|s| repo.find_header(s.blob).map(|h| h.size()).unwrap_or(0))
        .collect();
    let shared = repo.into_sync();
    let mut summary = BuildSummary {
        files_seen: snapshots.len() as u64 + already,
        commits: walk.commits,
        from_git: true,
        ..Default::default()
    };
    let gathered = Gathered::default();
    gathered
        .counters
        .unchanged
        .fetch_add(already, Ordering::Relaxed);
    let (checkpoints, interrupted) = run_in_batches(
        cfg,
        writer,
        Payloads {
            checkpoint: &checkpoint_info,
            last: &info,
        },
        &snapshots,
        &sizes,
        progress,
        &gathered,
        |snap, writer| {
            let shown = PathBuf::from(format!("{}@{}", snap.path, snap.blob.to_hex_with_len(10)));
            let bytes = REPO.with(|cell| {
                let mut cell = cell.borrow_mut();
                let repo = cell.get_or_insert_with(|| shared.to_thread_local());
                repo.find_object(snap.blob).map(|o| o.detach().data)
            });
            let outcome = match bytes {
                Err(e) => Ok(Outcome::Skipped(SkipReason::Unreadable(e.to_string()))),
                Ok(bytes) => match from_bytes(bytes, cfg.max_file_bytes) {
                    Err(reason) => Ok(Outcome::Skipped(reason)),
                    Ok(loaded) => {
                        gathered
                            .counters
                            .bytes
                            .fetch_add(loaded.bytes, Ordering::Relaxed);
                        let blob = snap.blob.to_string();
                        let revision = snap.commit.to_string();
                        let origin = Origin {
                            path: &snap.path,
                            hash: loaded.hash,
                            revision: Some(&revision),
                            blob: Some(&blob),
                        };
                        index_text(
                            &loaded,
                            &fallback_vendor(Path::new(&snap.path)),
                            &format!("{}@{blob}", snap.path),
                            &origin,
                            matcher,
                            &fields,
                            writer,
                            &gathered.counters,
                        )
                    }
                },
            };
            gathered.record(&shown, outcome);
        },
    )?;
    summary.checkpoints = checkpoints;
    summary.interrupted = interrupted;
    gathered.into_summary(&mut summary);
    Ok(summary)
}

fn build_from_files(
    cfg: &IndexConfig,
    matcher: &ProcessorMatcher,
    progress: &dyn Progress,
) -> Result<BuildSummary, IndexError> {
    let (files, walk_skips) = walk_roots(&cfg.roots)?;
    let (index, fields, previous) = open_or_create(cfg)?;
    let abs_roots: Vec<PathBuf> = cfg
        .roots
        .iter()
        .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))
        .collect();
    let mut info = previous.unwrap_or_else(empty_info);
    let mut roots: BTreeSet<String> = info.roots.iter().cloned().collect();
    roots.extend(abs_roots.iter().map(|r| r.to_string_lossy().into_owned()));
    info.roots = roots.into_iter().collect();
    info.built_at = now_rfc3339();
    info.incomplete = None;
    let writer = open_writer(cfg, &index, &info)?;

    let state = if cfg.rebuild {
        HashMap::new()
    } else {
        file_state(&index.reader()?.searcher())?
    };
    let mut summary = BuildSummary {
        files_seen: files.len() as u64,
        skipped: walk_skips,
        ..Default::default()
    };
    // Records of files that are gone: under a root of this run, or no longer on disk.
    let walked: BTreeSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    for key in state.keys() {
        if walked.contains(key.as_str()) {
            continue;
        }
        let under_root = abs_roots.iter().any(|r| Path::new(key).starts_with(r));
        if under_root || !Path::new(key).exists() {
            writer.delete_term(Term::from_field_text(fields.path, key));
            summary.files_removed += 1;
        }
    }
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0))
        .collect();
    let gathered = Gathered::default();
    let (checkpoints, interrupted) = run_in_batches(
        cfg,
        writer,
        Payloads {
            checkpoint: &info,
            last: &info,
        },
        &files,
        &sizes,
        progress,
        &gathered,
        |entry: &FileEntry, writer| {
            let outcome = index_one(
                entry,
                cfg,
                &state,
                matcher,
                &fields,
                writer,
                &gathered.counters,
            );
            gathered.record(&entry.path, outcome);
        },
    )?;
    summary.checkpoints = checkpoints;
    summary.interrupted = interrupted;
    gathered.into_summary(&mut summary);
    Ok(summary)
}

/// Splits files (by size) into consecutive batches of about `limit` bytes each.
fn checkpoint_batches(sizes: &[u64], limit: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut acc) = (0, 0u64);
    for (i, size) in sizes.iter().enumerate() {
        acc += size;
        if acc >= limit.max(1) {
            out.push(start..i + 1);
            start = i + 1;
            acc = 0;
        }
    }
    if start < sizes.len() || out.is_empty() {
        out.push(start..sizes.len());
    }
    out
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
struct Counters {
    indexed: AtomicU64,
    kept: AtomicU64,
    removed: AtomicU64,
    unchanged: AtomicU64,
    sections: AtomicU64,
    bytes: AtomicU64,
    windows_1252: AtomicU64,
    utf16: AtomicU64,
    replaced: AtomicU64,
    no_header: AtomicU64,
}

enum Outcome {
    Indexed { warning: Option<String> },
    Unchanged,
    Skipped(SkipReason),
}

fn index_one(
    entry: &FileEntry,
    cfg: &IndexConfig,
    state: &HashMap<String, u64>,
    matcher: &ProcessorMatcher,
    fields: &Fields,
    writer: &IndexWriter<TantivyDocument>,
    counters: &Counters,
) -> tantivy::Result<Outcome> {
    let previous = state.get(&entry.key);
    let loaded = match load_file(&entry.path, cfg.max_file_bytes) {
        Ok(l) => l,
        Err(reason) => {
            if previous.is_some() {
                match reason {
                    // A limit of this run, or a passing read error, says nothing about
                    // the file's text: what was indexed for it stays (--rebuild drops it).
                    SkipReason::TooLarge { .. } | SkipReason::Unreadable(_) => {
                        counters.kept.fetch_add(1, Ordering::Relaxed);
                    }
                    // The file is now empty or binary: its old records no longer stand
                    // for what is on disk.
                    _ => {
                        writer.delete_term(Term::from_field_text(fields.path, &entry.key));
                        counters.removed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            return Ok(Outcome::Skipped(reason));
        }
    };
    counters.bytes.fetch_add(loaded.bytes, Ordering::Relaxed);
    if previous == Some(&loaded.hash) {
        counters.unchanged.fetch_add(1, Ordering::Relaxed);
        return Ok(Outcome::Unchanged);
    }
    if previous.is_some() {
        writer.delete_term(Term::from_field_text(fields.path, &entry.key));
    }
    let origin = Origin {
        path: &entry.key,
        hash: loaded.hash,
        revision: None,
        blob: None,
    };
    index_text(
        &loaded,
        &fallback_vendor(&entry.path),
        &entry.id_path,
        &origin,
        matcher,
        fields,
        writer,
        counters,
    )
}

/// Parses a snapshot's text and adds its records.
#[allow(clippy::too_many_arguments)]
fn index_text(
    loaded: &crate::corpus::LoadedFile,
    fallback: &str,
    id_path: &str,
    origin: &Origin,
    matcher: &ProcessorMatcher,
    fields: &Fields,
    writer: &IndexWriter<TantivyDocument>,
    counters: &Counters,
) -> tantivy::Result<Outcome> {
    let policy = parse_policy(&loaded.text, fallback, matcher);
    match loaded.encoding {
        TextEncoding::Utf8 => {}
        TextEncoding::Windows1252 => {
            counters.windows_1252.fetch_add(1, Ordering::Relaxed);
        }
        TextEncoding::Utf16 => {
            counters.utf16.fetch_add(1, Ordering::Relaxed);
        }
        TextEncoding::Replaced => {
            counters.replaced.fetch_add(1, Ordering::Relaxed);
        }
    }
    if !policy.has_header {
        counters.no_header.fetch_add(1, Ordering::Relaxed);
    }
    let id = policy_id(id_path);
    for doc in policy_docs(fields, origin, &id, &policy) {
        writer.add_document(doc)?;
    }
    counters
        .sections
        .fetch_add(policy.sections.len() as u64, Ordering::Relaxed);
    counters.indexed.fetch_add(1, Ordering::Relaxed);
    // Windows-1252 is common in real crawls: counted in the summary, not warned per file.
    let warning = policy.warnings.join("; ");
    Ok(Outcome::Indexed {
        warning: (!warning.is_empty()).then_some(warning),
    })
}

/// The vendor for a file without a header: its name without the policy extension.
fn fallback_vendor(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in crate::corpus::walk::EXTENSIONS {
        let suffix = format!(".{ext}");
        if name.len() > suffix.len() && name.to_lowercase().ends_with(&suffix) {
            return name[..name.len() - suffix.len()].to_string();
        }
    }
    name
}

/// Opens the index for writing, or creates it. `--rebuild` on an existing directory
/// only proceeds when that directory is an index (or empty), never on other data.
fn open_or_create(cfg: &IndexConfig) -> Result<(Index, Fields, Option<IndexInfo>), IndexError> {
    let dir = &cfg.index_dir;
    let io = |context: String| move |source: std::io::Error| IndexError::Io { context, source };
    if dir.exists() && !dir.is_dir() {
        return Err(IndexError::NotADirectory { path: dir.clone() });
    }
    let has_meta = dir.join("meta.json").is_file();
    if has_meta && !cfg.rebuild {
        let opened = PolicyIndex::open(dir)?;
        return Ok((opened.index, opened.fields, Some(opened.info)));
    }
    if dir.exists() && !super::is_empty_dir(dir) && !super::looks_like_index(dir) {
        return Err(IndexError::NotAnIndex { path: dir.clone() });
    }
    if !has_meta && super::looks_like_index(dir) && !cfg.rebuild {
        return Err(IndexError::Damaged {
            path: dir.clone(),
            reason: "meta.json is missing".to_string(),
        });
    }
    if super::looks_like_index(dir) {
        // --rebuild on an index: reuse the directory if the schema matches, so the
        // writer's lock protects a concurrent run; otherwise start from scratch.
        if let Ok(opened) = PolicyIndex::open(dir) {
            return Ok((opened.index, opened.fields, None));
        }
        // Delete only the index's own files, and only if nothing else is there.
        let files =
            super::index_files(dir).ok_or_else(|| IndexError::NotAnIndex { path: dir.clone() })?;
        for p in files {
            std::fs::remove_file(&p).map_err(io(format!("cannot remove {}", p.display())))?;
        }
    }
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let (schema, fields) = build_schema();
    let index = Index::builder()
        .schema(schema)
        .settings(super::schema::index_settings())
        .create_in_dir(dir)?;
    register_tokenizers(&index);
    Ok((index, fields, None))
}

fn fill_totals(summary: &mut BuildSummary, searcher: &tantivy::Searcher) -> Result<(), IndexError> {
    let t = Totals::count(searcher)?;
    summary.total_sections = t.sections;
    summary.total_policies = t.policies;
    summary.total_vendors = t.vendors;
    summary.undated_policies = t.undated_policies;
    summary.year_span = t.year_span;
    Ok(())
}
