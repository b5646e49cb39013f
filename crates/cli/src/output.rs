//! The results directory: CSVs, `meta.json` and `summary.md`, and what the
//! terminal shows of them.

use crate::args::Common;
use anyhow::{Context, Result};
use isobench_guests::Guests;
use isobench_measure::MachineCpu;
use isobench_report::export::export;
use isobench_report::faasm;
use isobench_report::html::Results;
use isobench_report::meta::{failures_section, summary_header, Meta, NOISY_STEAL_PERCENT};
use isobench_report::{write_tidy_csv, Record};
use isobench_suites::{mem, polybench, pybench, time, SuiteResult};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Output {
    dir: PathBuf,
    meta: Meta,
    summary: String,
    /// Every record written, for the JSON export.
    records: Vec<Record>,
    export_json: Option<PathBuf>,
    export_markdown: Option<PathBuf>,
    /// The machine's CPU counters when the results directory was made.
    machine_cpu_at_start: MachineCpu,
    /// Whether `meta.json` holds the run's own account of itself yet.
    written: bool,
}

impl Output {
    /// Creates the results directory and proves it writable before anything runs.
    pub fn create(common: &Common, guests: &Guests) -> Result<Self> {
        let faaslet = &common.faaslet;
        let started_at = utc_timestamp();
        for export in [&common.export_json, &common.export_markdown]
            .into_iter()
            .flatten()
        {
            check_export_path(export)?;
        }
        let dir = match &common.out {
            Some(dir) => {
                refuse_earlier_results(dir)?;
                dir.clone()
            }
            None => unused_default_dir(&started_at)?,
        };
        check_writable(&dir)?;
        let mut versions = BTreeMap::new();
        versions.insert("isobench".into(), env!("CARGO_PKG_VERSION").into());
        versions.insert(
            "wasmtime".into(),
            isobench_faaslet::wasmtime_version().into(),
        );
        versions.insert("rustc".into(), env!("ISOBENCH_RUSTC_VERSION").into());
        versions.insert("cargo_profile".into(), env!("ISOBENCH_PROFILE").into());
        let flags = guests.flags()?;
        versions.insert("clang".into(), flags.compiler.clone());
        let engine = isobench_faaslet::describe(&faaslet.config());
        let mut settings = BTreeMap::new();
        settings.insert("guest_build".into(), serde_json::to_value(&flags)?);
        settings.insert("faaslet_engine".into(), engine.into());
        let meta = Meta {
            isobench_version: env!("CARGO_PKG_VERSION").into(),
            git_revision: env!("ISOBENCH_GIT_REVISION").into(),
            command_line: std::env::args().collect(),
            started_at,
            host: isobench_measure::machine(),
            versions,
            settings,
            notes: build_notes(),
            cpu_steal_percent: None,
            failures: Vec::new(),
        };
        // Replaced when the results are written: a run killed before then
        // leaves a directory that says so (and that no later run writes into).
        let mut unfinished = meta.clone();
        unfinished.failures.push(
            "the run did not finish: it was killed before it wrote its results (what is here \
             may be partial)"
                .into(),
        );
        unfinished.write(&dir.join("meta.json"))?;
        Ok(Output {
            dir,
            meta,
            summary: String::new(),
            records: Vec::new(),
            export_json: common.export_json.clone(),
            export_markdown: common.export_markdown.clone(),
            machine_cpu_at_start: MachineCpu::now(),
            written: false,
        })
    }

    /// Something a reader must know; shown now and kept in `meta.json` and the summary.
    pub fn note(&mut self, note: String) {
        eprintln!("note: {note}");
        self.meta.notes.push(note);
    }

    /// Something that could not be measured, kept in `meta.json` and listed
    /// under *Failures*.
    pub fn fail(&mut self, failure: String) {
        eprintln!("failed: {failure}");
        self.meta.failures.push(failure);
    }

    /// A setting that shapes the numbers, kept in `meta.json`.
    pub fn setting(&mut self, name: &str, value: serde_json::Value) {
        self.meta.settings.insert(name.into(), value);
    }

    pub fn time(&mut self, result: &SuiteResult) -> Result<()> {
        self.suite("time", "runtime-bench-time.csv", result, |path| {
            faasm::write_time(path, &time::faasm_rows(&result.records))
        })
    }

    pub fn mem(&mut self, result: &SuiteResult) -> Result<()> {
        self.suite("mem", "runtime-bench-mem.csv", result, |path| {
            faasm::write_mem(path, &mem::faasm_rows(&result.records))
        })
    }

    pub fn polybench(&mut self, result: &SuiteResult) -> Result<()> {
        self.suite("polybench", "polybench-faasm.csv", result, |path| {
            faasm::write_compute(path, &polybench::faasm_rows(&result.records))
        })
    }

    pub fn pybench(&mut self, result: &SuiteResult) -> Result<()> {
        self.suite("pybench", "pybench-faasm.csv", result, |path| {
            faasm::write_compute(path, &pybench::faasm_rows(&result.records))
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A summary with no CSV behind it (a profile's, say), kept in `file` as
    /// well so that `isobench report` can put it into `summary.md` again.
    pub fn summary_only(&mut self, file: &str, result: &SuiteResult) -> Result<()> {
        let path = self.dir.join(file);
        std::fs::write(&path, &result.summary)
            .with_context(|| format!("writing {}", path.display()))?;
        self.add(result);
        Ok(())
    }

    /// Where a suite keeps files for a reader to inspect.
    pub fn subdir(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `<suite>.csv` and the file in Faasm's format, shows the summary.
    fn suite(
        &mut self,
        suite: &str,
        faasm_file: &str,
        result: &SuiteResult,
        write_faasm: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<()> {
        write_tidy_csv(&self.dir.join(format!("{suite}.csv")), &result.records)?;
        write_faasm(&self.dir.join(faasm_file))?;
        self.records.extend(result.records.iter().cloned());
        self.add(result);
        Ok(())
    }

    fn add(&mut self, result: &SuiteResult) {
        for note in &result.notes {
            self.note(note.clone());
        }
        println!("{}", result.summary);
        for failure in &result.failures {
            eprintln!("failed: {failure}");
        }
        self.summary += &result.summary;
        self.meta.failures.extend(result.failures.iter().cloned());
    }

    /// Records how much CPU time other guests of the hypervisor took during
    /// the run, and says so when it was enough to make the timings noisy.
    fn note_steal(&mut self) {
        let during = MachineCpu::now().since(self.machine_cpu_at_start);
        let Some(share) = during.steal_share() else {
            return;
        };
        let percent = (share * 1000.0).round() / 10.0;
        self.meta.cpu_steal_percent = Some(percent);
        if percent >= NOISY_STEAL_PERCENT {
            self.note(format!(
                "the hypervisor gave {percent}% of this machine's CPU time to other guests while \
                 this run measured (steal time in /proc/stat): its timings are noisier than a \
                 quiet machine's; compare it with runs made under similar steal"
            ));
        }
    }

    /// Writes `meta.json` and `summary.md`; an error (exit status 1) if any
    /// configuration failed, after everything measured has been written.
    pub fn finish(mut self) -> Result<()> {
        self.note_steal();
        self.meta.write(&self.dir.join("meta.json"))?;
        self.written = true;
        let meta = serde_json::to_value(&self.meta)?;
        let summary = summary_header(&meta) + &self.summary + &failures_section(&meta);
        let path = self.dir.join("summary.md");
        std::fs::write(&path, &summary).with_context(|| format!("writing {}", path.display()))?;
        if let Some(path) = &self.export_markdown {
            std::fs::write(path, &summary)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        if let Some(path) = &self.export_json {
            let json = serde_json::to_string_pretty(&export(&self.meta, &self.records))?;
            std::fs::write(path, json + "\n")
                .with_context(|| format!("writing {}", path.display()))?;
        }
        let report = crate::report::write_html(&self.dir, &Results::load(&self.dir)?)?;
        println!("results written to {}", self.dir.display());
        println!("report: {}", report.display());
        if let Some(reason) = isobench_sandbox::stop::interrupted() {
            let cut_short = self.meta.failures.iter().any(|f| f.contains(&reason));
            if cut_short {
                anyhow::bail!(
                    "{reason}: everything measured until then was written to {}",
                    self.dir.display()
                );
            }
            anyhow::bail!(
                "{reason} after everything was measured: the results in {} are complete",
                self.dir.display()
            );
        }
        anyhow::ensure!(
            self.meta.failures.is_empty(),
            "{} configuration(s) failed (see above); everything measured was written",
            self.meta.failures.len()
        );
        Ok(())
    }
}

impl Drop for Output {
    /// A run that ends at an error before [`Output::finish`] says so in its
    /// `meta.json`, where the placeholder said it was killed.
    fn drop(&mut self) {
        if self.written {
            return;
        }
        let mut stopped = self.meta.clone();
        stopped.failures.push(
            "the run stopped at an error before it wrote its results (the error was printed \
             on standard error; what is here may be partial)"
                .into(),
        );
        stopped.write(&self.dir.join("meta.json")).ok();
    }
}

/// What to do when the results directory cannot be made or written.
const OUT_ADVICE: &str = "choose a directory you can write to with --out";

/// Results written into a directory that holds another run's would be read
/// back as one run, with the other's CSVs under this run's `meta.json`.
fn refuse_earlier_results(dir: &Path) -> Result<()> {
    anyhow::ensure!(
        !dir.join("meta.json").exists(),
        "{} already holds the results of an earlier run (it has a meta.json): give a \
         new directory with --out, or remove that one first",
        dir.display()
    );
    Ok(())
}

/// `results/<UTC timestamp>`, with `-2`, `-3`, ... added when runs started
/// within the same second; claimed by creating it, so that two runs starting
/// at once never share one.
fn unused_default_dir(started_at: &str) -> Result<PathBuf> {
    let stamp = started_at.replace([':', '-'], "").replace('T', "-");
    let results = Path::new("results");
    std::fs::create_dir_all(results)
        .with_context(|| format!("cannot create {}: {OUT_ADVICE}", results.display()))?;
    for n in 1.. {
        let dir = match n {
            1 => results.join(&stamp),
            n => results.join(format!("{stamp}-{n}")),
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot create {}: {OUT_ADVICE}", dir.display()))
            }
        }
    }
    unreachable!("some numbered name is free")
}

/// An export file that cannot be written is refused before anything runs,
/// not after the whole run.
fn check_export_path(path: &Path) -> Result<()> {
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| {
            format!(
                "cannot write the export file {}: give a path in a directory you can write to",
                path.display()
            )
        })?;
    if !existed {
        std::fs::remove_file(path).ok();
    }
    Ok(())
}

fn check_writable(dir: &Path) -> Result<()> {
    let advice = OUT_ADVICE;
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the results directory {}: {advice}",
            dir.display()
        )
    })?;
    let probe = dir.join(".isobench-write-test");
    std::fs::write(&probe, b"")
        .with_context(|| format!("cannot write into {}: {advice}", dir.display()))?;
    std::fs::remove_file(probe).ok();
    Ok(())
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date, counting in 400-year eras of
    // 146,097 days whose years start on 1 March (so leap days fall last).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// What a binary built without the release profile measures differently.
fn build_notes() -> Vec<String> {
    let profile = env!("ISOBENCH_PROFILE");
    if profile == "release" {
        return Vec::new();
    }
    let note = format!(
        "this binary was built with the `{profile}` cargo profile, not `release`: without \
         whole-program optimisation wasmtime's code runs slower, and a Faaslet's cold start \
         took about 1.2 times as long (build with `cargo build --release` to measure)"
    );
    eprintln!("note: {note}");
    vec![note]
}
