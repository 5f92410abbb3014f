//! The `carecircle` command line: parse arguments, run the library, print, set the exit code
//! (0 done, 2 could not run).

use anyhow::Context;
use carecircle::{analyze, write, Plan};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "carecircle",
    version,
    about = "Service-circle coverage and blank spots for elderly-care and childcare planning"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: all cores). Results are identical for any number.
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Show stages as they run.
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Coverage per street/town and service, blank spots, GeoJSON layers and a gap report.
    Analyze {
        /// The plan file (TOML).
        plan: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Also write cells.csv (per-cell distances and covered flags).
        #[arg(long)]
        cells: bool,
        /// Also write service_areas.geojson (walking service areas; the plan needs a [network]).
        #[arg(long)]
        service_areas: bool,
    },
}

struct Stages {
    verbose: bool,
    start: std::time::Instant,
}

impl analyze::Progress for Stages {
    fn stage(&self, name: &str) {
        if self.verbose {
            eprintln!("[{:>7.3} s] {name}", self.start.elapsed().as_secs_f64());
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let mut src = e.source();
            while let Some(s) = src {
                eprintln!("  caused by: {s}");
                src = s.source();
            }
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    let threads = cli.threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("starting the worker threads")?;
    match &cli.command {
        Command::Analyze { plan, out, cells, service_areas } => {
            let plan = Plan::load(plan)?;
            if *service_areas && plan.network.is_none() {
                anyhow::bail!(
                    "--service-areas needs a walking network: add a [network] section with path = \"….osm.pbf\" to {}",
                    plan.path.display()
                );
            }
            let stages = Stages {
                verbose: cli.verbose && !cli.quiet,
                start: std::time::Instant::now(),
            };
            let a = carecircle::run(
                plan,
                &analyze::Options {
                    exact_distances: *cells,
                    progress: &stages,
                },
            )?;
            analyze::Progress::stage(&stages, "writing outputs");
            let files = write::analysis(&a, out, &write::WriteOptions { cells: *cells, service_areas: *service_areas, threads })?;
            analyze::Progress::stage(&stages, "done");
            if !cli.quiet {
                print_summary(&a, out, &files);
            }
            // The process ends here: leave the memory to the OS instead of freeing ~10⁶ small
            // allocations one by one.
            std::mem::forget(a);
            Ok(())
        }
    }
}

fn print_summary(a: &carecircle::Analysis, out: &std::path::Path, files: &[PathBuf]) {
    println!(
        "{}: {} units, {} cells, {} facilities",
        a.plan.title,
        a.areas.list.len(),
        a.cells.len(),
        a.facilities.len()
    );
    println!(
        "{:<20} {:>8} {:>14} {:>14} {:>9} {:>7}",
        "service", "radius", "population", "covered", "coverage", "blank"
    );
    for s in &a.services {
        let pop: f64 = s.stats.iter().map(|x| x.population).sum();
        let cov: f64 = s.stats.iter().map(|x| x.covered).sum();
        println!(
            "{:<20} {:>6} m {:>14.1} {:>14.1} {:>8.1}% {:>3} / {}",
            s.spec.id,
            s.spec.radius_m,
            pop,
            cov,
            if pop > 0.0 { cov / pop * 100.0 } else { 0.0 },
            s.stats.iter().filter(|x| x.blank()).count(),
            s.stats.len()
        );
    }
    for w in &a.warnings.0 {
        println!("warning: {}", w.message);
    }
    println!("wrote {} files to {}", files.len(), out.display());
}
