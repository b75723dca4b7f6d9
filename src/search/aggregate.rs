//! Exact counts over all matching sections, grouped by year, month, vendor or processor:
//! matching sections and distinct policy snapshots per value, with the first and last
//! archive date seen. One tantivy collector reading fast fields; used by facets, trends,
//! stats and vendors.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::index::name;

/// The value a group is known by when the document has none (no archive date).
pub const UNKNOWN: &str = "unknown";

/// What to group matching sections by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Year,
    /// `YYYY-MM`.
    Month,
    Vendor,
    Processor,
    Tracker,
    Program,
    Law,
}

impl GroupBy {
    /// The entity column a grouping reads, if it groups by entities.
    fn entity_column(self) -> Option<&'static str> {
        match self {
            // Processors are read from the collector's own processor column.
            GroupBy::Tracker => Some(name::tracker),
            GroupBy::Program => Some(name::program),
            GroupBy::Law => Some(name::law),
            _ => None,
        }
    }
}

/// The counts of one group value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Group {
    pub sections: u64,
    /// Distinct policy snapshots. A policy's sections are consecutive documents of one
    /// segment (the build adds them as one group, and merges keep segments' documents
    /// in order), so the matching sections of a policy are one run in a segment's
    /// matches, and each run counts one policy: no set of policy numbers to fill and
    /// merge (at XL the year facet of a common phrase spent most of its time there).
    pub policies: u64,
    pub first_date: Option<String>,
    pub last_date: Option<String>,
    /// Processors of the policies in the group (only when asked for).
    pub processors: BTreeSet<String>,
    /// Trackers, programs and laws of the policies in the group (only when asked for).
    pub trackers: BTreeSet<String>,
    pub programs: BTreeSet<String>,
    pub laws: BTreeSet<String>,
}

impl Group {
    fn merge(&mut self, other: Group) {
        self.sections += other.sections;
        self.policies += other.policies;
        self.first_date = min_opt(self.first_date.take(), other.first_date);
        self.last_date = max_opt(self.last_date.take(), other.last_date);
        self.processors.extend(other.processors);
        self.trackers.extend(other.trackers);
        self.programs.extend(other.programs);
        self.laws.extend(other.laws);
    }
}

fn min_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Groups for each requested key, in request order.
pub type Groups = Vec<BTreeMap<String, Group>>;

/// Collects [`Groups`] for the documents a query matches.
pub struct GroupCollector {
    pub by: Vec<GroupBy>,
    /// Also gather each group's processors, trackers, programs, laws and first and last
    /// dates (for `vendors`); without it, `Group::first_date` and `last_date` are `None`
    /// (a facet or a count reads no date).
    pub with_processors: bool,
}

/// Per-segment state: values are segment-local (ords, years) until harvest.
pub struct GroupSegmentCollector {
    by: Vec<GroupBy>,
    with_processors: bool,
    /// Only the columns the groupings read are opened: a query without facets opens
    /// none (at XL, opening every column of 24 segments cost a rare phrase a fifth of
    /// its time).
    ordinal: Option<Column<u64>>,
    year: Option<Column<u64>>,
    date: Option<StrColumn>,
    vendor: Option<StrColumn>,
    processor: Option<StrColumn>,
    /// Per grouping: its entity column (trackers, programs, laws, processors).
    entity: Vec<Option<StrColumn>>,
    /// With `with_processors`: the tracker, program and law columns.
    others: Vec<Option<StrColumn>>,
    /// One map per key: local value → (sections, policies, min date ord, max date ord,
    /// processor ords).
    local: Vec<FxHashMap<u64, LocalGroup>>,
    /// The last document collected and its section ordinal, its policy's group keys
    /// (one list per grouping), and how many of the policy's sections are not yet
    /// counted. A policy's sections are consecutive documents numbered from 0 in order
    /// and share every grouped value (year, date, vendor, processors are the policy's),
    /// so a run of them is counted at once.
    last: Option<(DocId, u64)>,
    current_keys: Vec<Vec<u64>>,
    pending: u64,
}

#[derive(Default)]
struct LocalGroup {
    sections: u64,
    /// Runs of one policy's sections (see [`Group::policies`]).
    policies: u64,
    min_date: Option<u64>,
    max_date: Option<u64>,
    processors: BTreeSet<u64>,
    /// Ords in the tracker, program and law columns.
    others: [BTreeSet<u64>; 3],
}

/// The local value standing for "no value".
const NONE: u64 = u64::MAX;

impl Collector for GroupCollector {
    type Fruit = Groups;
    type Child = GroupSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<GroupSegmentCollector> {
        let ff = segment.fast_fields();
        let grouped = !self.by.is_empty();
        let by = |g: GroupBy| self.by.contains(&g);
        let u64_if = |wanted: bool, col: &str| wanted.then(|| ff.u64(col)).transpose();
        let str_if = |wanted: bool, col: &str| {
            if wanted { ff.str(col) } else { Ok(None) }
        };
        let dated = grouped && (self.with_processors || by(GroupBy::Month));
        let processors = grouped && (self.with_processors || by(GroupBy::Processor));
        Ok(GroupSegmentCollector {
            by: self.by.clone(),
            with_processors: self.with_processors,
            ordinal: u64_if(grouped, name::ordinal)?,
            year: u64_if(by(GroupBy::Year), name::year)?,
            date: str_if(dated, name::date)?,
            vendor: str_if(by(GroupBy::Vendor), name::vendor)?,
            processor: str_if(processors, name::processor)?,
            entity: self
                .by
                .iter()
                .map(|b| match b.entity_column() {
                    Some(col) => ff.str(col),
                    None => Ok(None),
                })
                .collect::<tantivy::Result<_>>()?,
            others: if self.with_processors {
                vec![
                    ff.str(name::tracker)?,
                    ff.str(name::program)?,
                    ff.str(name::law)?,
                ]
            } else {
                Vec::new()
            },
            local: self.by.iter().map(|_| FxHashMap::default()).collect(),
            last: None,
            current_keys: self.by.iter().map(|_| Vec::new()).collect(),
            pending: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Groups>) -> tantivy::Result<Groups> {
        let mut out: Groups = vec![BTreeMap::new(); self.by.len()];
        for fruit in fruits {
            for (i, groups) in fruit.into_iter().enumerate() {
                for (value, group) in groups {
                    out[i].entry(value).or_default().merge(group);
                }
            }
        }
        Ok(out)
    }
}

impl GroupSegmentCollector {
    /// Counts the pending sections of the current policy in its groups.
    fn flush(&mut self) {
        if self.pending == 0 {
            return;
        }
        for (i, keys) in self.current_keys.iter().enumerate() {
            for value in keys {
                if let Some(g) = self.local[i].get_mut(value) {
                    g.sections += self.pending;
                }
            }
        }
        self.pending = 0;
    }
}

impl SegmentCollector for GroupSegmentCollector {
    type Fruit = Groups;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.by.is_empty() {
            return;
        }
        // Two documents are sections of one policy when their ordinals are as far apart
        // as the documents: a policy starting between them numbers `doc` from 0 after
        // the earlier one, so its ordinal falls short. The ordinal column is read
        // rather than the policy number, a 48-bit hash: far fewer pages touched (the
        // year facet of a common phrase at XL spent a fifth of its time reading it).
        let ordinal = self.ordinal.as_ref().and_then(|c| c.first(doc));
        let same_policy = match (self.last, ordinal) {
            (Some((last_doc, last_ord)), Some(ord)) => {
                let apart = doc.checked_sub(last_doc).map(u64::from);
                apart.is_some() && ord.checked_sub(last_ord) == apart
            }
            _ => false,
        };
        self.last = ordinal.map(|ord| (doc, ord));
        if same_policy {
            self.pending += 1;
            return;
        }
        self.flush();
        self.pending = 1;
        let date = if self.with_processors || self.by.contains(&GroupBy::Month) {
            self.date.as_ref().and_then(|c| c.term_ords(doc).next())
        } else {
            None
        };
        let processors: Vec<u64> = match &self.processor {
            Some(c) if self.with_processors || self.by.contains(&GroupBy::Processor) => {
                c.term_ords(doc).collect()
            }
            _ => Vec::new(),
        };
        let others: Vec<Vec<u64>> = self
            .others
            .iter()
            .map(|c| {
                c.as_ref()
                    .map_or_else(Vec::new, |c| c.term_ords(doc).collect())
            })
            .collect();
        for (i, by) in self.by.iter().enumerate() {
            let keys = &mut self.current_keys[i];
            keys.clear();
            match by {
                GroupBy::Year => keys.push(
                    self.year
                        .as_ref()
                        .and_then(|c| c.first(doc))
                        .unwrap_or(NONE),
                ),
                GroupBy::Month => keys.push(date.unwrap_or(NONE)),
                GroupBy::Vendor => keys.push(
                    self.vendor
                        .as_ref()
                        .and_then(|c| c.term_ords(doc).next())
                        .unwrap_or(NONE),
                ),
                GroupBy::Processor => keys.extend(processors.iter().copied()),
                GroupBy::Tracker | GroupBy::Program | GroupBy::Law => {
                    if let Some(c) = &self.entity[i] {
                        keys.extend(c.term_ords(doc));
                    }
                }
            }
            for &value in keys.iter() {
                let g = self.local[i].entry(value).or_default();
                g.policies += 1;
                if let Some(d) = date {
                    g.min_date = Some(g.min_date.map_or(d, |m| m.min(d)));
                    g.max_date = Some(g.max_date.map_or(d, |m| m.max(d)));
                }
                if self.with_processors {
                    g.processors.extend(processors.iter().copied());
                    for (set, ords) in g.others.iter_mut().zip(&others) {
                        set.extend(ords.iter().copied());
                    }
                }
            }
        }
    }

    fn harvest(mut self) -> Groups {
        self.flush();
        let text = |column: &Option<StrColumn>, ord: u64| -> Option<String> {
            let mut s = String::new();
            match column {
                Some(c) if ord != NONE => c.ord_to_str(ord, &mut s).ok().filter(|f| *f).map(|_| s),
                _ => None,
            }
        };
        let names = |cols: &[Option<StrColumn>], k: usize, ords: &BTreeSet<u64>| {
            ords.iter()
                .filter_map(|o| cols.get(k).and_then(|c| text(c, *o)))
                .collect::<BTreeSet<String>>()
        };
        let mut out = Vec::with_capacity(self.by.len());
        for (i, (by, local)) in self.by.iter().zip(self.local).enumerate() {
            let mut groups: BTreeMap<String, Group> = BTreeMap::new();
            for (value, g) in local {
                let name = match by {
                    GroupBy::Year if value != NONE => Some(format!("{value:04}")),
                    GroupBy::Month => text(&self.date, value).map(|d| d.chars().take(7).collect()),
                    GroupBy::Vendor => text(&self.vendor, value),
                    GroupBy::Processor => text(&self.processor, value),
                    GroupBy::Tracker | GroupBy::Program | GroupBy::Law => {
                        text(&self.entity[i], value)
                    }
                    GroupBy::Year => None,
                }
                .unwrap_or_else(|| UNKNOWN.to_string());
                let group = Group {
                    sections: g.sections,
                    policies: g.policies,
                    first_date: g.min_date.and_then(|d| text(&self.date, d)),
                    last_date: g.max_date.and_then(|d| text(&self.date, d)),
                    processors: g
                        .processors
                        .into_iter()
                        .filter_map(|p| text(&self.processor, p))
                        .collect(),
                    trackers: names(&self.others, 0, &g.others[0]),
                    programs: names(&self.others, 1, &g.others[1]),
                    laws: names(&self.others, 2, &g.others[2]),
                };
                groups.entry(name).or_default().merge(group);
            }
            out.push(groups);
        }
        out
    }
}
