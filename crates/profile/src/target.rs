//! The process `perf` records: a workload run again and again until enough
//! time has passed for a useful number of samples.

use anyhow::{bail, Context, Result};
use isobench_faaslet::{CacheOutcome, Call, ProfilingStrategy, Runtime, RuntimeConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub enum Target {
    /// A wasm32-wasi command, run as Faaslets by an engine writing a jitdump.
    Wasm { module: PathBuf, call: Call },
    /// A native binary, started as a process each time with these arguments
    /// and only this environment.
    Native {
        program: PathBuf,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
}

/// Compiles a wasm target's module into the code cache before perf starts,
/// so that the recording samples the workload, not its compilation (with
/// inlining, CPython's takes several seconds). The target's engine differs
/// only in writing a jitdump, which is not part of the cache's key (wasmtime's
/// compatibility hash covers the compiler's flags, tunables and features), so
/// the target finds this entry; and none is written here.
pub fn precompile(module: &Path, faaslet: &RuntimeConfig) -> Result<CacheOutcome> {
    let (_, outcome) = Runtime::new(faaslet.single_uninterruptible())?.load_command(module)?;
    Ok(outcome)
}

/// Ends this process, saying why, when one run outlasts `limit`: the wasm
/// target has no epoch checks (they would be in the profile), and perf
/// records until the target ends. Returns the current run's start, which
/// the caller sets around each run.
fn watchdog(limit: Duration) -> Arc<Mutex<Option<Instant>>> {
    let current: Arc<Mutex<Option<Instant>>> = Arc::default();
    let watched = current.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(10));
        let began = *watched.lock().expect("no panics under the lock");
        if began.is_some_and(|began| began.elapsed() > limit) {
            eprintln!(
                "error: a run of the workload took longer than the time limit ({} s, \
                 --time-limit)",
                limit.as_secs_f64()
            );
            // A native run dies with this process (see `dies_with_parent`).
            std::process::exit(1);
        }
    });
    current
}

/// Runs `target` at least once and until `at_least` has passed, each run
/// within `faaslet.time_limit`; returns how many runs there were.
pub fn run_repeatedly(
    target: &Target,
    faaslet: &RuntimeConfig,
    at_least: Duration,
) -> Result<usize> {
    // Started by perf: ends when perf ends, whatever ends perf.
    isobench_sandbox::child::die_with_parent().context("tying the target to perf")?;
    let current_run = watchdog(faaslet.time_limit);
    let started = Instant::now();
    // One run of the workload; the loop below repeats and times it.
    let mut run_once: Box<dyn FnMut() -> Result<()> + '_> = match target {
        Target::Wasm { module, call } => {
            // Without epoch checks, as the `wasm` side of the compute suites.
            let runtime = Runtime::new(RuntimeConfig {
                profiling: ProfilingStrategy::JitDump,
                ..faaslet.single_uninterruptible()
            })?;
            let (function, _) = runtime.load_command(module)?;
            Box::new(move || {
                let outcome = function.run_on_new_thread(call).0?;
                if outcome.exit_code != 0 {
                    bail!(
                        "{} exited with status {}: {}",
                        module.display(),
                        outcome.exit_code,
                        String::from_utf8_lossy(&outcome.stderr)
                    );
                }
                Ok(())
            })
        }
        Target::Native { program, args, env } => Box::new(move || {
            let mut command = Command::new(program);
            isobench_sandbox::child::dies_with_parent(&mut command);
            let output = command
                .args(args)
                .env_clear()
                .envs(env.iter().cloned())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .with_context(|| format!("starting {}", program.display()))?;
            if !output.status.success() {
                // Its last words (a traceback, say), as for a wasm target.
                let said = String::from_utf8_lossy(&output.stderr);
                let lines: Vec<&str> = said.trim_end().lines().collect();
                bail!(
                    "{} failed ({}): {}",
                    program.display(),
                    output.status,
                    lines[lines.len().saturating_sub(20)..].join("\n")
                );
            }
            Ok(())
        }),
    };
    let mut runs = 0;
    while runs == 0 || started.elapsed() < at_least {
        *current_run.lock().expect("no panics under the lock") = Some(Instant::now());
        let outcome = run_once();
        *current_run.lock().expect("no panics under the lock") = None;
        outcome?;
        runs += 1;
    }
    Ok(runs)
}
