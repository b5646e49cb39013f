//! `meta.json`: what a number needs to be reproduced — the host, the versions
//! of everything that ran, the exact command line and the git revision.

use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

use isobench_measure::Machine;

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub isobench_version: String,
    pub git_revision: String,
    pub command_line: Vec<String>,
    pub started_at: String,
    pub host: Machine,
    /// Versions of every runtime, engine and compiler used.
    pub versions: BTreeMap<String, String>,
    /// Settings that shape the numbers (engine configuration, guest flags, ...).
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Things a reader must know, such as metrics that could not be measured.
    pub notes: Vec<String>,
    /// The share of the machine's CPU time, in percent, that the hypervisor
    /// gave to other guests while the run measured (steal time): how noisy
    /// the machine was; 0 where the kernel does not count steal time. `None`
    /// when `/proc/stat` could not be read or no CPU time passed.
    pub cpu_steal_percent: Option<f64>,
    /// Configurations that failed, each with its reason; everything else that
    /// was measured is in the CSVs.
    pub failures: Vec<String>,
}

impl Meta {
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
    }
}

/// The command line recorded in a `meta.json` (read back as JSON), as typed.
pub fn command_line(meta: &serde_json::Value) -> String {
    let words: Vec<&str> = meta["command_line"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    words.join(" ")
}

/// The head of `summary.md`: what ran, when, where, and the notes.
pub fn summary_header(meta: &serde_json::Value) -> String {
    let mut out = format!(
        "# isobench results\n\n`{}` at {} on {} ({}, {} cores), git {}\n\n",
        command_line(meta),
        meta["started_at"].as_str().unwrap_or("?"),
        meta["host"]["hostname"].as_str().unwrap_or("?"),
        meta["host"]["cpu_model"].as_str().unwrap_or("?"),
        meta["host"]["cores"],
        meta["git_revision"].as_str().unwrap_or("?"),
    );
    for note in meta["notes"].as_array().into_iter().flatten() {
        out += &format!("> Note: {}\n\n", note.as_str().unwrap_or_default());
    }
    out
}

/// The failures recorded in a `meta.json` (read back as JSON).
pub fn failures(meta: &serde_json::Value) -> Vec<&str> {
    meta["failures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str())
        .collect()
}

/// The end of `summary.md` when configurations failed: each with its reason.
pub fn failures_section(meta: &serde_json::Value) -> String {
    let failures = failures(meta);
    if failures.is_empty() {
        return String::new();
    }
    let mut out = "## Failures\n\n".to_string();
    for failure in failures {
        out += &format!("- {failure}\n");
    }
    out
}

/// What two runs' `meta.json` files (read back as JSON) record differently
/// about the host, the versions and the settings, one line each, such as
/// `settings.polybench_dataset: "mini" → "small"`. Keys only one run has (a
/// suite only it ran) are left out.
pub fn differences(old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    let mut lines = Vec::new();
    for section in ["host", "versions", "settings"] {
        let (Some(before), Some(after)) = (old[section].as_object(), new[section].as_object())
        else {
            continue;
        };
        for (key, value) in before {
            match after.get(key) {
                Some(other) if other != value => {
                    lines.push(format!("{section}.{key}: {value} → {other}"));
                }
                _ => {}
            }
        }
    }
    let steal = |meta: &serde_json::Value| meta["cpu_steal_percent"].as_f64();
    if let (Some(before), Some(after)) = (steal(old), steal(new)) {
        if before.max(after) >= NOISY_STEAL_PERCENT && (after - before).abs() >= 1.0 {
            lines.push(format!(
                "cpu_steal_percent: {before} → {after} (CPU time the hypervisor gave to other \
                 guests: the {} run's machine was noisier)",
                if after > before { "new" } else { "old" }
            ));
        }
    }
    lines
}

/// Steal time from this share of the CPU time on (in percent) makes a run's
/// timings noticeably noisier: the summary says so, and so does `compare`.
pub const NOISY_STEAL_PERCENT: f64 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differing_settings_are_named_and_unshared_ones_left_out() {
        let old = json!({
            "host": {"cores": 2},
            "versions": {"wasmtime": "48.0.8"},
            "settings": {"polybench_dataset": "mini", "faaslet_engine": "x"},
        });
        let new = json!({
            "host": {"cores": 2},
            "versions": {"wasmtime": "48.0.8"},
            "settings": {"polybench_dataset": "small", "guest_build": "y"},
        });
        assert_eq!(
            differences(&old, &new),
            vec![r#"settings.polybench_dataset: "mini" → "small""#.to_string()]
        );
        assert!(differences(&old, &old).is_empty());
    }

    #[test]
    fn a_noisier_machine_is_named_and_a_quiet_pair_is_not() {
        let run = |steal: f64| json!({ "cpu_steal_percent": steal });
        assert_eq!(
            differences(&run(0.3), &run(9.1)),
            vec![
                "cpu_steal_percent: 0.3 → 9.1 (CPU time the hypervisor gave to other guests: \
                  the new run's machine was noisier)"
                    .to_string()
            ]
        );
        assert!(differences(&run(0.3), &run(1.2)).is_empty());
        assert!(differences(&run(5.0), &run(5.5)).is_empty());
        assert!(differences(&json!({}), &run(9.1)).is_empty());
    }
}
