//! A git repository's history as a source: every version of every policy file reachable
//! from a revision, each indexed once (by blob id), resuming after the last indexed tip.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use rayon::prelude::*;
use tantivy::schema::Term;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::batch::{ItemContext, Outcome, fallback_vendor, index_text};
use super::{BuildSummary, GitSource, IndexConfig, Plan, Source};
use crate::corpus::{SkipReason, from_bytes};
use crate::error::IndexError;
use crate::index::git::GitSnapshot as Snapshot;
use crate::index::record::Origin;
use crate::index::schema::Fields;
use crate::index::{GitState, IndexInfo, now_rfc3339};

thread_local! {
    /// Each parsing thread's own handle on the repository (handles are not shared), with
    /// the number of the history it belongs to.
    static REPO: std::cell::RefCell<Option<(u64, gix::Repository)>> = const { std::cell::RefCell::new(None) };
}

/// Numbers histories, so that a thread's handle is never used for another repository.
static HISTORIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The history of one repository.
pub(super) struct History {
    source: GitSource,
    repo: gix::ThreadSafeRepository,
    tip: gix::ObjectId,
    globs: Option<globset::GlobSet>,
    /// The tip the previous run indexed up to, when this run may resume after it.
    since: Option<gix::ObjectId>,
    /// The pack pages read, given back every [`OBJECTS_MAPPED`] objects read.
    pages: crate::index::git::PackPages,
    /// This history's number (see [`HISTORIES`]).
    number: u64,
}

/// Objects read (blobs, or headers) between two releases of the pack's mapped pages. A
/// blob stored as a chain of deltas touches pages all over the pack, so the count of
/// objects bounds the pages better than their bytes.
const OBJECTS_MAPPED: u64 = 256;

impl History {
    /// Opens the repository and resolves the revision (errors before anything is
    /// written).
    pub(super) fn open(git: &GitSource) -> Result<History, IndexError> {
        let (repo, tip) = crate::index::git::open(&git.repo, &git.rev)?;
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
        Ok(History {
            source: git.clone(),
            pages: crate::index::git::PackPages::new(&repo, OBJECTS_MAPPED),
            repo: repo.into_sync(),
            tip,
            globs,
            since: None,
            number: HISTORIES.fetch_add(1, Ordering::Relaxed),
        })
    }
}

impl Source for History {
    type Item = Snapshot;

    /// Checkpoints keep the old state: the new tip is recorded only with the last batch,
    /// once everything it leads to is in the index.
    fn record(&mut self, info: &mut IndexInfo, cfg: &IndexConfig) -> IndexInfo {
        let key = crate::index::git::repo_key(&self.source.repo)
            .to_string_lossy()
            .into_owned();
        // The state to resume from applies only to a walk with the same selection; with
        // other paths or size limit the whole history is walked again (versions already
        // indexed are recognised by their blob id and not indexed twice).
        let wanted = GitState {
            tip: self.tip.to_string(),
            paths: self.source.paths.clone(),
            max_file_bytes: cfg.max_file_bytes,
        };
        self.since = match info.git.get(&key) {
            Some(old)
                if !cfg.rebuild
                    && old.paths == wanted.paths
                    && old.max_file_bytes == wanted.max_file_bytes =>
            {
                gix::ObjectId::from_hex(old.tip.as_bytes()).ok()
            }
            _ => None,
        };
        let checkpoint = info.clone();
        info.git.insert(key, wanted);
        info.built_at = now_rfc3339();
        checkpoint
    }

    fn plan(
        &mut self,
        cfg: &IndexConfig,
        index: &Index,
        fields: &Fields,
        _writer: &IndexWriter<TantivyDocument>,
    ) -> Result<Plan<Snapshot>, IndexError> {
        let repo = crate::index::git::local_handle(&self.repo);
        let walk = crate::index::git::walk(
            &self.source.repo,
            &repo,
            self.tip,
            self.since,
            self.globs.as_ref(),
        )?;
        // A version already in the index (reached again through a revert, or committed
        // by an interrupted run) is not indexed twice.
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
        // Sizes from the objects' headers, in parallel: a delta's size is in its own
        // header, but finding it may mean reading through the delta's chain.
        let (shared, pages) = (&self.repo, &self.pages);
        let sizes = snapshots
            .par_iter()
            .map_init(
                || crate::index::git::local_handle(shared),
                |repo, s| {
                    pages.tick(1);
                    repo.find_header(s.blob).map(|h| h.size()).unwrap_or(0)
                },
            )
            .collect();
        self.pages.release();
        Ok(Plan {
            summary: BuildSummary {
                files_seen: snapshots.len() as u64 + already,
                commits: walk.commits,
                from_git: true,
                ..Default::default()
            },
            items: snapshots,
            sizes,
            unchanged: already,
        })
    }

    fn index_item(
        &self,
        snap: &Snapshot,
        ctx: &ItemContext,
        writer: &IndexWriter<TantivyDocument>,
    ) -> (PathBuf, tantivy::Result<Outcome>) {
        let shown = PathBuf::from(format!("{}@{}", snap.path, snap.blob.to_hex_with_len(10)));
        let shared = &self.repo;
        let bytes = REPO.with(|cell| {
            let mut cell = cell.borrow_mut();
            if cell.as_ref().is_none_or(|(n, _)| *n != self.number) {
                *cell = Some((self.number, crate::index::git::local_handle(shared)));
            }
            let (_, repo) = cell.as_ref().expect("set above");
            repo.find_object(snap.blob).map(|o| o.detach().data)
        });
        self.pages.tick(1);
        let outcome = match bytes {
            Err(e) => Ok(Outcome::Skipped(SkipReason::Unreadable(e.to_string()))),
            Ok(bytes) => match from_bytes(bytes, ctx.cfg.max_file_bytes) {
                Err(reason) => Ok(Outcome::Skipped(reason)),
                Ok(loaded) => {
                    ctx.counters
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
                        ctx,
                        writer,
                    )
                }
            },
        };
        (shown, outcome)
    }
}
