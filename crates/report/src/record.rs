//! One measured value per row: the tidy format every suite writes.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
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
    /// configuration (CPU, disk and hardware counters are measured that way).
    pub iteration: Option<u64>,
    pub metric: String,
    pub value: f64,
    pub unit: String,
}

/// Writes records as CSV with [`TIDY_HEADER`].
pub fn write_tidy_csv(path: &Path, records: &[Record]) -> Result<()> {
    let mut writer =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
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

/// The values of one metric for one runtime and workload.
pub fn workload_values<'a>(
    records: &'a [Record],
    runtime: &'a str,
    workload: &'a str,
    metric: &'a str,
) -> impl Iterator<Item = f64> + 'a {
    records
        .iter()
        .filter(move |r| r.runtime == runtime && r.workload == workload && r.metric == metric)
        .map(|r| r.value)
}
