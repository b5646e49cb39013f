//! `isobench report DIR`: `report.html` from a results directory, and its
//! `summary.md` rendered again from the CSVs.

use anyhow::{Context, Result};
use isobench_report::html::{render, Results};
use isobench_report::record::distinct;
use isobench_suites::{mem, polybench, time};
use std::path::{Path, PathBuf};

/// Writes `DIR/report.html`; returns its path.
pub fn write_html(dir: &Path) -> Result<PathBuf> {
    let results = Results::load(dir)?;
    let path = dir.join("report.html");
    std::fs::write(&path, render(&results))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

pub fn run(dir: &Path) -> Result<()> {
    let results = Results::load(dir)?;
    let summary_path = dir.join("summary.md");
    std::fs::write(&summary_path, summary(&results))
        .with_context(|| format!("writing {}", summary_path.display()))?;
    let report = write_html(dir)?;
    println!("summary: {}", summary_path.display());
    println!("report: {}", report.display());
    Ok(())
}

/// The summary the suites would have printed, from their records.
fn summary(results: &Results) -> String {
    let meta = &results.meta;
    let command: Vec<&str> = meta["command_line"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let mut out = format!(
        "# isobench results\n\n`{}` at {} on {} ({}, {} cores), git {}\n\n",
        command.join(" "),
        meta["started_at"].as_str().unwrap_or("?"),
        meta["host"]["hostname"].as_str().unwrap_or("?"),
        meta["host"]["cpu_model"].as_str().unwrap_or("?"),
        meta["host"]["cores"],
        meta["git_revision"].as_str().unwrap_or("?"),
    );
    for note in meta["notes"].as_array().into_iter().flatten() {
        out += &format!("> Note: {}\n\n", note.as_str().unwrap_or_default());
    }
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
    out
}
