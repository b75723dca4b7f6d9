//! Policy files on disk as a source: the corpus roots walked, each file indexed when it
//! is new or changed (by content hash), the records of files that are gone removed.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use tantivy::schema::Term;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::batch::{ItemContext, Outcome, fallback_vendor, index_text};
use super::{BuildSummary, IndexConfig, Plan, Source};
use crate::corpus::walk::Skips;
use crate::corpus::{FileEntry, SkipReason, load_file, walk_roots};
use crate::error::IndexError;
use crate::index::record::Origin;
use crate::index::schema::Fields;
use crate::index::{IndexInfo, file_state};

/// The files under the corpus roots.
pub(super) struct Files {
    files: Vec<FileEntry>,
    walk_skips: Skips,
    /// The roots, canonical: what "under a root of this run" means.
    abs_roots: Vec<PathBuf>,
    /// The incremental state: file key → content hash of what is indexed.
    state: HashMap<String, u64>,
}

impl Files {
    /// Walks the roots (a missing root is an error before anything is written).
    pub(super) fn walk(cfg: &IndexConfig) -> Result<Files, IndexError> {
        let (files, walk_skips) = walk_roots(&cfg.roots)?;
        let abs_roots = cfg
            .roots
            .iter()
            .map(|r| std::fs::canonicalize(r).unwrap_or_else(|_| r.clone()))
            .collect();
        Ok(Files {
            files,
            walk_skips,
            abs_roots,
            state: HashMap::new(),
        })
    }
}

impl Source for Files {
    type Item = FileEntry;

    fn record(&mut self, info: &mut IndexInfo, _cfg: &IndexConfig) -> IndexInfo {
        let mut roots: BTreeSet<String> = info.roots.iter().cloned().collect();
        roots.extend(
            self.abs_roots
                .iter()
                .map(|r| r.to_string_lossy().into_owned()),
        );
        info.roots = roots.into_iter().collect();
        info.clone()
    }

    fn plan(
        &mut self,
        cfg: &IndexConfig,
        index: &Index,
        fields: &Fields,
        writer: &IndexWriter<TantivyDocument>,
    ) -> Result<Plan<FileEntry>, IndexError> {
        if !cfg.rebuild {
            self.state = file_state(&index.reader()?.searcher())?;
        }
        let mut summary = BuildSummary {
            files_seen: self.files.len() as u64,
            skipped: std::mem::take(&mut self.walk_skips),
            ..Default::default()
        };
        // Records of files that are gone: under a root of this run, or no longer on disk.
        let walked: BTreeSet<&str> = self.files.iter().map(|f| f.key.as_str()).collect();
        for key in self.state.keys() {
            if walked.contains(key.as_str()) {
                continue;
            }
            let under_root = self.abs_roots.iter().any(|r| Path::new(key).starts_with(r));
            if under_root || !Path::new(key).exists() {
                writer.delete_term(Term::from_field_text(fields.path, key));
                summary.files_removed += 1;
            }
        }
        let files = std::mem::take(&mut self.files);
        let sizes = files
            .iter()
            .map(|f| std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0))
            .collect();
        Ok(Plan {
            items: files,
            sizes,
            summary,
            unchanged: 0,
        })
    }

    fn index_item(
        &self,
        entry: &FileEntry,
        ctx: &ItemContext,
        writer: &IndexWriter<TantivyDocument>,
    ) -> (PathBuf, tantivy::Result<Outcome>) {
        (
            entry.path.clone(),
            index_file(entry, &self.state, ctx, writer),
        )
    }
}

fn index_file(
    entry: &FileEntry,
    state: &HashMap<String, u64>,
    ctx: &ItemContext,
    writer: &IndexWriter<TantivyDocument>,
) -> tantivy::Result<Outcome> {
    let (fields, counters) = (ctx.fields, ctx.counters);
    let previous = state.get(&entry.key);
    let loaded = match load_file(&entry.path, ctx.cfg.max_file_bytes) {
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
        ctx,
        writer,
    )
}
