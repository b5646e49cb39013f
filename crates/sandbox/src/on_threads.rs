//! What thread-based runtimes share: cold starts on fresh threads of this
//! process, and footprint measured in a dedicated host process (a child of
//! the harness) so that the harness's own memory is never counted.

use crate::{host, Batch, Env, Held, Leftover, Sandbox, ThreadTask, ThreadWorker};
use anyhow::{Context, Result};
use isobench_faaslet::ReleaseGate;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

pub struct OnThreads {
    name: &'static str,
    worker: Arc<dyn ThreadWorker>,
    env: Env,
}

impl OnThreads {
    pub fn new(name: &'static str, worker: Arc<dyn ThreadWorker>, env: Env) -> Self {
        OnThreads { name, worker, env }
    }
}

impl Sandbox for OnThreads {
    fn name(&self) -> &'static str {
        self.name
    }

    fn cold_starts(&self, workers: usize) -> Result<Batch> {
        let begin = Instant::now();
        // A cold start ends when the harness sees the worker's thread exit
        // (its join returns), as a process's ends when it is reaped, and has
        // released what the call left. Joined in the order they were
        // spawned, one worker would be charged for waiting on another, so
        // each of several workers says which it is as its last act and is
        // joined in the order they finish. Released right after its join, a
        // worker's leftover would hold up the joins of those that finished
        // meanwhile, so all are released once every worker is joined, each
        // charged the time its own release took.
        let (finished, finished_order) = mpsc::channel();
        let mut running = Vec::with_capacity(workers);
        for index in 0..workers {
            let requested = Instant::now();
            let finished = (workers > 1).then(|| (finished.clone(), index));
            // What the worker runs is made here, on the dispatching thread,
            // inside the timed region: before the spawn when that is
            // trivial, otherwise after it and then handed over. A new thread
            // runs 10-20 µs after `spawn` returns; when the kernel puts it on
            // another CPU (about half the time on 2 cores), the making
            // overlaps that wait; on this CPU, the thread runs once the
            // dispatcher waits for it.
            let handle = if self.worker.overlaps_thread_start() {
                let slot = Arc::new(Mutex::new(None));
                let task = slot.clone();
                let handle = spawn_worker(move || take_when_there(&task), finished)?;
                *slot.lock().unwrap() = Some(self.worker.noop());
                handle.thread().unpark();
                handle
            } else {
                let task = self.worker.noop();
                spawn_worker(move || task, finished)?
            };
            running.push((requested, Some(handle)));
        }
        drop(finished);
        let mut starts = vec![Err(String::new()); workers];
        let mut to_release = Vec::with_capacity(workers);
        for _ in 0..workers {
            // A worker that panicked says nothing: once no other can speak,
            // the rest are joined in order.
            let next = match workers {
                1 => Some(0),
                _ => finished_order.recv().ok(),
            };
            let index = next
                .or_else(|| running.iter().position(|(_, handle)| handle.is_some()))
                .expect("a worker is left to join");
            let (requested, handle) = &mut running[index];
            let joined = handle.take().expect("each worker is joined once").join();
            match joined {
                Ok(Ok(leftover)) => to_release.push((index, requested.elapsed(), leftover)),
                Ok(Err(e)) => starts[index] = Err(e),
                Err(_) => starts[index] = Err("the worker thread panicked".to_string()),
            }
        }
        // Released here, on the thread that made them (see `ThreadTask`).
        for (index, until_joined, leftover) in to_release {
            let releasing = Instant::now();
            drop(leftover);
            starts[index] = Ok(until_joined + releasing.elapsed());
        }
        Ok(Batch {
            starts,
            wall: begin.elapsed(),
            teardown: Vec::new(),
        })
    }

    fn hold(&self, workers: usize) -> Result<Box<dyn Held>> {
        Ok(Box::new(host::HostProcess::spawn(
            &self.env, self.name, workers,
        )?))
    }
}

/// What the dispatcher puts in `slot`, once it is there. The worker parks
/// until then rather than spin or yield (as a channel's receiver does first):
/// when it runs on the dispatcher's CPU, that only delays the dispatcher.
fn take_when_there<T>(slot: &Mutex<Option<T>>) -> T {
    loop {
        if let Some(task) = slot.lock().unwrap().take() {
            return task;
        }
        std::thread::park();
    }
}

/// A worker thread that runs the task `get_task` gives it and, as its last
/// act, sends its index through `finished` when it has one.
fn spawn_worker(
    get_task: impl FnOnce() -> Result<ThreadTask, String> + Send + 'static,
    finished: Option<(Sender<usize>, usize)>,
) -> Result<JoinHandle<Result<Leftover, String>>> {
    std::thread::Builder::new()
        .spawn(move || {
            let result = get_task().and_then(|task| task());
            if let Some((finished, index)) = finished {
                finished.send(index).ok();
            }
            result
        })
        .context("spawning a worker thread")
}

/// Worker threads of this process waiting at one gate.
pub struct HeldThreads {
    gate: Arc<ReleaseGate>,
    threads: Vec<JoinHandle<Result<(), String>>>,
}

impl HeldThreads {
    pub fn start(worker: Arc<dyn ThreadWorker>, workers: usize) -> Result<Self> {
        let gate = ReleaseGate::new();
        let mut threads = Vec::with_capacity(workers);
        for i in 0..workers {
            let (worker, worker_gate) = (worker.clone(), gate.clone());
            let handle = std::thread::Builder::new()
                .spawn(move || worker.hold(&worker_gate))
                .with_context(|| format!("spawning worker thread {} of {workers}", i + 1));
            match handle {
                Ok(h) => threads.push(h),
                Err(e) => {
                    HeldThreads { gate, threads }.finish().ok();
                    return Err(e);
                }
            }
        }
        Ok(HeldThreads { gate, threads })
    }

    /// Whether every worker waits at the gate; the first failure, if one ended early.
    pub fn poll_ready(&mut self) -> Result<bool> {
        if let Some(i) = self.threads.iter().position(|t| t.is_finished()) {
            let failed = self.threads.swap_remove(i);
            let reason = match failed.join() {
                Ok(Err(e)) => e,
                Ok(Ok(())) => "a worker finished before it was released".into(),
                Err(_) => "a worker thread panicked".into(),
            };
            anyhow::bail!("{reason}");
        }
        Ok(self.gate.arrived() >= self.threads.len())
    }

    /// Releases the gate and joins every worker; the first failure, if any.
    pub fn finish(self) -> Result<()> {
        self.gate.release();
        let mut first_failure = None;
        for thread in self.threads {
            let result = thread
                .join()
                .unwrap_or_else(|_| Err("a worker thread panicked".into()));
            if let Err(e) = result {
                first_failure.get_or_insert(e);
            }
        }
        match first_failure {
            None => Ok(()),
            Some(e) => anyhow::bail!("{e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use isobench_faaslet::RuntimeConfig;
    use isobench_guests::Guests;
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Sleeps when dropped: put in a thread local, it holds the thread up as
    /// it exits, after its function has returned.
    struct SleepsOnDrop(Duration);

    impl Drop for SleepsOnDrop {
        fn drop(&mut self) {
            std::thread::sleep(self.0);
        }
    }

    thread_local! {
        static AT_EXIT: RefCell<Option<SleepsOnDrop>> = const { RefCell::new(None) };
    }

    /// The n-th task it makes sleeps `in_body[n]`, then `at_exit` as its
    /// thread exits, and leaves what sleeps `on_release` when released.
    struct Sleeper {
        in_body: Vec<Duration>,
        at_exit: Duration,
        on_release: Duration,
        made: AtomicUsize,
    }

    impl ThreadWorker for Sleeper {
        fn noop(&self) -> Result<ThreadTask, String> {
            let n = self.made.fetch_add(1, Ordering::SeqCst);
            let (in_body, at_exit, on_release) = (self.in_body[n], self.at_exit, self.on_release);
            Ok(Box::new(move || {
                std::thread::sleep(in_body);
                AT_EXIT.with(|slot| *slot.borrow_mut() = Some(SleepsOnDrop(at_exit)));
                Ok(Box::new(SleepsOnDrop(on_release)) as Leftover)
            }))
        }

        /// Handed over after the spawn, as a Faaslet is.
        fn overlaps_thread_start(&self) -> bool {
            true
        }

        fn hold(&self, _: &Arc<ReleaseGate>) -> Result<(), String> {
            unreachable!("only cold starts are tested")
        }
    }

    fn starts(in_body: &[u64], at_exit: u64, on_release: u64) -> Vec<Duration> {
        let worker = Sleeper {
            in_body: in_body
                .iter()
                .map(|&ms| Duration::from_millis(ms))
                .collect(),
            at_exit: Duration::from_millis(at_exit),
            on_release: Duration::from_millis(on_release),
            made: AtomicUsize::new(0),
        };
        let env = Env {
            guests: Arc::new(Guests::locate()),
            host_exe: "/nonexistent/isobench".into(),
            faaslet: RuntimeConfig::default(),
        };
        let runtime = OnThreads::new("sleeper", Arc::new(worker), env);
        let batch = runtime.cold_starts(in_body.len()).unwrap();
        batch.starts.into_iter().map(Result::unwrap).collect()
    }

    #[test]
    fn a_start_ends_when_its_thread_has_exited() {
        let started = starts(&[0], 50, 0);
        assert!(started[0] >= Duration::from_millis(50), "{started:?}");
    }

    #[test]
    fn a_start_ends_when_what_it_left_has_been_released() {
        let started = starts(&[0], 0, 50);
        assert!(started[0] >= Duration::from_millis(50), "{started:?}");
    }

    #[test]
    fn concurrent_workers_are_not_charged_for_each_others_release() {
        // Both finish at once; released as each is joined, the second
        // joined would seem to take both releases.
        let started = starts(&[0, 0], 0, 100);
        for start in &started {
            assert!(*start >= Duration::from_millis(100), "{started:?}");
            assert!(*start < Duration::from_millis(180), "{started:?}");
        }
    }

    #[test]
    fn concurrent_workers_are_not_charged_for_each_other() {
        // The first one spawned finishes last; joined in spawn order, the
        // other two would seem to take as long.
        let started = starts(&[200, 0, 0], 0, 0);
        assert!(started[0] >= Duration::from_millis(200), "{started:?}");
        for quick in &started[1..] {
            assert!(*quick < Duration::from_millis(100), "{started:?}");
        }
    }
}
