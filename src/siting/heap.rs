//! The priority-queue entry of the lazy greedy searches (MCLP, capacity, set cover).

use std::cmp::Ordering;

/// A candidate's (possibly stale) gain in a max-heap: larger gain first, then smaller tie-break
/// key (seeded order), then smaller candidate index; `stamp` tells when the gain was computed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item {
    pub(crate) gain: f64,
    pub(crate) key: u64,
    pub(crate) j: u32,
    pub(crate) stamp: usize,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then(other.key.cmp(&self.key))
            .then(other.j.cmp(&self.j))
    }
}
