//! The index stage: the schema, building and updating the index from the corpus, and
//! opening it again with its metadata checked.

pub mod build;
pub mod git;
pub mod merge;
pub mod record;
pub mod schema;
pub mod stem;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

use crate::error::IndexError;
pub use build::{BuildSummary, IndexConfig, NoProgress, Progress, build_index};
pub use record::{Origin, StoredSection, Totals, policy_docs, policy_id};
pub use schema::{Fields, SCHEMA_VERSION, name};

/// What the index records about itself, committed atomically with the records (as the
/// tantivy commit payload).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexInfo {
    pub schema_version: u32,
    /// UTC, RFC 3339.
    pub built_at: String,
    /// Absolute corpus roots this index was built from.
    pub roots: Vec<String>,
    /// Git repositories indexed (absolute path) and what was indexed from each.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub git: BTreeMap<String, GitState>,
    /// Set at every checkpoint of a build and cleared by its last commit: present, the
    /// index is the partial result of a build that is still running or was stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<Incomplete>,
}

/// How far an unfinished build had got at its last commit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Incomplete {
    /// When the build started (UTC, RFC 3339).
    pub started_at: String,
    /// Files (or git versions) of the run committed so far, and in all.
    pub items_done: u64,
    pub items_total: u64,
    /// Bytes of input committed so far, and in all.
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a build started at {} has committed {} of {} files ({:.1} of {:.1} MB) and has \
             not finished (it is still running, or it was stopped)",
            self.started_at,
            self.items_done,
            self.items_total,
            self.bytes_done as f64 / 1e6,
            self.bytes_total as f64 / 1e6
        )
    }
}

/// What was indexed from one git repository: committed with the records, so a rerun
/// resumes after `tip` when it selects the same files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GitState {
    /// The last commit whose history is fully indexed.
    pub tip: String,
    /// The `--paths` globs of that run.
    pub paths: Vec<String>,
    /// The size limit of that run.
    pub max_file_bytes: u64,
}

/// An opened index with its fields and metadata.
pub struct PolicyIndex {
    pub index: Index,
    pub fields: Fields,
    pub path: PathBuf,
    pub info: IndexInfo,
}

impl PolicyIndex {
    /// Opens an existing index, checking that it is a policies index of this schema version.
    pub fn open(path: &Path) -> Result<PolicyIndex, IndexError> {
        let damaged = |reason: String| IndexError::Damaged {
            path: path.to_path_buf(),
            reason,
        };
        // A permission problem is said as one: it is not damage, and rebuilding (someone
        // else's index) would be the wrong advice.
        if path.exists() && !path.is_dir() {
            return Err(IndexError::NotADirectory {
                path: path.to_path_buf(),
            });
        }
        let denied = |e: &std::io::Error| e.kind() == std::io::ErrorKind::PermissionDenied;
        if let Err(e) = std::fs::read_dir(path)
            && denied(&e)
        {
            return Err(IndexError::PermissionDenied {
                path: path.to_path_buf(),
            });
        }
        if let Err(e) = std::fs::File::open(path.join("meta.json"))
            && denied(&e)
        {
            return Err(IndexError::PermissionDenied {
                path: path.join("meta.json"),
            });
        }
        if !path.join("meta.json").is_file() {
            return Err(if is_empty_dir(path) {
                IndexError::Missing {
                    path: path.to_path_buf(),
                }
            } else if looks_like_index(path) {
                damaged("meta.json is missing".to_string())
            } else {
                IndexError::NotAnIndex {
                    path: path.to_path_buf(),
                }
            });
        }
        let index = Index::open_in_dir(path).map_err(|e| {
            if e.to_string().contains("Permission denied") {
                IndexError::PermissionDenied {
                    path: path.to_path_buf(),
                }
            } else {
                damaged(e.to_string())
            }
        })?;
        let metas = index.load_metas().map_err(|e| damaged(e.to_string()))?;
        let info: IndexInfo = match metas.payload.as_deref().map(serde_json::from_str) {
            Some(Ok(info)) => info,
            Some(Err(e)) => return Err(damaged(format!("unreadable index metadata: {e}"))),
            // tantivy writes meta.json when it creates the index; the build's first commit
            // adds our metadata. In between the index is empty, not damaged.
            None if metas.segments.is_empty() => {
                return Err(IndexError::NotYetCommitted {
                    path: path.to_path_buf(),
                });
            }
            None => return Err(damaged("no policies metadata in meta.json".to_string())),
        };
        if info.schema_version != SCHEMA_VERSION {
            // The rebuild command names what the index was built from, so that following
            // it does not silently swap the user's corpus for the default one.
            let roots: String = info.roots.iter().map(|r| format!(" {r}")).collect();
            let git: String = info
                .git
                .keys()
                .map(|repo| {
                    format!(
                        "; then `policies index --git {repo} --index {}` for the history it held",
                        path.display()
                    )
                })
                .collect();
            return Err(IndexError::SchemaVersion {
                path: path.to_path_buf(),
                found: info.schema_version.to_string(),
                expected: SCHEMA_VERSION,
                roots,
                git,
            });
        }
        let fields = schema::fields_of(&index.schema()).map_err(damaged)?;
        schema::register_tokenizers(&index);
        // Segments are searched in parallel, one thread per core.
        let mut index = index;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        if threads > 1 {
            // Without threads to be had (a low process limit) the search runs on this
            // one: the index keeps its single-thread executor.
            let _ = index.set_multithread_executor(threads);
        }
        Ok(PolicyIndex {
            index,
            fields,
            path: path.to_path_buf(),
            info,
        })
    }

    /// The metadata of the last commit (a server's index moves on while it runs) and the
    /// commit's opstamp.
    pub fn current_info(&self) -> Result<(IndexInfo, u64), IndexError> {
        let damaged = |reason: String| IndexError::Damaged {
            path: self.path.clone(),
            reason,
        };
        let metas = self
            .index
            .load_metas()
            .map_err(|e| damaged(e.to_string()))?;
        let info = match metas.payload.as_deref().map(serde_json::from_str) {
            Some(Ok(info)) => info,
            _ => self.info.clone(),
        };
        Ok((info, metas.opstamp))
    }

    /// A reader on the last commit.
    pub fn reader(&self) -> Result<IndexReader, IndexError> {
        self.reader_with(ReloadPolicy::Manual)
    }

    /// A reader that follows new commits by itself (for a long-running server).
    pub fn reloading_reader(&self) -> Result<IndexReader, IndexError> {
        self.reader_with(ReloadPolicy::OnCommitWithDelay)
    }

    fn reader_with(&self, policy: ReloadPolicy) -> Result<IndexReader, IndexError> {
        self.index
            .reader_builder()
            .reload_policy(policy)
            // Decompressed store blocks kept per segment: 50 of 128 KiB, the memory of
            // tantivy's default 100 blocks of 64 KiB (a long-lived server's cache).
            .doc_store_cache_num_blocks(50)
            .try_into()
            .map_err(|e| IndexError::Damaged {
                path: self.path.clone(),
                reason: e.to_string(),
            })
    }
}

/// Gives the index's bookkeeping files (`meta.json`, `.managed.json`) the permissions a
/// new file gets under the process's umask. tantivy writes them atomically through a
/// temporary file, which is created private (0600) whatever the umask: on a shared
/// machine, colleagues could not open an index whose segment files they can read.
pub(crate) fn follow_umask(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let probe = dir.join(".policies-umask-probe");
        let mode = {
            let file = std::fs::File::create(&probe)?;
            file.metadata()?.permissions().mode() & 0o777
        };
        std::fs::remove_file(&probe)?;
        for name in ["meta.json", ".managed.json"] {
            let path = dir.join(name);
            match std::fs::metadata(&path) {
                Ok(m) if m.permissions().mode() & 0o777 != mode => {
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
                }
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// True when `dir` holds an index's bookkeeping (`meta.json` or tantivy's
/// `.managed.json`): a damaged index rather than other data.
pub(crate) fn looks_like_index(dir: &Path) -> bool {
    dir.join("meta.json").is_file() || dir.join(".managed.json").is_file()
}

/// The files of an index directory that `--rebuild` may delete: tantivy's own (its
/// bookkeeping, locks, and segment files named by a 32-hex-digit id). `None` when the
/// directory holds anything else (a subdirectory, another file): then it is not ours to
/// empty.
pub(crate) fn index_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name == ".gitkeep" {
            continue;
        }
        let is_file = entry.file_type().ok()?.is_file();
        let segment = name
            .split_once('.')
            .is_some_and(|(id, _)| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        let ours = name == "meta.json"
            || name == ".managed.json"
            || (name.starts_with(".tantivy-") && name.ends_with(".lock"))
            || segment;
        if !is_file || !ours {
            return None;
        }
        out.push(entry.path());
    }
    Some(out)
}

/// True when `dir` is missing or holds nothing but a `.gitkeep` placeholder.
pub(crate) fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |entries| {
        entries
            .filter_map(Result::ok)
            .all(|e| e.file_name() == ".gitkeep")
    })
}

/// For each value of a string fast field, how many live documents carry it.
pub fn count_str_values(
    searcher: &Searcher,
    field: &str,
) -> tantivy::Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let Some(column) = segment.fast_fields().str(field)? else {
            continue;
        };
        let mut counts = vec![0u64; column.num_terms()];
        let alive = segment.alive_bitset();
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            for ord in column.term_ords(doc) {
                counts[ord as usize] += 1;
            }
        }
        for_each_term(&column, |ord, term| {
            if counts[ord] > 0 {
                *out.entry(term.to_string()).or_insert(0) += counts[ord];
            }
        })?;
    }
    Ok(out)
}

/// Calls `f(ord, term)` for every term of a string column's dictionary, in ord order,
/// streaming the dictionary once instead of looking up each ord.
pub(crate) fn for_each_term(
    column: &tantivy::columnar::StrColumn,
    mut f: impl FnMut(usize, &str),
) -> tantivy::Result<()> {
    let mut stream = column.dictionary().stream()?;
    let mut ord = 0usize;
    while stream.advance() {
        f(ord, &String::from_utf8_lossy(stream.key()));
        ord += 1;
    }
    Ok(())
}

/// The incremental state: file key (absolute path) → content hash, read from the index.
pub fn file_state(searcher: &Searcher) -> tantivy::Result<HashMap<String, u64>> {
    let mut out = HashMap::new();
    for segment in searcher.segment_readers() {
        let Some(paths) = segment.fast_fields().str(name::path)? else {
            continue;
        };
        let hashes = segment.fast_fields().u64(name::file_hash)?;
        let revisions = segment.fast_fields().str(name::revision)?;
        let alive = segment.alive_bitset();
        let mut hash_of_ord: Vec<Option<u64>> = vec![None; paths.num_terms()];
        for doc in 0..segment.max_doc() {
            if alive.is_some_and(|a| !a.is_alive(doc)) {
                continue;
            }
            // Snapshots read from git are not files on disk.
            if revisions
                .as_ref()
                .is_some_and(|r| r.term_ords(doc).next().is_some())
            {
                continue;
            }
            for ord in paths.term_ords(doc) {
                if hash_of_ord[ord as usize].is_none() {
                    hash_of_ord[ord as usize] = hashes.first(doc);
                }
            }
        }
        for_each_term(&paths, |ord, term| {
            if let Some(h) = hash_of_ord[ord] {
                out.insert(term.to_string(), h);
            }
        })?;
    }
    Ok(out)
}

/// The current time as RFC 3339 UTC, without a date crate.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
