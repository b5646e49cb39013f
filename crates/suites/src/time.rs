//! `time`: cold-start latency. For each runtime and worker count W, run
//! `iterations` batches of W concurrent cold starts of `noop` (after
//! `warmup` unrecorded ones) and keep every start as a sample. CPU, disk I/O
//! and hardware counters are read around all batches of a configuration and
//! kept as totals.

use crate::{progress, Series, SuiteResult};
use anyhow::Result;
use isobench_measure::{block_devices, process_io, system_cpu, CpuTime, HardwareCounters};
use isobench_report::faasm::{faasm_runtime_name, TimeRow};
use isobench_report::record::values;
use isobench_report::stats::summarize;
use isobench_report::table::{format_ns, Table};
use isobench_report::Record;
use isobench_sandbox::{create, Env, Sandbox};
use std::time::Instant;

pub struct TimeOptions {
    pub runtimes: Vec<&'static str>,
    pub workers: Vec<usize>,
    pub iterations: usize,
    pub warmup: usize,
}

/// A configuration is abandoned after this many failed starts.
const MAX_FAILURES: usize = 10;

pub fn run(
    env: &Env,
    options: &TimeOptions,
    counters: &mut Option<HardwareCounters>,
) -> SuiteResult {
    let mut result = SuiteResult::default();
    let max_workers = options.workers.iter().copied().max().unwrap_or(1);
    let bar =
        progress((options.runtimes.len() * options.workers.len() * options.iterations) as u64);
    for &runtime in &options.runtimes {
        bar.set_message(format!("{runtime}: preparing"));
        let sandbox = match create(runtime, env, max_workers) {
            Ok(sandbox) => sandbox,
            Err(e) => {
                result.failures.push(format!("{runtime}: {e:#}"));
                bar.inc((options.workers.len() * options.iterations) as u64);
                continue;
            }
        };
        for &workers in &options.workers {
            bar.set_message(format!("{runtime} × {workers}"));
            let series = Series {
                suite: "time",
                runtime,
                workload: "noop",
                workers,
            };
            if let Err(e) = measure(&*sandbox, &series, options, counters, &bar, &mut result) {
                result
                    .failures
                    .push(format!("{runtime} with {workers} workers: {e:#}"));
            }
        }
    }
    bar.finish_and_clear();
    result.summary = summary(&result.records, &options.runtimes, &options.workers);
    result
}

fn measure(
    sandbox: &dyn Sandbox,
    series: &Series,
    options: &TimeOptions,
    counters: &mut Option<HardwareCounters>,
    bar: &indicatif::ProgressBar,
    result: &mut SuiteResult,
) -> Result<()> {
    for _ in 0..options.warmup {
        sandbox.cold_starts(series.workers)?;
    }
    let cpu_before = CpuTime::harness_and_reaped_children();
    let system_before = system_cpu();
    let io_before = process_io(&[std::process::id() as i32]);
    let block_before = block_devices();
    let counts_before = counters.as_mut().and_then(|c| c.read().ok());
    let started = Instant::now();
    let mut failures = Vec::new();
    for iteration in 0..options.iterations as u64 {
        let batch = sandbox.cold_starts(series.workers)?;
        for start in batch.starts {
            match start {
                Ok(d) => result.records.push(series.record(
                    Some(iteration),
                    "cold_start_ns",
                    d.as_nanos() as f64,
                    "ns",
                )),
                Err(e) => failures.push(e),
            }
        }
        result.records.push(series.record(
            Some(iteration),
            "batch_wall_ns",
            batch.wall.as_nanos() as f64,
            "ns",
        ));
        bar.inc(1);
        if failures.len() >= MAX_FAILURES {
            bar.inc(options.iterations as u64 - iteration - 1);
            anyhow::bail!(
                "{} starts failed, the first: {}",
                failures.len(),
                failures[0]
            );
        }
    }
    let elapsed = started.elapsed();
    let total = |metric: &str, value: f64, unit: &str| series.record(None, metric, value, unit);
    let cpu = CpuTime::harness_and_reaped_children().since(cpu_before);
    let io = process_io(&[std::process::id() as i32]).since(io_before);
    let block = block_devices().since(block_before);
    result.records.extend([
        total("elapsed_ns", elapsed.as_nanos() as f64, "ns"),
        total("cpu_ns", cpu.total().as_nanos() as f64, "ns"),
        total(
            "system_cpu_ns",
            system_cpu().saturating_sub(system_before).as_nanos() as f64,
            "ns",
        ),
        total("disk_read_bytes", io.read as f64, "bytes"),
        total("disk_write_bytes", io.write as f64, "bytes"),
        total("block_read_bytes", block.read as f64, "bytes"),
        total("block_write_bytes", block.write as f64, "bytes"),
    ]);
    if let (Some(before), Some(after)) =
        (counts_before, counters.as_mut().and_then(|c| c.read().ok()))
    {
        result.records.extend([
            total("cycles", (after.cycles - before.cycles) as f64, "cycles"),
            total(
                "instructions",
                (after.instructions - before.instructions) as f64,
                "instructions",
            ),
        ]);
    }
    if !failures.is_empty() {
        result.failures.push(format!(
            "{} with {} workers: {} of {} starts failed, the first: {}",
            series.runtime,
            series.workers,
            failures.len(),
            options.iterations * series.workers,
            failures[0]
        ));
    }
    Ok(())
}

/// The per-configuration table: median cold start with its 95% confidence
/// interval, mean ± σ, min…max, outliers, and the median's ratio to `thread`.
pub fn summary(records: &[Record], runtimes: &[&str], workers: &[usize]) -> String {
    let mut out = String::from("## Cold start (`noop`)\n\n");
    for &w in workers {
        let reference =
            summarize(&values(records, "thread", w as u64, "cold_start_ns").collect::<Vec<_>>());
        let mut table = Table::new(&[
            "runtime",
            "n",
            "median",
            "95% CI",
            "mean ± σ",
            "min … max",
            "outliers",
            "× thread",
        ]);
        for &runtime in runtimes {
            let samples: Vec<f64> = values(records, runtime, w as u64, "cold_start_ns").collect();
            let Some(s) = summarize(&samples) else {
                continue;
            };
            let ratio = reference
                .map(|r| format!("{:.2}", s.median / r.median))
                .unwrap_or_else(|| "–".into());
            table.row(vec![
                runtime.to_string(),
                s.n.to_string(),
                format_ns(s.median),
                format!("{} … {}", format_ns(s.ci_low), format_ns(s.ci_high)),
                format!("{} ± {}", format_ns(s.mean), format_ns(s.stddev)),
                format!("{} … {}", format_ns(s.min), format_ns(s.max)),
                s.outliers.to_string(),
                ratio,
            ]);
        }
        if !table.is_empty() {
            out += &format!(
                "### {w} concurrent worker{}\n\n",
                if w == 1 { "" } else { "s" }
            );
            out += &table.to_markdown();
            out += "\n";
        }
    }
    out += &resource_table(records, runtimes, workers);
    out
}

/// CPU and I/O per cold start, from the totals over each configuration.
fn resource_table(records: &[Record], runtimes: &[&str], workers: &[usize]) -> String {
    let mut table = Table::new(&[
        "runtime",
        "workers",
        "CPU / start",
        "system CPU / start",
        "disk write",
        "block write",
    ]);
    for &runtime in runtimes {
        for &w in workers {
            let starts = values(records, runtime, w as u64, "cold_start_ns").count() as f64;
            let total = |metric| values(records, runtime, w as u64, metric).next();
            let (Some(cpu), Some(system)) = (total("cpu_ns"), total("system_cpu_ns")) else {
                continue;
            };
            if starts == 0.0 {
                continue;
            }
            table.row(vec![
                runtime.to_string(),
                w.to_string(),
                format_ns(cpu / starts),
                format_ns(system / starts),
                format!("{} B", total("disk_write_bytes").unwrap_or(0.0)),
                format!("{} B", total("block_write_bytes").unwrap_or(0.0)),
            ]);
        }
    }
    if table.is_empty() {
        return String::new();
    }
    format!(
        "### CPU and disk per cold start\n\nTotals over all iterations divided by the number of \
         starts. System CPU is all busy CPU time on the machine (`/proc/stat`, 10 ms ticks).\n\n{}\n",
        table.to_markdown()
    )
}

/// Rows of Faasm's `runtime-bench-time.csv`.
pub fn faasm_rows(records: &[Record]) -> Vec<TimeRow> {
    let mut rows = Vec::new();
    for total in records.iter().filter(|r| r.iteration.is_none()) {
        let measure = match total.metric.as_str() {
            "elapsed_ns" => "elapsed_seconds",
            "cpu_ns" => "cpu_seconds",
            "cycles" => "cpu_cycles",
            "instructions" => "instructions",
            _ => continue,
        };
        let scale = if total.unit == "ns" { 1e-9 } else { 1.0 };
        let iterations = values(records, &total.runtime, total.workers, "batch_wall_ns").count();
        rows.push(TimeRow {
            runtime: faasm_runtime_name(&total.runtime, total.workers),
            measure,
            total: total.value * scale,
            iterations: iterations as u64,
        });
    }
    rows
}
