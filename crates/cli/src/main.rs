//! `isobench`: measures what isolation costs a serverless function.

mod args;
mod compare;
mod output;
mod profile;
mod report;

use anyhow::{Context, Result};
use args::{CleanArgs, Cli, Command, FaasletArgs};
use clap::Parser;
use isobench_faaslet::{Runtime, RuntimeConfig};
use isobench_guests::{Flavour, Guests};
use isobench_measure::HardwareCounters;
use isobench_sandbox::Env;
use isobench_suites::{compute, mem, polybench, pybench, time};
use output::Output;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli) {
        eprintln!("error: {error:#}");
        std::process::exit(isobench_sandbox::stop::exit_status().unwrap_or(1));
    }
}

fn run(cli: Cli) -> Result<()> {
    raise_open_file_limit();
    // SAFETY: restoring the default action for SIGPIPE, before any thread
    // starts, so that `isobench ... | head` ends quietly like other tools.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    match cli.command {
        Command::Time(args) => {
            let (env, mut output) =
                prepare_workers(&args.common, &args.runtime.0, &args.workers.0)?;
            let mut counters = open_counters(&mut output);
            let options = time::TimeOptions {
                runtimes: args.runtime.0,
                workers: args.workers.0,
                iterations: args.iterations,
                warmup: args.warmup,
                pause: Duration::from_secs_f64(args.pause_ms / 1000.0),
            };
            output.setting("time_pause_ms", args.pause_ms.into());
            output.setting("time_iterations", args.iterations.into());
            let result = time::run(&env, &options, &mut counters);
            output.time(&result)?;
            output.finish()
        }
        Command::Mem(args) => {
            let (env, mut output) =
                prepare_workers(&args.common, &args.runtime.0, &args.workers.0)?;
            let options = mem::MemOptions {
                runtimes: args.runtime.0,
                workers: args.workers.0,
            };
            let result = mem::run(&env, &options);
            output.mem(&result)?;
            output.finish()
        }
        Command::Run(args) => {
            let runtimes = isobench_sandbox::DEFAULT_RUNTIMES.to_vec();
            let footprint_workers = vec![0, 100, 500, 1000];
            let (env, mut output) = prepare_workers(&args.common, &runtimes, &footprint_workers)?;
            let mut counters = open_counters(&mut output);
            let time_options = time::TimeOptions {
                runtimes: runtimes.clone(),
                workers: vec![1, 4],
                iterations: args.iterations,
                warmup: 10,
                pause: Duration::ZERO,
            };
            output.setting("time_pause_ms", 0.0.into());
            output.setting("time_iterations", args.iterations.into());
            eprintln!(
                "isobench run: cold starts ({} iterations), then footprint",
                args.iterations
            );
            let result = time::run(&env, &time_options, &mut counters);
            output.time(&result)?;
            if isobench_sandbox::stop::requested() {
                return output.finish();
            }
            let mem_options = mem::MemOptions {
                runtimes,
                workers: footprint_workers,
            };
            let result = mem::run(&env, &mem_options);
            output.mem(&result)?;
            output.finish()
        }
        Command::Polybench(args) => polybench(args),
        Command::Pybench(args) => pybench(args),
        Command::Compare(args) => compare::run(args),
        Command::Report(args) => report::run(&args.dir),
        Command::Profile(args) => profile::profile(args),
        Command::Symbols(args) => profile::symbols(args),
        Command::ProfileTarget(args) => profile::target(args),
        Command::Codegen(args) => codegen(&args.faaslet),
        Command::Guests => build_guests().map(|_| ()),
        Command::Images => images(),
        Command::Clean(args) => clean(&args),
        Command::WasmRun(args) => {
            let call = isobench_faaslet::Call {
                args: args.args,
                env: args.env,
                preopen: args.preopen,
                ..Default::default()
            };
            let engine = RuntimeConfig {
                inlining: args.inlining,
                ..args.faaslet.config()
            };
            compute::wasm_run_child(&engine, &args.wasm, &call)
        }
        Command::Host(args) => {
            let env = env(args.faaslet.config(), Arc::new(Guests::locate()))?;
            isobench_sandbox::host::serve(&env, &args.runtime, args.workers)
        }
    }
}

/// Builds stale guests, checks `--out`, and gathers what every suite needs.
fn prepare(common: &args::Common) -> Result<(Env, Output)> {
    prepare_workers(common, &[], &[])
}

/// [`prepare`], refusing first a worker count that a runtime could not reach.
fn prepare_workers(
    common: &args::Common,
    runtimes: &[&str],
    workers: &[usize],
) -> Result<(Env, Output)> {
    let guests = Arc::new(build_guests()?);
    let env = env(common.faaslet.config(), guests.clone())?;
    if let Some(&most) = workers.iter().max() {
        for runtime in runtimes {
            isobench_sandbox::host::check_capacity(&env, runtime, most)?;
        }
    }
    let output = Output::create(common, &guests)?;
    stop_on_signals(&output);
    Ok((env, output))
}

/// From here on a run has results to keep and workers to clean up: a signal
/// asks it to stop (see [`isobench_sandbox::stop`]) rather than ending it.
pub(crate) fn stop_on_signals(output: &Output) {
    isobench_sandbox::stop::stop_on_signals();
    eprintln!(
        "measuring into {}: Ctrl-C stops early and keeps what was measured",
        output.dir().display()
    );
}

fn env(faaslet: RuntimeConfig, guests: Arc<Guests>) -> Result<Env> {
    Ok(Env {
        guests,
        host_exe: std::env::current_exe().context("locating the isobench executable")?,
        faaslet,
    })
}

pub(crate) fn build_guests() -> Result<Guests> {
    let guests = Guests::locate();
    let report = guests.ensure_built()?;
    for path in &report.built {
        eprintln!("built {}", path.display());
    }
    Ok(guests)
}

fn open_counters(output: &mut Output) -> Option<HardwareCounters> {
    match HardwareCounters::open() {
        Ok(counters) => Some(counters),
        Err(reason) => {
            output.note(format!(
                "hardware counters unavailable ({reason}): cycles and instructions are not reported"
            ));
            None
        }
    }
}

/// `isobench polybench`: the kernels natively and as Faaslets, or `--list`.
fn polybench(args: args::PolybenchArgs) -> Result<()> {
    if args.list {
        print!("{}", polybench_list());
        return Ok(());
    }
    let kernels = isobench_guests::polybench::select(&args.kernels)?;
    let (env, mut output) = prepare(&args.common)?;
    output.setting(
        "polybench_build",
        serde_json::to_value(isobench_guests::polybench::flags())?,
    );
    output.setting("polybench_dataset", args.dataset.to_string().into());
    let options = polybench::PolybenchOptions {
        kernels,
        dataset: args.dataset,
        native_iterations: args.native_iterations,
        wasm_iterations: args.wasm_iterations,
        warmup: args.warmup,
        verify_into: (!args.no_verify).then(|| output.subdir("differing-dumps")),
    };
    let result = polybench::run(&env.guests, &env.faaslet, &env.host_exe, &options);
    output.polybench(&result)?;
    output.finish()
}

fn polybench_list() -> String {
    use isobench_guests::polybench::{catalogue, Dataset};
    let mut header = vec!["kernel", "category", "type"];
    let names: Vec<String> = Dataset::ALL.iter().map(|d| d.to_string()).collect();
    header.extend(names.iter().map(String::as_str));
    let mut table = isobench_report::table::Table::new(&header);
    for kernel in catalogue() {
        let mut row = vec![
            kernel.name.clone(),
            kernel.category.clone(),
            kernel.element_type.clone(),
        ];
        row.extend(Dataset::ALL.iter().map(|d| kernel.sizes_text(*d)));
        table.row(row);
    }
    format!(
        "{} PolyBench/C 4.2.1 kernels

{}",
        catalogue().len(),
        table.to_text()
    )
}

/// `isobench pybench`: pyperformance's benchmarks in both interpreters, or `--list`.
fn pybench(args: args::PybenchArgs) -> Result<()> {
    use isobench_guests::python::{select, Python, PYPERFORMANCE_VERSION};
    let python = Python::locate();
    python.ensure_ready()?;
    let catalogue = python.catalogue()?;
    if args.list {
        print!("{}", pybench_list(&catalogue));
        return Ok(());
    }
    let benchmarks = select(&catalogue, &args.benchmarks, args.include_unsupported)?;
    let (env, mut output) = prepare(&args.common)?;
    let engine = RuntimeConfig {
        inlining: !args.no_inlining,
        ..env.faaslet.clone()
    };
    // Both interpreters run here already (to say what they are).
    let prepared = pybench::Interpreters::prepare(python, &engine, &env.host_exe)
        .and_then(|interpreters| Ok((interpreters.identify()?, interpreters)));
    let (identities, interpreters) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => match isobench_sandbox::stop::interrupted() {
            Some(reason) => {
                output.fail(format!("pybench: {reason} before any benchmark ran"));
                return output.finish();
            }
            None => return Err(e),
        },
    };
    // `identify` has checked that both builds agree on it.
    let builds = if identities["native"].link_time_optimised() {
        "both interpreters built with link-time optimisation"
    } else {
        "both interpreters built without link-time optimisation"
    };
    output.setting("python_interpreters", serde_json::to_value(&identities)?);
    output.setting(
        "pybench_method",
        format!(
            "pyperformance {PYPERFORMANCE_VERSION}; per run {} unrecorded and 1 recorded value of \
             the body, loops per value calibrated natively to at least {} s; wasm engine: {}; \
             {builds}",
            args.warmups,
            args.min_time,
            isobench_faaslet::describe(&engine.single_uninterruptible())
        )
        .into(),
    );
    let inlining = if engine.inlining {
        "with Cranelift's inlining across the module, which the native build gets only from \
         link-time optimisation (--no-inlining turns it off)"
    } else {
        "without Cranelift's inlining (--no-inlining)"
    };
    output.note(format!("{builds}; python.wasm compiled {inlining}"));
    let options = pybench::PybenchOptions {
        benchmarks,
        native_iterations: args.native_iterations,
        wasm_iterations: args.wasm_iterations,
        warmups: args.warmups,
        min_time: args.min_time,
    };
    let result = pybench::run(&interpreters, &identities, &options);
    output.pybench(&result)?;
    output.finish()
}

fn pybench_list(catalogue: &[isobench_guests::python::Benchmark]) -> String {
    use isobench_guests::python::PYPERFORMANCE_VERSION;
    let mut table = isobench_report::table::Table::new(&["benchmark", "runs", "why not"]);
    for benchmark in catalogue {
        let (runs, why) = match &benchmark.unsupported {
            Some(reason) => ("no", reason.clone()),
            None => ("yes", String::new()),
        };
        table.row(vec![benchmark.name.clone(), runs.into(), why]);
    }
    let running = catalogue.iter().filter(|b| b.unsupported.is_none()).count();
    format!(
        "{} benchmarks of pyperformance {PYPERFORMANCE_VERSION}, {running} of which run in both \
         interpreters\n\n{}",
        catalogue.len(),
        table.to_text()
    )
}

/// `isobench images`: the Docker images, built through the engine API.
fn images() -> Result<()> {
    let guests = Arc::new(build_guests()?);
    // Images hold native guests only: the Faaslet settings play no part.
    let env = env(RuntimeConfig::default(), guests)?;
    for line in isobench_sandbox::docker::build_images(&env)? {
        println!("{line}");
    }
    Ok(())
}

/// `isobench clean`: removes what interrupted runs left behind, and leaves
/// alone what belongs to a run still going; and prunes the code cache.
fn clean(args: &CleanArgs) -> Result<()> {
    use isobench_sandbox::{docker, oci, Cleaned};
    let mut all = Cleaned::default();
    match docker::clean() {
        Ok(cleaned) => all.add(cleaned),
        Err(e) => all.failed.push(format!("docker: {e:#}")),
    }
    for runtime in oci::OCI_RUNTIMES {
        all.add(oci::clean(runtime));
    }
    all.add(oci::clean_cgroups());
    all.add(clean_scratch());
    let cache_kept = prune_code_cache(args.cache_unused_days, &mut all);
    for item in &all.removed {
        println!("removed {item}");
    }
    if all.removed.is_empty() && all.failed.is_empty() {
        println!("nothing to clean");
    }
    for (owner, kinds) in &all.in_use {
        let kinds: Vec<String> = kinds
            .iter()
            .map(|(kind, &count)| isobench_report::table::count_of(count as u64, kind))
            .collect();
        println!(
            "left alone: {} of the isobench still running as PID {owner}",
            kinds.join(", ")
        );
    }
    if let Some(kept) = cache_kept {
        println!("{kept}");
    }
    for item in &all.failed {
        eprintln!("not cleaned: {item}");
    }
    Ok(())
}

/// Removes compiled modules unused for `unused_days` (every rebuilt guest
/// leaves its old code behind); returns a line on what the cache keeps.
fn prune_code_cache(unused_days: usize, cleaned: &mut isobench_sandbox::Cleaned) -> Option<String> {
    use isobench_report::table::{count_of, format_bytes};
    let dir = isobench_faaslet::CodegenCache::default_dir();
    let unused_for = Duration::from_secs((unused_days as u64).saturating_mul(24 * 60 * 60));
    let unused = match unused_days {
        0 => String::new(),
        days => format!(", unused for {}", count_of(days as u64, "day")),
    };
    match isobench_faaslet::prune_code_cache(&dir, unused_for) {
        Ok(pruned) => {
            if pruned.removed_files > 0 {
                cleaned.removed.push(format!(
                    "{} ({}) from the code cache{unused}",
                    count_of(pruned.removed_files as u64, "compiled module"),
                    format_bytes(pruned.removed_bytes as f64),
                ));
            }
            let kept = match pruned.kept_files {
                0 => "empty".to_string(),
                files => format!(
                    "{} ({}) used in the last {} kept",
                    count_of(files as u64, "compiled module"),
                    format_bytes(pruned.kept_bytes as f64),
                    count_of(unused_days as u64, "day"),
                ),
            };
            Some(format!(
                "code cache {}: {kept}",
                dir.join("codegen").display()
            ))
        }
        Err(e) => {
            cleaned.failed.push(format!("code cache: {e:#}"));
            None
        }
    }
}

/// The temporary directories of runs a second Ctrl-C or `kill -9` cut
/// short: pybench's, natively and in the wasm interpreter's tree,
/// polybench's dumps, `mem`'s copy of the executable and `profile`'s
/// build-id cache.
fn clean_scratch() -> isobench_sandbox::Cleaned {
    use isobench_sandbox::host::COPY_PREFIX;
    use isobench_suites::{polybench, pybench};
    let mut cleaned = isobench_sandbox::Cleaned::default();
    let tree_tmp = isobench_guests::python::Python::locate().tree().join("tmp");
    let places = [
        (
            std::env::temp_dir(),
            pybench::SCRATCH_PREFIX,
            "pybench temporary directory",
        ),
        (
            tree_tmp,
            pybench::SCRATCH_PREFIX,
            "pybench temporary directory",
        ),
        (
            std::env::temp_dir(),
            polybench::SCRATCH_PREFIX,
            "polybench dump directory",
        ),
        (std::env::temp_dir(), COPY_PREFIX, "host executable copy"),
        (
            std::env::temp_dir(),
            isobench_profile::perf::BUILD_ID_CACHE_PREFIX,
            "perf build-id cache",
        ),
    ];
    for (parent, prefix, kind) in places {
        cleaned.remove_dirs_of_ended_runs(&parent, prefix, kind);
    }
    cleaned
}

/// `isobench codegen`: compiles the guests of `time` and `mem` ahead of time.
fn codegen(faaslet: &FaasletArgs) -> Result<()> {
    let guests = build_guests()?;
    let runtime = Runtime::new(RuntimeConfig {
        max_instances: 1,
        ..faaslet.config()
    })?;
    println!("code cache: {}", runtime.cache().dir().display());
    for (path, flavour) in guests.wasm_outputs() {
        let (_, outcome) = match flavour {
            Flavour::Reactor => runtime.load_snapshot(&path)?,
            _ => runtime.load_command(&path)?,
        };
        println!(
            "{:>9}  {}",
            format!("{outcome:?}").to_lowercase(),
            path.display()
        );
    }
    Ok(())
}

/// Each held process worker keeps pipes open; the default soft limit of 1024
/// descriptors would cap a run at a few hundred workers.
fn raise_open_file_limit() {
    // SAFETY: get/setrlimit only read and write the struct passed.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
