//! Runs the binary loaders' mutation cases (tests/binary_loaders) for a chosen time: `cargo run
//! --example fuzz_binary -- LOADER SECONDS [FIRST_SEED]` (LOADER: xlsx, shapefile, gpkg, geotiff
//! or all). Each seed mutates one file of one case once (the cases of a loader and their files
//! take turns). Prints the runs, how many inputs were refused, and every finding with its replay
//! label (`LOADER seed N: …`). Exit 1 when there are findings. Used by scripts/fuzz.sh.

#[path = "../tests/binary_loaders/mod.rs"]
mod binary_loaders;

use binary_loaders::mutation_common::{fuzz_for, Lcg};
use binary_loaders::{cases, judge};
use std::time::Duration;

const LOADERS: [&str; 4] = ["xlsx", "shapefile", "gpkg", "geotiff"];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fuzz_binary LOADER SECONDS [FIRST_SEED]  (LOADER: xlsx, shapefile, gpkg, geotiff, all)";
    let (Some(which), Some(secs)) = (
        args.first(),
        args.get(1).and_then(|s| s.parse::<f64>().ok()),
    ) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let loaders: Vec<&str> = match which.as_str() {
        "all" => LOADERS.to_vec(),
        l if LOADERS.contains(&l) => vec![l],
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    // Seeds past the test's range by default, so the fuzzer explores new cases.
    let first: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // Panics are findings, reported below; keep their default messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let per = Duration::from_secs_f64(secs / loaders.len() as f64);
    let mut total = 0;
    for loader in loaders {
        let cases = cases(loader);
        let files: Vec<(usize, &str, Vec<u8>)> = cases
            .iter()
            .enumerate()
            .flat_map(|(i, (_, c))| {
                c.targets.iter().map(move |t| {
                    let bytes = std::fs::read(c.dir.path().join(t)).expect("fixture written");
                    (i, *t, bytes)
                })
            })
            .collect();
        total += fuzz_for(loader, per, first, |seed| {
            let (case, target, original) = &files[(seed % files.len() as u64) as usize];
            let (label, finding, r) = judge(&cases[*case].1, target, original, &mut Lcg(seed));
            let finding =
                finding.map(|f| format!("{loader} seed {seed}: {} {label}: {f}", cases[*case].0));
            (r, finding)
        });
    }
    std::process::exit(if total > 0 { 1 } else { 0 });
}
