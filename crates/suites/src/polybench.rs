//! `polybench`: pure computation, WebAssembly against native code, on the 30
//! PolyBench/C kernels.
//!
//! Each kernel runs natively (the static binary, started as a process) and as
//! a Faaslet (the wasm32-wasi build, from ahead-of-time compiled code, one
//! fresh instance on a fresh thread per run), in two engine configurations:
//! - `wasm`: generated code without epoch checks, the pure cost of running
//!   WebAssembly (as Faasm's WAVM ran it). Nothing in-process could stop such
//!   a guest, so each run happens in a child process (`isobench __wasm-run`)
//!   that the harness kills at the time limit; the times are taken inside it.
//! - `wasm-epoch`: the `wasm` side's engine with the epoch checks (at
//!   function entries and loop back-edges) that let the time limit stop a
//!   guest, as the `faaslet` runtime has them: what a time-limited Faaslet
//!   really costs.
//!
//! The three sides take turns, so a machine whose speed drifts slows them all
//! alike. Two times per run:
//! - `kernel_ns`: the kernel region alone, read by the guest from the
//!   monotonic clock on both sides of the call (what PolyBench's timer
//!   measures);
//! - `run_ns`: the run as the platform sees it, from process start to exit
//!   natively, from instantiation to exit for wasm.
//!
//! With verification on, each kernel also runs once more on each side writing
//! its output arrays, and the two dumps must be byte-identical: the proof that
//! both computed the same thing.

use crate::compute::{rounds, run_on_thread, run_process, run_unchecked_wasm};
use crate::{each_workload, note_if_stopped, Series, SuiteResult};
use anyhow::{bail, Context, Result};
use isobench_faaslet::{Call, Function, Runtime, RuntimeConfig};
use isobench_guests::polybench::{Dataset, Kernel, KernelBuild};
use isobench_guests::Guests;
use isobench_report::faasm::ComputeRow;
use isobench_report::record::workload_summary;
use isobench_report::stats::{geometric_mean, Ratio, Summary};
use isobench_report::table::{count_of, format_ns, format_ratio, Table};
use isobench_report::Record;
use isobench_sandbox::spawn::Launch;
use isobench_sandbox::{owned_tempdir, stop};
use std::path::{Path, PathBuf};

pub const SUITE: &str = "polybench";

/// The directories of the dumps being compared are named this, then the
/// PID of the isobench that made them, so that `isobench clean` can tell
/// those of a run that was killed from those of one still going.
pub const SCRATCH_PREFIX: &str = "isobench-polybench-";

pub struct PolybenchOptions {
    pub kernels: Vec<&'static Kernel>,
    pub dataset: Dataset,
    pub native_iterations: usize,
    pub wasm_iterations: usize,
    /// Unrecorded runs on each side before the recorded ones.
    pub warmup: usize,
    /// Where dumps that differ are kept; `None` skips the comparison.
    pub verify_into: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Native,
    Wasm,
    WasmEpoch,
}

impl Side {
    const ALL: [Side; 3] = [Side::Native, Side::Wasm, Side::WasmEpoch];

    fn name(self) -> &'static str {
        match self {
            Side::Native => "native",
            Side::Wasm => "wasm",
            Side::WasmEpoch => "wasm-epoch",
        }
    }
}

struct Sample {
    kernel_ns: f64,
    run_ns: f64,
}

/// The two engines: one with epoch checks, one without (for the child runs).
struct Engines {
    epoch: Runtime,
    unchecked: Runtime,
    /// The `isobench` executable, which runs unchecked guests as a child.
    host_exe: PathBuf,
}

impl Engines {
    fn new(faaslet: &RuntimeConfig, host_exe: &Path) -> Result<Self> {
        Ok(Engines {
            // As the unchecked engine but for the epoch checks.
            epoch: Runtime::new(faaslet.compute())?,
            unchecked: Runtime::new(faaslet.single_uninterruptible())?,
            host_exe: host_exe.to_path_buf(),
        })
    }
}

/// One kernel, ready to run on every side.
struct Runner<'a> {
    native: PathBuf,
    wasm_path: PathBuf,
    wasm_epoch: Function,
    engines: &'a Engines,
    kernel: &'a Kernel,
}

pub fn run(
    guests: &Guests,
    faaslet: &RuntimeConfig,
    host_exe: &Path,
    options: &PolybenchOptions,
) -> SuiteResult {
    let mut result = SuiteResult::default();
    let engines = match Engines::new(faaslet, host_exe) {
        Ok(engines) => engines,
        Err(e) => {
            result.failures.push(format!("polybench: {e:#}"));
            return result;
        }
    };
    let per_kernel = options.native_iterations + 2 * options.wasm_iterations + 3 * options.warmup;
    each_workload(
        &mut result,
        &options.kernels,
        |kernel| &kernel.name,
        per_kernel,
        |kernel, records, tick| {
            let runner = Runner::prepare(guests, &engines, kernel, options.dataset)?;
            // A wasm build that computes something else is not timed.
            if let Some(dir) = &options.verify_into {
                runner.verify(dir)?;
            }
            runner.measure(options, records, tick)
        },
    );
    note_if_stopped(&mut result, SUITE);
    result.summary = summary(&result.records, options);
    result
}

impl<'a> Runner<'a> {
    /// Builds both targets and compiles the wasm for both engines (into the
    /// code cache, where the child finds it), outside anything timed.
    fn prepare(
        guests: &Guests,
        engines: &'a Engines,
        kernel: &'a Kernel,
        dataset: Dataset,
    ) -> Result<Self> {
        let KernelBuild { native, wasm } = guests.polybench(kernel, dataset)?;
        let (wasm_epoch, _) = engines.epoch.load_command(&wasm)?;
        engines.unchecked.load_command(&wasm)?;
        Ok(Runner {
            native,
            wasm_path: wasm,
            wasm_epoch,
            engines,
            kernel,
        })
    }

    fn measure(
        &self,
        options: &PolybenchOptions,
        records: &mut Vec<Record>,
        mut tick: impl FnMut(),
    ) -> Result<()> {
        for _ in 0..options.warmup {
            for side in Side::ALL {
                stop::check()?;
                self.run(side, None)?;
                tick();
            }
        }
        let sides = [
            (Side::Native, options.native_iterations),
            (Side::Wasm, options.wasm_iterations),
            (Side::WasmEpoch, options.wasm_iterations),
        ];
        for (iteration, side) in rounds(&sides) {
            stop::check()?;
            let sample = self.run(side, None)?;
            let series = Series {
                suite: SUITE,
                runtime: side.name(),
                workload: &self.kernel.name,
                workers: 1,
            };
            for (metric, value) in [("kernel_ns", sample.kernel_ns), ("run_ns", sample.run_ns)] {
                records.push(series.record(Some(iteration as u64), metric, value, "ns"));
            }
            tick();
        }
        Ok(())
    }

    /// One run; with `dump_dir`, the guest writes its output arrays there.
    fn run(&self, side: Side, dump_dir: Option<&Path>) -> Result<Sample> {
        let dump_name = format!("{}.{}.txt", self.kernel.name, side.name());
        // A Faaslet sees only the dump directory, as its `/`.
        let wasm_call = Call {
            args: dump_dir
                .map(|_| format!("/{dump_name}"))
                .into_iter()
                .collect(),
            preopen: dump_dir.map(Path::to_path_buf),
            ..Call::default()
        };
        let time_limit = self.engines.epoch.config().time_limit;
        let finished = match side {
            Side::Native => {
                let launch = Launch::new(&self.native).args(dump_dir.map(|d| d.join(&dump_name)));
                run_process(&launch, side.name(), time_limit)?
            }
            Side::Wasm => run_unchecked_wasm(
                &self.engines.host_exe,
                self.engines.unchecked.config(),
                &self.wasm_path,
                &wasm_call,
            )?,
            Side::WasmEpoch => run_on_thread(&self.wasm_epoch, &wasm_call)?,
        };
        let kernel_ns = finished.reported("kernel_ns").with_context(|| {
            format!(
                "the {} run reported no kernel time: {}",
                side.name(),
                finished.stderr
            )
        })?;
        Ok(Sample {
            kernel_ns,
            run_ns: finished.elapsed_ns,
        })
    }

    /// Runs once more on each side, writing the arrays, and compares the dumps.
    fn verify(&self, keep_dir: &Path) -> Result<()> {
        let scratch = owned_tempdir(SCRATCH_PREFIX, &std::env::temp_dir())
            .context("creating a directory for the dumps")?;
        let dump = |side: Side| -> Result<(String, PathBuf)> {
            self.run(side, Some(scratch.path()))?;
            let path = scratch
                .path()
                .join(format!("{}.{}.txt", self.kernel.name, side.name()));
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ok((text, path))
        };
        let (native, native_path) = dump(Side::Native)?;
        for side in [Side::Wasm, Side::WasmEpoch] {
            let (wasm, wasm_path) = dump(side)?;
            if wasm == native {
                continue;
            }
            let (line, native_line, wasm_line) = first_difference(&native, &wasm);
            std::fs::create_dir_all(keep_dir)
                .with_context(|| format!("creating {}", keep_dir.display()))?;
            for path in [&native_path, &wasm_path] {
                let kept = keep_dir.join(path.file_name().expect("a dump file"));
                std::fs::copy(path, &kept)
                    .with_context(|| format!("keeping the dump {}", kept.display()))?;
            }
            bail!(
                "native and {} outputs differ at line {line}: `{native_line}` vs `{wasm_line}` \
                 (both dumps kept in {})",
                side.name(),
                keep_dir.display()
            );
        }
        Ok(())
    }
}

/// The first line (1-based) where two texts differ, and both versions of it.
fn first_difference<'t>(a: &'t str, b: &'t str) -> (usize, &'t str, &'t str) {
    let (mut a_lines, mut b_lines) = (a.lines(), b.lines());
    let mut number = 1;
    loop {
        match (a_lines.next(), b_lines.next()) {
            (Some(x), Some(y)) if x == y => number += 1,
            (x, y) => return (number, x.unwrap_or("<end>"), y.unwrap_or("<end>")),
        }
    }
}

/// One kernel's medians and ratios.
struct KernelSummary {
    name: String,
    category: String,
    native: Summary,
    wasm: Summary,
    kernel_ratio: Ratio,
    epoch_ratio: Option<Ratio>,
    run_ratio: Option<Ratio>,
}

fn kernel_summaries(records: &[Record], kernels: &[&Kernel]) -> Vec<KernelSummary> {
    let summary_of =
        |side: Side, name: &str, metric: &str| workload_summary(records, side.name(), name, metric);
    kernels
        .iter()
        .filter_map(|kernel| {
            let native = summary_of(Side::Native, &kernel.name, "kernel_ns")?;
            let wasm = summary_of(Side::Wasm, &kernel.name, "kernel_ns")?;
            let epoch_ratio = summary_of(Side::WasmEpoch, &kernel.name, "kernel_ns")
                .map(|e| Ratio::of_medians(&e, &native));
            let run_ratio = summary_of(Side::Native, &kernel.name, "run_ns")
                .zip(summary_of(Side::Wasm, &kernel.name, "run_ns"))
                .map(|(n, w)| Ratio::of_medians(&w, &n));
            Some(KernelSummary {
                name: kernel.name.clone(),
                category: kernel.category.clone(),
                kernel_ratio: Ratio::of_medians(&wasm, &native),
                epoch_ratio,
                native,
                wasm,
                run_ratio,
            })
        })
        .collect()
}

/// The summary of PolyBench records read back from a results directory;
/// `wasm_post_link` is what `meta.json` says was done to the linked wasm
/// (nothing was before isobench folded constant offsets).
pub fn summary_of_records(
    records: &[Record],
    dataset: &str,
    wasm_post_link: Option<&str>,
) -> String {
    let kernels: Vec<&Kernel> = isobench_guests::polybench::catalogue()
        .iter()
        .filter(|k| records.iter().any(|r| r.workload == k.name))
        .collect();
    // As the run asked for: what the kernels that ran to the end got (one
    // that a stop cut short got fewer).
    let runs = |side: Side| {
        kernels
            .iter()
            .map(|k| {
                records
                    .iter()
                    .filter(|r| {
                        r.workload == k.name && r.runtime == side.name() && r.metric == "kernel_ns"
                    })
                    .count()
            })
            .max()
            .unwrap_or(0)
    };
    render_summary(
        records,
        &kernels,
        dataset,
        runs(Side::Native),
        runs(Side::Wasm),
        wasm_post_link,
    )
}

fn summary(records: &[Record], options: &PolybenchOptions) -> String {
    render_summary(
        records,
        &options.kernels,
        &options.dataset.to_string(),
        options.native_iterations,
        options.wasm_iterations,
        Some(&isobench_guests::polybench::flags().wasm_post_link),
    )
}

fn render_summary(
    records: &[Record],
    kernels: &[&Kernel],
    dataset: &str,
    native_iterations: usize,
    wasm_iterations: usize,
    wasm_post_link: Option<&str>,
) -> String {
    let kernels = kernel_summaries(records, kernels);
    if kernels.is_empty() {
        return String::new();
    }
    let mut table = Table::new(&[
        "kernel",
        "category",
        "native kernel",
        "wasm kernel",
        "wasm / native (95% CI)",
        "wasm-epoch / native",
        "whole run wasm / native",
    ]);
    for k in &kernels {
        table.row(vec![
            k.name.clone(),
            k.category.clone(),
            format_ns(k.native.median),
            format_ns(k.wasm.median),
            format_ratio(&k.kernel_ratio),
            format_ratio_value(k.epoch_ratio),
            format_ratio_value(k.run_ratio),
        ]);
    }
    let mut out = format!(
        "## PolyBench/C, dataset {}\n\nMedian time of the kernel region ({} native and {} wasm \
         runs per kernel and side). `wasm` is generated code without interruption checks; \
         `wasm-epoch` has the epoch checks a time-limited Faaslet needs. The whole run is \
         process start to exit natively, instantiation to exit for wasm.{}\n\n{}\n",
        dataset,
        native_iterations,
        wasm_iterations,
        wasm_post_link
            .map(|step| format!(" After linking, the wasm modules got {step}."))
            .unwrap_or_default(),
        table.to_markdown()
    );
    let kernel_ratios: Vec<f64> = kernels.iter().map(|k| k.kernel_ratio.value).collect();
    let ratios = |pick: fn(&KernelSummary) -> Option<Ratio>| -> Vec<f64> {
        kernels
            .iter()
            .filter_map(|k| pick(k).map(|r| r.value))
            .collect()
    };
    if let Some(mean) = geometric_mean(&kernel_ratios) {
        out += &format!(
            "Geometric mean of wasm / native over {}: **{mean:.3}** (kernel region)",
            count_of(kernel_ratios.len() as u64, "kernel")
        );
        if let Some(epoch_mean) = geometric_mean(&ratios(|k| k.epoch_ratio)) {
            out += &format!(", {epoch_mean:.3} with epoch checks");
        }
        if let Some(run_mean) = geometric_mean(&ratios(|k| k.run_ratio)) {
            out += &format!(", {run_mean:.3} for the whole run");
        }
        out += ".\n\n";
    }
    let mut slowest: Vec<&KernelSummary> = kernels.iter().collect();
    slowest.sort_by(|a, b| b.kernel_ratio.value.total_cmp(&a.kernel_ratio.value));
    let named: Vec<String> = slowest
        .iter()
        .take(3)
        .map(|k| format!("{} ({:.2}×)", k.name, k.kernel_ratio.value))
        .collect();
    out += &format!("Slowest in wasm: {}.\n\n", named.join(", "));
    out
}

fn format_ratio_value(ratio: Option<Ratio>) -> String {
    ratio.map_or_else(|| "–".into(), |r| format!("{:.2}", r.value))
}

/// Rows of Faasm's `benchmark,type,microseconds` format: the kernel region,
/// natively and in wasm without epoch checks (as Faasm's engine ran it).
pub fn faasm_rows(records: &[Record]) -> Vec<ComputeRow> {
    let compared = [Side::Native.name(), Side::Wasm.name()];
    records
        .iter()
        .filter(|r| r.suite == SUITE && r.metric == "kernel_ns")
        .filter(|r| compared.contains(&r.runtime.as_str()))
        .map(ComputeRow::of)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn first_difference_names_the_line() {
        assert_eq!(first_difference("a\nb\nc\n", "a\nb\nd\n"), (3, "c", "d"));
        assert_eq!(first_difference("a\n", "a\nb\n"), (2, "<end>", "b"));
    }
}
