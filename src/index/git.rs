//! Indexing every archived snapshot straight from a git-versioned corpus (the way the
//! Princeton-Leuven dataset is published: one file per site, one commit per snapshot).
//! Reads the repository with gitoxide: no `git` process, no checkout. Each version (blob)
//! of each policy file reachable from the tip is one snapshot, indexed once however many
//! commits or paths reach it; the last indexed tip is kept in the index so a rerun after
//! `git pull` reads only the new commits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;
use rayon::prelude::*;

use crate::error::IndexError;

/// One policy snapshot found in the history.
#[derive(Debug, Clone)]
pub struct GitSnapshot {
    pub blob: ObjectId,
    /// Path of the file in the repository.
    pub path: String,
    /// The oldest commit (by commit time) that brought this blob.
    pub commit: ObjectId,
    commit_time: i64,
}

/// What a walk of the history found.
#[derive(Debug)]
pub struct GitWalk {
    pub tip: ObjectId,
    pub commits: u64,
    /// Distinct new blobs of policy files, in path order.
    pub snapshots: Vec<GitSnapshot>,
}

fn git_err(repo: &Path, what: impl std::fmt::Display) -> IndexError {
    IndexError::Git {
        repo: repo.to_path_buf(),
        message: what.to_string(),
    }
}

/// Whether a path in the repository names a policy file (by ending, and the `--paths`
/// globs when given).
fn wanted(path: &str, globs: Option<&globset::GlobSet>) -> bool {
    let ext_ok = crate::corpus::walk::EXTENSIONS.iter().any(|e| {
        path.rsplit_once('.')
            .is_some_and(|(_, x)| x.eq_ignore_ascii_case(e))
    });
    ext_ok && globs.is_none_or(|g| g.is_match(path))
}

/// Keeps the repository's pack files from piling up in this process's resident memory.
///
/// gitoxide reads packs through memory maps. Every page read stays mapped, so a walk of a
/// million commits and the reading of every version would count the whole pack (several
/// gigabytes for the full dataset) as resident, although those pages are the kernel's
/// page cache, which reading files with `read` leaves out of a process's memory. Every
/// `every` units of work (commits walked, objects read), the pages of the read-only
/// mappings of the repository's pack files (`objects/pack/*.pack`) are given
/// back (`madvise(MADV_DONTNEED)`): the next read of such a page faults it in again from
/// the page cache or the file, with the same bytes, since nothing ever writes them.
/// Elsewhere than Linux this does nothing.
///
/// The pack indexes (`*.idx`, 28 bytes an object: some 210 MB for a million commits) are
/// left mapped, and resident once read, for the whole build: every object looked up
/// binary-searches one, so giving its pages back made each release cost thousands of
/// page faults afterwards. In a walk of 1.07 million commits, system time went from 23
/// to 7 s without those releases; a build of 58,000 of their versions peaked some
/// 170 MB higher.
///
/// This relies on those mappings staying in place while the build runs: gitoxide maps a
/// pack once and unmaps it only when it refreshes its view of the repository and finds
/// the pack gone, and every handle this build reads through is set never to refresh
/// ([`no_refresh`]). Loose objects, which gitoxide maps and unmaps object by object, are
/// never touched.
pub struct PackPages {
    packs: PathBuf,
    every: u64,
    done: std::sync::atomic::AtomicU64,
}

/// Sets a repository handle never to refresh its view of the object database during the
/// build: packs stay mapped (see [`PackPages`]), and a missing object is not a reason to
/// scan the disk again.
pub fn no_refresh(repo: &mut gix::Repository) {
    repo.objects.refresh_never();
}

/// A handle of this thread on a shared repository, one that never refreshes (see
/// [`no_refresh`]).
pub fn local_handle(shared: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut repo = shared.to_thread_local();
    no_refresh(&mut repo);
    repo
}

impl PackPages {
    pub fn new(repo: &gix::Repository, every: u64) -> PackPages {
        let packs = repo.objects.store_ref().path().join("pack");
        PackPages {
            packs: std::fs::canonicalize(&packs).unwrap_or(packs),
            every: every.max(1),
            done: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Counts `amount` units of work, releasing the pages each time `every` more are done.
    pub fn tick(&self, amount: u64) {
        use std::sync::atomic::Ordering;
        let before = self.done.fetch_add(amount, Ordering::Relaxed);
        if before / self.every != (before + amount) / self.every {
            self.release();
        }
    }

    /// Gives the mapped pages of the pack files back now.
    pub fn release(&self) {
        #[cfg(target_os = "linux")]
        release_mapped_pages(&self.packs);
    }
}

/// `madvise(MADV_DONTNEED)` on every read-only mapping of a `.pack` file in `dir`.
#[cfg(target_os = "linux")]
fn release_mapped_pages(dir: &Path) {
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for line in maps.lines() {
        // "start-end perms offset dev inode     path": five fields, then the path.
        let mut fields = line.splitn(6, ' ');
        let (Some(range), Some(perms), Some(path)) = (
            fields.next(),
            fields.next(),
            fields.nth(3).map(str::trim_start),
        ) else {
            continue;
        };
        let path = Path::new(path);
        let pack_file = path.extension().is_some_and(|e| e == "pack");
        if !perms.starts_with("r--") || path.parent() != Some(dir) || !pack_file {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        // SAFETY: the range is gitoxide's read-only mapping of a pack file, which
        // stays mapped while the build's handles live (they never refresh, see
        // `PackPages`), and which no one writes: dropping its pages changes no byte a
        // reader sees; the next access reads the same bytes from the file again. Only
        // page-table entries go.
        unsafe {
            libc::madvise(
                start as *mut libc::c_void,
                end.saturating_sub(start),
                libc::MADV_DONTNEED,
            );
        }
    }
}

/// Opens `repo` and resolves `rev` to a commit.
pub fn open(repo: &Path, rev: &str) -> Result<(gix::Repository, ObjectId), IndexError> {
    let r = gix::open(repo).map_err(|e| git_err(repo, format!("not a git repository: {e}")))?;
    let tip = r
        .rev_parse_single(rev)
        .map_err(|e| git_err(repo, format!("cannot resolve {rev:?}: {e}")))?
        .object()
        .map_err(|e| git_err(repo, e))?
        .peel_to_commit()
        .map_err(|e| git_err(repo, format!("{rev:?} is not a commit: {e}")))?
        .id;
    Ok((r, tip))
}

/// Walks the commits reachable from `tip` but not from `since` (the previously indexed
/// tip), and collects the policy-file blobs they add or change. A `since` that is not an
/// ancestor of `tip` means the history was rewritten: an error that says so.
pub fn walk(
    repo_path: &Path,
    repo: &gix::Repository,
    tip: ObjectId,
    since: Option<ObjectId>,
    globs: Option<&globset::GlobSet>,
) -> Result<GitWalk, IndexError> {
    if let Some(old) = since {
        let reachable = old == tip || is_ancestor(repo, old, tip);
        if !reachable {
            return Err(git_err(
                repo_path,
                format!(
                    "history was rewritten: the last indexed commit {old} is not an ancestor of {tip}; \
                     run `policies index --git {} --rebuild`",
                    repo_path.display()
                ),
            ));
        }
    }
    // The commits are listed in walk order by one thread, which hands them on in chunks;
    // the chunks' changes are worked out in parallel (one repository handle per job)
    // while the listing goes on. The first chunks are small, so that a short history (an
    // incremental run) is shared out too.
    let pages = PackPages::new(repo, 4096);
    let shared = repo.clone().into_sync();
    let (send, receive) = crossbeam_channel::bounded::<(usize, Vec<ObjectId>)>(64);
    let (listing, changes) = std::thread::scope(|scope| {
        let lister = scope.spawn(|| list_commits(&shared, tip, since, &pages, send));
        let changes: Result<Vec<(usize, Vec<GitSnapshot>)>, IndexError> = receive
            .into_iter()
            .par_bridge()
            .map_init(
                || {
                    let mut r = local_handle(&shared);
                    // A commit's parent is the next commit listed: its trees were just
                    // read.
                    r.object_cache_size(Some(8 << 20));
                    (r, gix::diff::tree::State::default())
                },
                |(repo, state), (number, chunk)| {
                    let mut out = Vec::new();
                    for id in chunk {
                        pages.tick(1);
                        changed_blobs(repo, state, id, globs, &mut out)
                            .map_err(|e| git_err(repo_path, e))?;
                    }
                    // Each blob once per chunk already (the same rule as below, so
                    // merging the chunks in order gives what one pass would).
                    let mut once = HashMap::new();
                    for snap in out {
                        keep_oldest(&mut once, snap, repo);
                    }
                    Ok((number, once.into_values().collect::<Vec<_>>()))
                },
            )
            .collect();
        let listing = lister.join().unwrap_or_else(|panic| {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("the commit-listing thread panicked: {why}").into())
        });
        (listing, changes)
    });
    // An error in listing comes first: it may be why the changes stopped short.
    let commits = listing.map_err(|e| git_err(repo_path, e))?;
    let mut changes = changes?;
    changes.sort_unstable_by_key(|(number, _)| *number);
    let mut found: HashMap<ObjectId, GitSnapshot> = HashMap::new();
    let repo = local_handle(&shared);
    for snap in changes.into_iter().flat_map(|(_, snaps)| snaps) {
        keep_oldest(&mut found, snap, &repo);
    }
    pages.release();
    let mut snapshots: Vec<GitSnapshot> = found.into_values().collect();
    snapshots
        .sort_by(|a, b| (&a.path, a.commit_time, a.blob).cmp(&(&b.path, b.commit_time, b.blob)));
    Ok(GitWalk {
        tip,
        commits,
        snapshots,
    })
}

/// Lists the commits reachable from `tip` but not from `since`, in walk order, and sends
/// them in numbered chunks (16 commits, then twice as many
/// each time up to 1,024). Returns how many there were; stops early when the receiving
/// side is gone (it failed).
fn list_commits(
    shared: &gix::ThreadSafeRepository,
    tip: ObjectId,
    since: Option<ObjectId>,
    pages: &PackPages,
    send: crossbeam_channel::Sender<(usize, Vec<ObjectId>)>,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    // A handle of our own that never refreshes, as [`PackPages`] needs.
    let repo = local_handle(shared);
    let mut platform = repo.rev_walk([tip]);
    if let Some(old) = since {
        platform = platform.with_hidden([old]);
    }
    let (mut commits, mut number, mut size) = (0u64, 0usize, 16usize);
    let mut chunk = Vec::with_capacity(size);
    for info in platform.all()? {
        let info = info?;
        pages.tick(1);
        commits += 1;
        chunk.push(info.id);
        if chunk.len() == size {
            size = (size * 2).min(1024);
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(size));
            if send.send((number, full)).is_err() {
                return Ok(commits);
            }
            number += 1;
        }
    }
    if !chunk.is_empty() {
        let _ = send.send((number, chunk));
    }
    Ok(commits)
}

/// Records `snap` unless `found` has its blob from an older commit (by commit time, then
/// path). Of two commits of the same second, the one that is the other's ancestor brought
/// the blob first; when neither is (two branches), the one met later in the walk wins,
/// the same rule whether the walk is read in one pass or in chunks merged in order.
fn keep_oldest(
    found: &mut HashMap<ObjectId, GitSnapshot>,
    snap: GitSnapshot,
    repo: &gix::Repository,
) {
    match found.entry(snap.blob) {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            let s = e.get_mut();
            let (new, old) = ((snap.commit_time, &snap.path), (s.commit_time, &s.path));
            let replace = new < old
                || (new == old
                    && snap.commit != s.commit
                    && !is_ancestor(repo, s.commit, snap.commit));
            if replace {
                *s = snap;
            }
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(snap);
        }
    }
}

/// Whether commit `older` is an ancestor of commit `newer` (asked only of two commits of
/// the same second that brought the same blob at the same path: rare, and mostly
/// neighbours).
fn is_ancestor(repo: &gix::Repository, older: ObjectId, newer: ObjectId) -> bool {
    repo.merge_base(older, newer)
        .is_ok_and(|base| base.is_some_and(|b| b.detach() == older))
}

/// Appends the policy-file blobs commit `id` adds or changes against its first parent
/// (the empty tree when it has none) to `out`. A merge's other sides are walked on their
/// own, so a merge brings only what none of its other parents has at the same path.
fn changed_blobs(
    repo: &gix::Repository,
    state: &mut gix::diff::tree::State,
    id: ObjectId,
    globs: Option<&globset::GlobSet>,
    out: &mut Vec<GitSnapshot>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let commit = repo.find_commit(id)?;
    let time = commit.time().map(|t| t.seconds).unwrap_or(0);
    let tree = commit.tree()?;
    let parents: Vec<ObjectId> = commit.parent_ids().map(|p| p.detach()).collect();
    let parent_tree = match parents.first() {
        Some(&p) => repo.find_commit(p)?.tree()?,
        None => repo.empty_tree(),
    };
    let mut other_trees = Vec::with_capacity(parents.len().saturating_sub(1));
    for &p in parents.iter().skip(1) {
        other_trees.push(repo.find_commit(p)?.tree()?);
    }
    let mut recorder = gix::diff::tree::Recorder::default();
    gix::diff::tree(
        gix::objs::TreeRefIter::from_bytes(&parent_tree.data, parent_tree.id.kind()),
        gix::objs::TreeRefIter::from_bytes(&tree.data, tree.id.kind()),
        state,
        &repo.objects,
        &mut recorder,
    )?;
    for change in recorder.records {
        let (mode, oid, path) = match change {
            Change::Addition {
                entry_mode,
                oid,
                path,
                ..
            }
            | Change::Modification {
                entry_mode,
                oid,
                path,
                ..
            } => (entry_mode, oid, path),
            Change::Deletion { .. } => continue,
        };
        if !mode.is_blob() {
            continue;
        }
        let path = path.to_str_lossy().into_owned();
        if !wanted(&path, globs) {
            continue;
        }
        let mut merged = false;
        for other in &other_trees {
            merged |= other
                .lookup_entry_by_path(&path)?
                .is_some_and(|e| e.object_id() == oid);
        }
        if !merged {
            out.push(GitSnapshot {
                blob: oid,
                path,
                commit: id,
                commit_time: time,
            });
        }
    }
    Ok(())
}

/// The absolute path of a repository, as recorded in the index.
pub fn repo_key(repo: &Path) -> PathBuf {
    std::path::absolute(repo).unwrap_or_else(|_| repo.to_path_buf())
}
