//! `isobench report DIR`: `report.html` from a results directory, and its
//! `summary.md` rendered again from the CSVs.

use anyhow::{Context, Result};
use isobench_report::html::{render, Results};
use isobench_report::meta::{failures_section, summary_header};
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
    let measured = crate::compare::SUITES.iter().any(|suite| ran(dir, suite))
        || dir.join(crate::profile::PROFILE_SUMMARY).exists();
    if !measured {
        eprintln!(
            "note: {} holds no measurements (no suite CSV, no profile): the report shows \
             only what meta.json records",
            dir.display()
        );
    }
    let summary_path = dir.join("summary.md");
    std::fs::write(&summary_path, summary(dir, &results)?)
        .with_context(|| format!("writing {}", summary_path.display()))?;
    let report = write_html(dir, &results)?;
    println!("summary: {}", summary_path.display());
    println!("report: {}", report.display());
    Ok(())
}

/// The summary the suites would have printed, from their records, with what
/// has no CSV behind it (a profile's table, the failures) as it was kept.
fn summary(dir: &Path, results: &Results) -> Result<String> {
    let meta = &results.meta;
    let mut out = summary_header(meta);
    // Tables may change between revisions (a column's heading, what it
    // divides by); the reader must know which rules rendered these.
    let renderer = env!("ISOBENCH_GIT_REVISION");
    if meta["git_revision"].as_str() != Some(renderer) {
        out += &format!(
            "> Note: rendered again from the CSVs by isobench git {renderer}, not by the \
             revision that measured them\n\n"
        );
    }
    // As the run did: a section for every suite that ran, even one whose
    // configurations all failed.
    if ran(dir, "time") {
        let runtimes = distinct(results.time.iter().map(|r| r.runtime.as_str()));
        let workers = distinct(results.time.iter().map(|r| r.workers as usize));
        let planned = meta["settings"]["time_iterations"]
            .as_u64()
            .map(|n| n as usize);
        out += &time::summary(&results.time, &runtimes, &workers, planned);
    }
    if ran(dir, "mem") {
        let runtimes = distinct(results.mem.iter().map(|r| r.runtime.as_str()));
        out += &mem::summary(&results.mem, &runtimes);
    }
    if ran(dir, "polybench") {
        let dataset = meta["settings"]["polybench_dataset"]
            .as_str()
            .unwrap_or("?");
        let post_link = meta["settings"]["polybench_build"]["wasm_post_link"].as_str();
        out += &polybench::summary_of_records(&results.polybench, dataset, post_link);
    }
    out += &pybench::summary_of_records(&results.pybench);
    let profile = dir.join(crate::profile::PROFILE_SUMMARY);
    if profile.exists() {
        out += &std::fs::read_to_string(&profile)
            .with_context(|| format!("reading {}", profile.display()))?;
    }
    out += &failures_section(meta);
    Ok(out)
}

/// Whether the suite ran into `dir`: it wrote its tidy CSV, even with no rows.
fn ran(dir: &Path, suite: &str) -> bool {
    dir.join(format!("{suite}.csv")).exists()
}
