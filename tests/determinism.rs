//! Results do not depend on the number of worker threads: `analyze --cells` with `--threads 1`
//! and with the default writes byte-identical files, except `summary.json`, which must be
//! identical once `timings_s` and `settings.threads` are removed.
//!
//! The plans read the repository's data (`data/`): Helsinki straight and on foot, and Wuhan
//! from its GeoTIFFs (494,676 cells; the crate is optimised in test builds, so it takes a few
//! seconds per run). The CSV reader's parallel chunks (Wuhan CSV) and Porto Alegre on foot are
//! checked with the shared-data feature.

#[path = "determinism_common/mod.rs"]
mod determinism_common;

use determinism_common::check;

#[test]
fn helsinki_is_thread_count_independent() {
    // Also an odd thread count (cheap here), so that the check means something on 1-core CI.
    check("helsinki.toml", &[3]);
}

#[test]
fn wuhan_geotiff_is_thread_count_independent() {
    check("wuhan_tif.toml", &[]);
}

/// With a walking network (one bounded search per service, run in parallel) the results stay
/// independent of the thread count too.
#[test]
fn helsinki_walking_is_thread_count_independent() {
    check("helsinki_walk.toml", &[3]);
}
