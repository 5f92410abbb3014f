//! Plausible ranges of the numbers a plan or an input layer gives, in one place.
//!
//! A value outside its range is refused with the file, the feature / line and the field, so that
//! nothing absurd (a unit slip, a corrupted cell, a fill value such as 3.4e38) or non-finite
//! reaches a sum or an output. Each bound sits far beyond any real planning figure, so valid
//! data never meets it; together they also keep every sum finite (cells × people per cell stays
//! below 10¹⁸, growth included).

/// People in one population cell (one field, before growth), and in one unit's official count:
/// 10⁸. No city holds that many (Chongqing, the largest municipality, has about 3.2 × 10⁷); a
/// larger value is a fill value (3.4e38 in float rasters) or a corrupted number.
pub const MAX_PEOPLE: f64 = 1e8;

/// Demand growth factor of a group (`growth.<group>`): at most 100. No district's demand grows
/// a hundredfold within a planning horizon; a larger factor is a percentage typed as a factor
/// (124 for 1.24).
pub const MAX_GROWTH: f64 = 100.0;

/// Distances of a plan, metres (`radius_m`, walking budgets, `catchment_m`, access steps,
/// `max_snap_m`, `area_width_m`, `cell_size`): at most 100 km. Planning standards use 300 m to
/// 5 km; beyond 100 km the local transverse Mercator frame is no longer a metric one and a
/// "service circle" covers a province.
pub const MAX_DISTANCE_M: f64 = 100_000.0;

/// Smallest `cell_size`, metres: 1 m (a population grid finer than a room is a unit slip, and
/// its raster would be sized by the bounding box over that step).
pub const MIN_CELL_M: f64 = 1.0;

/// Walking budget, minutes: at most 600 (ten hours on foot).
pub const MAX_MINUTES: f64 = 600.0;

/// Travel speed, km/h: at most 50 (faster than any walker, cyclist or e-bike in town).
pub const MAX_SPEED_KMH: f64 = 50.0;

/// Capacity of one facility (beds, places, slots): at most 10⁶. The largest care homes and
/// schools have a few tens of thousands.
pub const MAX_CAPACITY: f64 = 1e6;

/// Capacity target per 1,000 served people: at most 1,000 (one place per person).
pub const MAX_CAPACITY_PER_1000: f64 = 1000.0;

/// A number as an error shows it: plainly, or in exponent form when very large or small (so
/// 1e308 is not printed as 309 digits).
pub fn show(v: f64) -> String {
    if v != 0.0 && v.is_finite() && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Checks that `v` is a finite number in `min..=max` (`what` names the quantity and its unit in
/// the message, e.g. "people in a cell").
pub fn check(v: f64, min: f64, max: f64, what: &str) -> Result<f64, String> {
    if !v.is_finite() {
        return Err(format!("{} is not a finite number ({what})", show(v)));
    }
    if v < min || v > max {
        return Err(format!(
            "{} is outside the plausible range {}..={} for {what} (see README, \"Plausible ranges\")",
            show(v),
            show(min),
            show(max)
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_finite_and_out_of_range() {
        assert_eq!(check(5.0, 0.0, 10.0, "x"), Ok(5.0));
        assert_eq!(check(10.0, 0.0, 10.0, "x"), Ok(10.0));
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(check(v, 0.0, 10.0, "x")
                .unwrap_err()
                .contains("not a finite"));
        }
        assert!(check(10.5, 0.0, 10.0, "people")
            .unwrap_err()
            .contains("plausible range 0..=10 for people"));
        assert!(check(-1.0, 0.0, 10.0, "x").is_err());
        assert!(check(1e308, 0.0, MAX_PEOPLE, "x")
            .unwrap_err()
            .starts_with("1e308 is outside the plausible range 0..=100000000 "));
        assert_eq!(show(3e38), "3e38");
        assert_eq!(show(1.25), "1.25");
    }
}
