//! The one interface the network stage needs from the projection: a local metric plane.

/// A local metric plane (x east, y north, metres) for a study area.
pub trait LocalFrame: Sync {
    /// WGS 84 lon/lat degrees to local metres.
    fn to_local(&self, lon: f64, lat: f64) -> [f64; 2];
    /// Local metres to WGS 84 lon/lat degrees.
    fn to_lonlat(&self, p: [f64; 2]) -> [f64; 2];
    /// True distance in metres between two local points (default: the plane's euclidean
    /// distance; a projection with a scale error corrects it here).
    fn distance(&self, a: [f64; 2], b: [f64; 2]) -> f64 {
        (a[0] - b[0]).hypot(a[1] - b[1])
    }
}
