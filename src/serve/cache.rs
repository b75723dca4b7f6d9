//! Answers kept for the index's current commit: a repeated search (a shared link, the
//! back button, several readers of one page) is answered without searching again. The
//! index is read-only between commits, so an answer stays right until the reader moves
//! to a new commit; then every kept answer is dropped. Bounded by bytes (the JSON size of
//! each answer), least recently used first out.

use std::sync::{Arc, Mutex};

use lru::LruCache;
use policies::search::SearchResult;

/// Searches answered from the cache and searches run, since the server started.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
}

struct Inner {
    /// The searcher generation the kept answers belong to.
    generation: u64,
    map: LruCache<String, (Arc<SearchResult>, usize)>,
    bytes: usize,
    counts: CacheCounts,
}

pub(crate) struct ResultCache {
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl ResultCache {
    /// A cache of at most `max_bytes` of answers; 0 keeps nothing.
    pub(crate) fn new(max_bytes: usize) -> ResultCache {
        ResultCache {
            max_bytes,
            inner: Mutex::new(Inner {
                generation: 0,
                map: LruCache::unbounded(),
                bytes: 0,
                counts: CacheCounts::default(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The answer kept for `key` at searcher generation `generation`.
    pub(crate) fn get(&self, generation: u64, key: &str) -> Option<Arc<SearchResult>> {
        let mut inner = self.lock();
        let found = if inner.generation == generation {
            inner.map.get(key).map(|(r, _)| Arc::clone(r))
        } else {
            None
        };
        match found {
            Some(_) => inner.counts.hits += 1,
            None => inner.counts.misses += 1,
        }
        found
    }

    /// Keeps `result` for `key`; answers of an older generation go.
    pub(crate) fn put(&self, generation: u64, key: String, result: Arc<SearchResult>) {
        if self.max_bytes == 0 {
            return;
        }
        // What the answer weighs: its JSON and the key.
        let size = serde_json::to_vec(result.as_ref())
            .map_or(usize::MAX, |v| v.len())
            .saturating_add(key.len());
        if size > self.max_bytes / 4 {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != generation {
            if generation < inner.generation {
                return;
            }
            inner.map.clear();
            inner.bytes = 0;
            inner.generation = generation;
        }
        if let Some((_, old)) = inner.map.put(key, (result, size)) {
            inner.bytes -= old;
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            match inner.map.pop_lru() {
                Some((_, (_, s))) => inner.bytes -= s,
                None => break,
            }
        }
    }

    pub(crate) fn counts(&self) -> CacheCounts {
        self.lock().counts
    }

    /// Answers kept and their bytes.
    pub(crate) fn size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.map.len(), inner.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(n: usize) -> Arc<SearchResult> {
        Arc::new(SearchResult {
            query: "x".repeat(n),
            total_hits: 1,
            per_vendor_hits: None,
            took_ms: 0,
            hits: Vec::new(),
            index_complete: true,
            facets: None,
        })
    }

    #[test]
    fn bounded_by_bytes_and_dropped_on_a_new_generation() {
        let cache = ResultCache::new(4000);
        for i in 0..10 {
            cache.put(1, format!("k{i}"), result(500));
        }
        let (n, bytes) = cache.size();
        assert!(bytes <= 4000, "{bytes}");
        assert!((6..10).contains(&n), "{n}");
        // The most recent are kept, the oldest gone.
        assert!(cache.get(1, "k9").is_some());
        assert!(cache.get(1, "k0").is_none());
        // Another generation sees nothing, and its first answer clears the rest.
        assert!(cache.get(2, "k9").is_none());
        cache.put(2, "new".into(), result(10));
        assert_eq!(cache.size().0, 1);
        assert!(cache.get(1, "k9").is_none());
        // An answer for an older generation than the kept ones is not kept.
        cache.put(1, "late".into(), result(10));
        assert!(cache.get(2, "late").is_none());
        // Too big for the cache (over a quarter of it): not kept.
        cache.put(2, "big".into(), result(2000));
        assert!(cache.get(2, "big").is_none());
        let c = cache.counts();
        assert_eq!((c.hits, c.misses), (1, 5));
    }

    #[test]
    fn zero_keeps_nothing() {
        let cache = ResultCache::new(0);
        cache.put(1, "k".into(), result(1));
        assert!(cache.get(1, "k").is_none());
    }
}
