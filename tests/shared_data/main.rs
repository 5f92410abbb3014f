//! Tests on the large shared data bundles: the whole-Wuhan CSV grid (494,676 rows), the ten
//! WorldPop age-band rasters, Porto Alegre's walking network, the Helsinki publisher originals
//! (Shapefile, GeoPackages) and the planning documents themselves.
//!
//! They read `../shared` beside the repository and run only with
//! `cargo test --features shared-data` (this target has `required-features`), so a plain clone's
//! `cargo test` needs nothing beside it. With the feature on and the data missing they fail:
//! every path goes through [`common::shared`] or a check of its own that asserts the folder
//! exists.

#[path = "../access_common/mod.rs"]
mod access_common;
#[path = "../cli_common/mod.rs"]
mod cli_common;
#[path = "../determinism_common/mod.rs"]
mod determinism_common;
#[path = "../network_common/mod.rs"]
mod network_common;
#[path = "../sites_common/mod.rs"]
mod sites_common;

/// The CLI helpers, plus the way to the shared bundles.
mod common {
    pub use super::cli_common::*;
    use std::path::PathBuf;

    /// A path inside `../shared/data`; fails loudly (never skips) when the bundle is missing.
    pub fn shared(rel: &str) -> PathBuf {
        let base = root().join("../shared/data");
        assert!(
            base.join("README.md").is_file(),
            "the shared-data tests need the shared data bundle at {} (see README.md, Tests)",
            base.display()
        );
        base.join(rel)
    }
}

mod access;
mod crs;
mod crs_layers;
mod determinism;
mod formats;
mod network_real_data;
mod raster;
mod real_data;
mod sites;
mod standards;
mod walk;

/// The plans on the shared bundles name files that exist (so a moved bundle fails here first,
/// with the path, rather than deep inside a run).
#[test]
fn shared_plans_name_existing_files() {
    for plan in [
        "wuhan.toml",
        "wuhan_access.toml",
        "wuhan_bands.toml",
        "porto_alegre.toml",
        "helsinki_originals.toml",
    ] {
        let path = common::root().join("tests/plans").join(plan);
        let text = std::fs::read_to_string(&path).unwrap();
        let base = path.parent().unwrap();
        let mut n = 0;
        for line in text.lines().filter(|l| l.starts_with("path = ")) {
            let rel = line.trim_start_matches("path = ").trim_matches('"');
            let p = base.join(rel);
            assert!(p.exists(), "{plan}: {} is missing", p.display());
            n += 1;
        }
        assert!(n >= 3, "{plan}: {n} paths");
        let _ = common::shared("README.md");
    }
}
