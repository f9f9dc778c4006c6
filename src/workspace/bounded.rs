//! Bounded caches: every cache of the server holds at most a fixed number of entries, so memory
//! does not grow with the number of distinct paths or references ever typed.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// Inserts into a cache of at most `cap` entries. When it is full, entries `stale` says are no
/// longer useful go first, and if that frees nothing the cache starts over (a generation sweep:
/// cheap, and what is still in use is computed again on the next request).
pub fn insert_bounded<K: Hash + Eq, V, S: BuildHasher>(
    map: &mut HashMap<K, V, S>,
    cap: usize,
    key: K,
    value: V,
    stale: impl Fn(&V) -> bool,
) {
    if map.len() >= cap && !map.contains_key(&key) {
        map.retain(|_, v| !stale(v));
        if map.len() >= cap {
            map.clear();
        }
    }
    map.insert(key, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_drops_stale_entries_then_starts_over() {
        let mut map = HashMap::new();
        for i in 0..4 {
            insert_bounded(&mut map, 4, i, i, |_| false);
        }
        insert_bounded(&mut map, 4, 9, 9, |v| *v % 2 == 0);
        assert_eq!(map.len(), 3, "0 and 2 were stale");
        insert_bounded(&mut map, 4, 10, 10, |_| false);
        insert_bounded(&mut map, 4, 11, 11, |_| false);
        assert_eq!(map.len(), 1, "nothing stale: started over");
        insert_bounded(&mut map, 4, 11, 12, |_| false);
        assert_eq!(map[&11], 12);
    }
}
