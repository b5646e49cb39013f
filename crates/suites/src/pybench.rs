//! `pybench`: CPython in WebAssembly against the same CPython native, on the
//! benchmarks of the Python Performance Benchmark Suite (pyperformance).
//!
//! Both interpreters come from one source, built with one compiler and the
//! same options (`scripts/python`). Each run is a fresh interpreter: natively
//! a process, in wasm a Faaslet in a child process without epoch checks (as
//! for PolyBench's `wasm` side), seeing the tree of standard library and
//! benchmarks as `/`. The sides take turns. Inside the interpreter,
//! isobench's pyperf shim runs the benchmark body for unrecorded warm-up
//! values and then one recorded value; the loop count per value is
//! calibrated once natively and given to both sides, so both do the same
//! work. Metrics:
//! - `bench_ns`: one loop of the benchmark body, from the interpreter's own
//!   monotonic clock (what pyperf reports), start-up excluded;
//! - `run_ns`: the whole run, process start to exit natively, instantiation
//!   to exit in wasm.
//!
//! A benchmark that hands pyperf a command to time in a process of its own
//! (`bench_command`: `python_startup`, `2to3`) has no body to time inside
//! the interpreter: its script, run natively, reports the command, and
//! isobench starts each interpreter with those arguments (paths as that
//! side sees them), timing each run whole (`run_ns`, under the command's
//! name), as pyperf does.
//!
//! Every run also reports the interpreter's `sys.version` and a digest of
//! each `bench_func` result; wasm runs must match the native calibration run
//! on both, or the benchmark fails.

use crate::compute::{rounds, run_process, run_unchecked_wasm, Finished};
use crate::{each_workload, note_if_stopped, Series, SuiteResult};
use anyhow::{bail, Context, Result};
use isobench_faaslet::{Call, Runtime, RuntimeConfig};
use isobench_guests::python::{modules_known_absent, Benchmark, Python};
use isobench_report::faasm::ComputeRow;
use isobench_report::record::{commands_timed_whole, distinct, workload_summary};
use isobench_report::stats::{geometric_mean, Ratio};
use isobench_report::table::{count_of, format_ns, format_ratio, Table};
use isobench_report::Record;
use isobench_sandbox::owned_tempdir;
use isobench_sandbox::spawn::Launch;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const SUITE: &str = "pybench";

/// The start of the name of a run's temporary directory, followed by the
/// harness's PID, which tells `isobench clean` whether it is still in use.
pub const SCRATCH_PREFIX: &str = "isobench-pybench-";

/// The prefix of the lines the shim reports on standard error.
const REPORT_TAG: &str = "isobench-pybench ";

pub struct PybenchOptions {
    pub benchmarks: Vec<Benchmark>,
    pub native_iterations: usize,
    pub wasm_iterations: usize,
    /// Unrecorded values of the body inside each run.
    pub warmups: usize,
    /// Seconds one value takes natively, at least, once calibrated.
    pub min_time: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Native,
    Wasm,
}

impl Side {
    const ALL: [Side; 2] = [Side::Native, Side::Wasm];

    fn name(self) -> &'static str {
        match self {
            Side::Native => "native",
            Side::Wasm => "wasm",
        }
    }
}

/// What one interpreter says it is, for `meta.json` and the like-for-like check.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Identity {
    pub version: String,
    pub configure: String,
    pub compiler: String,
    pub optimisation: String,
    /// `sys.builtin_module_names`, space-separated: the modules linked into
    /// the interpreter rather than loaded as shared objects.
    pub builtin_modules: String,
    /// Whether objects come from CPython's own small-object allocator
    /// (`WITH_PYMALLOC`, 1 or 0) or straight from the C library's malloc.
    pub pymalloc: String,
    /// `sys.hash_info.algorithm`: how `str` and `bytes` are hashed.
    pub hash_algorithm: String,
}

impl Identity {
    /// Whether the build was configured `--with-lto` (and not `=no`).
    pub fn link_time_optimised(&self) -> bool {
        self.configure
            .split_whitespace()
            .map(|arg| arg.trim_matches('\''))
            .any(|arg| arg.starts_with("--with-lto") && arg != "--with-lto=no")
    }
}

/// The two interpreters, ready to run.
pub struct Interpreters {
    python: Python,
    engine: RuntimeConfig,
    host_exe: PathBuf,
}

impl Interpreters {
    /// Compiles `python.wasm` ahead of time into the code cache, where each
    /// child run finds it. `python` must be ready ([`Python::ensure_ready`]).
    pub fn prepare(python: Python, faaslet: &RuntimeConfig, host_exe: &Path) -> Result<Self> {
        let engine = faaslet.single_uninterruptible();
        let (_, outcome) = Runtime::new(engine.clone())?
            .load_command(&python.wasm())
            .context("loading python.wasm (compiled ahead of time, once)")?;
        if outcome == isobench_faaslet::CacheOutcome::Compiled {
            eprintln!("compiled {} ahead of time", python.wasm().display());
        }
        Ok(Interpreters {
            python,
            engine,
            host_exe: host_exe.to_path_buf(),
        })
    }

    /// Both interpreters' versions and build settings; an error when their
    /// versions, allocators or string hashes differ, or when a module linked
    /// into the wasm interpreter is a shared object natively, since the
    /// comparison would then not be like for like.
    pub fn identify(&self) -> Result<BTreeMap<&'static str, Identity>> {
        const PROBE: &str = "import sys, sysconfig\n\
            for v in (sys.version, sysconfig.get_config_var('CONFIG_ARGS'), \
            sysconfig.get_config_var('CC'), sysconfig.get_config_var('OPT'), \
            ' '.join(sorted(sys.builtin_module_names)), \
            sysconfig.get_config_var('WITH_PYMALLOC'), sys.hash_info.algorithm):\n    \
            print(str(v).replace('\\n', ' '))";
        let mut identities = BTreeMap::new();
        for side in Side::ALL {
            let finished = self
                .run(side, &["-c".into(), PROBE.into()], &[])
                .with_context(|| {
                    format!(
                        "starting the {} interpreter to read its version and build settings",
                        side.name()
                    )
                })?;
            let lines: Vec<&str> = finished.stdout.lines().collect();
            let [version, configure, compiler, optimisation, builtin_modules, pymalloc, hash_algorithm] =
                lines[..]
            else {
                bail!(
                    "the {} interpreter did not describe itself: {}",
                    side.name(),
                    finished.stdout
                );
            };
            identities.insert(
                side.name(),
                Identity {
                    version: version.into(),
                    configure: configure.into(),
                    compiler: compiler.into(),
                    optimisation: optimisation.into(),
                    builtin_modules: builtin_modules.into(),
                    pymalloc: pymalloc.into(),
                    hash_algorithm: hash_algorithm.into(),
                },
            );
        }
        let (native, wasm) = (&identities["native"], &identities["wasm"]);
        let lto = |identity: &Identity| identity.link_time_optimised().to_string();
        let settings = [
            ("sys.version", &native.version, &wasm.version),
            ("link-time optimisation", &lto(native), &lto(wasm)),
            ("WITH_PYMALLOC", &native.pymalloc, &wasm.pymalloc),
            (
                "sys.hash_info.algorithm",
                &native.hash_algorithm,
                &wasm.hash_algorithm,
            ),
        ];
        for (setting, native, wasm) in settings {
            if native != wasm {
                bail!(
                    "the interpreters differ: {setting} is {native} natively and {wasm} in wasm; \
                     rebuild both with scripts/python"
                );
            }
        }
        let native_builtins: Vec<&str> = native.builtin_modules.split(' ').collect();
        let shared_natively: Vec<&str> = wasm
            .builtin_modules
            .split(' ')
            .filter(|m| !native_builtins.contains(m))
            .collect();
        if !shared_natively.is_empty() {
            bail!(
                "the native interpreter loads {} as shared objects, while the wasm one has them \
                 linked in; rebuild the native one with scripts/python",
                shared_natively.join(", ")
            );
        }
        Ok(identities)
    }

    /// One interpreter run with `args`; `env` adds to an otherwise empty
    /// environment, on both sides alike.
    fn run(&self, side: Side, args: &[String], env: &[(String, String)]) -> Result<Finished> {
        // A temporary directory per run, removed after the run however it
        // ended.
        let (_scratch, tmpdir) = scratch_dir(&self.python, side == Side::Wasm)?;
        let mut env = env.to_vec();
        env.push(tmpdir);
        match side {
            Side::Native => {
                let launch = Launch::new(self.python.native()).args(args).env_only(&env);
                run_process(&launch, side.name(), self.engine.time_limit)
            }
            Side::Wasm => {
                env.extend(Python::wasm_env());
                let call = Call {
                    args: args.to_vec(),
                    env,
                    preopen: Some(self.python.tree()),
                    ..Call::default()
                };
                run_unchecked_wasm(&self.host_exe, &self.engine, &self.python.wasm(), &call)
            }
        }
    }

    fn args(&self, side: Side, benchmark: &Benchmark) -> Vec<String> {
        match side {
            Side::Native => benchmark.interpreter_args(&self.python.tree()),
            Side::Wasm => benchmark.interpreter_args(Path::new("/")),
        }
    }
}

/// A temporary directory for interpreter runs, and the `TMPDIR` variable
/// that points the interpreter (native, or in wasm, where the Python tree is
/// `/`) at it: a benchmark stopped part-way (pathlib's, say) would otherwise
/// leave its files where nothing removes them. Named after this process
/// (see `SCRATCH_PREFIX`); removed when dropped.
pub fn scratch_dir(python: &Python, wasm: bool) -> Result<(tempfile::TempDir, (String, String))> {
    let (parent, seen_under) = if wasm {
        (python.tree().join("tmp"), PathBuf::from("/tmp"))
    } else {
        (std::env::temp_dir(), std::env::temp_dir())
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("creating {}", parent.display()))?;
    let scratch = owned_tempdir(SCRATCH_PREFIX, &parent)
        .context("creating a temporary directory for the interpreter")?;
    let seen = seen_under.join(scratch.path().file_name().expect("a named directory"));
    let variable = ("TMPDIR".to_string(), seen.to_string_lossy().into_owned());
    Ok((scratch, variable))
}

/// What the shim reported in one run.
#[derive(Debug, Default, PartialEq)]
struct ShimReport {
    version: Option<String>,
    loops: Vec<(String, u64)>,
    /// Seconds per loop, per benchmark name.
    values: Vec<(String, f64)>,
    /// Digest of the last `bench_func` result, per benchmark name.
    results: Vec<(String, String)>,
    /// The compiled modules loaded once each benchmark was timed,
    /// space-separated.
    modules: Vec<(String, String)>,
    /// The interpreter's arguments of each command to time whole.
    commands: Vec<(String, Vec<String>)>,
}

fn parse_shim_report(stderr: &str) -> Result<ShimReport> {
    let mut report = ShimReport::default();
    for line in stderr.lines().filter_map(|l| l.strip_prefix(REPORT_TAG)) {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        let (name, value) = rest.split_once(' ').unwrap_or((rest, ""));
        let malformed = || format!("malformed shim line `{line}`");
        match kind {
            "version" => report.version = Some(rest.to_string()),
            "loops" => report
                .loops
                .push((name.into(), value.parse().with_context(malformed)?)),
            "value" => report
                .values
                .push((name.into(), value.parse().with_context(malformed)?)),
            "result" => report.results.push((name.into(), value.into())),
            "modules" => report.modules.push((name.into(), value.into())),
            "command" => report.commands.push((
                name.into(),
                serde_json::from_str(value).with_context(malformed)?,
            )),
            _ => bail!(malformed()),
        }
    }
    Ok(report)
}

/// Runs the benchmarks in both interpreters, which `identities` describes
/// ([`Interpreters::identify`]).
pub fn run(
    interpreters: &Interpreters,
    identities: &BTreeMap<&'static str, Identity>,
    options: &PybenchOptions,
) -> SuiteResult {
    let mut result = SuiteResult::default();
    let per_benchmark = 1 + options.native_iterations + options.wasm_iterations;
    each_workload(
        &mut result,
        &options.benchmarks,
        |benchmark| &benchmark.name,
        per_benchmark,
        |benchmark, records, tick| {
            measure(interpreters, identities, benchmark, options, records, tick)
        },
    );
    note_if_stopped(&mut result, SUITE);
    result.summary = summary_of_records(&result.records);
    result
}

impl PybenchOptions {
    /// Each side with its number of recorded runs, for [`rounds`].
    fn sides(&self) -> [(Side, usize); 2] {
        [
            (Side::Native, self.native_iterations),
            (Side::Wasm, self.wasm_iterations),
        ]
    }
}

/// Runs `benchmark`'s script natively to calibrate it, then times its
/// bodies in rounds on both sides, or, when the script hands pyperf a
/// command instead, that command ([`measure_commands`]).
fn measure(
    interpreters: &Interpreters,
    identities: &BTreeMap<&'static str, Identity>,
    benchmark: &Benchmark,
    options: &PybenchOptions,
    records: &mut Vec<Record>,
    mut tick: impl FnMut(),
) -> Result<()> {
    let shim_env = |loops: &str, warmups: usize| {
        vec![
            ("ISOBENCH_LOOPS".to_string(), loops.to_string()),
            ("ISOBENCH_WARMUPS".into(), warmups.to_string()),
            ("ISOBENCH_MIN_TIME".into(), options.min_time.to_string()),
        ]
    };
    // Calibration, natively: the loop count per value, and the results and
    // version every later run must reproduce (or the commands to time).
    let calibration = interpreters.run(
        Side::Native,
        &interpreters.args(Side::Native, benchmark),
        &shim_env("calibrate", 0),
    )?;
    let reference = parse_shim_report(&calibration.stderr)?;
    if !reference.commands.is_empty() {
        if !reference.loops.is_empty() {
            bail!(
                "the script both hands pyperf a command to time and times code in the \
                 interpreter; isobench can time only one of the two in a script"
            );
        }
        let commands = TimedCommand::all_in(&reference, &interpreters.python);
        return measure_commands(interpreters, &commands, options, records, tick);
    }
    if reference.loops.is_empty() {
        bail!(
            "the benchmark timed nothing (no pyperf bench_* call reached the shim): {}",
            calibration.stderr.trim_end()
        );
    }
    let loops: Vec<String> = reference
        .loops
        .iter()
        .map(|(name, count)| format!("{name}={count}"))
        .collect();
    let env = shim_env(&loops.join(","), options.warmups);
    // What a whole run (`run_ns`) did: it times the loops the calibration chose.
    let loops_run: u64 = reference.loops.iter().map(|(_, count)| count).sum();
    for (side, _) in options.sides() {
        let series = series(side, &benchmark.name);
        records.push(series.record(None, "loops", loops_run as f64, "loops"));
    }
    tick();
    for (iteration, side) in rounds(&options.sides()) {
        let finished = interpreters.run(side, &interpreters.args(side, benchmark), &env)?;
        let report = parse_shim_report(&finished.stderr)?;
        let builtins = &identities[side.name()].builtin_modules;
        check_same_work(&reference, &report, side, builtins)?;
        for (name, seconds) in &report.values {
            let series = series(side, name);
            records.push(series.record(Some(iteration as u64), "bench_ns", seconds * 1e9, "ns"));
        }
        let series = series(side, &benchmark.name);
        records.push(series.record(Some(iteration as u64), "run_ns", finished.elapsed_ns, "ns"));
        tick();
    }
    Ok(())
}

/// A command a benchmark hands pyperf to time whole (`bench_command`): the
/// interpreter's arguments, as each side sees its paths.
pub struct TimedCommand {
    pub name: String,
    pub native_args: Vec<String>,
    pub wasm_args: Vec<String>,
}

impl TimedCommand {
    /// The commands a native run of a script reported.
    fn all_in(report: &ShimReport, python: &Python) -> Vec<TimedCommand> {
        report
            .commands
            .iter()
            .map(|(name, args)| TimedCommand {
                name: name.clone(),
                native_args: args.clone(),
                wasm_args: args.iter().map(|a| python.as_seen_in_wasm(a)).collect(),
            })
            .collect()
    }

    fn args(&self, side: Side) -> &[String] {
        match side {
            Side::Native => &self.native_args,
            Side::Wasm => &self.wasm_args,
        }
    }
}

/// The commands `benchmark` hands pyperf to time whole, if any, from a
/// native run of its script in which the shim times nothing.
pub fn commands_of(python: &Python, benchmark: &Benchmark) -> Result<Vec<TimedCommand>> {
    // The script only sets up and hands the shim its bodies, which take a
    // fraction of a second for every script here: a minute means it hangs.
    const DESCRIBING_TIME_LIMIT: Duration = Duration::from_secs(60);
    let launch = Launch::new(python.native())
        .args(benchmark.interpreter_args(&python.tree()))
        .env_only(&[("ISOBENCH_LOOPS", "describe")]);
    let described = run_process(&launch, "native", DESCRIBING_TIME_LIMIT)
        .with_context(|| format!("{}: describing what its script times", benchmark.name))?;
    Ok(TimedCommand::all_in(
        &parse_shim_report(&described.stderr)?,
        python,
    ))
}

/// Times `commands` whole, in rounds, after one unrecorded run per side so
/// that no recorded one reads from disk. Every run must print what the
/// first native run did, paths in the tree aside.
fn measure_commands(
    interpreters: &Interpreters,
    commands: &[TimedCommand],
    options: &PybenchOptions,
    records: &mut Vec<Record>,
    mut tick: impl FnMut(),
) -> Result<()> {
    let seen_in_wasm = |finished: &Finished| interpreters.python.as_seen_in_wasm(&finished.stdout);
    for command in commands {
        let first = interpreters.run(Side::Native, command.args(Side::Native), &[])?;
        let expected = seen_in_wasm(&first);
        interpreters.run(Side::Wasm, command.args(Side::Wasm), &[])?;
        tick();
        for (iteration, side) in rounds(&options.sides()) {
            let finished = interpreters.run(side, command.args(side), &[])?;
            if seen_in_wasm(&finished) != expected {
                bail!(
                    "{}: the {} run printed other output than the first native run (paths in \
                     the tree aside): {}",
                    command.name,
                    side.name(),
                    finished.stdout.trim_end()
                );
            }
            let series = series(side, &command.name);
            records.push(series.record(
                Some(iteration as u64),
                "run_ns",
                finished.elapsed_ns,
                "ns",
            ));
            tick();
        }
    }
    Ok(())
}

/// A run must come from the same interpreter version as the calibration,
/// time the same benchmarks and produce the same results, and have every
/// compiled module the calibration loaded (those known to be absent aside),
/// loaded or among its interpreter's `builtins` (space-separated).
fn check_same_work(
    reference: &ShimReport,
    report: &ShimReport,
    side: Side,
    builtins: &str,
) -> Result<()> {
    if report.version != reference.version {
        bail!(
            "the {} interpreter reports sys.version {:?}, the native one {:?}",
            side.name(),
            report.version,
            reference.version
        );
    }
    let names = |r: &ShimReport| r.loops.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    let timed: Vec<String> = report.values.iter().map(|(n, _)| n.clone()).collect();
    if timed != names(reference) {
        bail!(
            "the {} run timed {timed:?}, the calibration {:?}",
            side.name(),
            names(reference)
        );
    }
    if report.results != reference.results {
        bail!(
            "the {} run's results differ from the native ones: {:?} vs {:?} (digests of each \
             bench_func's last result)",
            side.name(),
            report.results,
            reference.results
        );
    }
    let known_absent = modules_known_absent()?;
    for (name, loaded_natively) in &reference.modules {
        let loaded = report.modules.iter().find(|(n, _)| n == name);
        let available: BTreeSet<&str> = builtins
            .split(' ')
            .chain(
                loaded
                    .map_or("", |(_, modules)| modules.as_str())
                    .split(' '),
            )
            .collect();
        let lacking: Vec<&str> = loaded_natively
            .split(' ')
            .filter(|m| !available.contains(m) && !known_absent.iter().any(|(k, _)| k == m))
            .collect();
        if !lacking.is_empty() {
            bail!(
                "{name}: the {} interpreter lacks {}, compiled code the native one loaded: a \
                 library that finds a module missing can fall back to other code, and the two \
                 sides would not time the same code (where it does not, list the module in \
                 guests/python/absent-modules.tsv with the reason)",
                side.name(),
                lacking.join(", ")
            );
        }
    }
    Ok(())
}

fn series<'a>(side: Side, workload: &'a str) -> Series<'a> {
    Series {
        suite: SUITE,
        runtime: side.name(),
        workload,
        workers: 1,
    }
}

/// One benchmark's medians, native and wasm, and their ratio.
struct Compared {
    name: String,
    native: f64,
    wasm: f64,
    ratio: Ratio,
}

fn compare(records: &[Record], metric: &str) -> Vec<Compared> {
    let of_metric: Vec<&Record> = records.iter().filter(|r| r.metric == metric).collect();
    distinct(of_metric.iter().map(|r| r.workload.as_str()))
        .into_iter()
        .filter_map(|name| {
            let summary = |side: Side| workload_summary(records, side.name(), name, metric);
            let (native, wasm) = (summary(Side::Native)?, summary(Side::Wasm)?);
            Some(Compared {
                name: name.to_string(),
                native: native.median,
                wasm: wasm.median,
                ratio: Ratio::of_medians(&wasm, &native),
            })
        })
        .collect()
}

fn ratio_table(compared: &[Compared], what: &str) -> String {
    let mut table = Table::new(&[
        "benchmark",
        &format!("native {what}"),
        &format!("wasm {what}"),
        "wasm / native (95% CI)",
    ]);
    for c in compared {
        table.row(vec![
            c.name.clone(),
            format_ns(c.native),
            format_ns(c.wasm),
            format_ratio(&c.ratio),
        ]);
    }
    table.to_markdown()
}

/// The summary of pybench records, from a run or a results directory.
pub fn summary_of_records(records: &[Record]) -> String {
    let bodies = compare(records, "bench_ns");
    let command_names = commands_timed_whole(records);
    let commands: Vec<Compared> = compare(records, "run_ns")
        .into_iter()
        .filter(|c| command_names.contains(c.name.as_str()))
        .collect();
    if bodies.is_empty() && commands.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("## Python: CPython in WebAssembly against the same CPython native\n\n");
    if !bodies.is_empty() {
        out += &format!(
            "Median time of one loop of each benchmark's body, start-up excluded.\n\n{}\n",
            ratio_table(&bodies, "per loop")
        );
        let ratios: Vec<f64> = bodies.iter().map(|c| c.ratio.value).collect();
        if let Some(mean) = geometric_mean(&ratios) {
            out += &format!(
                "Geometric mean of wasm / native over {}: **{mean:.3}**.\n\n",
                count_of(ratios.len() as u64, "benchmark")
            );
        }
        let mut slowest: Vec<&Compared> = bodies.iter().collect();
        slowest.sort_by(|a, b| b.ratio.value.total_cmp(&a.ratio.value));
        let named: Vec<String> = slowest
            .iter()
            .take(3)
            .map(|c| format!("{} ({:.2}×)", c.name, c.ratio.value))
            .collect();
        out += &format!("Slowest in wasm: {}.\n\n", named.join(", "));
    }
    if !commands.is_empty() {
        out += &format!(
            "Commands, timed whole as pyperf times them: process start to exit natively, \
             instantiation to exit in wasm. `python_startup` is interpreter start-up alone \
             (`-c pass`; `-S` too without `site`); the others include it.\n\n{}\n",
            ratio_table(&commands, "per run")
        );
    }
    out
}

/// Rows of Faasm's `benchmark,type,microseconds` format: one loop of each
/// body, and the runs of commands timed whole.
pub fn faasm_rows(records: &[Record]) -> Vec<ComputeRow> {
    let commands = commands_timed_whole(records);
    records
        .iter()
        .filter(|r| {
            r.suite == SUITE
                && (r.metric == "bench_ns"
                    || (r.metric == "run_ns" && commands.contains(r.workload.as_str())))
        })
        .map(ComputeRow::of)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_lines_are_read_and_other_lines_ignored() {
        let stderr = "warning: something\nisobench-pybench version 3.11.2 (main) [Clang 14]\n\
                      isobench-pybench loops nbody 8\nisobench-pybench value nbody 0.0125\n\
                      isobench-pybench result nbody 0123abcd\n\
                      isobench-pybench modules nbody math sys\n\
                      isobench-pybench command startup [\"-c\", \"import os; os._exit(0)\"]\n";
        let report = parse_shim_report(stderr).unwrap();
        assert_eq!(report.version.as_deref(), Some("3.11.2 (main) [Clang 14]"));
        assert_eq!(report.loops, vec![("nbody".to_string(), 8)]);
        assert_eq!(report.values, vec![("nbody".to_string(), 0.0125)]);
        assert_eq!(
            report.results,
            vec![("nbody".to_string(), "0123abcd".to_string())]
        );
        assert_eq!(
            report.modules,
            vec![("nbody".to_string(), "math sys".to_string())]
        );
        assert_eq!(
            report.commands,
            vec![(
                "startup".to_string(),
                vec!["-c".to_string(), "import os; os._exit(0)".to_string()]
            )]
        );
        assert!(parse_shim_report("isobench-pybench value nbody fast\n").is_err());
        assert!(parse_shim_report("isobench-pybench command startup -c pass\n").is_err());
    }

    #[test]
    fn a_compiled_module_the_wasm_side_lacks_fails_the_run() {
        let report = |modules: &str| ShimReport {
            version: Some("3.11.2".into()),
            loops: vec![("b".into(), 1)],
            values: vec![("b".into(), 0.1)],
            modules: vec![("b".into(), modules.into())],
            ..ShimReport::default()
        };
        // _hashlib is a shared object natively, which python.wasm cannot have.
        let native = report("_hashlib math sys");
        let wasm = report("_md5 math sys");
        let error = check_same_work(&native, &wasm, Side::Wasm, "_md5 math sys")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("b: the wasm interpreter lacks _hashlib, compiled code"),
            "{error}"
        );
        // A compiled-in module the wasm side has but did not load is no
        // fallback (whatever would have imported it failed first), nor is a
        // module listed with its reason as absent.
        let known_absent = &modules_known_absent().unwrap()[0].0;
        let native = report(&format!("math sys {known_absent}"));
        check_same_work(&native, &report("sys"), Side::Wasm, "math sys").unwrap();
        // Natively, the native interpreter's own shared objects count.
        let native = report("_hashlib math sys");
        check_same_work(&native, &native, Side::Native, "math sys").unwrap();
    }

    #[test]
    fn commands_timed_whole_are_summarised_apart_from_bodies() {
        let mut records = Vec::new();
        for (side, scale) in [(Side::Native, 1.0), (Side::Wasm, 1.5)] {
            // A script timed by the shim: its runs record loops, and one
            // body named after the script.
            let script = series(side, "base64");
            records.push(script.record(None, "loops", 8.0, "loops"));
            records.push(script.record(Some(0), "run_ns", 9e7 * scale, "ns"));
            records.push(series(side, "base64_small").record(
                Some(0),
                "bench_ns",
                1e4 * scale,
                "ns",
            ));
            // A command: its runs only.
            let command = series(side, "2to3");
            records.push(command.record(Some(0), "run_ns", 2.5e8 * scale, "ns"));
        }
        assert_eq!(commands_timed_whole(&records), BTreeSet::from(["2to3"]));
        let summary = summary_of_records(&records);
        let (bodies, commands) = summary.split_once("Commands, timed whole").unwrap();
        assert!(
            bodies.contains("| base64_small |") && !bodies.contains("2to3"),
            "{bodies}"
        );
        assert!(
            commands.contains("| 2to3 ") && !commands.contains("base64"),
            "{commands}"
        );
        let faasm: Vec<String> = faasm_rows(&records)
            .iter()
            .map(|row| row.benchmark.clone())
            .collect();
        assert_eq!(faasm, ["base64_small", "2to3", "base64_small", "2to3"]);
    }

    #[test]
    fn link_time_optimisation_is_read_from_the_configure_arguments() {
        let lto = |configure: &str| {
            Identity {
                configure: configure.into(),
                ..Identity::default()
            }
            .link_time_optimised()
        };
        assert!(lto("'--prefix=/p' '--with-lto' '--with-pymalloc'"));
        assert!(lto("'--with-lto=thin'"));
        assert!(!lto("'--with-lto=no' '--with-pymalloc'"));
        assert!(!lto("'--prefix=/with-lto' '--with-pymalloc'"));
    }

    #[test]
    fn rounds_interleave_the_sides() {
        let options = PybenchOptions {
            benchmarks: Vec::new(),
            native_iterations: 1,
            wasm_iterations: 2,
            warmups: 0,
            min_time: 0.1,
        };
        let order: Vec<(usize, &str)> = rounds(&options.sides())
            .map(|(i, s)| (i, s.name()))
            .collect();
        assert_eq!(order, vec![(0, "native"), (0, "wasm"), (1, "wasm")]);
    }
}
