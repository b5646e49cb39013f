//! Faasm's CSV formats, for people comparing with the original harness.
//!
//! `runtime-bench-time.csv`: `Runtime,Measure,Value,Iterations,ValuePerIteration`.
//! Value is always the total over all iterations and ValuePerIteration is
//! Value / Iterations, once (Faasm divided cycles by N twice). Faasm ran one
//! worker at a time; a run with W > 1 concurrent workers is written with
//! Runtime `NAME@W` and counts W cold starts per iteration.
//!
//! `runtime-bench-mem.csv`: `Runtime,Measure,Value,Workers,ValuePerWorker`,
//! with ValuePerWorker = Value / Workers as Faasm computed it (which mixes the
//! base cost into the per-worker figure; the summary gives the fitted slope).
//!
//! `polybench-faasm.csv` (and the Python suite's): `benchmark,type,microseconds`,
//! one row per sample, type `native` or `wasm`. Faasm timed the whole native
//! process; isobench writes the kernel region on both sides, so the two
//! columns compare like with like (the tidy CSV has the whole runs too).

use crate::Record;
use anyhow::{Context, Result};
use std::path::Path;

pub const TIME_HEADER: [&str; 5] = [
    "Runtime",
    "Measure",
    "Value",
    "Iterations",
    "ValuePerIteration",
];
pub const MEM_HEADER: [&str; 5] = ["Runtime", "Measure", "Value", "Workers", "ValuePerWorker"];
pub const COMPUTE_HEADER: [&str; 3] = ["benchmark", "type", "microseconds"];

pub struct TimeRow {
    pub runtime: String,
    pub measure: &'static str,
    pub total: f64,
    pub iterations: u64,
}

pub struct MemRow {
    pub runtime: String,
    pub measure: &'static str,
    pub value: f64,
    pub workers: u64,
}

pub fn faasm_runtime_name(runtime: &str, workers: u64) -> String {
    if workers == 1 {
        runtime.to_string()
    } else {
        format!("{runtime}@{workers}")
    }
}

pub fn write_time(path: &Path, rows: &[TimeRow]) -> Result<()> {
    write(
        path,
        TIME_HEADER,
        rows.iter().map(|r| {
            [
                r.runtime.clone(),
                r.measure.to_string(),
                number(r.total),
                r.iterations.to_string(),
                number(r.total / r.iterations as f64),
            ]
        }),
    )
}

pub fn write_mem(path: &Path, rows: &[MemRow]) -> Result<()> {
    write(
        path,
        MEM_HEADER,
        rows.iter().map(|r| {
            let per_worker = if r.workers == 0 {
                String::new()
            } else {
                number(r.value / r.workers as f64)
            };
            [
                r.runtime.clone(),
                r.measure.to_string(),
                number(r.value),
                r.workers.to_string(),
                per_worker,
            ]
        }),
    )
}

pub struct ComputeRow {
    pub benchmark: String,
    /// `native` or `wasm`.
    pub kind: String,
    pub microseconds: f64,
}

impl ComputeRow {
    /// A time sample of a compute suite, its workload as the benchmark.
    pub fn of(record: &Record) -> Self {
        ComputeRow {
            benchmark: record.workload.clone(),
            kind: record.runtime.clone(),
            microseconds: record.value / 1e3,
        }
    }
}

pub fn write_compute(path: &Path, rows: &[ComputeRow]) -> Result<()> {
    write(
        path,
        COMPUTE_HEADER,
        rows.iter()
            .map(|r| [r.benchmark.clone(), r.kind.clone(), number(r.microseconds)]),
    )
}

/// A value as the shortest decimal within 12 significant digits of it:
/// `0.3`, not the `0.30000000000000004` that sums and divisions leave.
fn number(value: f64) -> String {
    format!("{value:.11e}")
        .parse::<f64>()
        .unwrap_or(value)
        .to_string()
}

fn write<const N: usize>(
    path: &Path,
    header: [&str; N],
    rows: impl Iterator<Item = [String; N]>,
) -> Result<()> {
    let mut writer =
        csv::Writer::from_path(path).with_context(|| format!("creating {}", path.display()))?;
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_lose_the_noise_of_division_and_nothing_else() {
        assert_eq!((0.1 + 0.2).to_string(), "0.30000000000000004");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(68_560.0 / 1e9), "0.00006856");
        assert_eq!(number(150_377.187_5), "150377.1875");
        assert_eq!(number(25_276_063_744.0), "25276063744");
        assert_eq!(number(0.0), "0");
    }
}
