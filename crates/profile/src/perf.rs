//! Driving `perf`: record a workload with call stacks, name JIT-compiled
//! wasm functions from the engine's jitdump (`perf inject -j`), and turn the
//! samples into a text report and folded stacks for a flame graph.

use anyhow::{bail, Context, Result};
use isobench_sandbox::stop;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::Duration;

/// The sampling event: CPU cycles where the PMU counts them, else the
/// kernel's CPU clock (a timer, so samples still fall where time is spent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Cycles,
    CpuClock,
}

impl Event {
    pub fn perf_name(self) -> &'static str {
        match self {
            Event::Cycles => "cycles",
            Event::CpuClock => "cpu-clock",
        }
    }

    /// Events between two samples: about every 50 µs of CPU time. A fixed
    /// period rather than perf's default 4,000 samples a second: with a
    /// counter per thread (`Scope::TargetTree`), that 250 µs timer never
    /// fires in a process that lives less than that, as a native cold start.
    pub fn sample_period(self) -> &'static str {
        match self {
            // At a few GHz.
            Event::Cycles => "150000",
            // Nanoseconds.
            Event::CpuClock => "50000",
        }
    }

    /// Cycles if `perf stat` can count them here, else the CPU clock.
    pub fn best_available() -> Result<Event> {
        let output = perf()
            .args(["stat", "-x,", "-e", "cycles", "true"])
            .output()
            .context("running perf stat")?;
        let text = String::from_utf8_lossy(&output.stderr);
        let counted = output.status.success()
            && !text.contains("<not supported>")
            && !text.contains("<not counted>");
        Ok(if counted {
            Event::Cycles
        } else {
            Event::CpuClock
        })
    }
}

fn perf() -> Command {
    Command::new("perf")
}

/// Names the package when `perf` is missing, before anything is recorded.
pub fn check_installed() -> Result<String> {
    match perf().arg("--version").output() {
        Ok(output) if output.status.success() => {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
        }
        _ => bail!(
            "perf is not installed: install it with `apt-get install linux-perf` \
             (or run scripts/setup)"
        ),
    }
}

/// What a recording left in the results directory.
#[derive(Debug)]
pub struct Recording {
    /// The raw samples, as `perf record` wrote them.
    pub perf_data: PathBuf,
    /// The samples perf should read: with JIT code named, when there is some.
    pub named_data: PathBuf,
    /// `perf report --stdio`, functions by share of samples.
    pub report: PathBuf,
    /// One line per distinct stack, `frame;frame;... count`, for flamegraph tools.
    pub folded: PathBuf,
    /// Samples per leaf function, most first.
    pub top: Vec<(String, u64)>,
    pub samples: u64,
}

/// Whose samples a recording keeps.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// The target process alone, sampled on every CPU (`perf record -a`) and
    /// its samples picked out by process id, which the target writes to
    /// `pid_file` as it starts. A CPU's timer runs on from one thread to the
    /// next, so a thread that lives less than a sampling period is sampled in
    /// proportion to its CPU time; with a counter per thread (`TargetTree`)
    /// each new thread starts a period afresh, and one that ends before it
    /// is never sampled, as most Faaslet threads of a cold-start loop.
    Target { pid_file: &'a Path },
    /// The target and every process it starts, each thread with a counter of
    /// its own inherited from its parent: for a target whose work is done in
    /// child processes, which a process id cannot name beforehand.
    TargetTree,
}

/// Records the command line `target` (program and arguments) into `dir`.
/// With `jit`, the target is expected to write a jitdump into `dir/jit` (its
/// working directory, and perf's: paths on its command line must be absolute),
/// which names the generated code.
pub fn record(
    dir: &Path,
    target: &[OsString],
    scope: Scope,
    event: Event,
    jit: bool,
) -> Result<Recording> {
    // perf runs in `dir/jit`, where `dir` itself may not be.
    let dir = &std::path::absolute(dir)?;
    let jit_dir = dir.join("jit");
    std::fs::create_dir_all(&jit_dir)?;
    let perf_data = dir.join("perf.data");
    // perf copies every binary it sees (this one is 135 MB, a CPython
    // profile's JIT code 140 MB more) into a cache under ~/.debug that nothing
    // ever empties: gigabytes after a few dozen profiles. Record caches
    // nothing; inject, report and script use a cache of this run's own,
    // removed when they are done.
    let cache = dir.join(".perf-build-ids");
    let perf = || {
        let mut command = perf();
        command.arg("--buildid-dir").arg(&cache);
        command
    };
    let mut record = perf();
    // Killed with the harness, perf would otherwise record on; the target
    // dies with perf in turn (see `target`).
    isobench_sandbox::child::dies_with_parent(&mut record);
    let recorder = record
        .current_dir(&jit_dir)
        // jitdump timestamps come from the monotonic clock; perf must use it too.
        .args(["record", "--no-buildid-cache", "-k", "mono", "-g"])
        .args(match scope {
            Scope::Target { .. } => &["--all-cpus"][..],
            Scope::TargetTree => &[],
        })
        .args(["-e", event.perf_name()])
        .args(["-c", event.sample_period(), "-o"])
        .arg(&perf_data)
        .arg("--")
        .args(target)
        .spawn()
        .context("running perf record")?;
    let status = wait_or_stop_early(recorder)?;
    // perf ends itself with the SIGINT it was stopped by, data written.
    if !status.success() && !stop::requested() {
        let hint = match scope {
            Scope::Target { .. } => {
                " (sampling every CPU needs root, CAP_PERFMON or \
                 `sysctl kernel.perf_event_paranoid=0`)"
            }
            Scope::TargetTree => "",
        };
        bail!("perf record failed ({status}); the workload's errors are above{hint}");
    }
    // perf report and script read only these samples.
    let only_target: Vec<String> = match scope {
        Scope::Target { pid_file } => {
            let pid = std::fs::read_to_string(pid_file).with_context(|| {
                format!(
                    "the profiled process did not write its id to {}",
                    pid_file.display()
                )
            })?;
            vec![format!("--pid={}", pid.trim())]
        }
        Scope::TargetTree => Vec::new(),
    };
    let named_data = if jit {
        let injected = jit_dir.join("perf.jit.data");
        run_quietly(
            perf()
                .args(["inject", "-j", "-i"])
                .arg(&perf_data)
                .arg("-o")
                .arg(&injected),
            "perf inject -j",
        )?;
        injected
    } else {
        perf_data.clone()
    };
    let report_text = run_quietly(
        perf()
            .args(["report", "--stdio", "--no-children", "--sort", "sym"])
            .args(&only_target)
            .arg("-i")
            .arg(&named_data),
        "perf report",
    )?;
    let report = dir.join("report.txt");
    std::fs::write(&report, &report_text)?;
    let script = run_quietly(
        perf()
            .args(["script", "-F", "comm,ip,sym"])
            .args(&only_target)
            .arg("-i")
            .arg(&named_data),
        "perf script",
    )?;
    std::fs::remove_dir_all(&cache).ok();
    let stacks = fold(&script);
    let folded = dir.join("folded.txt");
    std::fs::write(
        &folded,
        stacks
            .iter()
            .map(|(stack, count)| format!("{stack} {count}\n"))
            .collect::<String>(),
    )?;
    let samples = stacks.values().sum();
    Ok(Recording {
        perf_data,
        named_data,
        report,
        folded,
        top: leaf_counts(&stacks),
        samples,
    })
}

/// Waits for `perf record`; when a stop is asked for meanwhile, sends it the
/// SIGINT that makes it end the recording early and write what it has.
fn wait_or_stop_early(mut recorder: Child) -> Result<ExitStatus> {
    let mut told = false;
    loop {
        if let Some(status) = recorder.try_wait()? {
            return Ok(status);
        }
        if stop::requested() && !told {
            // SAFETY: kill sends a signal to the child, which is not reaped yet.
            unsafe { libc::kill(recorder.id() as libc::pid_t, libc::SIGINT) };
            told = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_quietly(command: &mut Command, what: &str) -> Result<String> {
    let output = command
        .output()
        .with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Folds `perf script -F comm,ip,sym` output (with call chains) into stacks
/// written root first, `comm;outer;...;leaf`, with how often each was seen.
pub fn fold(script: &str) -> BTreeMap<String, u64> {
    let mut stacks = BTreeMap::new();
    let mut comm: Option<String> = None;
    let mut frames: Vec<String> = Vec::new();
    let mut flush = |comm: &mut Option<String>, frames: &mut Vec<String>| {
        if let Some(comm) = comm.take() {
            let mut stack = comm;
            for frame in frames.iter().rev() {
                stack.push(';');
                stack.push_str(frame);
            }
            *stacks.entry(stack).or_insert(0) += 1;
        }
        frames.clear();
    };
    for line in script.lines() {
        if line.trim().is_empty() {
            flush(&mut comm, &mut frames);
        } else if line.starts_with('\t') {
            // A frame: "<address> <symbol>" or just the symbol.
            let frame = line.trim();
            let symbol = match frame.split_once(' ') {
                Some((address, rest)) if address.chars().all(|c| c.is_ascii_hexdigit()) => rest,
                _ => frame,
            };
            // Semicolons separate frames in the folded format.
            frames.push(symbol.trim().replace(';', ":"));
        } else {
            flush(&mut comm, &mut frames);
            comm = Some(line.trim().replace(';', ":"));
        }
    }
    flush(&mut comm, &mut frames);
    stacks
}

/// Samples per leaf (innermost) function, most first.
fn leaf_counts(stacks: &BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut leaves: BTreeMap<&str, u64> = BTreeMap::new();
    for (stack, count) in stacks {
        let leaf = stack.rsplit(';').next().unwrap_or(stack);
        *leaves.entry(leaf).or_insert(0) += count;
    }
    let mut top: Vec<(String, u64)> = leaves.into_iter().map(|(k, v)| (k.into(), v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn stacks_are_folded_root_first_and_counted() {
        let script = "isobench\n\t    7f01 kernel_2mm\n\t    7f02 main\n\nisobench\n\t    7f01 \
                      kernel_2mm\n\t    7f02 main\n\nclang\n\t ffff81 do_syscall_64\n";
        let stacks = fold(script);
        assert_eq!(stacks["isobench;main;kernel_2mm"], 2);
        assert_eq!(stacks["clang;do_syscall_64"], 1);
        assert_eq!(stacks.len(), 2);
    }
}
