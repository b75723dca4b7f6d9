//! Changes between two snapshots of one vendor's policy: sections added, removed and
//! changed (with word-level changes), from stored records. Sections are matched by
//! their heading path (in order, with `similar`'s Myers diff over the paths, so a moved
//! or renamed section shows as removed and added); bodies of matched sections are
//! compared word by word.

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff};
use tantivy::Searcher;

use super::browse::{self, PolicyView, ShowTarget, Shown};
use crate::error::SearchError;
use crate::index::PolicyIndex;

/// Which two snapshots to compare: by archive date, defaulting to the latest and the
/// one before it.
#[derive(Debug, Clone, Default)]
pub struct DiffRequest {
    pub vendor: String,
    /// `YYYY-MM-DD` of the older snapshot; default: the one before `to`.
    pub from: Option<String>,
    /// `YYYY-MM-DD` of the newer snapshot; default: the latest.
    pub to: Option<String>,
}

/// One of the two snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SnapshotRef {
    pub policy_id: String,
    pub date: Option<String>,
}

/// What happened to a section.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// A run of words: kept, inserted or deleted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WordRun {
    /// `equal`, `insert` or `delete`.
    pub op: String,
    pub text: String,
}

/// One section in the comparison.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectionChange {
    pub change: Change,
    /// The heading path, outermost first.
    pub heading_path: Vec<String>,
    /// The section in the older snapshot (absent when added).
    pub old_id: Option<String>,
    /// The section in the newer snapshot (absent when removed).
    pub new_id: Option<String>,
    /// The body's words, marked; for added and removed sections one run.
    pub words: Vec<WordRun>,
}

/// The comparison of two snapshots.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyDiff {
    pub vendor: String,
    pub from: SnapshotRef,
    pub to: SnapshotRef,
    /// Every snapshot of the vendor, oldest first (to pick others).
    pub snapshots: Vec<SnapshotRef>,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// In the newer snapshot's order, removed sections where they stood.
    pub sections: Vec<SectionChange>,
}

/// A section with its parts joined: what is compared.
struct Whole {
    id: String,
    path: Vec<String>,
    body: String,
}

fn wholes(view: &PolicyView) -> Vec<Whole> {
    let mut out: Vec<Whole> = Vec::new();
    for s in &view.sections {
        let mut path = s.heading_path.clone();
        if path.is_empty() {
            path.push(s.heading.clone());
        }
        match out.last_mut() {
            Some(last) if s.part > 0 && last.path == path => {
                last.body.push_str("\n\n");
                last.body.push_str(&s.body);
            }
            _ => {
                let mut body = String::new();
                for lead in &s.lead_headings {
                    body.push_str(lead);
                    body.push('\n');
                }
                body.push_str(&s.body);
                out.push(Whole {
                    id: s.id.clone(),
                    path,
                    body,
                });
            }
        }
    }
    out
}

fn whole_run(op: &str, text: &str) -> Vec<WordRun> {
    if text.is_empty() {
        return Vec::new();
    }
    vec![WordRun {
        op: op.to_string(),
        text: text.to_string(),
    }]
}

/// Word-level changes, adjacent words of one kind joined into a run.
fn word_runs(old: &str, new: &str) -> Vec<WordRun> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_words(old, new);
    let mut runs: Vec<WordRun> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => "equal",
            ChangeTag::Insert => "insert",
            ChangeTag::Delete => "delete",
        };
        match runs.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => runs.push(WordRun {
                op: op.to_string(),
                text: change.value().to_string(),
            }),
        }
    }
    runs
}

fn not_found(message: String) -> SearchError {
    SearchError::BadArgument {
        argument: "show",
        message,
    }
}

/// Compares two snapshots of a vendor.
pub fn diff(
    idx: &PolicyIndex,
    searcher: &Searcher,
    req: &DiffRequest,
) -> Result<PolicyDiff, SearchError> {
    let vendor = req.vendor.trim().to_lowercase();
    let list = match browse::show(
        idx,
        searcher,
        &ShowTarget::Vendor {
            vendor: vendor.clone(),
            date: None,
            latest: false,
        },
    )? {
        Shown::Snapshots { snapshots, .. } => snapshots,
        Shown::Policy(_) => {
            return Err(not_found(format!(
                "{vendor} has one snapshot in the index: nothing to compare"
            )));
        }
    };
    let dates: Vec<&str> = list.iter().filter_map(|s| s.date.as_deref()).collect();
    let at = |date: &str| {
        list.iter()
            .position(|s| s.date.as_deref() == Some(date))
            .ok_or_else(|| {
                not_found(format!(
                    "{vendor} has no snapshot archived on {date}; its dates: {}",
                    dates.join(", ")
                ))
            })
    };
    let to = match &req.to {
        Some(d) => at(d)?,
        None => list.len() - 1,
    };
    let from = match &req.from {
        Some(d) => at(d)?,
        None => to.saturating_sub(1),
    };
    if from == to {
        return Err(SearchError::BadArgument {
            argument: "from/to",
            message: "the two snapshots are the same one".to_string(),
        });
    }
    let view = |i: usize| -> Result<PolicyView, SearchError> {
        match browse::show(
            idx,
            searcher,
            &ShowTarget::Policy(list[i].policy_id.clone()),
        )? {
            Shown::Policy(v) => Ok(*v),
            Shown::Snapshots { .. } => Err(not_found("no such snapshot".to_string())),
        }
    };
    let (old, new) = (wholes(&view(from)?), wholes(&view(to)?));
    let old_keys: Vec<&Vec<String>> = old.iter().map(|w| &w.path).collect();
    let new_keys: Vec<&Vec<String>> = new.iter().map(|w| &w.path).collect();
    let mut sections = Vec::new();
    let removed = |w: &Whole| SectionChange {
        change: Change::Removed,
        heading_path: w.path.clone(),
        old_id: Some(w.id.clone()),
        new_id: None,
        words: whole_run("delete", &w.body),
    };
    let added = |w: &Whole| SectionChange {
        change: Change::Added,
        heading_path: w.path.clone(),
        old_id: None,
        new_id: Some(w.id.clone()),
        words: whole_run("insert", &w.body),
    };
    for op in similar::capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys) {
        match op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    let (o, n) = (&old[old_index + k], &new[new_index + k]);
                    let same = o.body == n.body;
                    sections.push(SectionChange {
                        change: if same {
                            Change::Unchanged
                        } else {
                            Change::Changed
                        },
                        heading_path: n.path.clone(),
                        old_id: Some(o.id.clone()),
                        new_id: Some(n.id.clone()),
                        words: if same {
                            whole_run("equal", &n.body)
                        } else {
                            word_runs(&o.body, &n.body)
                        },
                    });
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => sections.extend(old[old_index..old_index + old_len].iter().map(removed)),
            DiffOp::Insert {
                new_index, new_len, ..
            } => sections.extend(new[new_index..new_index + new_len].iter().map(added)),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                sections.extend(old[old_index..old_index + old_len].iter().map(removed));
                sections.extend(new[new_index..new_index + new_len].iter().map(added));
            }
        }
    }
    let count = |c: Change| sections.iter().filter(|s| s.change == c).count() as u64;
    let snapshot = |i: usize| SnapshotRef {
        policy_id: list[i].policy_id.clone(),
        date: list[i].date.clone(),
    };
    Ok(PolicyDiff {
        vendor,
        from: snapshot(from),
        to: snapshot(to),
        snapshots: (0..list.len()).map(snapshot).collect(),
        added: count(Change::Added),
        removed: count(Change::Removed),
        changed: count(Change::Changed),
        unchanged: count(Change::Unchanged),
        sections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_runs_join_and_mark() {
        let runs = word_runs("we sell your data", "we never sell your data");
        let ops: Vec<(&str, &str)> = runs
            .iter()
            .map(|r| (r.op.as_str(), r.text.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                ("equal", "we "),
                ("insert", "never "),
                ("equal", "sell your data")
            ]
        );
    }
}
