//! carecircle: service-circle coverage, blank spots (空白点) and gap reports for elderly-care
//! and childcare planning ("一老一小").
//!
//! The program is one pipeline, one module per stage:
//!
//! 1. **load** — [`plan`] validates the plan file; [`load`] reads GeoJSON and CSV;
//!    [`area`], [`population`] and [`facility`] turn records into domain types.
//! 2. **project** — [`projection`] maps lon/lat to a local transverse Mercator frame in metres.
//! 3. **index** — [`area::AreaIndex`] (point in street/town), [`coverage::PointGrid`]
//!    (facilities near a cell).
//! 4. **measure** — [`coverage`]: distance from every cell to the nearest facility per service.
//! 5. **aggregate** — [`gaps`]: per-area figures, targets and blank-spot reasons.
//! 6. **dissolve** — [`dissolve`] and [`grid`]: uncovered cells traced into polygons.
//! 7. **write** — [`write`]: CSV, GeoJSON, summary and report, atomically.
//!
//! Units: distances and radii are true metres (`_m`); coordinates in files are WGS 84
//! lon/lat degrees; populations are persons (fractional for modelled grids); capacities are
//! whatever the data counts (beds, slots).

pub mod access;
pub mod analyze;
pub mod area;
pub mod coverage;
pub mod crs;
pub mod dissolve;
pub mod error;
pub mod facility;
pub mod frame;
pub mod gaps;
pub mod grid;
pub mod init;
pub mod limits;
pub mod load;
pub mod network;
pub mod plan;
pub mod population;
pub mod projection;
pub mod sites;
pub mod siting;
pub mod standards;
pub mod validate;
pub mod validity;
pub mod warnings;
pub mod write;

pub use analyze::{run, Analysis, Options};
pub use crs::Crs;
pub use error::{Error, Result};
pub use plan::Plan;
