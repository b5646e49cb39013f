//! `time`: cold-start latency. For each worker count W, every runtime runs
//! `iterations` batches of W concurrent cold starts of `noop` (after `warmup`
//! unrecorded ones), and every start is kept as a sample. The runtimes take
//! turns in blocks of consecutive batches ([`ROUNDS`] blocks each, in a
//! rotating order), so that a machine whose speed drifts during the run (as
//! shared VMs do) shifts them all alike rather than whichever ran last.
//! CPU, disk I/O and hardware counters are read around each block, not each
//! batch: reading `/proc` between batches would itself slow the next start.
//! CPU time is the harness's, its reaped children's and the sandbox's
//! daemons' (for Docker, its cgroups': the daemons, the shims and runc
//! processes they run, and under its cgroupfs driver the containers; see
//! [`Sandbox::engine_cpu`]);
//! disk I/O the harness's and the daemons'; and the whole machine's busy
//! time is read as well.
//! Removing what a worker leaves behind (a Docker container) is timed apart,
//! as `remove_ns`, not hidden in the cold start.
//!
//! By default each batch starts as the last one ends, so every start finds
//! the caches warm from the one before. With a pause, the machine idles
//! before each batch, as between a platform's sporadic requests; the totals
//! read around blocks (CPU time, disk I/O, hardware counters) are then left
//! out, as they would count what ran during the pauses (the machine's
//! background work, the Faaslet engine's epoch ticker, the daemons' timers).

use crate::{note_if_stopped, progress, push_failure, Series, SuiteResult};
use isobench_measure::{
    block_devices, io_unreadable, process_io, CpuTime, HardwareCounters, HardwareCounts, IoBytes,
    MachineCpu, ProcessIo,
};
use isobench_report::faasm::{faasm_runtime_name, TimeRow};
use isobench_report::record::values;
use isobench_report::stats::{summarize, Ratio};
use isobench_report::table::{
    count_of, format_bytes, format_interval, format_ns, format_ratio, Table,
};
use isobench_report::Record;
use isobench_sandbox::{create, stop, Env, Sandbox};
use std::time::Duration;

pub struct TimeOptions {
    pub runtimes: Vec<&'static str>,
    pub workers: Vec<usize>,
    pub iterations: usize,
    pub warmup: usize,
    /// Idle time before each recorded batch, outside the timed region.
    pub pause: Duration,
}

/// How many blocks each configuration's batches are split into.
const ROUNDS: usize = 10;

/// The first iteration of each round, for a configuration of `iterations`
/// batches: [`ROUNDS`] blocks as even as can be, fewer when there are fewer
/// iterations.
fn round_firsts(iterations: usize) -> Vec<usize> {
    let rounds = ROUNDS.min(iterations);
    (0..rounds)
        .map(|round| iterations * round / rounds)
        .collect()
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
    let mut sandboxes = Vec::new();
    for &runtime in &options.runtimes {
        if stop::requested() {
            break;
        }
        bar.set_message(format!("preparing {runtime}"));
        match create(runtime, env, max_workers).and_then(counted_in_full) {
            Ok(sandbox) => {
                result.notes.extend(sandbox.accounting_note());
                sandboxes.push(sandbox);
            }
            Err(e) => {
                // A probe that Ctrl-C cut short is not the runtime's failure.
                push_failure(&mut result, runtime, &e);
                bar.inc((options.workers.len() * options.iterations) as u64);
            }
        }
    }
    for &workers in &options.workers {
        if stop::requested() {
            break;
        }
        bar.set_message(format!("{workers} worker(s)"));
        let mut configs: Vec<Config> = sandboxes
            .iter()
            .map(|sandbox| Config::new(&**sandbox, workers, options.pause))
            .collect();
        for _ in 0..options.warmup {
            for config in configs.iter_mut() {
                config.warm_up();
            }
        }
        let firsts = round_firsts(options.iterations);
        let count = configs.len();
        for (round, &first) in firsts.iter().enumerate() {
            // Iterations [first, end) of every configuration run in this round.
            let end = firsts.get(round + 1).copied().unwrap_or(options.iterations);
            for turn in 0..count {
                if stop::requested() {
                    break;
                }
                let config = &mut configs[(round + turn) % count];
                config.measure(first..end, counters, &mut result.records);
                bar.inc((end - first) as u64);
            }
        }
        for config in configs {
            config.finish(options.iterations, &mut result);
        }
    }
    bar.finish_and_clear();
    note_if_stopped(&mut result, "time");
    result.summary = summary(
        &result.records,
        &options.runtimes,
        &options.workers,
        Some(options.iterations),
    );
    result
}

/// One runtime at one worker count, while its batches are being measured.
struct Config<'a> {
    sandbox: &'a dyn Sandbox,
    workers: usize,
    pause: Duration,
    totals: Totals,
    failures: Vec<String>,
    /// Set when the configuration stopped early; its remaining batches are skipped.
    abandoned: Option<String>,
}

/// Resource use summed over a configuration's batches.
#[derive(Default)]
struct Totals {
    /// Batches run; none when a stop came before this configuration's turn.
    batches: usize,
    /// Starts tried in the blocks read, failed ones and those of a batch
    /// cut short by a stop included: the resources they used are in the
    /// totals too.
    attempted_starts: usize,
    elapsed: Duration,
    cpu: Duration,
    /// Set when a block's engine CPU time could not be read: the total
    /// would leave it out, so none is recorded.
    cpu_unread: bool,
    system_cpu: Duration,
    io: IoBytes,
    block: IoBytes,
    counts: Option<HardwareCounts>,
}

/// What the resource counters read at one moment.
struct Reading {
    /// `None` when the sandbox's engine could not be read.
    cpu: Option<CpuTime>,
    system_cpu: Duration,
    io: ProcessIo,
    block: IoBytes,
    counts: Option<HardwareCounts>,
}

/// Which end of a block a [`Reading`] is taken at.
#[derive(Clone, Copy, PartialEq)]
enum Edge {
    Start,
    End,
}

impl Reading {
    /// The harness (with its reaped children) and the sandbox's daemons.
    /// Reading `/proc` and `/sys` is the harness's work too: its own CPU time
    /// and counters are read nearest the block (last at its start, first at
    /// its end), so that this work is not counted as the block's.
    fn at(
        edge: Edge,
        counters: &mut Option<HardwareCounters>,
        sandbox: &dyn Sandbox,
        daemons: &[i32],
    ) -> Reading {
        let own = |counters: &mut Option<HardwareCounters>| {
            let counts = counters.as_mut().and_then(|c| c.read().ok());
            (CpuTime::harness_and_reaped_children(), counts)
        };
        let at_end = (edge == Edge::End).then(|| own(counters));
        let mut processes = vec![std::process::id() as i32];
        processes.extend_from_slice(daemons);
        let (engine_cpu, system_cpu, io, block) = (
            sandbox.engine_cpu(),
            MachineCpu::now().busy,
            process_io(&processes),
            block_devices(),
        );
        let (own_cpu, counts) = at_end.unwrap_or_else(|| own(counters));
        Reading {
            cpu: engine_cpu.map(|engine| own_cpu.plus(engine)),
            system_cpu,
            io,
            block,
            counts,
        }
    }
}

impl Totals {
    fn add(&mut self, before: &Reading, after: &Reading) {
        match (before.cpu, after.cpu) {
            // The total's difference: the user/system split of a cgroup's
            // exact total is sampled, and either part may step back.
            (Some(b), Some(a)) => self.cpu += a.total().saturating_sub(b.total()),
            _ => self.cpu_unread = true,
        }
        self.system_cpu += after.system_cpu.saturating_sub(before.system_cpu);
        let (io, block) = (after.io.since(before.io), after.block.since(before.block));
        self.io = self.io.plus(io);
        self.block = self.block.plus(block);
        if let (Some(b), Some(a)) = (before.counts, after.counts) {
            let counts = self.counts.get_or_insert(HardwareCounts {
                cycles: 0,
                instructions: 0,
            });
            counts.cycles += a.cycles - b.cycles;
            counts.instructions += a.instructions - b.instructions;
        }
    }
}

impl<'a> Config<'a> {
    fn new(sandbox: &'a dyn Sandbox, workers: usize, pause: Duration) -> Self {
        Config {
            sandbox,
            workers,
            pause,
            totals: Totals::default(),
            failures: Vec::new(),
            abandoned: None,
        }
    }

    fn series(&self) -> Series<'static> {
        Series {
            suite: "time",
            runtime: self.sandbox.name(),
            workload: "noop",
            workers: self.workers,
        }
    }

    fn warm_up(&mut self) {
        if self.abandoned.is_none() && !stop::requested() {
            if let Err(e) = self.sandbox.cold_starts(self.workers) {
                self.give_up(&e);
            }
        }
    }

    /// Runs the given iterations back to back, reading the counters around them.
    fn measure(
        &mut self,
        iterations: std::ops::Range<usize>,
        counters: &mut Option<HardwareCounters>,
        records: &mut Vec<Record>,
    ) {
        let daemons = self.sandbox.daemons();
        let before = Reading::at(Edge::Start, counters, self.sandbox, &daemons);
        for iteration in iterations {
            if !self.pause.is_zero() {
                std::thread::sleep(self.pause);
            }
            if self.abandoned.is_some() || stop::requested() {
                break;
            }
            self.batch(iteration as u64, records);
        }
        let after = Reading::at(Edge::End, counters, self.sandbox, &daemons);
        self.totals.add(&before, &after);
    }

    /// Abandons this configuration for `error`, unless a stop caused it: a
    /// batch that Ctrl-C cut short is not the runtime's failure, and the
    /// suite says once that it was stopped.
    fn give_up(&mut self, error: &anyhow::Error) {
        if !stop::requested() {
            self.abandoned = Some(format!("{error:#}"));
        }
    }

    fn batch(&mut self, iteration: u64, records: &mut Vec<Record>) {
        self.totals.attempted_starts += self.workers;
        let batch = match self.sandbox.cold_starts(self.workers) {
            Ok(batch) => batch,
            Err(e) => {
                self.give_up(&e);
                return;
            }
        };
        // A stop that came during the batch may have killed some of its
        // workers (Ctrl-C reaches them too): the batch is not a whole one.
        if stop::requested() {
            return;
        }
        self.totals.batches += 1;
        self.totals.elapsed += batch.wall;
        let series = self.series();
        for start in batch.starts {
            match start {
                Ok(d) => records.push(series.record(
                    Some(iteration),
                    "cold_start_ns",
                    d.as_nanos() as f64,
                    "ns",
                )),
                Err(e) => self.failures.push(e),
            }
        }
        for removal in batch.teardown {
            records.push(series.record(
                Some(iteration),
                "remove_ns",
                removal.as_nanos() as f64,
                "ns",
            ));
        }
        records.push(series.record(
            Some(iteration),
            "batch_wall_ns",
            batch.wall.as_nanos() as f64,
            "ns",
        ));
        if self.failures.len() >= MAX_FAILURES {
            self.abandoned = Some(format!(
                "{} starts failed, the first: {}",
                self.failures.len(),
                self.failures[0]
            ));
        }
    }

    fn finish(self, iterations: usize, result: &mut SuiteResult) {
        let series = self.series();
        let workers = count_of(series.workers as u64, "worker");
        let name = format!("{} with {workers}", series.runtime);
        if let Some(reason) = &self.abandoned {
            result
                .failures
                .push(format!("{name}: stopped early: {reason}"));
        } else if let Some(first) = self.failures.first() {
            result.failures.push(format!(
                "{name}: {} of {} starts failed, the first: {first}",
                self.failures.len(),
                iterations * series.workers
            ));
        }
        let t = &self.totals;
        if t.batches == 0 {
            return;
        }
        let total = |metric: &str, value: f64, unit: &str| series.record(None, metric, value, unit);
        result.records.extend([
            total("pause_ns", self.pause.as_nanos() as f64, "ns"),
            total("elapsed_ns", t.elapsed.as_nanos() as f64, "ns"),
            total("attempted_starts", t.attempted_starts as f64, "starts"),
        ]);
        // Read around whole blocks, these would also count what the machine
        // and the daemons did during the pauses.
        if self.pause.is_zero() {
            if t.cpu_unread {
                result.failures.push(format!(
                    "{name}: CPU time not recorded: what the sandbox's engine used could not be \
                     read in every block (a cgroup of Docker's daemons gone?)"
                ));
            } else {
                result
                    .records
                    .push(total("cpu_ns", t.cpu.as_nanos() as f64, "ns"));
            }
            result.records.extend([
                total("system_cpu_ns", t.system_cpu.as_nanos() as f64, "ns"),
                total("disk_read_bytes", t.io.read as f64, "bytes"),
                total("disk_write_bytes", t.io.write as f64, "bytes"),
                total("block_read_bytes", t.block.read as f64, "bytes"),
                total("block_write_bytes", t.block.write as f64, "bytes"),
            ]);
            if let Some(counts) = t.counts {
                result.records.extend([
                    total("cycles", counts.cycles as f64, "cycles"),
                    total("instructions", counts.instructions as f64, "instructions"),
                ]);
            }
        }
    }
}

/// Refuses a sandbox whose daemons keep their storage counters from this
/// user: their disk I/O would be left out of the totals without a word.
fn counted_in_full(sandbox: Box<dyn Sandbox>) -> anyhow::Result<Box<dyn Sandbox>> {
    let daemons = sandbox.daemons();
    let unreadable = io_unreadable(&daemons);
    if unreadable > 0 {
        anyhow::bail!(
            "{unreadable} of its {} daemons belong to another user, whose disk I/O could not be \
             read (it would be left out): run isobench as root",
            daemons.len()
        );
    }
    Ok(sandbox)
}

/// The runtime the others are compared with: `thread`, the floor, when it
/// ran; else `faaslet`, the runtime containers are compared with; else the
/// first.
fn reference_runtime<'a>(runtimes: &[&'a str]) -> Option<&'a str> {
    ["thread", "faaslet"]
        .into_iter()
        .find_map(|r| runtimes.iter().copied().find(|x| *x == r))
        .or_else(|| runtimes.first().copied())
}

/// The per-configuration table: median cold start with its 95% confidence
/// interval, mean ± σ, min…max, outliers, and the median's ratio to the
/// reference runtime. `planned` is the iterations each configuration was to
/// run, which places its rounds' boundaries (a stopped run recorded fewer);
/// `None` for a directory that does not say, whose recorded iterations are
/// then taken as all.
pub fn summary(
    records: &[Record],
    runtimes: &[&str],
    workers: &[usize],
    planned: Option<usize>,
) -> String {
    let mut out = String::from("## Cold start (`noop`)\n\n");
    out += &pacing(records);
    let Some(reference_name) = reference_runtime(runtimes) else {
        return out;
    };
    let ratio_header = format!("× {reference_name} (95% CI)");
    let by_round_header = format!("× {reference_name} by round (95% CI)");
    for &w in workers {
        let reference = summarize(
            &values(records, reference_name, w as u64, "cold_start_ns").collect::<Vec<_>>(),
        );
        let mut table = Table::new(&[
            "runtime",
            "n",
            "median",
            "95% CI",
            "mean ± σ",
            "min … max",
            "outliers",
            ratio_header.as_str(),
            by_round_header.as_str(),
        ]);
        for &runtime in runtimes {
            let samples: Vec<f64> = values(records, runtime, w as u64, "cold_start_ns").collect();
            let Some(s) = summarize(&samples) else {
                continue;
            };
            // The reference's own row is 1 by definition, without an interval.
            let (ratio, by_round) = match &reference {
                Some(_) if runtime == reference_name => ("1.00".into(), "1.00".into()),
                Some(r) => (
                    format_ratio(&Ratio::of_medians(&s, r)),
                    summarize(&round_ratios(
                        records,
                        runtime,
                        reference_name,
                        w as u64,
                        planned,
                    ))
                    .filter(|rounds| rounds.n > 1)
                    .map_or("–".into(), |rounds| {
                        format_ratio(&Ratio::of_rounds(&rounds))
                    }),
                ),
                None => ("–".into(), "–".into()),
            };
            table.row(vec![
                runtime.to_string(),
                s.n.to_string(),
                format_ns(s.median),
                format_interval(&format_ns(s.ci_low), &format_ns(s.ci_high), s.ci_level),
                format!("{} ± {}", format_ns(s.mean), format_ns(s.stddev)),
                format!("{} … {}", format_ns(s.min), format_ns(s.max)),
                s.outliers.to_string(),
                ratio,
                by_round,
            ]);
        }
        if !table.is_empty() {
            out += &format!("### {}\n\n", count_of(w as u64, "concurrent worker"));
            out += &table.to_markdown();
            out += "\n";
        }
    }
    out += &resource_table(records, runtimes, workers);
    out += &removal_table(records, runtimes, workers);
    out
}

/// Per round, the median start of `runtime` in its block over the median
/// start of `reference` in its block of the same round, for rounds where
/// both ran (a stopped run may have ended in the first). A round's blocks
/// run one right after the other, so a state of the machine that outlasts a
/// round (a thread woken on the other CPU, say) weighs on both sides of that
/// round's ratio; the ratio of whole-run medians mixes states in whatever
/// proportions each runtime met them.
fn round_ratios(
    records: &[Record],
    runtime: &str,
    reference: &str,
    workers: u64,
    planned: Option<usize>,
) -> Vec<f64> {
    let starts = |name: &str| -> Vec<(u64, f64)> {
        records
            .iter()
            .filter(|r| r.runtime == name && r.workers == workers && r.metric == "cold_start_ns")
            .filter_map(|r| Some((r.iteration?, r.value)))
            .collect()
    };
    let (ours, theirs) = (starts(runtime), starts(reference));
    let recorded = ours
        .iter()
        .chain(&theirs)
        .map(|&(i, _)| i as usize + 1)
        .max();
    let firsts = round_firsts(planned.or(recorded).unwrap_or(0));
    let by_round = |starts: &[(u64, f64)]| -> Vec<Vec<f64>> {
        let mut grouped = vec![Vec::new(); firsts.len()];
        for &(iteration, value) in starts {
            let round = firsts.partition_point(|&first| first as u64 <= iteration) - 1;
            grouped[round].push(value);
        }
        grouped
    };
    by_round(&ours)
        .iter()
        .zip(by_round(&theirs))
        .filter_map(|(a, b)| Some(summarize(a)?.median / summarize(&b)?.median))
        .collect()
}

/// How the batches followed one another: it changes what a start costs.
fn pacing(records: &[Record]) -> String {
    let pause = records
        .iter()
        .find(|r| r.metric == "pause_ns")
        .map_or(0.0, |r| r.value);
    if pause > 0.0 {
        format!(
            "Each batch started after the machine idled for {} (`--pause-ms`), as between \
             sporadic requests: starts meet colder caches than back to back.\n\n",
            format_ns(pause)
        )
    } else {
        "Batches ran back to back, each starting as the last one ended: every start finds \
         the caches warm from the one before (`--pause-ms` idles the machine between them).\n\n"
            .into()
    }
}

/// Median time to remove a worker's remains, for runtimes that leave some.
fn removal_table(records: &[Record], runtimes: &[&str], workers: &[usize]) -> String {
    let mut table = Table::new(&["runtime", "workers", "removals", "median remove", "95% CI"]);
    for &runtime in runtimes {
        for &w in workers {
            let samples: Vec<f64> = values(records, runtime, w as u64, "remove_ns").collect();
            if let Some(s) = summarize(&samples) {
                table.row(vec![
                    runtime.to_string(),
                    w.to_string(),
                    s.n.to_string(),
                    format_ns(s.median),
                    format_interval(&format_ns(s.ci_low), &format_ns(s.ci_high), s.ci_level),
                ]);
            }
        }
    }
    if table.is_empty() {
        return String::new();
    }
    format!(
        "### Removal after exit

Not part of the cold start above.

{}
",
        table.to_markdown()
    )
}

/// In place of a CPU time that a run with pauses does not measure.
const PAUSED: &str = "– (paused)";

/// `/proc/stat` counts CPU time in ticks of 1/100 s.
const PROC_STAT_TICK_NS: f64 = 10e6;

/// CPU and I/O per cold start, from the totals over each configuration.
fn resource_table(records: &[Record], runtimes: &[&str], workers: &[usize]) -> String {
    let mut table = Table::new(&[
        "runtime",
        "workers",
        "CPU / start",
        "system CPU / start",
        "disk write / start",
        "block write / start",
    ]);
    for &runtime in runtimes {
        for &w in workers {
            let total = |metric| values(records, runtime, w as u64, metric).next();
            // Results written before attempts were counted give only the
            // successful starts.
            let starts = total("attempted_starts").unwrap_or_else(|| {
                values(records, runtime, w as u64, "cold_start_ns").count() as f64
            });
            // Totals exist once a configuration measured a batch.
            if total("elapsed_ns").is_none() || starts == 0.0 {
                continue;
            }
            // With a pause, neither CPU time nor disk I/O is measured.
            let per_start_bytes = |total: Option<f64>| match total {
                Some(bytes) => format_bytes(bytes / starts),
                None => PAUSED.into(),
            };
            let cpu_per_start = match total("cpu_ns") {
                Some(cpu) => format_ns(cpu / starts),
                None => PAUSED.into(),
            };
            // Under one tick in all, the machine's CPU time is below what
            // `/proc/stat` can see, not zero.
            let system_per_start = match total("system_cpu_ns") {
                Some(system) if system > 0.0 => format_ns(system / starts),
                Some(_) => format!("< {}", format_ns(PROC_STAT_TICK_NS / starts)),
                None => PAUSED.into(),
            };
            table.row(vec![
                runtime.to_string(),
                w.to_string(),
                cpu_per_start,
                system_per_start,
                per_start_bytes(total("disk_write_bytes")),
                per_start_bytes(total("block_write_bytes")),
            ]);
        }
    }
    if table.is_empty() {
        return String::new();
    }
    format!(
        "### CPU and disk per cold start\n\nTotals over all iterations divided by the number of \
         starts tried (failed ones included: what they used is in the totals). System CPU is \
         all the CPU time the machine worked (`/proc/stat`: sampled at the kernel's tick, in 10 ms units; time the hypervisor \
         gave to other guests, steal, left out).\n\n{}\n",
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
        // The batches the totals cover: every one tried, failed ones too
        // (a directory from before `attempted_starts`: those recorded).
        let attempted = values(records, &total.runtime, total.workers, "attempted_starts").next();
        let iterations = match attempted {
            Some(starts) => starts as u64 / total.workers.max(1),
            None => values(records, &total.runtime, total.workers, "batch_wall_ns").count() as u64,
        };
        rows.push(TimeRow {
            runtime: faasm_runtime_name(&total.runtime, total.workers),
            measure,
            total: total.value * scale,
            iterations,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Starts of one worker, ten per round; the machine is fast for the
    /// first five rounds and twice as slow for the last five.
    fn starts(runtime: &str, scale: f64) -> Vec<Record> {
        (0..100u64)
            .map(|iteration| {
                let state = if iteration < 50 { 10_000.0 } else { 20_000.0 };
                Record {
                    suite: "time".into(),
                    runtime: runtime.into(),
                    workload: "noop".into(),
                    workers: 1,
                    iteration: Some(iteration),
                    metric: "cold_start_ns".into(),
                    value: state * scale + iteration as f64 % 10.0,
                    unit: "ns".into(),
                }
            })
            .collect()
    }

    #[test]
    fn rounds_pair_each_block_with_the_reference_block_of_its_round() {
        let mut records = starts("thread", 1.0);
        records.extend(starts("faaslet", 1.2));
        let ratios = round_ratios(&records, "faaslet", "thread", 1, Some(100));
        assert_eq!(ratios.len(), 10);
        for ratio in &ratios {
            assert!((ratio - 1.2).abs() < 1e-3, "{ratios:?}");
        }
        // Whole-run medians straddle the switch: their ratio's interval
        // spans both states, the rounds' does not.
        let summary = summary(&records, &["thread", "faaslet"], &[1], Some(100));
        let row = summary
            .lines()
            .find(|l| l.starts_with("| faaslet"))
            .unwrap();
        assert!(row.contains("| 1.20 (0.60 … 2.40) "), "{summary}");
        assert!(row.contains("| 1.20 (1.20 … 1.20) "), "{summary}");
    }

    #[test]
    fn a_stopped_run_is_paired_by_its_real_rounds() {
        // Stopped in the second of ten rounds of 100 iterations: rounds are
        // still ten iterations long, and only two have any starts.
        let first_rounds = |runtime, scale| {
            starts(runtime, scale)
                .into_iter()
                .filter(|r| r.iteration < Some(13))
                .collect::<Vec<_>>()
        };
        let mut records = first_rounds("thread", 1.0);
        records.extend(first_rounds("faaslet", 1.2));
        assert_eq!(
            round_ratios(&records, "faaslet", "thread", 1, Some(100)).len(),
            2
        );
        // Without the plan, the 13 recorded iterations would be taken as all.
        assert_eq!(
            round_ratios(&records, "faaslet", "thread", 1, None).len(),
            10
        );
    }

    #[test]
    fn cpu_and_disk_are_shown_per_start() {
        // Two batches of four workers: eight starts.
        let mut records: Vec<Record> = starts("docker", 1.0)
            .into_iter()
            .take(2)
            .flat_map(|start| std::iter::repeat_n(start, 4))
            .map(|start| Record {
                workers: 4,
                ..start
            })
            .collect();
        let first = records[0].clone();
        let total = |metric: &str, value: f64| Record {
            iteration: None,
            metric: metric.into(),
            value,
            ..first.clone()
        };
        records.extend([
            total("elapsed_ns", 1e9),
            total("cpu_ns", 8e6),
            total("system_cpu_ns", 16e6),
            total("disk_write_bytes", 8.0 * 1024.0 * 1024.0),
            total("block_write_bytes", 16.0 * 1024.0 * 1024.0),
        ]);
        let cells = |records: &[Record]| {
            let table = resource_table(records, &["docker"], &[4]);
            let row = table.lines().find(|l| l.starts_with("| docker")).unwrap();
            let cells: Vec<String> = row.split('|').map(|c| c.trim().to_string()).collect();
            cells[3..7].to_vec()
        };
        // Results from before attempts were counted: the recorded starts.
        assert_eq!(
            cells(&records),
            ["1.000 ms", "2.000 ms", "1.00 MiB", "2.00 MiB"]
        );
        // Eight starts were tried beyond the eight that succeeded; what the
        // failed ones used is in the totals, so they count as starts.
        records.push(total("attempted_starts", 16.0));
        assert_eq!(
            cells(&records),
            ["500.00 µs", "1.000 ms", "512.0 KiB", "1.00 MiB"]
        );
    }
}
