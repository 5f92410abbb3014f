//! Suspicious but usable input: counted and reported, never silently dropped.

use serde::Serialize;

/// One kind of warning with how often it occurred.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Warning {
    /// Stable machine-readable code, e.g. `null_population`.
    pub code: String,
    /// What happened, in words, naming the file and field.
    pub message: String,
    /// How many features/cells/facilities it concerns.
    pub count: u64,
}

/// Collected warnings, in the order they were first raised.
#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Warnings(pub Vec<Warning>);

impl Warnings {
    /// Adds a warning (nothing when `count` is 0).
    pub fn add(&mut self, code: &str, count: u64, message: impl Into<String>) {
        if count > 0 {
            self.0.push(Warning {
                code: code.to_owned(),
                message: message.into(),
                count,
            });
        }
    }
    /// Appends another collection.
    pub fn extend(&mut self, o: Warnings) {
        self.0.extend(o.0);
    }
    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
