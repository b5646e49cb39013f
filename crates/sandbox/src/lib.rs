//! Sandboxes: the ways isobench can start the same function.
//!
//! Every runtime is one file. Runtimes whose workers are threads of one
//! process (`thread`, `faaslet`, `faaslet-restore`) implement
//! [`ThreadWorker`] and share the threading in [`on_threads`] and the host
//! process that holds them in [`host`]; `process` and `docker` implement
//! [`Sandbox`], and `runc` and `crun` (in `oci`) are `process` with a
//! container runtime's command as the launcher.

pub mod child;
pub mod docker;
mod faaslet;
mod faaslet_restore;
pub mod host;
pub mod oci;
mod on_threads;
mod process;
pub mod spawn;
pub mod stop;
mod thread;

use anyhow::{bail, Result};
use isobench_faaslet::{ReleaseGate, RuntimeConfig};
use isobench_guests::Guests;
use isobench_measure::{process_tree_cpu, CpuTime};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Every `--runtime` name, in the order they are reported.
pub const RUNTIMES: &[&str] = &[
    "thread",
    "process",
    "faaslet",
    "faaslet-restore",
    "docker",
    "runc",
    "crun",
];

/// The runtimes whose starts take microseconds, run by default; containers
/// take a thousand times longer and are asked for by name.
pub const DEFAULT_RUNTIMES: &[&str] = &["thread", "process", "faaslet", "faaslet-restore"];

/// A way of starting a function, measured as a platform would use it.
pub trait Sandbox: Send + Sync {
    fn name(&self) -> &'static str;

    /// Starts `workers` cold starts of the `noop` guest at once and waits for
    /// all of them. Each start is timed from the request to start it until it
    /// has exited.
    fn cold_starts(&self, workers: usize) -> Result<Batch>;

    /// Starts `workers` copies of the `hold` guest and keeps them alive until
    /// [`Held::release`]; a [`Held`] dropped without release kills them.
    fn hold(&self, workers: usize) -> Result<Box<dyn Held>>;

    /// How long starting one more held worker may take, on top of a minute,
    /// before a footprint run gives up waiting for them all.
    fn start_allowance(&self) -> Duration {
        Duration::from_millis(20)
    }

    /// Long-lived processes outside the harness that work for every start
    /// (a container daemon): their CPU time and I/O are part of the cost.
    fn daemons(&self) -> Vec<i32> {
        Vec::new()
    }

    /// CPU time so far of the work done outside the harness for every start:
    /// its daemons', with what they reaped, unless the sandbox knows better
    /// (Docker reads its cgroups, which keep its exited helpers' and its
    /// containers'). `None` when it can no longer be read.
    fn engine_cpu(&self) -> Option<CpuTime> {
        Some(process_tree_cpu(&self.daemons()))
    }

    /// How this sandbox's cost is counted, where a reader of its figures
    /// must know.
    fn accounting_note(&self) -> Option<String> {
        None
    }
}

/// The outcome of one batch of concurrent cold starts.
#[derive(Debug)]
pub struct Batch {
    /// One entry per worker: its cold-start time, or why it failed.
    pub starts: Vec<Result<Duration, String>>,
    /// From the first start request until every worker had exited.
    pub wall: Duration,
    /// Per worker, the time to remove what it left behind after it exited
    /// (a Docker container); empty where nothing needs removing.
    pub teardown: Vec<Duration>,
}

/// Workers kept alive so their footprint can be measured.
pub trait Held {
    /// The processes a user pays for (the accounted set), right now.
    fn accounted_pids(&self) -> Vec<i32>;
    /// Whether all workers are up; an error if any of them failed to start.
    fn poll_ready(&mut self) -> Result<bool>;
    /// Lets every worker finish and waits for all of them to exit.
    fn release(self: Box<Self>) -> Result<()>;
}

/// What a fresh worker thread runs: one call, to completion. It returns
/// what the call leaves to release, which the dispatching thread drops once
/// it has joined every worker of the batch, adding the drop to this worker's
/// start.
pub type ThreadTask = Box<dyn FnOnce() -> Result<Leftover, String> + Send>;

/// What a finished call leaves to release (a Faaslet's instance), or nothing.
pub type Leftover = Box<dyn Send>;

/// The body of one worker of a runtime whose workers are threads.
pub trait ThreadWorker: Send + Sync + 'static {
    /// Makes, on the dispatching thread, what a call of the `noop` guest
    /// needs, and returns the part that runs on the worker thread.
    fn noop(&self) -> Result<ThreadTask, String>;
    /// Whether making the `noop` task is work enough to do while the kernel
    /// starts the worker's thread, rather than before spawning it.
    fn overlaps_thread_start(&self) -> bool {
        false
    }
    /// Runs the `hold` guest on the calling thread until `gate` is released.
    fn hold(&self, gate: &Arc<ReleaseGate>) -> Result<(), String>;
}

/// What runtimes need from their surroundings.
#[derive(Clone)]
pub struct Env {
    pub guests: Arc<Guests>,
    /// The `isobench` executable, which serves as the host process that holds
    /// thread and Faaslet workers for memory measurements.
    pub host_exe: PathBuf,
    /// Engine settings for Faaslets; `max_instances` is raised to fit the
    /// workers a run asks for.
    pub faaslet: RuntimeConfig,
}

/// Creates the runtime called `name`, ready to start workers (modules loaded,
/// code compiled, snapshots taken: nothing of that is left for timed paths).
pub fn create(name: &str, env: &Env, max_workers: usize) -> Result<Box<dyn Sandbox>> {
    let name = runtime_name(name)?;
    match name {
        "process" => return Ok(Box::new(process::Process::new(env)?)),
        "docker" => return Ok(Box::new(docker::Docker::new(env)?)),
        "runc" | "crun" => return Ok(Box::new(oci::new(env, name)?)),
        _ => {}
    }
    let worker = thread_worker(name, env, max_workers)?;
    Ok(Box::new(on_threads::OnThreads::new(
        name,
        worker,
        env.clone(),
    )))
}

/// Makes the worker body of a runtime whose workers are threads.
type MakeThreadWorker = fn(&Guests, RuntimeConfig) -> Result<Arc<dyn ThreadWorker>>;

/// A runtime whose workers are threads: how it makes their body, and what
/// limits how many of them one process can hold.
#[derive(Clone, Copy)]
pub struct ThreadRuntime {
    make: MakeThreadWorker,
    /// Whether each worker is a Faaslet, which takes a slot of the engine's
    /// pool (and each slot 4 GiB of address space).
    pub faaslets: bool,
}

impl ThreadRuntime {
    /// Memory mappings one held worker needs at most.
    pub fn mappings_per_worker(&self) -> usize {
        if self.faaslets {
            FAASLET_MAPPINGS
        } else {
            THREAD_MAPPINGS
        }
    }
}

/// A thread's stack and guard page, and the alternate signal stack Rust
/// gives every thread (with its guard page).
const THREAD_MAPPINGS: usize = 4;

/// A Faaslet's thread also has wasmtime's larger signal stack and its guard,
/// and the instance's linear memory: its copy-on-write image, the rest of its
/// accessible pages and its reservation.
const FAASLET_MAPPINGS: usize = THREAD_MAPPINGS + 5;

/// The runtime called `name`, if its workers are threads; the one list of
/// such runtimes.
pub fn thread_runtime(name: &str) -> Option<ThreadRuntime> {
    let faaslet = |make: MakeThreadWorker| ThreadRuntime {
        make,
        faaslets: true,
    };
    match name {
        "thread" => Some(ThreadRuntime {
            make: |_, _| Ok(Arc::new(thread::Thread)),
            faaslets: false,
        }),
        "faaslet" => Some(faaslet(|guests, config| {
            Ok(Arc::new(faaslet::Faaslet::new(guests, config)?))
        })),
        "faaslet-restore" => Some(faaslet(|guests, config| {
            Ok(Arc::new(faaslet_restore::new(guests, config)?))
        })),
        _ => None,
    }
}

/// Whether the workers of the runtime called `name` are threads: of the
/// harness in `time`, of a host process in `mem`.
pub fn on_threads(name: &str) -> bool {
    thread_runtime(name).is_some()
}

/// The worker body of a thread-based runtime, for this process.
pub fn thread_worker(name: &str, env: &Env, max_workers: usize) -> Result<Arc<dyn ThreadWorker>> {
    let Some(runtime) = thread_runtime(name) else {
        bail!("{name} is not a thread-based runtime");
    };
    (runtime.make)(&env.guests, faaslet_config(env, max_workers))
}

/// The engine settings for up to `max_workers` Faaslets at once.
pub fn faaslet_config(env: &Env, max_workers: usize) -> RuntimeConfig {
    let mut config = env.faaslet.clone();
    // Room for every worker plus the odd slot still being returned to the pool.
    config.max_instances = config.max_instances.max(max_workers as u32 + 16);
    config
}

/// What `isobench clean` removed, and what it did not.
#[derive(Default)]
pub struct Cleaned {
    pub removed: Vec<String>,
    /// Per running isobench (by PID), how many things of each kind it uses.
    pub in_use: BTreeMap<u32, BTreeMap<String, usize>>,
    /// What could not be removed, and why.
    pub failed: Vec<String>,
}

impl Cleaned {
    /// Removes the directories in `parent` named `<prefix><pid>-...` (see
    /// [`owned_tempdir`]) whose isobench has ended, and counts those of one
    /// still running as in use; each is called a `kind` of thing.
    pub fn remove_dirs_of_ended_runs(&mut self, parent: &Path, prefix: &str, kind: &str) {
        for entry in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(owner) = owner_pid(&name, prefix) else {
                continue;
            };
            let path = entry.path();
            if is_running_isobench(owner) {
                self.in_use_by(owner, kind);
            } else if let Err(e) = std::fs::remove_dir_all(&path) {
                self.failed
                    .push(format!("removing {}: {e}", path.display()));
            } else {
                self.removed.push(format!("{kind} {}", path.display()));
            }
        }
    }

    /// Counts one `kind` of thing (`"docker container"`) left to `owner`.
    pub fn in_use_by(&mut self, owner: u32, kind: &str) {
        self.count_in_use(owner, kind.into(), 1);
    }

    fn count_in_use(&mut self, owner: u32, kind: String, count: usize) {
        *self
            .in_use
            .entry(owner)
            .or_default()
            .entry(kind)
            .or_default() += count;
    }

    pub fn add(&mut self, other: Cleaned) {
        self.removed.extend(other.removed);
        self.failed.extend(other.failed);
        for (owner, kinds) in other.in_use {
            for (kind, count) in kinds {
                self.count_in_use(owner, kind, count);
            }
        }
    }
}

/// A temporary directory in `parent`, named `<prefix><this PID>-...` so
/// that `isobench clean` can tell one a killed run left from one in use.
pub fn owned_tempdir(prefix: &str, parent: &Path) -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(&format!("{prefix}{}-", std::process::id()))
        .tempdir_in(parent)
}

/// The PID in a name `<prefix><pid>-...`, as the tool names what it leaves
/// on the machine (containers, state, cgroups, temporary directories).
pub fn owner_pid(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.split('-').next()?.parse().ok()
}

/// Whether `pid` is a running isobench (not one that has ended, nor another
/// program that got its PID since): what it created is still in use.
pub fn is_running_isobench(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "isobench")
}

/// Checks a runtime name, listing the valid ones when it is unknown.
pub fn runtime_name(name: &str) -> Result<&'static str> {
    match RUNTIMES.iter().find(|r| **r == name) {
        Some(r) => Ok(r),
        None => bail!(
            "unknown runtime `{name}`: the runtimes are {}",
            RUNTIMES.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtimes_on_threads_are_thread_and_the_faaslets() {
        let on: Vec<_> = RUNTIMES.iter().filter(|r| on_threads(r)).collect();
        assert_eq!(on, [&"thread", &"faaslet", &"faaslet-restore"]);
    }
}
