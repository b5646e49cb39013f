//! The experiments. Each suite drives sandboxes, reads the measurements and
//! returns records; writing files is the caller's business.

pub mod compute;
pub mod mem;
pub mod polybench;
pub mod pybench;
pub mod time;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use isobench_report::Record;

/// What a suite hands back: every sample, the summary text, and what went wrong.
#[derive(Debug, Default)]
pub struct SuiteResult {
    pub records: Vec<Record>,
    /// Human-readable Markdown tables and notes, for the terminal and `summary.md`.
    pub summary: String,
    /// One line per runtime or configuration that could not be measured.
    pub failures: Vec<String>,
    /// How a figure was counted, where a reader must know (kept with the
    /// run's notes).
    pub notes: Vec<String>,
}

/// Notes in `result` that `suite` stopped early, when a stop was asked for
/// (see [`isobench_sandbox::stop`]); suites call it after their loops, which
/// end at the request.
pub(crate) fn note_if_stopped(result: &mut SuiteResult, suite: &str) {
    if let Some(reason) = isobench_sandbox::stop::interrupted() {
        result.failures.push(format!(
            "{suite}: {reason}; what was measured before is kept, the rest was not run"
        ));
    }
}

/// Records why `what` could not be measured, unless a stop was asked for: a
/// stop ends what was running (Ctrl-C reaches the guests too), and
/// [`note_if_stopped`] says so once for the suite.
pub(crate) fn push_failure(result: &mut SuiteResult, what: &str, error: &anyhow::Error) {
    if !isobench_sandbox::stop::requested() {
        result.failures.push(format!("{what}: {error:#}"));
    }
}

/// [`push_failure`] for a workload (a kernel, a benchmark) that failed part
/// of the way: its records from `first` on are dropped, so that the tables
/// and geometric means count only workloads that ran to the end. One that
/// was stopped keeps what it measured.
fn drop_failed_workload(result: &mut SuiteResult, first: usize, what: &str, error: &anyhow::Error) {
    if !isobench_sandbox::stop::requested() {
        result.records.truncate(first);
    }
    push_failure(result, what, error);
}

/// Measures each of `workloads` (kernels, benchmarks) in turn with
/// `measure`, which adds its records and ticks the progress bar once per
/// step (`steps` a workload), until a stop is asked for. A workload that
/// fails is reported and its records dropped, and the next one runs.
pub(crate) fn each_workload<W>(
    result: &mut SuiteResult,
    workloads: &[W],
    name: impl Fn(&W) -> &str,
    steps: usize,
    mut measure: impl FnMut(&W, &mut Vec<Record>, &mut dyn FnMut()) -> anyhow::Result<()>,
) {
    let bar = progress((workloads.len() * steps) as u64);
    for (done, workload) in workloads.iter().enumerate() {
        if isobench_sandbox::stop::requested() {
            break;
        }
        bar.set_message(name(workload).to_string());
        let first = result.records.len();
        if let Err(e) = measure(workload, &mut result.records, &mut || bar.inc(1)) {
            drop_failed_workload(result, first, name(workload), &e);
        }
        // One that failed part-way skips the rest of its steps.
        bar.set_position(((done + 1) * steps) as u64);
    }
    bar.finish_and_clear();
}

/// A progress bar on standard error that draws only on a terminal.
pub fn progress(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<24} [{bar:30}] {pos}/{len} {eta}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar
}

/// The fixed columns of a group of records: one runtime at one worker count.
pub(crate) struct Series<'a> {
    pub suite: &'a str,
    pub runtime: &'a str,
    pub workload: &'a str,
    pub workers: usize,
}

impl Series<'_> {
    pub fn record(&self, iteration: Option<u64>, metric: &str, value: f64, unit: &str) -> Record {
        Record {
            suite: self.suite.into(),
            runtime: self.runtime.into(),
            workload: self.workload.into(),
            workers: self.workers as u64,
            iteration,
            metric: metric.into(),
            value,
            unit: unit.into(),
        }
    }
}
