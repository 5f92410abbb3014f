//! Benchmark of the network stage (not a timed test).
//!
//! Synthetic data, for scale: a generated 1,000 × 1,000-node street grid (100 m spacing, ~5% of
//! streets removed, seeded) with 200,000 random cells and 2,000 random facilities, 1,000 m budget:
//! build graph and index, snap, one bounded multi-source search, per-cell distances. (The real
//! Porto Alegre network is benchmarked whole-process by `scripts/bench.sh`.)
//!
//! Run: `cargo run --release --example bench_network`; measure memory with `/usr/bin/time -v`.

use std::time::Instant;

use carecircle::network::WalkNetwork;

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn grid() {
    let side = 1000u32;
    let spacing = 100.0;
    let mut rng = Rng(42);
    let t = Instant::now();
    let nodes: Vec<[f64; 2]> = (0..side * side)
        .map(|k| [(k % side) as f64 * spacing, (k / side) as f64 * spacing])
        .collect();
    let mut edges = Vec::with_capacity(2 * (side * side) as usize);
    for k in 0..side * side {
        if k % side + 1 < side && rng.f64() >= 0.05 {
            edges.push((k, k + 1));
        }
        if k / side + 1 < side && rng.f64() >= 0.05 {
            edges.push((k, k + side));
        }
    }
    let extent = (side - 1) as f64 * spacing;
    let cells: Vec<[f64; 2]> = (0..200_000)
        .map(|_| [rng.f64() * extent, rng.f64() * extent])
        .collect();
    let facilities: Vec<[f64; 2]> = (0..2_000)
        .map(|_| [rng.f64() * extent, rng.f64() * extent])
        .collect();
    println!(
        "grid: generate {} nodes, {} edges: {:.0} ms (not counted)",
        nodes.len(),
        edges.len(),
        ms(t)
    );

    let total = Instant::now();
    let t = Instant::now();
    let net = WalkNetwork::from_segments(nodes, edges);
    println!("grid: build graph + R-tree: {:.0} ms", ms(t));
    let t = Instant::now();
    let cell_snaps = net.snap_all(&cells, 500.0);
    println!("grid: snap 200,000 cells: {:.0} ms", ms(t));
    let t = Instant::now();
    let fac_snaps: Vec<_> = net
        .snap_all(&facilities, 500.0)
        .into_iter()
        .flatten()
        .collect();
    println!("grid: snap 2,000 facilities: {:.0} ms", ms(t));
    let t = Instant::now();
    let d = net.multi_source(&fac_snaps, 1000.0);
    println!("grid: multi-source search: {:.0} ms", ms(t));
    let t = Instant::now();
    use rayon::prelude::*;
    let covered = cell_snaps
        .par_iter()
        .filter(|s| s.is_some_and(|s| net.walk_distance(&d, &s).is_some()))
        .count();
    println!("grid: per-cell distances: {:.0} ms", ms(t));
    println!(
        "grid: network stage total: {:.0} ms; {covered} of 200,000 cells covered",
        ms(total)
    );
}

fn main() {
    grid();
}
