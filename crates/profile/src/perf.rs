//! Driving `perf`: record a workload with call stacks, name JIT-compiled
//! wasm functions from the engine's jitdump (`perf inject -j`), and turn the
//! samples into a text report and folded stacks for a flame graph.

use anyhow::{bail, Context, Result};
use isobench_sandbox::stop;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
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

    /// Cycles if `perf stat` can count them here, else the CPU clock with
    /// why cycles could not be counted.
    pub fn best_available() -> Result<(Event, Option<String>)> {
        let output = perf()
            .args(["stat", "-x,", "-e", "cycles", "true"])
            .output()
            .context("running perf stat")?;
        let text = String::from_utf8_lossy(&output.stderr);
        Ok(if !output.status.success() {
            // Not the hardware, say, but perf_event_paranoid for this user.
            let said = text.trim().lines().last().unwrap_or("no reason given");
            let why = format!("perf stat -e cycles failed ({}): {said}", output.status);
            (Event::CpuClock, Some(why))
        } else if text.contains("<not supported>") || text.contains("<not counted>") {
            let why = "the CPU's cycle counter is not available here (no PMU)".to_string();
            (Event::CpuClock, Some(why))
        } else {
            (Event::Cycles, None)
        })
    }
}

fn perf() -> Command {
    Command::new("perf")
}

/// Whether `perf record -a` is surely allowed: as root, or with
/// `kernel.perf_event_paranoid` at 0 or below (CAP_PERFMON, not checked
/// here, would allow it too).
fn may_sample_every_cpu() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let paranoid = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid")
        .ok()
        .and_then(|level| level.trim().parse::<i32>().ok());
    root || paranoid.is_some_and(|level| level <= 0)
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

/// perf's build-id cache for a recording's readers is a temporary directory
/// named this and the harness's PID (`isobench clean` removes one a killed
/// run left).
pub const BUILD_ID_CACHE_PREFIX: &str = "isobench-perf-build-ids-";

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
    // perf runs in `dir/jit`, where `dir` itself may not be; and names the
    // jitdumps it merges by their real paths (see `inject_failure`).
    std::fs::create_dir_all(dir.join("jit"))
        .with_context(|| format!("creating {}", dir.join("jit").display()))?;
    let dir = &dir.canonicalize()?;
    let jit_dir = dir.join("jit");
    let perf_data = dir.join("perf.data");
    // perf copies every binary it sees (this one is 135 MB, a CPython
    // profile's JIT code 140 MB more) into a cache under ~/.debug that nothing
    // ever empties: gigabytes after a few dozen profiles. Record caches
    // nothing; inject, report and script use a cache of this run's own,
    // removed when they are done or one of them fails.
    let cache = isobench_sandbox::owned_tempdir(BUILD_ID_CACHE_PREFIX, &std::env::temp_dir())
        .context("creating a build-id cache for perf")?;
    let perf = || {
        let mut command = perf();
        command.arg("--buildid-dir").arg(cache.path());
        command
    };
    // Those that read the recording run in a process group of their own: a
    // Ctrl-C meant for the run would make them stop reading part-way and
    // exit 0, with a truncated merge or an empty report. (`perf record`
    // stays in the terminal's: Ctrl-C ends the recording early, as it should.)
    let reader = || {
        let mut command = perf();
        command.process_group(0);
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
        // perf exits with the target's status when the target fails, so the
        // permission hint is given only where permission could be the cause.
        let hint = match scope {
            Scope::Target { .. } if !may_sample_every_cpu() => {
                " (sampling every CPU needs root, CAP_PERFMON or \
                 `sysctl kernel.perf_event_paranoid=0`)"
            }
            _ => "",
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
        let inject = reader()
            .args(["inject", "-j", "-v", "-i"])
            .arg(&perf_data)
            .arg("-o")
            .arg(&injected)
            .output()
            .context("running perf inject -j")?;
        if !inject.status.success() {
            bail!(
                "{}",
                inject_failure(&String::from_utf8_lossy(&inject.stderr), &jit_dir)
            );
        }
        injected
    } else {
        perf_data.clone()
    };
    let report_text = run_quietly(
        reader()
            .args(["report", "--stdio", "--no-children", "--sort", "sym"])
            // Shares of the target's samples, as in the summary, not of all
            // the machine's.
            .args(["--percentage", "relative"])
            .args(&only_target)
            .arg("-i")
            .arg(&named_data),
        "perf report",
    )?;
    let report = dir.join("report.txt");
    std::fs::write(&report, &report_text)?;
    let script = run_quietly(
        reader()
            .args(["script", "-F", "comm,ip,sym"])
            .args(&only_target)
            .arg("-i")
            .arg(&named_data),
        "perf script",
    )?;
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

/// Why `perf inject -j` failed, from its verbose output. Sampling every CPU
/// records every process's mappings, other processes' jitdumps among them,
/// and perf merges each one it finds: one that is gone (another profile that
/// ended and removed its results) fails the whole merge.
fn inject_failure(verbose: &str, jit_dir: &Path) -> String {
    let last_dump = verbose
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("injecting: "))
        .map(Path::new);
    match last_dump {
        Some(dump) if !dump.starts_with(jit_dir) => format!(
            "perf inject -j could not merge {}, the jitdump of another process that ran while \
             this one was recorded (every CPU is sampled): profile when no other `isobench \
             profile`, or other JIT writing jitdumps for perf, runs at the same time",
            dump.display()
        ),
        _ => {
            // Without the per-function lines, which say nothing about the failure.
            let tail: Vec<&str> = verbose
                .lines()
                .filter(|line| !line.starts_with("write ELF image"))
                .collect();
            format!(
                "perf inject -j failed to merge the jitdump in {}: {}",
                jit_dir.display(),
                tail[tail.len().saturating_sub(20)..].join("\n")
            )
        }
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
    use super::{fold, inject_failure};
    use std::path::Path;

    #[test]
    fn a_failed_merge_names_the_jitdump_of_another_process() {
        let ours = Path::new("/r/1/jit");
        let verbose = "injecting: /r/1/jit/jit-10.dump\nwrite ELF image /r/1/jit/jitted-10-0.so\n\
                       injected: /r/1/jit/jit-10.dump (0)\njit marker found: /r/2/jit/jit-20.dump\n\
                       injecting: /r/2/jit/jit-20.dump\n";
        let message = inject_failure(verbose, ours);
        assert!(
            message.contains("could not merge /r/2/jit/jit-20.dump"),
            "{message}"
        );
        assert!(message.contains("another process"), "{message}");
        // A failure in our own jitdump is reported with perf's words, less
        // the line per function.
        let message = inject_failure(&verbose[..verbose.find("injected").unwrap()], ours);
        assert!(
            message.contains("failed to merge the jitdump in /r/1/jit"),
            "{message}"
        );
        assert!(
            message.contains("injecting: /r/1/jit/jit-10.dump"),
            "{message}"
        );
        assert!(!message.contains("write ELF image"), "{message}");
    }

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
