//! The process `perf` records: a workload run again and again until enough
//! time has passed for a useful number of samples.

use anyhow::{bail, Context, Result};
use isobench_faaslet::{CacheOutcome, Call, ProfilingStrategy, Runtime, RuntimeConfig};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
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

/// Runs `target` at least once and until `at_least` has passed; returns how
/// many runs there were.
pub fn run_repeatedly(
    target: &Target,
    faaslet: &RuntimeConfig,
    at_least: Duration,
) -> Result<usize> {
    // Started by perf: ends when perf ends, whatever ends perf.
    isobench_sandbox::child::die_with_parent().context("tying the target to perf")?;
    let started = Instant::now();
    let mut runs = 0;
    match target {
        Target::Wasm { module, call } => {
            // Without epoch checks, as the `wasm` side of the compute suites.
            let runtime = Runtime::new(RuntimeConfig {
                profiling: ProfilingStrategy::JitDump,
                ..faaslet.single_uninterruptible()
            })?;
            let (function, _) = runtime.load_command(module)?;
            while runs == 0 || started.elapsed() < at_least {
                let outcome = function.run_on_new_thread(call).0?;
                if outcome.exit_code != 0 {
                    bail!(
                        "{} exited with status {}: {}",
                        module.display(),
                        outcome.exit_code,
                        String::from_utf8_lossy(&outcome.stderr)
                    );
                }
                runs += 1;
            }
        }
        Target::Native { program, args, env } => {
            while runs == 0 || started.elapsed() < at_least {
                let status = Command::new(program)
                    .args(args)
                    .env_clear()
                    .envs(env.iter().cloned())
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .with_context(|| format!("starting {}", program.display()))?;
                if !status.success() {
                    bail!("{} failed ({status})", program.display());
                }
                runs += 1;
            }
        }
    }
    Ok(runs)
}
