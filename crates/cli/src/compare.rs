//! `isobench compare OLD NEW`: what changed between two runs.

use crate::args::CompareArgs;
use anyhow::{bail, Result};
use isobench_report::compare::{compare, Verdict};
use isobench_report::meta::differences;
use isobench_report::record::read_tidy_csv;
use isobench_report::table::{count_of, format_bytes, format_interval, format_ns, Table};
use isobench_report::Record;
use std::collections::BTreeSet;

/// The suites that write a tidy CSV (`<suite>.csv`); compared when both runs have one.
pub const SUITES: &[&str] = &["time", "mem", "polybench", "pybench"];

pub fn run(args: CompareArgs) -> Result<()> {
    for dir in [&args.old, &args.new] {
        if !dir.is_dir() {
            bail!(
                "{} is not a results directory (give two directories that isobench wrote)",
                dir.display()
            );
        }
    }
    let mut table = Table::new(&[
        "suite",
        "runtime",
        "workload",
        "workers",
        "metric",
        "old",
        "new",
        "change (95% CI)",
        "verdict",
    ]);
    let mut regressions = Vec::new();
    let mut compared_suites = 0;
    // What each side measured, to say why nothing could be compared.
    let (mut old_configs, mut new_configs) = (BTreeSet::new(), BTreeSet::new());
    for suite in SUITES {
        let file = format!("{suite}.csv");
        let (old, new) = (args.old.join(&file), args.new.join(&file));
        if !old.exists() || !new.exists() {
            continue;
        }
        compared_suites += 1;
        let (old, new) = (read_tidy_csv(&old)?, read_tidy_csv(&new)?);
        let sampled = |records: &[Record]| {
            let samples = records.iter().filter(|r| r.iteration.is_some());
            samples.map(configuration).collect::<Vec<_>>()
        };
        old_configs.extend(sampled(&old));
        new_configs.extend(sampled(&new));
        for change in compare(&old, &new, args.noise) {
            let format = |value: f64| match change.id.unit.as_str() {
                "ns" => format_ns(value),
                "bytes" => format_bytes(value),
                // Counts are named in the plural; one of them is not.
                "processes" if value == 1.0 => "1 process".into(),
                unit => format!("{value} {unit}"),
            };
            let percent = |ratio: f64| (ratio - 1.0) * 100.0;
            table.row(vec![
                change.id.suite.clone(),
                change.id.runtime.clone(),
                change.id.workload.clone(),
                change.id.workers.to_string(),
                change.id.metric.clone(),
                format(change.old_median),
                format(change.new_median),
                format!(
                    "{:+.1}% ({})",
                    change.percent(),
                    format_interval(
                        &format!("{:+.1}%", percent(change.ratio.low)),
                        &format!("{:+.1}%", percent(change.ratio.high)),
                        change.ratio.level
                    )
                ),
                change.verdict_text().to_string(),
            ]);
            let limit = args.fail_on_regress.unwrap_or(f64::INFINITY);
            if change.verdict == Verdict::Worse && change.percent() > limit {
                regressions.push(format!(
                    "{} {} {} @{} {}: {:+.1}%",
                    change.id.suite,
                    change.id.runtime,
                    change.id.workload,
                    change.id.workers,
                    change.id.metric,
                    change.percent()
                ));
            }
        }
    }
    if compared_suites == 0 {
        bail!(
            "{} and {} have no suite in common (looked for {})",
            args.old.display(),
            args.new.display(),
            SUITES
                .iter()
                .map(|s| format!("{s}.csv"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if table.is_empty() {
        bail!(
            "the runs measured no configuration in common: {} has {}; {} has {}",
            args.old.display(),
            listed(&old_configs),
            args.new.display(),
            listed(&new_configs)
        );
    }
    let differing = differences(&read_meta(&args.old), &read_meta(&args.new));
    if !differing.is_empty() {
        println!(
            "Note: the runs differ in what they measured on or with; a change may come \
             from these rather than from the code:\n  {}\n",
            differing.join("\n  ")
        );
    }
    println!(
        "Changes of the median from {} to {} (noise threshold {}%):\n\n{}",
        args.old.display(),
        args.new.display(),
        args.noise,
        table.to_text()
    );
    if !regressions.is_empty() {
        bail!(
            "{} significant regression(s) above {}%:\n  {}",
            regressions.len(),
            args.fail_on_regress.unwrap_or_default(),
            regressions.join("\n  ")
        );
    }
    Ok(())
}

/// A run's `meta.json`, or nothing when it is missing or unreadable (the
/// comparison of the CSVs does not depend on it).
fn read_meta(dir: &std::path::Path) -> serde_json::Value {
    std::fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// "suite runtime workload with N workers", what a sample was measured in.
fn configuration(record: &Record) -> String {
    format!(
        "{} {} {} with {}",
        record.suite,
        record.runtime,
        record.workload,
        count_of(record.workers, "worker")
    )
}

fn listed(configurations: &BTreeSet<String>) -> String {
    match configurations.len() {
        0 => "nothing".into(),
        _ => configurations
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
    }
}
