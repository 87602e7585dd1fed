//! The interop result table: each test records one [`Row`] per scenario into a [`Matrix`] and
//! writes it as `<out>/<section>-<name>.tsv`; `scripts/interop.sh` assembles every such file
//! into `docs/interop.md`, one table per section.
//!
//! TSV columns: `section version master scenario result sync seconds detail`.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// How a scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything checked held.
    Pass,
    /// A check failed: the test fails.
    Fail,
    /// A check failed for a known reason outside ardb-rs (e.g. the Redis stand-in master sends
    /// an RDB version the replica cannot load); recorded, the test does not fail.
    ExpectedFail,
    /// Not run, because an earlier scenario it needs failed.
    Skipped,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::ExpectedFail => "xfail",
            Outcome::Skipped => "skipped",
        })
    }
}

/// One scenario's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Scenario name, e.g. `full sync under writes`.
    pub scenario: String,
    /// How it ended.
    pub outcome: Outcome,
    /// The sync kind observed (`full`, `partial`, `none`, ...) or `-`.
    pub sync: String,
    /// Wall-clock seconds the scenario took.
    pub seconds: f64,
    /// What was checked, or why it failed.
    pub detail: String,
}

/// The rows of one test: one version (replica or master) against one master kind.
#[derive(Debug, Clone)]
pub struct Matrix {
    section: String,
    version: String,
    master: String,
    rows: Vec<Row>,
}

/// Where result files go: `$ARDB_INTEROP_OUT`, else `$CARGO_TARGET_DIR/interop`, else
/// `<workspace>/target/interop`.
pub fn output_dir() -> PathBuf {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(out) = var("ARDB_INTEROP_OUT") {
        return PathBuf::from(out);
    }
    match var("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("interop"),
        None => crate::workspace_dir().join("target").join("interop"),
    }
}

/// Makes a value fit one TSV cell: tabs and newlines become ` | `, at most 400 characters.
fn cell(s: &str) -> String {
    let flat = s
        .trim()
        .replace("\r\n", " | ")
        .replace(['\n', '\t', '\r'], " | ");
    if flat.chars().count() > 400 {
        format!("{}...", flat.chars().take(400).collect::<String>())
    } else {
        flat
    }
}

impl Matrix {
    /// An empty table for `section` (e.g. `master`), the `version` under test and the
    /// `master` label (e.g. `ardb-rs`, `redis-7.0.15 (stand-in)`).
    pub fn new(section: &str, version: &str, master: &str) -> Matrix {
        Matrix {
            section: section.to_string(),
            version: version.to_string(),
            master: master.to_string(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (and prints it, for `--nocapture` runs).
    pub fn record(&mut self, row: Row) {
        println!(
            "[{} {}] {}: {} ({}, {:.1}s) {}",
            self.section,
            self.version,
            row.scenario,
            row.outcome,
            row.sync,
            row.seconds,
            row.detail
        );
        self.rows.push(row);
    }

    /// The section (`master` or `replica`): the first part of the result file's name.
    pub fn section(&self) -> &str {
        &self.section
    }

    /// The rows so far.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows that fail the test, rendered for an assertion message (empty when none).
    pub fn failures(&self) -> String {
        self.rows
            .iter()
            .filter(|r| r.outcome == Outcome::Fail)
            .map(|r| format!("--- {} [{}] ---\n{}", r.scenario, r.sync, r.detail))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Writes `<output_dir>/<section>-<name>.tsv` (creating the directory) and returns its path.
    pub fn write_tsv(&self, name: &str) -> io::Result<PathBuf> {
        let dir = output_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}-{name}.tsv", self.section));
        let mut text = String::new();
        for r in &self.rows {
            let fields = [
                cell(&self.section),
                cell(&self.version),
                cell(&self.master),
                cell(&r.scenario),
                r.outcome.to_string(),
                cell(&r.sync),
                format!("{:.1}", r.seconds),
                cell(&r.detail),
            ];
            text.push_str(&fields.join("\t"));
            text.push('\n');
        }
        std::fs::write(&path, text)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_single_line() {
        assert_eq!(cell("a\tb\nc\r\nd"), "a | b | c | d");
        assert_eq!(cell(&"x".repeat(500)).len(), 403);
    }
}
