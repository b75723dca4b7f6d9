//! The merge policy of a build: segments are merged up to a size cap and no further.
//!
//! A merge reads its input segments through memory maps, so the pages it touches count in
//! the process's resident memory; tantivy's default policy merges ever larger segments
//! (up to 10 million documents), which made the peak memory of a build grow with the
//! corpus. Here a merge never produces more than `max_docs` sections, so a build's memory
//! stays bounded whatever the corpus size, and the index ends with a few segments of
//! similar size, which a query searches in parallel.

use tantivy::SegmentMeta;
use tantivy::indexer::{MergeCandidate, MergePolicy};

/// Most segments merged at once when they are still small together.
const MAX_FAN_IN: usize = 8;

/// Merges small segments into segments of `max_docs / 2` to `max_docs` sections.
#[derive(Debug, Clone)]
pub struct BoundedMergePolicy {
    pub max_docs: u32,
}

impl MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let sizes: Vec<u32> = segments.iter().map(SegmentMeta::num_docs).collect();
        merge_groups(&sizes, self.max_docs)
            .into_iter()
            .map(|group| MergeCandidate(group.into_iter().map(|i| segments[i].id()).collect()))
            .collect()
    }
}

/// Groups of segment indices to merge, given each segment's live document count.
///
/// Segments of at least half the cap are left alone. The others, smallest first, are
/// gathered while the group stays within the cap; a group is merged once it holds at
/// least half the cap or `MAX_FAN_IN` segments, so each merge yields a segment of
/// useful size, and no segment is rewritten more than a few times.
pub fn merge_groups(sizes: &[u32], max_docs: u32) -> Vec<Vec<usize>> {
    let half = max_docs / 2;
    let mut small: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] < half).collect();
    small.sort_by_key(|&i| (sizes[i], i));
    let mut groups = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    let mut total: u64 = 0;
    for i in small {
        if total + u64::from(sizes[i]) > u64::from(max_docs) {
            // Sizes only grow from here: this group cannot take any more.
            break;
        }
        group.push(i);
        total += u64::from(sizes[i]);
        if group.len() >= 2 && (total >= u64::from(half) || group.len() >= MAX_FAN_IN) {
            groups.push(std::mem::take(&mut group));
            total = 0;
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(sizes: &[u32], group: &[usize]) -> u64 {
        group.iter().map(|&i| u64::from(sizes[i])).sum()
    }

    #[test]
    fn groups_respect_the_cap_and_leave_big_segments_alone() {
        let sizes = [600, 100, 120, 90, 130, 80, 700, 110, 95];
        let groups = merge_groups(&sizes, 1000);
        assert!(!groups.is_empty());
        let mut seen = std::collections::BTreeSet::new();
        for g in &groups {
            assert!(g.len() >= 2);
            assert!(sum(&sizes, g) <= 1000, "{g:?}");
            assert!(sum(&sizes, g) >= 500 || g.len() == MAX_FAN_IN, "{g:?}");
            for &i in g {
                assert!(sizes[i] < 500, "segment {i} is big and was merged");
                assert!(seen.insert(i), "segment {i} is in two groups");
            }
        }
    }

    #[test]
    fn a_few_small_segments_wait_for_more() {
        assert!(merge_groups(&[100, 120, 90], 1000).is_empty());
        assert!(merge_groups(&[900, 950], 1000).is_empty());
        assert!(merge_groups(&[], 1000).is_empty());
    }

    #[test]
    fn many_tiny_segments_merge_eight_at_a_time() {
        let sizes = vec![1u32; 20];
        let groups = merge_groups(&sizes, 1000);
        assert_eq!(groups.len(), 2);
        assert!(groups.iter().all(|g| g.len() == MAX_FAN_IN));
    }

    #[test]
    fn repeated_rounds_end_with_segments_of_useful_size() {
        // Simulate a build: checkpoints add two segments of 150 each; merges run between.
        let cap = 1000u32;
        let mut segments: Vec<u32> = Vec::new();
        for _ in 0..40 {
            segments.extend([150, 150]);
            loop {
                let groups = merge_groups(&segments, cap);
                if groups.is_empty() {
                    break;
                }
                let mut merged = Vec::new();
                let mut gone = vec![false; segments.len()];
                for g in &groups {
                    merged.push(g.iter().map(|&i| segments[i]).sum::<u32>());
                    for &i in g {
                        gone[i] = true;
                    }
                }
                segments = segments
                    .iter()
                    .zip(&gone)
                    .filter(|(_, g)| !**g)
                    .map(|(s, _)| *s)
                    .chain(merged)
                    .collect();
            }
        }
        assert_eq!(segments.iter().sum::<u32>(), 40 * 300);
        assert!(segments.iter().all(|&s| s <= cap));
        let small = segments.iter().filter(|&&s| s < cap / 2).count();
        assert!(small <= 3, "{segments:?}");
    }
}
