//! What the compute suites (`polybench`, `pybench`) share: one guest run
//! natively as a process, or as a Faaslet, under the time limit.
//!
//! A Faaslet whose generated code has no epoch checks cannot be stopped from
//! inside its process, so such runs happen in a child (`isobench __wasm-run`)
//! that the harness kills at the time limit; the child times the Faaslet
//! itself, from instantiation to exit, and reports it as a last `run_ns` line
//! on standard error.

use anyhow::{bail, Context, Result};
use isobench_faaslet::{Call, Function, Runtime, RuntimeConfig};
use isobench_sandbox::spawn::{spawn, Launch};
use isobench_sandbox::stop;
use std::path::Path;
use std::time::{Duration, Instant};

/// What a finished run printed, and how long it took.
pub struct Finished {
    pub stdout: String,
    pub stderr: String,
    pub elapsed_ns: f64,
}

impl Finished {
    /// The number after `key ` on the last standard-error line starting so
    /// (the last, because the child's own `run_ns` follows the guest's lines).
    pub fn reported(&self, key: &str) -> Option<f64> {
        self.stderr
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    }
}

/// Start to exit of a child process, killed at `time_limit`; `what` names
/// the run in errors. A non-zero exit is an error carrying its output. The
/// child is started without copying the harness (see `spawn`), and dies
/// with it.
pub fn run_process(launch: &Launch, what: &str, time_limit: Duration) -> Result<Finished> {
    stop::check()?;
    let started = Instant::now();
    let mut child = spawn(launch).with_context(|| format!("starting the {what} run"))?;
    let deadline = started + time_limit;
    let exited = loop {
        // In slices, so that a stop request is seen within one.
        let slice = deadline
            .saturating_duration_since(Instant::now())
            .min(stop::CHECK_EVERY);
        let exited = child.wait_for_exit(slice)?;
        if exited || Instant::now() >= deadline || stop::requested() {
            break exited;
        }
    };
    let elapsed_ns = started.elapsed().as_nanos() as f64;
    if !exited {
        drop(child); // killed and reaped
        stop::check()?;
        bail!(
            "the {what} run was stopped by the time limit of {:.3} s (raise --time-limit if it \
             should run longer)",
            time_limit.as_secs_f64()
        );
    }
    let output = child.wait_with_output()?;
    // Ctrl-C reaches the run too; a run it ended failed because of the stop.
    stop::check()?;
    let finished = Finished {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed_ns,
    };
    if !output.status.success() {
        // A `__wasm-run` child reports its error in the same words; say them once.
        let said = finished.stderr.trim_end();
        let said = said.strip_prefix("error: ").unwrap_or(said);
        let repeated = format!("the {what} run failed: ");
        let said = said.strip_prefix(&repeated).unwrap_or(said);
        bail!("the {what} run failed ({}): {said}", output.status);
    }
    Ok(finished)
}

/// Runs `wasm` with `call` in an engine without epoch checks, in a child
/// `isobench` process killed at the engine's time limit. The elapsed time is
/// the child's own, from instantiation to exit, without its start-up.
pub fn run_unchecked_wasm(
    host_exe: &Path,
    engine: &RuntimeConfig,
    wasm: &Path,
    call: &Call,
) -> Result<Finished> {
    let launch = unchecked_wasm_launch(host_exe, engine, wasm, call);
    let mut finished = run_process(&launch, "wasm", engine.time_limit)?;
    finished.elapsed_ns = finished
        .reported("run_ns")
        .context("the wasm child reported no run time")?;
    Ok(finished)
}

/// What runs `wasm` with `call` in an engine without epoch checks, in a
/// child `isobench` process.
fn unchecked_wasm_launch(
    host_exe: &Path,
    engine: &RuntimeConfig,
    wasm: &Path,
    call: &Call,
) -> Launch {
    let mut launch = Launch::new(host_exe)
        .arg("__wasm-run")
        .arg(wasm)
        .args(engine.limit_options());
    if engine.inlining {
        launch = launch.arg("--inlining");
    }
    if let Some(dir) = &call.preopen {
        launch = launch.arg("--preopen").arg(dir);
    }
    for (name, value) in &call.env {
        launch = launch.arg("--env").arg(format!("{name}={value}"));
    }
    launch.arg("--").args(&call.args)
}

/// The order in which the sides take turns: round after round, each side
/// once per round until it has had its own number of runs. A machine whose
/// speed drifts then slows every side alike.
pub fn rounds<S: Copy>(sides: &[(S, usize)]) -> impl Iterator<Item = (usize, S)> + '_ {
    let total = sides.iter().map(|&(_, runs)| runs).max().unwrap_or(0);
    (0..total).flat_map(move |iteration| {
        sides
            .iter()
            .filter(move |&&(_, runs)| iteration < runs)
            .map(move |&(side, _)| (iteration, side))
    })
}

/// One Faaslet on a fresh thread, timed from instantiation to exit. A
/// non-zero exit is an error carrying the guest's standard error.
pub fn run_on_thread(function: &Function, call: &Call) -> Result<Finished> {
    // A stop request ends a guest with epoch checks within a tick.
    let call = Call {
        stop_when: Some(stop::requested),
        ..call.clone()
    };
    let (outcome, elapsed) = function.run_on_new_thread(&call);
    // A run the stop ended failed because of the stop.
    stop::check()?;
    let outcome = outcome.context("the wasm run failed")?;
    let finished = Finished {
        stdout: String::from_utf8_lossy(&outcome.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&outcome.stderr).into_owned(),
        elapsed_ns: elapsed.as_nanos() as f64,
    };
    if outcome.exit_code != 0 {
        bail!(
            "the wasm run exited with status {}: {}",
            outcome.exit_code,
            finished.stderr.trim_end()
        );
    }
    Ok(finished)
}

/// `isobench __wasm-run`: one guest run by an engine without epoch checks,
/// in this (child) process. The guest's output is passed on, followed by a
/// `run_ns` line on standard error.
pub fn wasm_run_child(faaslet: &RuntimeConfig, wasm: &Path, call: &Call) -> Result<()> {
    let runtime = Runtime::new(faaslet.single_uninterruptible())?;
    let (function, _) = runtime.load_command(wasm)?;
    let finished = run_on_thread(&function, call)?;
    print!("{}", finished.stdout);
    eprint!("{}", finished.stderr);
    eprintln!("run_ns {}", finished.elapsed_ns);
    Ok(())
}
