//! Runs the text loaders' mutation cases (tests/text_loaders) for a chosen time: `cargo run
//! --example fuzz_text -- LOADER SECONDS [FIRST_SEED]` (LOADER: csv, geojson, plan, pbf, sites
//! or all). Prints the number of runs, how many inputs were refused, and every finding with
//! its replay label (`LOADER seed N: …`; tests/hostile_text.rs runs seeds from 0). Exit 1 when
//! there are findings. Used by scripts/fuzz.sh.

#[path = "../tests/text_loaders/mod.rs"]
mod text_loaders;

use std::time::Duration;
use text_loaders::{case, Loader};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fuzz_text LOADER SECONDS [FIRST_SEED]  (LOADER: csv, geojson, plan, pbf, sites, all)";
    let (Some(which), Some(secs)) = (
        args.first(),
        args.get(1).and_then(|s| s.parse::<f64>().ok()),
    ) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let loaders: Vec<Loader> = if which == "all" {
        Loader::ALL.to_vec()
    } else {
        match Loader::parse(which) {
            Some(l) => vec![l],
            None => {
                eprintln!("{usage}");
                std::process::exit(2);
            }
        }
    };
    // Seeds past the test's range by default, so the fuzzer explores new cases.
    let first: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // Panics are findings, reported below; keep their default messages off the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let dir = tempfile::tempdir().expect("a scratch folder");
    let per = Duration::from_secs_f64(secs / loaders.len() as f64);
    let mut total = 0;
    for loader in loaders {
        total +=
            text_loaders::mutation_common::fuzz_for(&format!("{loader:?}"), per, first, |seed| {
                let o = case(loader, seed, dir.path());
                (o.refused, o.finding.map(|f| format!("{}: {f}", o.label)))
            });
    }
    std::process::exit(if total > 0 { 1 } else { 0 });
}
