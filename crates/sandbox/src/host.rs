//! The host process: a child of the harness (the `isobench` binary started
//! with the hidden `__host` command) that holds W thread or Faaslet workers
//! so their memory is measured without the harness's.
//!
//! Protocol, one line each on the host's standard output: `ready` once every
//! worker waits at the gate, or `failed: REASON` if one could not start. The
//! harness then closes the pipe and the host lets the workers finish,
//! joins them and exits 0, or 1 if any failed.

use crate::on_threads::HeldThreads;
use crate::{faaslet_config, thread_runtime, thread_worker, Env, Held, ThreadRuntime};
use anyhow::{bail, Context, Result};
use isobench_faaslet::Runtime;
use isobench_measure::task_room;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, TryRecvError};
use std::time::Duration;

/// Runs in the host process: holds `workers` workers of `runtime` until released.
pub fn serve(env: &Env, runtime: &str, workers: usize) -> Result<()> {
    let mut stdout = std::io::stdout();
    let held = match start_all(env, runtime, workers) {
        Ok(held) => held,
        Err(e) => {
            writeln!(stdout, "failed: {e:#}")?;
            return Err(e);
        }
    };
    writeln!(stdout, "ready")?;
    stdout.flush()?;
    // Any line, or the harness closing the pipe, releases the workers.
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    held.finish()
}

/// Refuses, before anything is measured, more concurrent workers than the
/// machine can have. Runtimes whose workers are threads of one process are
/// bounded by that process: its memory mappings (`vm.max_map_count`) and,
/// for Faaslets, its address space. Every runtime is bounded by the
/// kernel's task ids: each thread and process takes one, and past the
/// limit every fork on the machine fails, not only the harness's. Nothing
/// else is prepared here: a runtime that cannot be is reported when its
/// turn comes, and the run goes on with the others.
pub fn check_capacity(env: &Env, runtime: &str, workers: usize) -> Result<()> {
    let threads = thread_runtime(runtime);
    let within_one_process = |threads: ThreadRuntime| {
        check_mapping_limit(workers * threads.mappings_per_worker())?;
        // Making the engine reserves its whole pool of Faaslet slots,
        // which fails when the address space cannot hold them.
        if threads.faaslets {
            Runtime::new(faaslet_config(env, workers))?;
        }
        anyhow::Ok(())
    };
    threads
        .map_or(Ok(()), within_one_process)
        .and_then(|()| check_task_limit(runtime, workers))
        .with_context(|| format!("{runtime} with {workers} workers"))
}

/// Refuses workers that need more task ids (threads and processes) than the
/// kernel has left, or than the `pids` cgroups this process is in allow:
/// each worker takes one, and a container two at least (its runtime's
/// process or shim, and the container's).
fn check_task_limit(runtime: &str, workers: usize) -> Result<()> {
    let (Some(pid_max), Some(threads_max)) = (
        kernel_limit("kernel/pid_max"),
        kernel_limit("kernel/threads-max"),
    ) else {
        return Ok(());
    };
    // The fourth field of loadavg is running/total tasks.
    let in_use: usize = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|load| {
            load.split_whitespace()
                .nth(3)?
                .split_once('/')?
                .1
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let per_worker = if matches!(runtime, "docker" | "runc" | "crun") {
        2
    } else {
        1
    };
    let needed = workers.saturating_mul(per_worker);
    let limit = pid_max.min(threads_max);
    if in_use.saturating_add(needed) > limit {
        bail!(
            "these workers need at least {needed} threads or processes besides the {in_use} \
             running, but the kernel allows {limit} in all (kernel.pid_max {pid_max}, \
             kernel.threads-max {threads_max}): ask for fewer workers, or raise the limits \
             (`sysctl -w kernel.pid_max=N kernel.threads-max=N`; pid_max is at most 4194304)"
        );
    }
    // Docker's shims and containers live in its daemons' cgroups, not ours;
    // runc and crun put their containers under or beside ours.
    if runtime == "docker" {
        return Ok(());
    }
    if let Some(room) = task_room().filter(|&room| needed > room) {
        bail!(
            "these workers need at least {needed} threads or processes in this \
             process's cgroup, whose pids.max (systemd's TasksMax for the unit or slice it runs \
             in) leaves room for {room}: ask for fewer workers, or raise that limit (for a \
             user's login sessions, `systemctl set-property user-$(id -u).slice \
             TasksMax=infinity`)"
        );
    }
    Ok(())
}

/// A limit the kernel shows under `/proc/sys` (`kernel/pid_max`), if readable.
fn kernel_limit(name: &str) -> Option<usize> {
    std::fs::read_to_string(Path::new("/proc/sys").join(name))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Starts the workers and waits until every one of them is at the gate.
fn start_all(env: &Env, runtime: &str, workers: usize) -> Result<HeldThreads> {
    let worker = thread_worker(runtime, env, workers)?;
    let mut held = HeldThreads::start(worker, workers)?;
    loop {
        match held.poll_ready() {
            Ok(true) => return Ok(held),
            Ok(false) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => {
                held.finish().ok();
                return Err(e);
            }
        }
    }
}

/// Mappings the host needs besides its workers' (the binary, libraries, the
/// engine and its instance pool).
const BASE_MAPPINGS: usize = 2_000;

/// Refuses, before any thread starts, a worker count that would run out of
/// memory mappings; past the limit threads fail in ways that abort the host.
fn check_mapping_limit(worker_mappings: usize) -> Result<()> {
    let limit = kernel_limit("vm/max_map_count").unwrap_or(usize::MAX);
    let needed = BASE_MAPPINGS + worker_mappings;
    if needed > limit {
        // Room to spare, in whole multiples of 64 Ki.
        let enough = (needed + needed / 4).next_multiple_of(65_536);
        bail!(
            "these workers need about {needed} memory mappings but vm.max_map_count is {limit}: \
             raise it with `sysctl -w vm.max_map_count={enough}`"
        );
    }
    Ok(())
}

/// Host processes started from the harness's own executable would share its
/// pages with the harness (the code both ran), and PSS would charge the host
/// only part of each: the memory of thread and Faaslet workers would read
/// low by megabytes, where a platform's host shares its executable with no
/// harness. So `mem` starts them from a private copy, named with this and
/// the harness's PID (`isobench clean` removes one a killed run left).
pub const COPY_PREFIX: &str = "isobench-host-";

/// `env` with its host executable replaced by a private copy, which lives
/// as long as the returned directory.
pub fn with_private_host_copy(env: &Env) -> Result<(tempfile::TempDir, Env)> {
    let dir = crate::owned_tempdir(COPY_PREFIX, &std::env::temp_dir())
        .context("creating a directory for a copy of the isobench executable")?;
    // Named as the original, so that it is seen as an isobench.
    let copy = dir.path().join("isobench");
    std::fs::copy(&env.host_exe, &copy).with_context(|| {
        format!(
            "copying {} to {} for the host processes",
            env.host_exe.display(),
            copy.display()
        )
    })?;
    let env = Env {
        host_exe: copy,
        ..env.clone()
    };
    Ok((dir, env))
}

/// The harness's handle on a host process.
pub struct HostProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
    ready: bool,
}

impl HostProcess {
    pub fn spawn(env: &Env, runtime: &str, workers: usize) -> Result<Self> {
        let mut child = Command::new(&env.host_exe)
            .arg("__host")
            .args(["--runtime", runtime, "--workers", &workers.to_string()])
            .args(env.faaslet.limit_options())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting the host process {}", env.host_exe.display()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            stderr_pipe.read_to_string(&mut text).ok();
            text
        });
        Ok(HostProcess {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr: Some(stderr),
            ready: false,
        })
    }

    fn failure(&mut self, what: String) -> anyhow::Error {
        self.child.kill().ok();
        self.child.wait().ok();
        anyhow::anyhow!("{what}")
    }
}

impl Held for HostProcess {
    fn accounted_pids(&self) -> Vec<i32> {
        vec![self.child.id() as i32]
    }

    fn poll_ready(&mut self) -> Result<bool> {
        if self.ready {
            return Ok(true);
        }
        match self.lines.try_recv() {
            Ok(line) if line == "ready" => {
                self.ready = true;
                Ok(true)
            }
            Ok(line) => {
                let reason = line.strip_prefix("failed: ").unwrap_or(&line).to_string();
                Err(self.failure(reason))
            }
            Err(TryRecvError::Empty) => Ok(false),
            Err(TryRecvError::Disconnected) => {
                let status = self.child.wait()?;
                let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default());
                let last_line = stderr.as_deref().unwrap_or("").trim().lines().last();
                bail!(
                    "the host process exited ({status}) before its workers were ready: {}",
                    last_line.unwrap_or("it printed nothing")
                )
            }
        }
    }

    fn release(mut self: Box<Self>) -> Result<()> {
        // Closing the pipe releases the workers. A written `release` would do
        // too, but to a host that has died it would raise SIGPIPE, which ends
        // isobench (it keeps the default action, for `isobench ... | head`).
        drop(self.stdin.take());
        let status = self.child.wait()?;
        let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default());
        if !status.success() {
            bail!(
                "the host process failed ({status}): {}",
                stderr.unwrap_or_default().trim()
            );
        }
        Ok(())
    }
}

impl Drop for HostProcess {
    fn drop(&mut self) {
        // Released hosts have been waited for; kill() then fails harmlessly.
        if self.child.try_wait().ok().flatten().is_none() {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
