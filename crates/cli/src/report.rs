//! `isobench report DIR`: `report.html` from a results directory, and its
//! `summary.md` rendered again from the CSVs.

use anyhow::{Context, Result};
use isobench_report::html::{render, Results};
use isobench_report::meta::summary_header;
use isobench_report::record::distinct;
use isobench_suites::{mem, polybench, pybench, time};
use std::path::{Path, PathBuf};

/// Writes `DIR/report.html` from what the directory holds; returns its path.
pub fn write_html(dir: &Path, results: &Results) -> Result<PathBuf> {
    let path = dir.join("report.html");
    std::fs::write(&path, render(results))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

pub fn run(dir: &Path) -> Result<()> {
    let results = Results::load(dir)?;
    let summary_path = dir.join("summary.md");
    std::fs::write(&summary_path, summary(&results))
        .with_context(|| format!("writing {}", summary_path.display()))?;
    let report = write_html(dir, &results)?;
    println!("summary: {}", summary_path.display());
    println!("report: {}", report.display());
    Ok(())
}

/// The summary the suites would have printed, from their records.
fn summary(results: &Results) -> String {
    let meta = &results.meta;
    let mut out = summary_header(meta);
    if !results.time.is_empty() {
        let runtimes = distinct(results.time.iter().map(|r| r.runtime.as_str()));
        let workers = distinct(results.time.iter().map(|r| r.workers as usize));
        out += &time::summary(&results.time, &runtimes, &workers);
    }
    if !results.mem.is_empty() {
        let runtimes = distinct(results.mem.iter().map(|r| r.runtime.as_str()));
        out += &mem::summary(&results.mem, &runtimes);
    }
    if !results.polybench.is_empty() {
        let dataset = meta["settings"]["polybench_dataset"]
            .as_str()
            .unwrap_or("?");
        out += &polybench::summary_of_records(&results.polybench, dataset);
    }
    out += &pybench::summary_of_records(&results.pybench);
    out
}
