//! Walking coverage on an OpenStreetMap street network.
//!
//! Rules (exactly these): every way with a `highway` tag is walkable in both directions except
//! the classes in [`EXCLUDED_HIGHWAYS`], ways tagged `foot=no`, and ways tagged `access=private`
//! or `access=no` without `foot=yes|designated|permissive`. A point snaps to the nearest point of
//! the nearest walkable segment within `max_snap_m`; its straight access leg counts in the walking
//! distance at both ends. Walking distance = access leg + shortest network path between the snap
//! spots (or the direct along-segment distance when both lie on the same segment) + egress leg;
//! a point is covered when that distance is at most the budget.
//!
//! All geometry is in the caller's local metric plane ([`crate::frame::LocalFrame`]).
//!
//! Typical use: [`read_pbf`] once, [`WalkNetwork::snap_all`] the cells and facilities, one
//! [`WalkNetwork::multi_source`] search per kind of service, then
//! [`WalkNetwork::walk_distance`] per cell (or [`WalkNetwork::nearest_walk_distances`] for all of
//! it), and [`WalkNetwork::service_area`] / [`WalkNetwork::dissolved_service_area`] for maps.

mod area;
mod error;
mod graph;
mod pbf;
mod search;
mod snap;
mod tags;

pub use area::{Polygons, DEFAULT_AREA_WIDTH_M};
pub use error::NetworkError;
pub use graph::{NetworkStats, WalkNetwork};
pub use pbf::read_pbf;
pub use search::{NodeDistances, WalkResult};
pub use snap::Snap;
pub use tags::{is_walkable, EXCLUDED_HIGHWAYS};
