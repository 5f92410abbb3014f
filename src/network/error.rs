//! Errors raised while loading a walking network.

use std::path::PathBuf;

/// Why a walking network could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The file could not be opened or read.
    #[error(
        "Could not read the street network file {}: {source}. Check that the path is right and \
         that the file is readable.",
        path.display()
    )]
    Io {
        /// The file that was being read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a (complete) OpenStreetMap PBF file.
    #[error(
        "The street network file {} is not a readable OpenStreetMap .osm.pbf file ({reason}). \
         Expected an OpenStreetMap .osm.pbf file; this one may be truncated (an unfinished \
         download or copy) or be in another format such as .osm XML or GeoJSON.",
        path.display()
    )]
    NotPbf {
        /// The offending file.
        path: PathBuf,
        /// What went wrong while decoding it.
        reason: String,
    },
    /// The file is a valid PBF file but has nothing to walk on.
    #[error(
        "The street network file {} contains no walkable ways (highway=* other than motorway, \
         motorway_link, trunk, trunk_link, construction, proposed, raceway, bus_guideway, escape, \
         abandoned or platform, and not closed to pedestrians by foot=no or access=private/no). \
         Use an extract that includes the streets and paths of the study area.",
        path.display()
    )]
    NoWalkable {
        /// The offending file.
        path: PathBuf,
    },
    /// The file has walkable ways, but none of their nodes are in the file.
    #[error(
        "The street network file {} has {walkable_ways} walkable ways, but none of the nodes they \
         reference are in the file ({missing_node_refs} missing node references), so no street \
         can be placed on the map. The extract is incomplete: export it again with its nodes.",
        path.display()
    )]
    MissingNodes {
        /// The offending file.
        path: PathBuf,
        /// Number of walkable ways found.
        walkable_ways: u64,
        /// Number of way node references without a node in the file.
        missing_node_refs: u64,
    },
    /// Reading the file panicked (a bug, caught at the loader boundary).
    #[error("internal error while reading {}: {reason}; please report this with the file", path.display())]
    Internal {
        /// The offending file.
        path: PathBuf,
        /// The panic message.
        reason: String,
    },
    /// The walkable ways have nodes in the file, but no two consecutive distinct ones: every way
    /// is a single node (or its present nodes are separated by missing ones).
    #[error(
        "The street network file {} has {walkable_ways} walkable ways, but none has two \
         consecutive distinct nodes in the file ({missing_node_refs} missing node references), so \
         there is no street segment to walk on. Expected ways of at least two nodes.",
        path.display()
    )]
    NoSegments {
        /// The offending file.
        path: PathBuf,
        /// Number of walkable ways found.
        walkable_ways: u64,
        /// Number of way node references without a node in the file.
        missing_node_refs: u64,
    },
}
