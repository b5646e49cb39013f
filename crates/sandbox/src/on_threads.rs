//! What thread-based runtimes share: cold starts on fresh threads of this
//! process, and footprint measured in a dedicated host process (a child of
//! the harness) so that the harness's own memory is never counted.

use crate::{host, Batch, Env, Held, Sandbox, ThreadTask, ThreadWorker};
use anyhow::{Context, Result};
use isobench_faaslet::ReleaseGate;
use std::sync::Arc;
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
        let mut running = Vec::with_capacity(workers);
        for _ in 0..workers {
            let requested = Instant::now();
            // What the worker runs is made here, on the dispatching thread,
            // inside the timed region: before the spawn when that is
            // trivial, otherwise after it and then handed over. A new thread
            // runs 10-20 µs after `spawn` returns; when the kernel puts it on
            // another CPU (about half the time on 2 cores), the making
            // overlaps that wait; on this CPU, the thread runs once the
            // dispatcher waits for it.
            let handle = if self.worker.overlaps_thread_start() {
                let (hand_over, task) = std::sync::mpsc::sync_channel(1);
                let handle = spawn_worker(move || {
                    task.recv()
                        .unwrap_or_else(|_| Err("the dispatcher gave no work".into()))
                })?;
                // The worker waits for this, so it is there to receive it.
                hand_over.send(self.worker.noop()).ok();
                handle
            } else {
                let task = self.worker.noop();
                spawn_worker(move || task)?
            };
            running.push((requested, handle));
        }
        let starts = running
            .into_iter()
            .map(|(requested, handle)| match handle.join() {
                Ok((Ok(()), finished)) => Ok(finished - requested),
                Ok((Err(e), _)) => Err(e),
                Err(_) => Err("the worker thread panicked".to_string()),
            })
            .collect();
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

/// A worker thread that runs the task `get_task` gives it, and stamps its
/// own end as its last act (joining in order would charge one worker for
/// waiting on another).
fn spawn_worker(
    get_task: impl FnOnce() -> Result<ThreadTask, String> + Send + 'static,
) -> Result<JoinHandle<(Result<(), String>, Instant)>> {
    std::thread::Builder::new()
        .spawn(move || (get_task().and_then(|task| task()), Instant::now()))
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
