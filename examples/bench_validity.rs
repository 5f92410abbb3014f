//! Benchmark of polygon checking and repair (not a timed test).
//!
//! For each layer given (default: the Wuhan streets, Helsinki postal areas and major
//! districts), reads the polygons and times `validity::repair` over all features, repeated
//! until at least a second has passed; prints vertices, features rebuilt and time per feature.
//!
//! Run: `cargo run --release --example bench_validity [layer.geojson ...]` from the repo root.

use std::path::PathBuf;
use std::time::Instant;

use carecircle::load::geojson::{self, Geometry};
use carecircle::validity;

fn main() -> anyhow::Result<()> {
    let args: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let paths = if args.is_empty() {
        [
            "../shared/data/wuhan/streets_approx.geojson",
            "../shared/data/helsinki/postal_areas.geojson",
            "../shared/data/helsinki/major_districts.geojson",
        ]
        .map(PathBuf::from)
        .to_vec()
    } else {
        args
    };
    for path in paths {
        let layer = geojson::read(&path)?;
        let feats: Vec<_> = layer
            .features
            .iter()
            .filter_map(|f| match &f.geometry {
                Some(Geometry::Polygons(p)) => Some(p.clone()),
                _ => None,
            })
            .collect();
        let verts: usize = feats.iter().flatten().flatten().map(Vec::len).sum();
        let max_verts = feats
            .iter()
            .map(|p| p.iter().flatten().count())
            .max()
            .unwrap_or(0);
        let mut rebuilt = 0;
        let mut runs = 0u32;
        let start = Instant::now();
        while runs == 0 || start.elapsed().as_secs_f64() < 1.0 {
            rebuilt = feats
                .iter()
                .filter(|p| validity::repair(p).rebuilt())
                .count();
            runs += 1;
        }
        let per_run = start.elapsed().as_secs_f64() / f64::from(runs);
        let mut slowest = 0.0f64;
        for p in &feats {
            let t = Instant::now();
            std::hint::black_box(validity::repair(p));
            slowest = slowest.max(t.elapsed().as_secs_f64());
        }
        println!(
            "{}: {} features, {} vertices (max {} in one), {} rebuilt; repair {:.1} µs/feature \
             ({:.3} µs/vertex), slowest feature {:.1} µs, whole layer {:.2} ms",
            path.display(),
            feats.len(),
            verts,
            max_verts,
            rebuilt,
            per_run / feats.len() as f64 * 1e6,
            per_run / verts as f64 * 1e6,
            slowest * 1e6,
            per_run * 1e3,
        );
    }
    Ok(())
}
