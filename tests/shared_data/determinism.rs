//! Thread-count independence on the shared bundles: the Wuhan CSV grid (read by line-aligned
//! ranges in parallel) and Porto Alegre on foot.

use crate::determinism_common::check;

#[test]
fn wuhan_csv_is_thread_count_independent() {
    check("wuhan.toml", &[]);
}

/// With a walking network (one bounded search per service, run in parallel) the results stay
/// independent of the thread count too.
#[test]
fn porto_alegre_walking_is_thread_count_independent() {
    check("porto_alegre.toml", &[3]);
}
