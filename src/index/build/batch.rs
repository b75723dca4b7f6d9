//! The batch runner shared by every source: the writer and its commits, checkpoint
//! batches run in parallel with rollback on a stop request, the metadata committed with
//! them, and the per-item outcome counters.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::{BuildSummary, IndexConfig, Progress};
use crate::corpus::{EntityMatcher, SkipReason, TextEncoding, parse_policy};
use crate::error::IndexError;
use crate::index::record::{Origin, policy_docs, policy_id};
use crate::index::schema::Fields;
use crate::index::{Incomplete, IndexInfo, SCHEMA_VERSION, now_rfc3339};

pub(super) fn empty_info() -> IndexInfo {
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
pub(super) fn unfinished(
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
pub(super) fn payload(info: &IndexInfo) -> Result<String, IndexError> {
    serde_json::to_string(info).map_err(|e| IndexError::Io {
        context: "cannot write index metadata".to_string(),
        source: std::io::Error::other(e),
    })
}

/// Opens the writer (refused while another run holds it) and, for a new index, commits
/// it empty with its metadata, so it opens even if this run stops before a checkpoint.
pub(super) fn open_writer(
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
    writer.set_merge_policy(Box::new(crate::index::merge::BoundedMergePolicy {
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

/// See [`crate::index::follow_umask`].
pub(super) fn permissions(dir: &Path) -> Result<(), IndexError> {
    crate::index::follow_umask(dir).map_err(|source| IndexError::Io {
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
pub(super) fn merge_cap(memory_mb: usize) -> u32 {
    u32::try_from(memory_mb.saturating_mul(1000)).unwrap_or(u32::MAX)
}

/// Outcomes of a run, gathered from the parsing threads.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) counters: Counters,
    skipped: Mutex<Vec<(PathBuf, SkipReason)>>,
    warnings: Mutex<Vec<(PathBuf, String)>>,
    error: Mutex<Option<tantivy::TantivyError>>,
}

impl Gathered {
    pub(super) fn record(&self, path: &Path, outcome: tantivy::Result<Outcome>) {
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

    pub(super) fn into_summary(self, summary: &mut BuildSummary) {
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
pub(super) struct Payloads<'a> {
    pub(super) checkpoint: &'a IndexInfo,
    pub(super) last: &'a IndexInfo,
}

/// What every batch of a run shares.
pub(super) struct RunContext<'a> {
    pub(super) cfg: &'a IndexConfig,
    /// The run's parsing threads (`cfg.threads`).
    pub(super) pool: &'a rayon::ThreadPool,
    pub(super) progress: &'a dyn Progress,
    pub(super) gathered: &'a Gathered,
}

/// Runs `work` over `items` in parallel, in checkpoint batches of about
/// `cfg.checkpoint_bytes` (by `sizes`), committing after each batch. On a stop request
/// the unfinished batch is rolled back. Returns (checkpoints, interrupted).
pub(super) fn run_in_batches<T: Sync>(
    run: &RunContext,
    mut writer: IndexWriter<TantivyDocument>,
    payloads: Payloads,
    items: &[T],
    sizes: &[u64],
    work: impl Fn(&T, &IndexWriter<TantivyDocument>) + Sync,
) -> Result<(u64, bool), IndexError> {
    let (cfg, progress, gathered, pool) = (run.cfg, run.progress, run.gathered, run.pool);
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

/// The parsing threads of a run: `cfg.threads` of them.
pub(super) fn thread_pool(cfg: &IndexConfig) -> Result<rayon::ThreadPool, IndexError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| IndexError::Io {
            context: "cannot start parsing threads".to_string(),
            source: std::io::Error::other(e),
        })
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
pub(super) struct Counters {
    pub(super) indexed: AtomicU64,
    pub(super) kept: AtomicU64,
    pub(super) removed: AtomicU64,
    pub(super) unchanged: AtomicU64,
    pub(super) sections: AtomicU64,
    pub(super) bytes: AtomicU64,
    pub(super) windows_1252: AtomicU64,
    pub(super) utf16: AtomicU64,
    pub(super) replaced: AtomicU64,
    pub(super) no_header: AtomicU64,
}

pub(super) enum Outcome {
    Indexed { warning: Option<String> },
    Unchanged,
    Skipped(SkipReason),
}

/// What indexing one item needs besides the item.
pub(super) struct ItemContext<'a> {
    pub(super) cfg: &'a IndexConfig,
    pub(super) matcher: &'a EntityMatcher,
    pub(super) fields: &'a Fields,
    pub(super) counters: &'a Counters,
}

/// Parses a snapshot's text and adds its records.
pub(super) fn index_text(
    loaded: &crate::corpus::LoadedFile,
    fallback: &str,
    id_path: &str,
    origin: &Origin,
    ctx: &ItemContext,
    writer: &IndexWriter<TantivyDocument>,
) -> tantivy::Result<Outcome> {
    let (fields, counters) = (ctx.fields, ctx.counters);
    let policy = parse_policy(&loaded.text, fallback, ctx.matcher);
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
    // One group: tantivy writes a group's documents to one segment, in order, so a
    // policy's sections are consecutive documents (counts per policy rely on it).
    writer.run(
        policy_docs(fields, origin, &id, &policy)
            .into_iter()
            .map(tantivy::indexer::UserOperation::Add),
    )?;
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
pub(super) fn fallback_vendor(path: &Path) -> String {
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
