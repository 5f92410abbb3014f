//! The real Wuhan WorldPop rasters (pop_60plus.tif and the ten age-band rasters) against the
//! CSV that was derived from them, and the raster plan against the CSV plan.

use crate::common::{analyze, population_spec, rows, shared};
use carecircle::population::{self, Cells};
use carecircle::warnings::Warnings;
use std::collections::HashMap;
use std::path::PathBuf;

fn wuhan() -> PathBuf {
    shared("wuhan")
}

const BANDS: [&str; 10] = [
    "worldpop_bands/pop_60_f_wuhan.tif",
    "worldpop_bands/pop_60_m_wuhan.tif",
    "worldpop_bands/pop_65_f_wuhan.tif",
    "worldpop_bands/pop_65_m_wuhan.tif",
    "worldpop_bands/pop_70_f_wuhan.tif",
    "worldpop_bands/pop_70_m_wuhan.tif",
    "worldpop_bands/pop_75_f_wuhan.tif",
    "worldpop_bands/pop_75_m_wuhan.tif",
    "worldpop_bands/pop_80_f_wuhan.tif",
    "worldpop_bands/pop_80_m_wuhan.tif",
];

/// The CSV rows: id -> (lon, lat, pop_60plus, pop_80plus).
fn wuhan_csv() -> HashMap<String, [f64; 4]> {
    let mut r = csv::Reader::from_path(wuhan().join("population_60plus_cells.csv")).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let f = |i: usize| rec[i].parse::<f64>().unwrap();
            (rec[0].to_string(), [f(1), f(2), f(3), f(4)])
        })
        .collect()
}

/// Checks the cells against the CSV: the same pixels (ids `r<row>c<col>`, as the CSV names
/// them), centres within the CSV's 6-decimal rounding, values within its 3-decimal rounding,
/// totals within 0.01 %. Group 0 is elderly (60+), group 1 the oldest (80+).
fn check_against_csv(cells: &Cells, csv: &HashMap<String, [f64; 4]>, label: &str) {
    assert_eq!(cells.len(), csv.len(), "{label}: cell count");
    let (mut sum60, mut sum80, mut csv60, mut csv80) = (0.0, 0.0, 0.0, 0.0);
    for c in 0..cells.len() {
        let id = cells.id(c);
        let row = csv
            .get(&id)
            .unwrap_or_else(|| panic!("{label}: cell {id} is not in the CSV"));
        let p = cells.lonlat[c];
        assert!(
            (p[0] - row[0]).abs() <= 0.6e-6 && (p[1] - row[1]).abs() <= 0.6e-6,
            "{label}: cell {id} centre {p:?} vs CSV {row:?}"
        );
        let (v60, v80) = (cells.values[0][c], cells.values[1][c]);
        assert!(
            (v60 - row[2]).abs() <= 0.0005 + 1e-4 && (v80 - row[3]).abs() <= 0.0005 + 1e-4,
            "{label}: cell {id} values ({v60}, {v80}) vs CSV {row:?}"
        );
        sum60 += v60;
        sum80 += v80;
        csv60 += row[2];
        csv80 += row[3];
    }
    assert!(
        ((sum60 - csv60) / csv60).abs() < 1e-4,
        "{label}: 60+ total {sum60} vs CSV {csv60}"
    );
    assert!(
        ((sum80 - csv80) / csv80).abs() < 1e-4,
        "{label}: 80+ total {sum80} vs CSV {csv80}"
    );
    // The README's figure: 1.94 M people aged 60+.
    assert!((1.93e6..1.95e6).contains(&sum60), "{label}: {sum60}");
}

/// pop_60plus.tif (Deflate, floating-point predictor, nodata -1) and the ten WorldPop bands
/// (LZW, nodata -3.4e38), summed pixel by pixel, both give the CSV's cells and totals.
#[test]
fn wuhan_rasters_match_the_csv_derived_from_them() {
    let csv = wuhan_csv();
    let mut w = Warnings::default();
    let summed = population_spec(
        &wuhan(),
        &[
            ("elderly", &["pop_60plus.tif"]),
            ("oldest", &["pop_80plus.tif"]),
        ],
    );
    let cells = population::load(&summed, &mut w).unwrap();
    check_against_csv(&cells, &csv, "pop_60plus.tif");
    assert!(w.is_empty(), "{w:?}");

    let bands = population_spec(&wuhan(), &[("elderly", &BANDS), ("oldest", &BANDS[8..])]);
    let cells = population::load(&bands, &mut w).unwrap();
    check_against_csv(&cells, &csv, "ten bands");
    assert!(w.is_empty(), "{w:?}");
}

/// The CSV plan and each raster plan give the same areas.csv, within the CSV's rounding: its
/// values have 3 decimals (each cell off by up to 0.0005) and its centres 6 (up to 5 cm), so
/// populations agree to 0.01 %, and coverage, facility counts, blank flags and reasons agree.
#[test]
fn analyze_on_the_rasters_gives_the_csv_plan_areas() {
    let run = |plan: &str| {
        let dir = analyze(plan);
        rows(&dir.path().join("out/areas.csv"))
    };
    let a = run("tests/plans/wuhan.toml");
    // The two summed rasters in the repository, and the ten age-band rasters.
    for raster_plan in ["tests/plans/wuhan_tif.toml", "tests/plans/wuhan_bands.toml"] {
        let b = run(raster_plan);
        assert_eq!(a.len(), b.len());
        assert_eq!(a.len(), 179 * 4);
        let num = |r: &HashMap<String, String>, k: &str| r[k].parse::<f64>().unwrap_or(f64::NAN);
        let mut flips = Vec::new();
        let mut totals: HashMap<String, f64> = HashMap::new();
        for (x, y) in a.iter().zip(&b) {
            for k in [
                "area_id",
                "kind",
                "facilities",
                "capacity",
                "blank",
                "reasons",
            ] {
                assert_eq!(x[k], y[k], "{k}: {x:?} vs {y:?}");
            }
            // The CSV rounds cell centres to 1e-6° (≤ 0.11 m): a cell that close to a unit's
            // edge may fall into the neighbour, and one that close to a radius may flip. Such
            // borderline cells are rare and each moves one cell's people.
            for k in ["population", "covered_population"] {
                let (p, q) = (num(x, k), num(y, k));
                if (p - q).abs() > 1e-4 * p.max(q) + 0.05 {
                    flips.push((x["area_id"].clone(), x["kind"].clone(), k, p - q));
                }
            }
            *totals.entry(x["kind"].clone()).or_insert(0.0) +=
                num(x, "population") - num(y, "population");
        }
        let areas: std::collections::BTreeSet<&String> = flips.iter().map(|f| &f.0).collect();
        // Measured: 17 units and 56 rows (about 14 cells moved or flipped). Expected order: the
        // units' edges run about 3,600 km; cells within 0.1 m of them are about 0.01 % of 495k.
        assert!(
            areas.len() <= 20,
            "more than rounding-borderline cells: {} units: {flips:?}",
            areas.len()
        );
        let biggest = flips.iter().map(|f| f.3.abs()).fold(0.0, f64::max);
        assert!(
            biggest < 200.0,
            "a difference larger than one cell's people: {flips:?}"
        );
        // Cells only move between units: the population per service is the same.
        for (k, d) in totals {
            assert!(d.abs() < 0.5, "{k}: total population differs by {d}");
        }
    }
}
