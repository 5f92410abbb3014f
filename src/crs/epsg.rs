//! The EPSG codes carecircle knows, with their parameters (checked against PROJ's database in
//! the tests through `scripts/crs_reference.py`).

use super::tm::TmParams;
use super::{refuse_old_datum, Crs, SUPPORTED};
use crate::projection::Ellipsoid;

/// Beijing 1954, New Beijing and Xi'an 1980 codes (geographic and Gauss–Krüger; EPSG's ranges,
/// including the deprecated 21473–21483).
const OLD_CHINESE: &[(u32, u32, &str)] = &[
    (2327, 2390, "Xi'an 1980 Gauss–Krüger"),
    (2401, 2442, "Beijing 1954 3-degree Gauss–Krüger"),
    (4214, 4214, "Beijing 1954"),
    (4555, 4555, "New Beijing"),
    (4568, 4589, "New Beijing Gauss–Krüger"),
    (4610, 4610, "Xi'an 1980"),
    (4652, 4656, "New Beijing 3-degree Gauss–Krüger"),
    (4766, 4800, "New Beijing 3-degree Gauss–Krüger"),
    (4812, 4812, "New Beijing 3-degree Gauss–Krüger"),
    (4822, 4822, "New Beijing 3-degree Gauss–Krüger"),
    (21413, 21423, "Beijing 1954 Gauss–Krüger"),
    (21453, 21463, "Beijing 1954 Gauss–Krüger"),
    (21473, 21483, "Beijing 1954 Gauss–Krüger"),
];

/// True when `code` is a Beijing 1954 / Xi'an 1980 system.
pub(crate) fn is_old_chinese(code: u32) -> bool {
    OLD_CHINESE.iter().any(|&(a, b, _)| (a..=b).contains(&code))
}

fn tm(lon0: f64, k0: f64, fe: f64, ellipsoid: Ellipsoid) -> TmParams {
    TmParams {
        lon0,
        lat0: 0.0,
        k0,
        false_easting: fe,
        false_northing: 0.0,
        ellipsoid,
        unit_m: 1.0,
    }
}

/// A CGCS2000 Gauss–Krüger code (4491–4554) as (central meridian, false easting, name).
fn cgcs2000_gk(code: u32) -> Option<(f64, f64, String)> {
    let (lon0, fe, name) = match code {
        // 6° zones 13–23, false easting prefixed with the zone number.
        4491..=4501 => {
            let zone = code - 4491 + 13;
            let lon0 = zone as f64 * 6.0 - 3.0;
            (
                lon0,
                zone as f64 * 1e6 + 5e5,
                format!("Gauss-Kruger zone {zone}"),
            )
        }
        // 6° zones by central meridian, false easting 500 km.
        4502..=4512 => {
            let lon0 = 75.0 + (code - 4502) as f64 * 6.0;
            (lon0, 5e5, format!("Gauss-Kruger CM {lon0}E"))
        }
        // 3° zones 25–45, zone-prefixed.
        4513..=4533 => {
            let zone = code - 4513 + 25;
            let lon0 = zone as f64 * 3.0;
            (
                lon0,
                zone as f64 * 1e6 + 5e5,
                format!("3-degree Gauss-Kruger zone {zone}"),
            )
        }
        // 3° zones by central meridian.
        4534..=4554 => {
            let lon0 = 75.0 + (code - 4534) as f64 * 3.0;
            (lon0, 5e5, format!("3-degree Gauss-Kruger CM {lon0}E"))
        }
        _ => return None,
    };
    Some((lon0, fe, format!("CGCS2000 / {name}")))
}

/// The system with this EPSG code.
pub(crate) fn from_epsg(code: u32) -> Result<Crs, String> {
    let named = |c: Crs, name: String| Ok(c.named(Some(code), Some(name)));
    match code {
        4326 => Ok(Crs::wgs84()),
        4490 => Ok(Crs::lonlat(
            "CGCS2000",
            Some(4490),
            Some("China Geodetic Coordinate System 2000".into()),
        )),
        4258 => Ok(Crs::lonlat("ETRS89", Some(4258), Some("ETRS89".into()))),
        3857 | 900_913 | 3785 | 102_100 | 102_113 => {
            Ok(Crs::web_mercator().named(Some(3857), Some("WGS 84 / Pseudo-Mercator".into())))
        }
        4491..=4554 => {
            let (lon0, fe, name) = cgcs2000_gk(code).expect("code in range");
            named(
                Crs::transverse_mercator(tm(lon0, 1.0, fe, Ellipsoid::GRS80), "CGCS2000"),
                name,
            )
        }
        32601..=32660 | 32701..=32760 => {
            let zone = code % 100;
            let south = code > 32700;
            let mut p = tm(zone as f64 * 6.0 - 183.0, 0.9996, 5e5, Ellipsoid::WGS84);
            if south {
                p.false_northing = 10_000_000.0;
            }
            named(
                Crs::transverse_mercator(p, "WGS 84"),
                format!("WGS 84 / UTM zone {zone}{}", if south { 'S' } else { 'N' }),
            )
        }
        25828..=25838 => {
            let zone = code - 25800;
            named(
                Crs::transverse_mercator(
                    tm(zone as f64 * 6.0 - 183.0, 0.9996, 5e5, Ellipsoid::GRS80),
                    "ETRS89",
                ),
                format!("ETRS89 / UTM zone {zone}N"),
            )
        }
        3067 => named(
            Crs::transverse_mercator(tm(27.0, 0.9996, 5e5, Ellipsoid::GRS80), "ETRS89"),
            "ETRS89 / TM35FIN(E,N)".into(),
        ),
        3873..=3885 => {
            let cm = code - 3873 + 19;
            named(
                Crs::transverse_mercator(
                    tm(cm as f64, 1.0, cm as f64 * 1e6 + 5e5, Ellipsoid::GRS80),
                    "ETRS89",
                ),
                format!("ETRS89 / GK{cm}FIN"),
            )
        }
        c if is_old_chinese(c) => {
            let what = OLD_CHINESE
                .iter()
                .find(|&&(a, b, _)| (a..=b).contains(&c))
                .map(|t| t.2)
                .unwrap_or("Beijing 1954 / Xi'an 1980");
            Err(refuse_old_datum(&format!("EPSG:{c} ({what})")))
        }
        c => Err(format!("EPSG:{c} is not supported; {SUPPORTED}")),
    }
}
