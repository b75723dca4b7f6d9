//! Looking around the index rather than ranking it: `stats` (what the index holds), `show`
//! (a whole snapshot from stored fields) and `vendors` (who, since when, with what).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::DocSetCollector;
use tantivy::query::{AllQuery, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, TantivyDocument, Term};

use super::aggregate::{GroupBy, GroupCollector};
use super::{QueryConfig, build_query};
use crate::error::SearchError;
use crate::index::{PolicyIndex, StoredSection, Totals, count_str_values};

/// What the index holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    pub policies: u64,
    pub sections: u64,
    pub vendors: u64,
    pub files: u64,
    /// Snapshots per archive year, in year order (undated last).
    pub years: Vec<YearCount>,
    /// Policies naming each processor, most first.
    pub processors: Vec<ProcessorCount>,
    pub index_bytes: u64,
    pub segments: u64,
    pub schema_version: u32,
    pub built_at: String,
    pub roots: Vec<String>,
    /// False while a build is running or after one stopped before the end.
    pub index_complete: bool,
    /// How far an unfinished build got (absent when complete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<crate::index::Incomplete>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct YearCount {
    /// The archive year; `null` for snapshots without a date.
    pub year: Option<u64>,
    pub policies: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProcessorCount {
    pub processor: String,
    pub policies: u64,
}

/// Computes [`Stats`].
pub fn stats(idx: &PolicyIndex, searcher: &Searcher) -> Result<Stats, SearchError> {
    let groups = searcher.search(
        &AllQuery,
        &GroupCollector {
            by: vec![GroupBy::Year, GroupBy::Processor],
            with_processors: false,
        },
    )?;
    let mut years: Vec<YearCount> = groups[0]
        .iter()
        .map(|(y, g)| YearCount {
            year: y.parse().ok(),
            policies: g.policies,
        })
        .collect();
    years.sort_by_key(|y| (y.year.is_none(), y.year));
    let mut processors: Vec<ProcessorCount> = groups[1]
        .iter()
        .map(|(p, g)| ProcessorCount {
            processor: p.clone(),
            policies: g.policies,
        })
        .collect();
    processors.sort_by(|a, b| {
        b.policies
            .cmp(&a.policies)
            .then_with(|| a.processor.cmp(&b.processor))
    });
    let totals = Totals::count(searcher)?;
    let index_bytes = walkdir::WalkDir::new(&idx.path)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    Ok(Stats {
        policies: totals.policies,
        sections: totals.sections,
        vendors: totals.vendors,
        files: totals.files,
        years,
        processors,
        index_bytes,
        segments: searcher.segment_readers().len() as u64,
        schema_version: idx.info.schema_version,
        built_at: idx.info.built_at.clone(),
        roots: idx.info.roots.clone(),
        index_complete: idx.info.incomplete.is_none(),
        incomplete: idx.info.incomplete.clone(),
    })
}

/// One section as `show` prints it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectionView {
    pub id: String,
    pub ordinal: u64,
    pub part: u64,
    pub level: u64,
    pub heading: String,
    /// Headings with no text of their own right before this one, in order.
    pub lead_headings: Vec<String>,
    pub heading_path: Vec<String>,
    pub body: String,
    pub section_processors: Vec<String>,
}

/// A whole policy snapshot, rebuilt from stored fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyView {
    pub policy_id: String,
    pub vendor: String,
    pub date: Option<String>,
    pub title: Option<String>,
    pub processors: Vec<String>,
    pub trackers: Vec<String>,
    pub programs: Vec<String>,
    pub laws: Vec<String>,
    /// Length, readability and fingerprints of the snapshot.
    pub measures: crate::index::record::Measures,
    pub url: Option<String>,
    pub source_url: Option<String>,
    pub path: String,
    /// For snapshots indexed from git: the commit and blob of this version.
    pub revision: Option<String>,
    pub blob: Option<String>,
    /// The section asked for, when `show` was given a section id.
    pub marked: Option<String>,
    pub sections: Vec<SectionView>,
}

/// One snapshot in a vendor's list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSummary {
    pub policy_id: String,
    pub date: Option<String>,
    pub sections: u64,
    pub processors: Vec<String>,
}

/// What `show` found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Shown {
    Policy(Box<PolicyView>),
    Snapshots {
        vendor: String,
        snapshots: Vec<SnapshotSummary>,
    },
}

/// What to show.
#[derive(Debug, Clone)]
pub enum ShowTarget {
    Section(String),
    Policy(String),
    Vendor {
        vendor: String,
        date: Option<String>,
        latest: bool,
    },
}

impl ShowTarget {
    /// A section id (`<12 hex>-<n>`), a policy id (12 hex) or else a vendor.
    pub fn parse(target: &str, date: Option<String>, latest: bool) -> ShowTarget {
        let is_hex = |s: &str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_hexdigit());
        match target.split_once('-') {
            Some((p, n)) if is_hex(p) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                ShowTarget::Section(target.to_string())
            }
            _ if is_hex(target) => ShowTarget::Policy(target.to_string()),
            _ => ShowTarget::Vendor {
                vendor: target.to_lowercase(),
                date,
                latest,
            },
        }
    }
}

fn docs_matching(
    idx: &PolicyIndex,
    searcher: &Searcher,
    query: &dyn Query,
) -> Result<Vec<StoredSection>, SearchError> {
    let mut addrs: Vec<_> = searcher
        .search(query, &DocSetCollector)?
        .into_iter()
        .collect();
    addrs.sort();
    addrs
        .into_iter()
        .map(|a| {
            let doc: TantivyDocument = searcher.doc(a)?;
            Ok(StoredSection::from_doc(&idx.fields, &doc))
        })
        .collect()
}

fn term_query(term: Term) -> TermQuery {
    TermQuery::new(term, IndexRecordOption::Basic)
}

/// Finds what `target` names and returns it (a policy, or a vendor's snapshot list).
pub fn show(
    idx: &PolicyIndex,
    searcher: &Searcher,
    target: &ShowTarget,
) -> Result<Shown, SearchError> {
    let f = &idx.fields;
    let not_found = |what: String| SearchError::BadArgument {
        argument: "show",
        message: what,
    };
    let (policy_id, marked) = match target {
        ShowTarget::Section(id) => {
            let docs = docs_matching(idx, searcher, &term_query(Term::from_field_text(f.id, id)))?;
            let doc = docs
                .first()
                .ok_or_else(|| not_found(format!("no section with id {id}")))?;
            (doc.policy_id.clone(), Some(id.clone()))
        }
        ShowTarget::Policy(id) => (id.clone(), None),
        ShowTarget::Vendor {
            vendor,
            date,
            latest,
        } => {
            let docs = docs_matching(
                idx,
                searcher,
                &term_query(Term::from_field_text(f.vendor, vendor)),
            )?;
            if docs.is_empty() {
                return Err(not_found(format!("no vendor {vendor:?} in the index")));
            }
            let mut snapshots: BTreeMap<(Option<String>, String), SnapshotSummary> =
                BTreeMap::new();
            for doc in docs {
                let entry = snapshots
                    .entry((doc.date.clone(), doc.policy_id.clone()))
                    .or_insert_with(|| SnapshotSummary {
                        policy_id: doc.policy_id,
                        date: doc.date,
                        sections: 0,
                        processors: doc.processors,
                    });
                entry.sections += 1;
            }
            let list: Vec<SnapshotSummary> = snapshots.into_values().collect();
            let chosen = match (date, latest) {
                (Some(d), _) => {
                    let found: Vec<&SnapshotSummary> = list
                        .iter()
                        .filter(|s| s.date.as_deref() == Some(d.as_str()))
                        .collect();
                    match found.as_slice() {
                        [one] => Some(one.policy_id.clone()),
                        [] => {
                            let dates: Vec<&str> =
                                list.iter().filter_map(|s| s.date.as_deref()).collect();
                            return Err(not_found(format!(
                                "{vendor} has no snapshot archived on {d}; its dates: {}",
                                dates.join(", ")
                            )));
                        }
                        _ => None,
                    }
                }
                (None, true) => list.last().map(|s| s.policy_id.clone()),
                (None, false) if list.len() == 1 => Some(list[0].policy_id.clone()),
                _ => None,
            };
            match chosen {
                Some(pid) => (pid, None),
                None => {
                    return Ok(Shown::Snapshots {
                        vendor: vendor.clone(),
                        snapshots: list,
                    });
                }
            }
        }
    };
    let mut docs = docs_matching(
        idx,
        searcher,
        &term_query(Term::from_field_text(f.policy_id, &policy_id)),
    )?;
    docs.sort_by_key(|d| d.ordinal);
    let Some(first) = docs.first().cloned() else {
        return Err(not_found(format!("no policy with id {policy_id}")));
    };
    Ok(Shown::Policy(Box::new(PolicyView {
        policy_id: policy_id.clone(),
        vendor: first.vendor,
        date: first.date,
        title: first.title,
        processors: first.processors,
        trackers: first.trackers,
        programs: first.programs,
        laws: first.laws,
        measures: first.measures,
        url: first.url,
        source_url: first.source_url,
        path: first.path,
        revision: first.revision,
        blob: first.blob,
        marked,
        sections: docs
            .into_iter()
            .map(|d| SectionView {
                id: d.id,
                ordinal: d.ordinal,
                part: d.part,
                level: d.level,
                heading: d.heading,
                lead_headings: d.lead_headings,
                heading_path: d.heading_path,
                body: d.body,
                section_processors: d.section_processors,
            })
            .collect(),
    })))
}

/// One vendor in `vendors`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VendorRow {
    pub vendor: String,
    pub snapshots: u64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    pub processors: Vec<String>,
    pub trackers: Vec<String>,
    pub programs: Vec<String>,
    pub laws: Vec<String>,
    /// With a query: snapshots with a matching section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_snapshots: Option<u64>,
    /// With a query: matching sections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_sections: Option<u64>,
    /// With a query: first and last archive date of a matching snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_match: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_match: Option<String>,
}

/// Vendors with their snapshots; with a query, only those with a matching section.
pub fn vendors(
    idx: &PolicyIndex,
    searcher: &Searcher,
    query: Option<&QueryConfig>,
) -> Result<Vec<VendorRow>, SearchError> {
    let collector = GroupCollector {
        by: vec![GroupBy::Vendor],
        with_processors: true,
    };
    let all = searcher
        .search(&AllQuery, &collector)?
        .pop()
        .unwrap_or_default();
    let matching = match query {
        Some(q) => Some(
            searcher
                .search(&build_query(idx, searcher, q)?, &collector)?
                .pop()
                .unwrap_or_default(),
        ),
        None => None,
    };
    let mut rows: Vec<VendorRow> = all
        .into_iter()
        .filter_map(|(vendor, g)| {
            let m = match &matching {
                Some(m) => Some(m.get(&vendor)?),
                None => None,
            };
            Some(VendorRow {
                snapshots: g.policies,
                first_date: g.first_date,
                last_date: g.last_date,
                processors: g.processors.into_iter().collect(),
                trackers: g.trackers.into_iter().collect(),
                programs: g.programs.into_iter().collect(),
                laws: g.laws.into_iter().collect(),
                matching_snapshots: m.map(|m| m.policies),
                matching_sections: m.map(|m| m.sections),
                first_match: m.and_then(|m| m.first_date.clone()),
                last_match: m.and_then(|m| m.last_date.clone()),
                vendor,
            })
        })
        .collect();
    if matching.is_some() {
        rows.sort_by(|a, b| {
            b.matching_snapshots
                .cmp(&a.matching_snapshots)
                .then_with(|| a.vendor.cmp(&b.vendor))
        });
    }
    Ok(rows)
}

/// A filter value the index does not hold, with the values it holds that look alike.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownValue {
    /// `vendor` or `processor`.
    pub kind: &'static str,
    pub value: String,
    /// Values of the index that look alike, closest first (at most five).
    pub similar: Vec<String>,
}

/// The vendor and processor filters that match nothing in the index, each with the
/// values that look alike (a `www.` too many, a typo, another spelling).
pub fn unknown_filter_values(
    searcher: &Searcher,
    filters: &super::Filters,
) -> Result<Vec<UnknownValue>, SearchError> {
    let mut out = Vec::new();
    for (kind, field, wanted) in [
        ("vendor", crate::index::name::vendor, &filters.vendors),
        (
            "processor",
            crate::index::name::processor,
            &filters.processors,
        ),
    ] {
        if wanted.is_empty() {
            continue;
        }
        let known = count_str_values(searcher, field)?;
        let matcher = crate::corpus::EntityMatcher::shared_builtin();
        for value in wanted {
            let lower = value.to_lowercase();
            let canonical = if kind == "processor" {
                matcher
                    .canonical_name(crate::corpus::Category::Processor, value)
                    .map_or(lower.clone(), str::to_lowercase)
            } else {
                lower.clone()
            };
            // Present in the index, or a processor the table knows that no policy names:
            // not a mistyped value.
            let builtin = kind == "processor"
                && matcher
                    .canonical_name(crate::corpus::Category::Processor, value)
                    .is_some();
            if builtin || known.keys().any(|k| k.to_lowercase() == canonical) {
                continue;
            }
            out.push(UnknownValue {
                kind,
                value: value.clone(),
                similar: look_alike(&lower, known.keys().map(String::as_str)),
            });
        }
    }
    Ok(out)
}

/// Up to five of `candidates` that look like `wanted`: the same site without `www.` or a
/// scheme, one a subdomain of the other, or within a few typing mistakes.
fn look_alike<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let bare = |s: &str| -> String {
        let s = s.trim().trim_end_matches('/').to_lowercase();
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(&s)
            .to_string();
        s.strip_prefix("www.").unwrap_or(&s).to_string()
    };
    let want = bare(wanted);
    let mut scored: Vec<(usize, String)> = candidates
        .filter_map(|c| {
            let have = bare(c);
            let distance = strsim::levenshtein(&want, &have);
            let related = have == want
                || have.ends_with(&format!(".{want}"))
                || want.ends_with(&format!(".{have}"))
                || (want.len() >= 4 && have.contains(&want));
            let close = distance <= (want.chars().count() / 4).clamp(1, 3);
            (related || close).then(|| (distance, c.to_string()))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(5).map(|(_, c)| c).collect()
}
