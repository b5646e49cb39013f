//! One measured value per row: the tidy format every suite writes.

use crate::stats::{summarize, Summary};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The exact header of every `<suite>.csv`.
pub const TIDY_HEADER: &str = "suite,runtime,workload,workers,iteration,metric,value,unit";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub suite: String,
    pub runtime: String,
    pub workload: String,
    pub workers: u64,
    /// The sample's iteration; empty for a total over all iterations of a
    /// configuration (`time` measures CPU, disk and hardware counters that
    /// way; `mem` measures each configuration once, as iteration 0).
    pub iteration: Option<u64>,
    pub metric: String,
    pub value: f64,
    pub unit: String,
}

/// Writes records as CSV with [`TIDY_HEADER`].
pub fn write_tidy_csv(path: &Path, records: &[Record]) -> Result<()> {
    let mut writer =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    // The header comes with the first record; a suite that measured nothing
    // still writes it, so the file reads back (as empty) like any other.
    if records.is_empty() {
        writer.write_record(TIDY_HEADER.split(','))?;
    }
    for record in records {
        writer.serialize(record)?;
    }
    writer.flush()?;
    Ok(())
}

/// Reads a tidy CSV back, checking its header.
pub fn read_tidy_csv(path: &Path) -> Result<Vec<Record>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let header = reader.headers()?.iter().collect::<Vec<_>>().join(",");
    anyhow::ensure!(
        header == TIDY_HEADER,
        "{} has header `{header}`, expected `{TIDY_HEADER}`",
        path.display()
    );
    reader
        .deserialize()
        .collect::<Result<Vec<Record>, _>>()
        .with_context(|| format!("parsing {}", path.display()))
}

/// The values of one metric for one runtime and worker count.
pub fn values<'a>(
    records: &'a [Record],
    runtime: &'a str,
    workers: u64,
    metric: &'a str,
) -> impl Iterator<Item = f64> + 'a {
    records
        .iter()
        .filter(move |r| r.runtime == runtime && r.workers == workers && r.metric == metric)
        .map(|r| r.value)
}

/// The statistics of one metric for one runtime (a side: `native`,
/// `wasm`) and workload, if it has samples.
pub fn workload_summary(
    records: &[Record],
    runtime: &str,
    workload: &str,
    metric: &str,
) -> Option<Summary> {
    let samples: Vec<f64> = records
        .iter()
        .filter(|r| r.runtime == runtime && r.workload == workload && r.metric == metric)
        .map(|r| r.value)
        .collect();
    summarize(&samples)
}

/// The Python benchmarks timed whole as commands (pyperf's `bench_command`:
/// start-up, 2to3): unlike a script's runs, which the shim times, their runs
/// record no `loops`.
pub fn commands_timed_whole(records: &[Record]) -> BTreeSet<&str> {
    let scripts: BTreeSet<&str> = records
        .iter()
        .filter(|r| r.metric == "loops")
        .map(|r| r.workload.as_str())
        .collect();
    records
        .iter()
        .filter(|r| r.metric == "run_ns" && !scripts.contains(r.workload.as_str()))
        .map(|r| r.workload.as_str())
        .collect()
}

/// Distinct values in first-seen order (runtimes, worker counts, ...).
pub fn distinct<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// Which configuration and metric a sample belongs to, with its unit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SeriesId {
    pub suite: String,
    pub runtime: String,
    pub workload: String,
    pub workers: u64,
    pub metric: String,
    pub unit: String,
}

/// Per-sample values grouped by configuration and metric (totals, which
/// have no iteration, are left out).
pub fn series(records: &[Record]) -> BTreeMap<SeriesId, Vec<f64>> {
    let mut groups: BTreeMap<SeriesId, Vec<f64>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.iteration.is_some()) {
        let id = SeriesId {
            suite: r.suite.clone(),
            runtime: r.runtime.clone(),
            workload: r.workload.clone(),
            workers: r.workers,
            metric: r.metric.clone(),
            unit: r.unit.clone(),
        };
        groups.entry(id).or_default().push(r.value);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_without_records_still_writes_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mem.csv");
        write_tidy_csv(&path, &[]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{TIDY_HEADER}\n")
        );
        assert!(read_tidy_csv(&path).unwrap().is_empty());
    }
}
