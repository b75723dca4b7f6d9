//! Facets: the counts over all matching sections per year, month, vendor or processor,
//! ordered and cut for output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::aggregate::{self, Group, GroupBy};

/// A facet's value: a year is a number (`null` for undated snapshots), the rest text.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(untagged)]
pub enum FacetValue {
    Number(u64),
    Text(String),
    /// No value (a snapshot without a date).
    Missing,
}

impl std::fmt::Display for FacetValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FacetValue::Number(n) => write!(f, "{n}"),
            FacetValue::Text(s) => f.write_str(s),
            FacetValue::Missing => f.write_str(aggregate::UNKNOWN),
        }
    }
}

/// One value of a facet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FacetCount {
    pub value: FacetValue,
    /// Matching sections with this value.
    pub sections: u64,
    /// Distinct matching policy snapshots with this value.
    pub policies: u64,
}

/// The name of a facet in output.
pub fn facet_name(by: GroupBy) -> &'static str {
    match by {
        GroupBy::Year => "year",
        GroupBy::Month => "month",
        GroupBy::Vendor => "vendor",
        GroupBy::Processor => "processor",
        GroupBy::Tracker => "tracker",
        GroupBy::Program => "program",
        GroupBy::Law => "law",
    }
}

/// Turns groups into facet counts: years (and months) in order with "unknown" last,
/// other facets by sections, then policies, then name, cut to `limit`.
pub fn facet_counts(
    by: GroupBy,
    groups: &BTreeMap<String, Group>,
    limit: usize,
) -> Vec<FacetCount> {
    let mut counts: Vec<FacetCount> = groups
        .iter()
        .map(|(value, g)| FacetCount {
            value: match (by, value.parse::<u64>()) {
                _ if value == aggregate::UNKNOWN => FacetValue::Missing,
                (GroupBy::Year, Ok(year)) => FacetValue::Number(year),
                _ => FacetValue::Text(value.clone()),
            },
            sections: g.sections,
            policies: g.policies,
        })
        .collect();
    match by {
        GroupBy::Year | GroupBy::Month => {
            // Missing sorts after numbers and text: undated last.
            counts.sort_by(|a, b| a.value.cmp(&b.value));
        }
        GroupBy::Vendor
        | GroupBy::Processor
        | GroupBy::Tracker
        | GroupBy::Program
        | GroupBy::Law => {
            counts.sort_by(|a, b| {
                b.sections
                    .cmp(&a.sections)
                    .then(b.policies.cmp(&a.policies))
                    .then_with(|| a.value.cmp(&b.value))
            });
            counts.truncate(limit);
        }
    }
    counts
}
