//! `mem`: footprint. For each runtime and worker count W, start W copies of
//! `hold`, sample the accounted set's memory until every worker reports
//! ready (the peak during start-up), then measure PSS, RSS and USS once,
//! release the workers and wait for them. The per-worker cost is the slope
//! of a least-squares line over the worker counts, the base cost its
//! intercept.

use crate::{note_if_stopped, progress, push_failure, Series, SuiteResult};
use anyhow::{bail, Result};
use isobench_measure::{memory_of, Memory, Usage, UsageSnapshot};
use isobench_report::faasm::MemRow;
use isobench_report::record::values;
use isobench_report::stats::least_squares;
use isobench_report::table::{format_bytes, Table};
use isobench_report::Record;
use isobench_sandbox::host::with_private_host_copy;
use isobench_sandbox::{create, stop, thread_runtime, Env, Held, Sandbox};
use std::time::{Duration, Instant};

pub struct MemOptions {
    pub runtimes: Vec<&'static str>,
    pub workers: Vec<usize>,
}

/// How often memory is sampled while workers start.
const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// How long W workers of `sandbox` may take to become ready.
fn ready_timeout(sandbox: &dyn Sandbox, workers: usize) -> Duration {
    Duration::from_secs(60) + sandbox.start_allowance() * workers as u32
}

const METRICS: [(&str, &str); 3] = [
    ("pss_bytes", "PSS"),
    ("rss_bytes", "RSS"),
    ("uss_bytes", "USS"),
];

pub fn run(env: &Env, options: &MemOptions) -> SuiteResult {
    let mut result = SuiteResult::default();
    // Thread and Faaslet workers are held in a host process, started from a
    // copy of the executable of its own (see `with_private_host_copy`).
    let hosted = options.runtimes.iter().any(|r| thread_runtime(r).is_some());
    let (_copy, env) = match hosted.then(|| with_private_host_copy(env)).transpose() {
        Ok(Some((dir, env))) => (Some(dir), env),
        Ok(None) => (None, env.clone()),
        Err(e) => {
            push_failure(&mut result, "mem", &e);
            return result;
        }
    };
    let env = &env;
    let bar = progress((options.runtimes.len() * options.workers.len()) as u64);
    for &runtime in &options.runtimes {
        if stop::requested() {
            break;
        }
        bar.set_message(format!("{runtime}: preparing"));
        // The harness itself starts no workers here, so one pool slot will do.
        let sandbox = match create(runtime, env, 1) {
            Ok(sandbox) => sandbox,
            Err(e) => {
                push_failure(&mut result, runtime, &e);
                bar.inc(options.workers.len() as u64);
                continue;
            }
        };
        for &workers in &options.workers {
            if stop::requested() {
                break;
            }
            bar.set_message(format!("{runtime} × {workers}"));
            let series = Series {
                suite: "mem",
                runtime,
                workload: "hold",
                workers,
            };
            // Processes in the accounted set that were running before these
            // workers (a daemon, a shim) count only what they do from here.
            let before = UsageSnapshot::now();
            // Ready time counts from the request, start-up included.
            let requested = Instant::now();
            let measured = sandbox.hold(workers).and_then(|held| {
                let deadline = requested + ready_timeout(&*sandbox, workers);
                measure(
                    held,
                    &series,
                    requested,
                    deadline,
                    &before,
                    &mut result.records,
                )
            });
            if let Err(e) = measured {
                push_failure(
                    &mut result,
                    &format!("{runtime} with {workers} workers"),
                    &e,
                );
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    note_if_stopped(&mut result, "mem");
    result.summary = summary(&result.records, &options.runtimes);
    result
}

/// Measures `held` once every worker is ready, into `records`, then
/// releases the workers; `before` is what every process had used before they
/// were asked for. What was measured is kept when the release fails.
fn measure(
    mut held: Box<dyn Held>,
    series: &Series,
    started: Instant,
    deadline: Instant,
    before: &UsageSnapshot,
    records: &mut Vec<Record>,
) -> Result<()> {
    let mut peak = Memory::default();
    // The held workers are killed when `held` is dropped on an early return.
    while !held.poll_ready()? {
        stop::check()?;
        let now = memory_of(&held.accounted_pids());
        peak.pss = peak.pss.max(now.pss);
        peak.rss = peak.rss.max(now.rss);
        if Instant::now() > deadline {
            bail!(
                "the workers were not all ready after {:.0} s (the held workers were killed)",
                (deadline - started).as_secs_f64()
            );
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
    let ready = started.elapsed();
    let pids = held.accounted_pids();
    let steady = memory_of(&pids);
    if steady.unreadable > 0 {
        bail!(
            "{} of the {} processes to account belong to another user and could not be read \
             (their memory would be left out): run isobench as root",
            steady.unreadable,
            pids.len()
        );
    }
    let Usage { cpu, io } = before.used_since_by(&pids);
    let sample = |metric: &str, value: f64, unit: &str| series.record(Some(0), metric, value, unit);
    records.extend([
        sample("pss_bytes", steady.pss as f64, "bytes"),
        sample("rss_bytes", steady.rss as f64, "bytes"),
        sample("uss_bytes", steady.uss as f64, "bytes"),
        sample("peak_pss_bytes", peak.pss.max(steady.pss) as f64, "bytes"),
        sample("peak_rss_bytes", peak.rss.max(steady.rss) as f64, "bytes"),
        sample("processes", steady.processes as f64, "processes"),
        sample("ready_ns", ready.as_nanos() as f64, "ns"),
        sample("cpu_ns", cpu.total().as_nanos() as f64, "ns"),
        sample("disk_read_bytes", io.read as f64, "bytes"),
        sample("disk_write_bytes", io.write as f64, "bytes"),
    ]);
    held.release()
}

/// Per runtime: the footprint at each worker count, and the fitted per-worker
/// (slope) and base (intercept) cost.
pub fn summary(records: &[Record], runtimes: &[&str]) -> String {
    let mut out = String::from("## Memory footprint (`hold`)\n\n");
    let mut fits = Table::new(&[
        "runtime",
        "metric",
        "per worker (slope)",
        "base (intercept)",
        "R²",
        "worker counts",
    ]);
    let mut levels = Table::new(&[
        "runtime", "workers", "PSS", "RSS", "USS", "peak PSS", "ready in",
    ]);
    for &runtime in runtimes {
        let mut counts: Vec<u64> = records
            .iter()
            .filter(|r| r.runtime == runtime && r.metric == "pss_bytes")
            .map(|r| r.workers)
            .collect();
        counts.sort_unstable();
        for &w in &counts {
            let get = |m| values(records, runtime, w, m).next().unwrap_or(0.0);
            levels.row(vec![
                runtime.into(),
                w.to_string(),
                format_bytes(get("pss_bytes")),
                format_bytes(get("rss_bytes")),
                format_bytes(get("uss_bytes")),
                format_bytes(get("peak_pss_bytes")),
                isobench_report::table::format_ns(get("ready_ns")),
            ]);
        }
        for (metric, label) in METRICS {
            let points: Vec<(f64, f64)> = counts
                .iter()
                .filter_map(|&w| Some((w as f64, values(records, runtime, w, metric).next()?)))
                .collect();
            if let Some(line) = least_squares(&points) {
                fits.row(vec![
                    runtime.into(),
                    label.into(),
                    format_bytes(line.slope),
                    format_bytes(line.intercept),
                    format!("{:.4}", line.r_squared),
                    counts
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                ]);
            }
        }
    }
    if !levels.is_empty() {
        out += &levels.to_markdown();
        out += "\n";
    }
    if !fits.is_empty() {
        out += "### Per-worker and base cost (least squares over the worker counts)\n\n";
        out += &fits.to_markdown();
        out += "\n";
    }
    out
}

/// Rows of Faasm's `runtime-bench-mem.csv`.
pub fn faasm_rows(records: &[Record]) -> Vec<MemRow> {
    records
        .iter()
        .filter_map(|r| {
            let measure = METRICS.iter().find(|(m, _)| *m == r.metric)?.1;
            Some(MemRow {
                runtime: r.runtime.clone(),
                measure,
                value: r.value,
                workers: r.workers,
            })
        })
        .collect()
}
