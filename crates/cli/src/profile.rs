//! `isobench profile` and `isobench symbols`.

use crate::args::{ProfileArgs, ProfileTargetArgs, SymbolsArgs};
use crate::output::Output;
use anyhow::{bail, Context, Result};
use isobench_faaslet::{CacheOutcome, Call, RuntimeConfig};
use isobench_guests::python::{select, Python};
use isobench_guests::{polybench, Flavour, Guests};
use isobench_profile::perf::{self, Event, Scope};
use isobench_profile::symbols;
use isobench_profile::target::{precompile, run_repeatedly, Target};
use isobench_report::table::Table;
use isobench_suites::{pybench, SuiteResult};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The profile's table, kept beside `summary.md` for `isobench report`.
pub const PROFILE_SUMMARY: &str = "profile.md";

/// How many functions the summary lists.
const TOP_FUNCTIONS: usize = 15;

/// Longer names (Rust generics, mostly) are cut to this many characters.
const NAME_WIDTH: usize = 80;

pub fn profile(args: ProfileArgs) -> Result<()> {
    let perf_version = perf::check_installed()?;
    let guests = crate::build_guests()?;
    let workload = resolve(&args.workload, &guests, &args)?;
    let mut output = Output::create(&args.common, &guests)?;
    crate::stop_on_signals(&output);
    output.setting("perf", perf_version.into());
    let (event, no_cycles) = Event::best_available()?;
    if let Some(why) = no_cycles {
        output.note(format!(
            "{why}: sampled the cpu-clock software event instead"
        ));
    }
    let side = if args.native { "native" } else { "wasm" };
    if !args.native {
        let engine = RuntimeConfig {
            inlining: workload.inlining,
            ..args.common.faaslet.config()
        };
        // As the target runs it: without epoch checks, its time limit kept
        // by the target process itself.
        output.setting(
            "faaslet_engine",
            isobench_faaslet::describe(&engine.single_uninterruptible()).into(),
        );
        if precompile(&workload.path, &engine)? == CacheOutcome::Compiled {
            eprintln!("compiled {} ahead of time", workload.path.display());
        }
    }
    let mut target: Vec<OsString> = vec![
        std::env::current_exe()?.into(),
        "__profile-target".into(),
        format!("--{side}").into(),
        workload.path.into(),
        "--seconds".into(),
        args.seconds.to_string().into(),
    ];
    target.extend(
        args.common
            .faaslet
            .config()
            .limit_options()
            .map(OsString::from),
    );
    if let Some(dir) = workload.preopen {
        target.extend(["--preopen".into(), dir.into()]);
    }
    if workload.inlining {
        target.push("--inlining".into());
    }
    for (name, value) in workload.env {
        target.extend(["--env".into(), format!("{name}={value}").into()]);
    }
    // Absolute: the target runs in the results directory's `jit/` (see
    // `perf::record`).
    let pid_file = std::path::absolute(output.dir())?
        .join("jit")
        .join("target.pid");
    // A wasm target does all its work in its own process, a native one in
    // the processes it starts.
    let scope = if args.native {
        Scope::TargetTree
    } else {
        target.extend(["--pid-file".into(), pid_file.clone().into()]);
        Scope::Target {
            pid_file: &pid_file,
        }
    };
    target.push("--".into());
    target.extend(workload.args.into_iter().map(OsString::from));
    eprintln!(
        "profiling {} ({side}) for {} s with perf ({})",
        args.workload,
        args.seconds,
        event.perf_name()
    );
    let recording = perf::record(output.dir(), &target, scope, event, !args.native)?;
    if let Some(reason) = isobench_sandbox::stop::interrupted() {
        output.fail(format!(
            "profile: {reason}; the profile covers the time until then, not the {} s asked for",
            args.seconds
        ));
    }
    let mut table = Table::new(&["function", "samples", "share"]);
    for (function, count) in recording.top.iter().take(TOP_FUNCTIONS) {
        let name = match function.char_indices().nth(NAME_WIDTH) {
            Some((cut, _)) => format!("{}…", &function[..cut]),
            None => function.clone(),
        };
        table.row(vec![
            name,
            count.to_string(),
            format!(
                "{:.1}%",
                100.0 * *count as f64 / recording.samples.max(1) as f64
            ),
        ]);
    }
    let summary = format!(
        "## Profile of {} ({side}{})\n\n{} samples of `{}`, by innermost function. Raw samples in \
         `{}`, the full report in `{}`, folded stacks for a flame graph in `{}`.\n\n{}\n",
        args.workload,
        if args.workload.starts_with("polybench:") {
            format!(", dataset {}", args.polybench_dataset())
        } else {
            String::new()
        },
        recording.samples,
        event.perf_name(),
        file_name(&recording.perf_data),
        file_name(&recording.report),
        file_name(&recording.folded),
        table.to_markdown()
    );
    output.summary_only(
        PROFILE_SUMMARY,
        &SuiteResult {
            summary,
            ..SuiteResult::default()
        },
    )?;
    output.finish()
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What the profiled process runs, again and again.
#[derive(Default)]
struct Workload {
    /// The binary or module.
    path: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// The directory a module sees as `/`.
    preopen: Option<PathBuf>,
    /// Whether the module is compiled with inlining across it.
    inlining: bool,
    /// A temporary directory the runs are pointed at, held (not read) until
    /// the profile ends, then removed.
    _scratch: Option<tempfile::TempDir>,
}

/// What a workload name stands for.
fn resolve(workload: &str, guests: &Guests, args: &ProfileArgs) -> Result<Workload> {
    let flavour = if args.native {
        Flavour::Native
    } else {
        Flavour::Wasm
    };
    // An option meant for another kind of workload would be ignored here.
    let only_for = |given: bool, option: &str, kind: &str| {
        if given {
            bail!("{option} applies to `{kind}` workloads only, not to `{workload}`");
        }
        Ok(())
    };
    let dataset_given = args.dataset.is_some();
    if workload == "noop" {
        only_for(dataset_given, "--dataset", "polybench:")?;
        only_for(args.include_unsupported, "--include-unsupported", "python:")?;
        return Ok(Workload {
            path: guests.path("noop", flavour),
            ..Workload::default()
        });
    }
    if let Some(kernel) = workload.strip_prefix("polybench:") {
        only_for(args.include_unsupported, "--include-unsupported", "python:")?;
        let kernel = polybench::select(&[one_name(kernel)?])?[0];
        let build = guests.polybench(kernel, args.polybench_dataset())?;
        let path = if args.native {
            build.native
        } else {
            build.wasm
        };
        return Ok(Workload {
            path,
            ..Workload::default()
        });
    }
    if let Some(name) = workload.strip_prefix("python:") {
        only_for(dataset_given, "--dataset", "polybench:")?;
        // The benchmark as `pybench` runs it, the shim calibrating its loops.
        let python = Python::locate();
        python.ensure_ready()?;
        let benchmark = select(
            &python.catalogue()?,
            &[one_name(name)?],
            args.include_unsupported,
        )?
        .pop()
        .context("one benchmark is selected")?;
        // A benchmark that hands pyperf a command (python_startup, 2to3) is
        // that command, run as `pybench` times it.
        let (native_args, wasm_args) = match &pybench::commands_of(&python, &benchmark)?[..] {
            [] => (
                benchmark.interpreter_args(&python.tree()),
                benchmark.interpreter_args(std::path::Path::new("/")),
            ),
            [command] => (command.native_args.clone(), command.wasm_args.clone()),
            several => bail!(
                "`{name}` hands pyperf {} commands to time; `profile` records one at a time",
                several.len()
            ),
        };
        // Temporary files in a directory of the profile's own, as pybench's
        // runs have.
        let (scratch, tmpdir) = pybench::scratch_dir(&python, !args.native)?;
        return Ok(if args.native {
            Workload {
                path: python.native(),
                args: native_args,
                env: vec![tmpdir],
                _scratch: Some(scratch),
                ..Workload::default()
            }
        } else {
            let mut env = Python::wasm_env();
            env.push(tmpdir);
            Workload {
                path: python.wasm(),
                args: wasm_args,
                env,
                preopen: Some(python.tree()),
                // Compiled as `pybench` compiles it by default.
                inlining: true,
                _scratch: Some(scratch),
            }
        });
    }
    bail!(
        "unknown workload `{workload}`: choose `noop`, `polybench:KERNEL` (kernels are listed \
         by `isobench polybench --list`) or `python:BENCHMARK` (`isobench pybench --list`)"
    )
}

/// The one kernel or benchmark a workload names: a profile mixing several
/// would attribute no sample to any one of them.
fn one_name(name: &str) -> Result<String> {
    if name.contains(',') || name.eq_ignore_ascii_case("all") {
        bail!(
            "`profile` records one workload at a time: name one kernel or benchmark, not `{name}`"
        );
    }
    Ok(name.to_string())
}

/// `isobench __profile-target`: the process perf records.
pub fn target(args: ProfileTargetArgs) -> Result<()> {
    let target = match (args.wasm, args.native) {
        (Some(module), _) => Target::Wasm {
            module,
            call: Call {
                args: args.args,
                env: args.env,
                preopen: args.preopen,
                ..Call::default()
            },
        },
        (None, Some(program)) => Target::Native {
            program,
            args: args.args,
            env: args.env,
        },
        (None, None) => bail!("--wasm or --native is required"),
    };
    if let Some(path) = &args.pid_file {
        std::fs::write(path, std::process::id().to_string())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let engine = RuntimeConfig {
        inlining: args.inlining,
        ..args.faaslet.config()
    };
    let runs = run_repeatedly(&target, &engine, Duration::from_secs_f64(args.seconds))?;
    eprintln!("{runs} runs recorded");
    Ok(())
}

/// `isobench symbols`: the name section as a table, optionally in Faasm's format.
pub fn symbols(args: SymbolsArgs) -> Result<()> {
    let functions = symbols::functions(&args.file)?;
    let mut table = Table::new(&["index", "kind", "name"]);
    for f in &functions {
        let kind = match &f.import {
            Some(import) => format!("import {import}"),
            None => "defined".into(),
        };
        table.row(vec![
            f.index.to_string(),
            kind,
            f.name.clone().unwrap_or_else(|| "(no name)".into()),
        ]);
    }
    print!("{}", table.to_text());
    if let Some(path) = args.faasm {
        std::fs::write(&path, symbols::faasm_symbols(&functions))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
