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
    /// A raster pixel, from 0, row 0 at the top.
    Pixel { row: u32, col: u32 },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Feature(i) => write!(f, ", feature {i}"),
            Location::Line(l) => write!(f, ", line {l}"),
            Location::Row(r) => write!(f, ", row {r}"),
            Location::Pixel { row, col } => write!(f, ", pixel row {row} column {col}"),
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

    /// A reader failed in a way it does not foresee (a panic caught at the loader boundary by
    /// [`guard`]). Tests assert this never happens; users get the file named and exit code 2.
    #[error("internal error while reading {path}: {reason}; please report this with the file")]
    Internal { path: PathBuf, reason: String },

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

/// Runs one loader, turning a panic inside it (in this crate or a dependency, on input nobody
/// foresaw) into [`Error::Internal`] naming `path`: the last-resort guard at every loader
/// boundary, so no panic reaches the user. The panic message is kept in the error.
pub fn guard<T>(path: &std::path::Path, load: impl FnOnce() -> Result<T>) -> Result<T> {
    guard_with(path, load, |path, reason| Error::Internal { path, reason })
}

/// [`guard`] for a loader with its own error type: `internal` builds its error from the path
/// and the panic message.
pub fn guard_with<T, E>(
    path: &std::path::Path,
    load: impl FnOnce() -> std::result::Result<T, E>,
    internal: impl FnOnce(PathBuf, String) -> E,
) -> std::result::Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(load)).unwrap_or_else(|panic| {
        let reason = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a reader panicked".into());
        Err(internal(path.to_owned(), crate::load::quote(&reason)))
    })
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The last-resort guard turns a panic into an error naming the file, with its message.
    #[test]
    fn guard_names_the_file() {
        let p = std::path::Path::new("some/cells.csv");
        let e = guard::<()>(p, || panic!("index out of bounds")).unwrap_err();
        let t = e.to_string();
        assert!(matches!(e, Error::Internal { .. }), "{t}");
        assert!(
            t.contains("internal error while reading some/cells.csv"),
            "{t}"
        );
        // The mutation tests detect a caught panic by this marker: it must begin the message,
        // or they would pass without seeing one.
        assert!(t.starts_with(crate::load::PANIC_CAUGHT), "{t}");
        assert!(t.contains("index out of bounds"), "{t}");
        assert_eq!(guard(p, || Ok(5)).unwrap(), 5);
    }
}
