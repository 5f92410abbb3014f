//! Transverse Mercator grids (UTM, Gauss–Krüger, the Finnish national grids): the
//! [`Frame`] projection of [`crate::projection`] on any ellipsoid, with a scale factor on the
//! central meridian, a latitude of origin and a false origin.

use crate::projection::{Ellipsoid, Frame};

/// The defining parameters of a transverse Mercator grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TmParams {
    /// Central meridian, degrees.
    pub lon0: f64,
    /// Latitude of origin, degrees.
    pub lat0: f64,
    /// Scale factor on the central meridian.
    pub k0: f64,
    /// False easting, metres.
    pub false_easting: f64,
    /// False northing, metres.
    pub false_northing: f64,
    /// The ellipsoid.
    pub ellipsoid: Ellipsoid,
    /// Metres per coordinate unit (1 for metres).
    pub unit_m: f64,
}

/// A ready-to-use transverse Mercator grid.
#[derive(Debug, Clone)]
pub struct TransverseMercator {
    params: TmParams,
    frame: Frame,
    /// Meridian arc (on the unit-scale frame) from the equator to the latitude of origin.
    y0: f64,
}

impl PartialEq for TransverseMercator {
    fn eq(&self, o: &Self) -> bool {
        self.params == o.params
    }
}

impl TransverseMercator {
    /// The grid with these parameters.
    pub fn new(params: TmParams) -> TransverseMercator {
        let frame = Frame::with_ellipsoid(params.ellipsoid, params.lon0, params.lat0);
        let y0 = if params.lat0 == 0.0 {
            0.0
        } else {
            frame.to_local(params.lon0, params.lat0)[1]
        };
        TransverseMercator { params, frame, y0 }
    }

    /// The defining parameters.
    pub fn params(&self) -> &TmParams {
        &self.params
    }

    /// Lon/lat degrees (on the grid's own datum) to grid coordinates.
    pub fn forward(&self, lonlat: [f64; 2]) -> [f64; 2] {
        let p = &self.params;
        let q = self.frame.to_local(lonlat[0], lonlat[1]);
        [
            (p.false_easting + p.k0 * q[0]) / p.unit_m,
            (p.false_northing + p.k0 * (q[1] - self.y0)) / p.unit_m,
        ]
    }

    /// Grid coordinates to lon/lat degrees.
    pub fn inverse(&self, xy: [f64; 2]) -> [f64; 2] {
        let p = &self.params;
        let x = (xy[0] * p.unit_m - p.false_easting) / p.k0;
        let y = (xy[1] * p.unit_m - p.false_northing) / p.k0 + self.y0;
        self.frame.to_lonlat([x, y])
    }
}
