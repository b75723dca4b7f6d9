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
        let reachable = old == tip
            || repo
                .merge_base(old, tip)
                .map(|base| base.is_some_and(|b| b.detach() == old))
                .unwrap_or(false);
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
    let mut platform = repo.rev_walk([tip]);
    if let Some(old) = since {
        platform = platform.with_hidden([old]);
    }
    let walk = platform.all().map_err(|e| git_err(repo_path, e))?;
    let empty = repo.empty_tree();
    let mut state = gix::diff::tree::State::default();
    let mut found: HashMap<ObjectId, GitSnapshot> = HashMap::new();
    let mut commits = 0u64;
    for info in walk {
        let info = info.map_err(|e| git_err(repo_path, e))?;
        commits += 1;
        let commit = info.object().map_err(|e| git_err(repo_path, e))?;
        let time = commit.time().map(|t| t.seconds).unwrap_or(0);
        let tree = commit.tree().map_err(|e| git_err(repo_path, e))?;
        // Against the first parent: a merge's other side is walked on its own, and what
        // the merge itself changes shows up here.
        let parent_tree = match info.parent_ids().next() {
            Some(p) => p
                .object()
                .map_err(|e| git_err(repo_path, e))?
                .into_commit()
                .tree()
                .map_err(|e| git_err(repo_path, e))?,
            None => empty.clone(),
        };
        let mut recorder = gix::diff::tree::Recorder::default();
        gix::diff::tree(
            gix::objs::TreeRefIter::from_bytes(&parent_tree.data, parent_tree.id.kind()),
            gix::objs::TreeRefIter::from_bytes(&tree.data, tree.id.kind()),
            &mut state,
            &repo.objects,
            &mut recorder,
        )
        .map_err(|e| git_err(repo_path, e))?;
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
            let snap = GitSnapshot {
                blob: oid,
                path,
                commit: info.id,
                commit_time: time,
            };
            found
                .entry(oid)
                .and_modify(|s| {
                    if (time, &snap.path) < (s.commit_time, &s.path) {
                        *s = snap.clone();
                    }
                })
                .or_insert(snap);
        }
    }
    let mut snapshots: Vec<GitSnapshot> = found.into_values().collect();
    snapshots
        .sort_by(|a, b| (&a.path, a.commit_time, a.blob).cmp(&(&b.path, b.commit_time, b.blob)));
    Ok(GitWalk {
        tip,
        commits,
        snapshots,
    })
}

/// The absolute path of a repository, as recorded in the index.
pub fn repo_key(repo: &Path) -> PathBuf {
    std::path::absolute(repo).unwrap_or_else(|_| repo.to_path_buf())
}
