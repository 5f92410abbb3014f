//! Errors that stop a run. Every variant names the file and, where there is one, the feature
//! index (counted from 0, as in the file's `features` array) or CSV line (the header is line 1),
//! the field and what was expected. The binary prints the message and exits with code 2.

use std::path::PathBuf;

/// Where in an input file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole file.
    File,
    /// A GeoJSON feature, by its index in the `features` array (from 0).
    Feature(usize),
    /// A CSV line, counting the header as line 1.
    Line(u64),
    /// A spreadsheet row as Excel numbers it (the header of a table starting at A1 is row 1).
    Row(u64),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Feature(i) => write!(f, ", feature {i}"),
            Location::Line(l) => write!(f, ", line {l}"),
            Location::Row(r) => write!(f, ", row {r}"),
        }
    }
}

/// Anything that stops `analyze` (or another command) before it writes outputs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The plan file cannot be read or parsed, or its settings contradict each other.
    #[error("plan file {path}: {reason}")]
    Plan { path: PathBuf, reason: String },

    /// A file cannot be opened or read at all.
    #[error("cannot read {path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },

    /// A problem with one feature, line or field of an input layer.
    #[error("{path}{location}{}: {reason}", field.as_ref().map(|f| format!(", field '{f}'")).unwrap_or_default())]
    Input {
        path: PathBuf,
        location: Location,
        field: Option<String>,
        reason: String,
    },

    /// Two layers that should lie on each other do not.
    #[error("{path}: {reason}")]
    Layer { path: PathBuf, reason: String },

    /// The walking network cannot be read.
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),

    /// Writing an output failed (nothing is left half-written).
    #[error("cannot write {path}: {reason}")]
    Output { path: PathBuf, reason: String },
}

impl Error {
    /// Shorthand for a feature/line/field error.
    pub fn input(
        path: impl Into<PathBuf>,
        location: Location,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Input {
            path: path.into(),
            location,
            field: field.map(str::to_owned),
            reason: reason.into(),
        }
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
