//! Command-line arguments, with every bad value refused up front. Numeric
//! options accept values that begin with `-` (`allow_hyphen_values`), so that
//! `--workers -1` reaches the option's own parser and is refused with the
//! reason, not as an unexpected argument.

use clap::{Args, Parser, Subcommand};
use isobench_faaslet::RuntimeConfig;
use isobench_guests::polybench::Dataset;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "isobench",
    version,
    about = "Measures what isolation costs a serverless function"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Cold-start latency, CPU and disk I/O per runtime and worker count
    Time(TimeArgs),
    /// Memory footprint (PSS, RSS, USS) of W workers held alive
    Mem(MemArgs),
    /// The default benchmark run: `time` then `mem` on thread, process, faaslet and faaslet-restore
    Run(RunArgs),
    /// PolyBench/C kernels, WebAssembly against native code
    Polybench(PolybenchArgs),
    /// pyperformance's benchmarks, CPython in WebAssembly against the same CPython native
    Pybench(PybenchArgs),
    /// Write report.html (plots, host and versions) and refresh summary.md
    Report(ReportArgs),
    /// Compare two results directories: changes, their intervals and verdicts
    Compare(CompareArgs),
    /// Profile a workload with perf, wasm functions under their own names
    Profile(ProfileArgs),
    /// Print a wasm module's function index → name table (its name section)
    Symbols(SymbolsArgs),
    /// Compile the guests of `time` and `mem` (noop, hold, the test guests) ahead of time into
    /// the code cache; `polybench` and `pybench` compile theirs on first use
    Codegen(CodegenArgs),
    /// Build the guests (native and wasm32-wasi) whose sources changed
    Guests,
    /// Build the isobench/noop and isobench/hold Docker images FROM scratch
    Images,
    /// Remove the containers, container state, cgroups and bundles of runs that ended (not of
    /// running ones), and compiled modules the code cache has not used for a while
    Clean(CleanArgs),
    /// (internal) run one wasm guest without epoch checks, for a harness that bounds it
    #[command(name = "__wasm-run", hide = true)]
    WasmRun(WasmRunArgs),
    /// (internal) the workload process that `profile` records
    #[command(name = "__profile-target", hide = true)]
    ProfileTarget(ProfileTargetArgs),
    /// (internal) hold workers in this process for the harness to measure
    #[command(name = "__host", hide = true)]
    Host(HostArgs),
}

#[derive(Args)]
pub struct CleanArgs {
    /// Remove compiled modules no run has loaded for this many days (0: all of them)
    #[arg(long = "cache-unused-days", value_name = "DAYS", allow_hyphen_values = true, default_value_t = 14, value_parser = count)]
    pub cache_unused_days: usize,
}

#[derive(Args, Clone)]
pub struct FaasletArgs {
    /// Most linear memory one Faaslet may have, in MiB
    #[arg(long = "memory-cap-mib", allow_hyphen_values = true, default_value_t = 1024, value_parser = memory_cap_mib)]
    pub memory_cap_mib: u64,
    /// Longest one Faaslet may run, in seconds (PolyBench and Python runs, native ones too), and longest a batch of process, runc or crun starts may take
    #[arg(long = "time-limit", allow_hyphen_values = true, default_value_t = 60.0, value_parser = positive_seconds)]
    pub time_limit: f64,
}

impl FaasletArgs {
    pub fn config(&self) -> RuntimeConfig {
        RuntimeConfig {
            memory_cap: self.memory_cap_mib << 20,
            time_limit: Duration::from_secs_f64(self.time_limit),
            ..RuntimeConfig::default()
        }
    }
}

#[derive(Args)]
pub struct Common {
    /// Results directory [default: results/<UTC timestamp>]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write every sample with its statistics as JSON to this file
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
    /// Also write the summary tables as Markdown to this file
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    #[command(flatten)]
    pub faaslet: FaasletArgs,
}

#[derive(Args)]
pub struct TimeArgs {
    /// Runtimes, comma-separated
    #[arg(long, default_value = "thread,process,faaslet,faaslet-restore", value_parser = runtimes)]
    pub runtime: Runtimes,
    /// Concurrent worker counts, comma-separated
    #[arg(long, allow_hyphen_values = true, default_value = "1", value_parser = positive_counts)]
    pub workers: Counts,
    /// Recorded batches per runtime and worker count
    #[arg(long, allow_hyphen_values = true, default_value_t = 500, value_parser = positive_count)]
    pub iterations: usize,
    /// Unrecorded batches before the recorded ones
    #[arg(long, allow_hyphen_values = true, default_value_t = 10, value_parser = count)]
    pub warmup: usize,
    /// Idle time before each recorded batch, in milliseconds: 0 starts each
    /// batch as the last one ends (as Faasm measured); a pause lets the
    /// machine go idle, as between a platform's sporadic requests
    #[arg(long = "pause-ms", allow_hyphen_values = true, default_value_t = 0.0, value_parser = pause_ms)]
    pub pause_ms: f64,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args)]
pub struct MemArgs {
    /// Runtimes, comma-separated
    #[arg(long, default_value = "thread,process,faaslet,faaslet-restore", value_parser = runtimes)]
    pub runtime: Runtimes,
    /// Worker counts to hold, comma-separated (0 measures the base cost)
    #[arg(long, allow_hyphen_values = true, default_value = "0,100,500,1000", value_parser = counts)]
    pub workers: Counts,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args)]
pub struct RunArgs {
    /// Recorded cold-start batches per runtime and worker count
    #[arg(long, allow_hyphen_values = true, default_value_t = 1000, value_parser = positive_count)]
    pub iterations: usize,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args)]
pub struct PolybenchArgs {
    /// Kernels to run, or `all`
    #[arg(default_value = "all", value_delimiter = ',')]
    pub kernels: Vec<String>,
    /// List the kernels, their categories, element types and dataset sizes
    #[arg(long)]
    pub list: bool,
    /// Problem size: mini, small, medium, large or extralarge
    #[arg(long, default_value = "medium")]
    pub dataset: Dataset,
    /// Recorded native runs per kernel
    #[arg(long, allow_hyphen_values = true, default_value_t = 5, value_parser = positive_count)]
    pub native_iterations: usize,
    /// Recorded wasm runs per kernel
    #[arg(long, allow_hyphen_values = true, default_value_t = 5, value_parser = positive_count)]
    pub wasm_iterations: usize,
    /// Unrecorded runs on each side before the recorded ones
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_parser = count)]
    pub warmup: usize,
    /// Skip the check that native and wasm produce byte-identical output arrays
    #[arg(long)]
    pub no_verify: bool,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args)]
pub struct PybenchArgs {
    /// Benchmarks to run (pyperformance's names), or `all`
    #[arg(default_value = "all", value_delimiter = ',')]
    pub benchmarks: Vec<String>,
    /// List the benchmarks, which run, and why the others do not
    #[arg(long)]
    pub list: bool,
    /// Recorded native runs per benchmark
    #[arg(long, allow_hyphen_values = true, default_value_t = 10, value_parser = positive_count)]
    pub native_iterations: usize,
    /// Recorded wasm runs per benchmark
    #[arg(long, allow_hyphen_values = true, default_value_t = 10, value_parser = positive_count)]
    pub wasm_iterations: usize,
    /// Unrecorded values of the benchmark body inside each run, before the recorded one
    #[arg(long, allow_hyphen_values = true, default_value_t = 1, value_parser = count)]
    pub warmups: usize,
    /// Loops per value are doubled until one value takes this long natively, in seconds
    #[arg(long, allow_hyphen_values = true, default_value_t = 0.1, value_parser = positive_seconds)]
    pub min_time: f64,
    /// Also run benchmarks listed as not running, to see how they fail
    #[arg(long)]
    pub include_unsupported: bool,
    /// Compile python.wasm without Cranelift's inlining across the module
    /// (the native build gets no link-time optimisation)
    #[arg(long)]
    pub no_inlining: bool,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args)]
pub struct ProfileArgs {
    /// `noop`, `polybench:KERNEL` or `python:BENCHMARK`
    pub workload: String,
    /// Profile the native build instead of the wasm one
    #[arg(long)]
    pub native: bool,
    /// PolyBench problem size, for `polybench:` workloads [default: small]
    #[arg(long)]
    pub dataset: Option<Dataset>,
    /// Repeat the workload for at least this many seconds
    #[arg(long, allow_hyphen_values = true, default_value_t = 3.0, value_parser = positive_seconds)]
    pub seconds: f64,
    /// Also profile a Python benchmark listed as not running, to see how it fails
    #[arg(long)]
    pub include_unsupported: bool,
    #[command(flatten)]
    pub common: Common,
}

impl ProfileArgs {
    /// The PolyBench problem size a `polybench:` workload is built for.
    pub fn polybench_dataset(&self) -> Dataset {
        self.dataset.unwrap_or(Dataset::Small)
    }
}

#[derive(Args)]
pub struct ReportArgs {
    /// A results directory
    pub dir: PathBuf,
}

#[derive(Args)]
pub struct CompareArgs {
    /// The earlier results directory
    pub old: PathBuf,
    /// The later results directory
    pub new: PathBuf,
    /// Exit with status 1 when a significant regression exceeds this many percent
    #[arg(long, allow_hyphen_values = true, value_name = "PCT", value_parser = positive_percent)]
    pub fail_on_regress: Option<f64>,
    /// Changes of the median smaller than this many percent are not significant;
    /// an interval wider than four times this that does not lie wholly beyond it
    /// is "too noisy to tell"
    #[arg(long, allow_hyphen_values = true, value_name = "PCT", default_value_t = 5.0, value_parser = positive_percent)]
    pub noise: f64,
}

#[derive(Args)]
pub struct SymbolsArgs {
    /// A WebAssembly module
    pub file: PathBuf,
    /// Also write Faasm's `function.symbols` format to this file
    #[arg(long, value_name = "FILE")]
    pub faasm: Option<PathBuf>,
}

#[derive(Args)]
pub struct ProfileTargetArgs {
    #[arg(long, conflicts_with = "native", required_unless_present = "native")]
    pub wasm: Option<PathBuf>,
    #[arg(long)]
    pub native: Option<PathBuf>,
    #[arg(long)]
    pub seconds: f64,
    /// The host directory a wasm target sees as `/`
    #[arg(long)]
    pub preopen: Option<PathBuf>,
    /// An environment variable for the target, NAME=VALUE (repeatable)
    #[arg(long = "env", value_parser = env_pair)]
    pub env: Vec<(String, String)>,
    /// Write this process's id here, for perf to pick out its samples
    #[arg(long)]
    pub pid_file: Option<PathBuf>,
    /// Let Cranelift inline functions across the module
    #[arg(long)]
    pub inlining: bool,
    #[command(flatten)]
    pub faaslet: FaasletArgs,
    /// Arguments for the target
    #[arg(last = true)]
    pub args: Vec<String>,
}

#[derive(Args)]
pub struct CodegenArgs {
    #[command(flatten)]
    pub faaslet: FaasletArgs,
}

#[derive(Args)]
pub struct HostArgs {
    #[arg(long)]
    pub runtime: String,
    #[arg(long)]
    pub workers: usize,
    #[command(flatten)]
    pub faaslet: FaasletArgs,
}

#[derive(Args)]
pub struct WasmRunArgs {
    pub wasm: PathBuf,
    /// The host directory the guest sees as `/`
    #[arg(long)]
    pub preopen: Option<PathBuf>,
    /// An environment variable for the guest, NAME=VALUE (repeatable)
    #[arg(long = "env", value_parser = env_pair)]
    pub env: Vec<(String, String)>,
    /// Let Cranelift inline functions across the module
    #[arg(long)]
    pub inlining: bool,
    #[command(flatten)]
    pub faaslet: FaasletArgs,
    /// Arguments for the guest
    #[arg(last = true)]
    pub args: Vec<String>,
}

fn env_pair(pair: &str) -> Result<(String, String), String> {
    pair.split_once('=')
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .ok_or_else(|| format!("`{pair}` is not NAME=VALUE"))
}

#[derive(Clone)]
pub struct Runtimes(pub Vec<&'static str>);

#[derive(Clone)]
pub struct Counts(pub Vec<usize>);

fn runtimes(list: &str) -> Result<Runtimes, String> {
    let names = list
        .split(',')
        .map(|name| isobench_sandbox::runtime_name(name.trim()).map_err(|e| e.to_string()));
    let names = distinct(names, |name| format!("`{name}`"))?;
    // A daemon elsewhere is refused now, not after the other runtimes ran.
    if names.contains(&"docker") {
        isobench_sandbox::docker::engine_socket().map_err(|e| e.to_string())?;
    }
    Ok(Runtimes(names))
}

fn count(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}

fn positive_count(text: &str) -> Result<usize, String> {
    match count(text)? {
        0 => Err("must be at least 1".into()),
        n => Ok(n),
    }
}

fn counts(list: &str) -> Result<Counts, String> {
    distinct_counts(list, count)
}

fn positive_counts(list: &str) -> Result<Counts, String> {
    distinct_counts(list, positive_count)
}

fn distinct_counts(list: &str, parse: fn(&str) -> Result<usize, String>) -> Result<Counts, String> {
    distinct(list.split(',').map(parse), |n| n.to_string()).map(Counts)
}

/// The parsed items of a list, refusing one given twice: it would be measured
/// twice and its samples pooled as one. `shown` names an item in the error.
fn distinct<T: PartialEq>(
    items: impl Iterator<Item = Result<T, String>>,
    shown: impl Fn(&T) -> String,
) -> Result<Vec<T>, String> {
    let mut seen = Vec::new();
    for item in items {
        let item = item?;
        if seen.contains(&item) {
            return Err(format!("{} is given twice", shown(&item)));
        }
        seen.push(item);
    }
    Ok(seen)
}

fn positive_percent(text: &str) -> Result<f64, String> {
    match text.trim().trim_end_matches('%').parse::<f64>() {
        Ok(p) if p >= 0.0 && p.is_finite() => Ok(p),
        _ => Err(format!("`{text}` is not a percentage (such as 10)")),
    }
}

/// The longest pause: a run of 1,000 iterations on four runtimes then idles
/// for over an hour.
const MAX_PAUSE_MS: f64 = 1000.0;

fn pause_ms(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(ms) if (0.0..=MAX_PAUSE_MS).contains(&ms) => Ok(ms),
        _ => Err(format!(
            "`{text}` is not a number of milliseconds from 0 to {MAX_PAUSE_MS}"
        )),
    }
}

/// The largest linear memory a wasm32 module can address.
const MAX_MEMORY_CAP_MIB: u64 = 4096;

fn memory_cap_mib(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(mib) if (1..=MAX_MEMORY_CAP_MIB).contains(&mib) => Ok(mib),
        _ => Err(format!(
            "`{text}` is not a whole number of MiB from 1 to {MAX_MEMORY_CAP_MIB}"
        )),
    }
}

/// The longest time limit, run or minimum time: a day (larger ones overflow
/// the clock's arithmetic).
const MAX_SECONDS: f64 = 86_400.0;

fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= MAX_SECONDS => Ok(s),
        _ => Err(format!(
            "`{text}` is not a positive number of seconds up to {MAX_SECONDS} (a day)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spaces around a number are accepted everywhere, as after a list's commas.
    #[test]
    fn numbers_may_carry_spaces() {
        assert_eq!(count(" 3"), Ok(3));
        assert_eq!(pause_ms(" 5 "), Ok(5.0));
        assert_eq!(positive_seconds(" 1.5"), Ok(1.5));
        assert_eq!(positive_percent(" 10%"), Ok(10.0));
        assert_eq!(memory_cap_mib(" 64"), Ok(64));
    }
}
