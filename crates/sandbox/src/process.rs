//! `process`: the static native guest started as a new process
//! (`posix_spawn`), waited for. The floor for process isolation.

use crate::child::{wait_for_exits, Watched};
use crate::{Batch, Env, Held, Sandbox};
use anyhow::{bail, Context, Result};
use isobench_guests::Flavour;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub struct Process {
    noop: PathBuf,
    hold: PathBuf,
}

impl Process {
    pub fn new(env: &Env) -> Result<Self> {
        let noop = env.guests.path("noop", Flavour::Native);
        let hold = env.guests.path("hold", Flavour::Native);
        for binary in [&noop, &hold] {
            if !binary.exists() {
                bail!(
                    "the native guest {} is missing: build the guests with `isobench guests`",
                    binary.display()
                );
            }
        }
        Ok(Process { noop, hold })
    }
}

impl Sandbox for Process {
    fn name(&self) -> &'static str {
        "process"
    }

    fn cold_starts(&self, workers: usize) -> Result<Batch> {
        let begin = Instant::now();
        let mut watched = Vec::with_capacity(workers);
        for _ in 0..workers {
            let requested = Instant::now();
            let started = Command::new(&self.noop)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {}", self.noop.display()))
                .and_then(|child| Watched::new(child, requested).context("pidfd_open"));
            match started {
                Ok(w) => watched.push(w),
                Err(e) => {
                    // Reap what did start, so no zombie outlives the failure.
                    for mut w in watched {
                        w.child.wait().ok();
                    }
                    return Err(e);
                }
            }
        }
        let mut starts = Vec::with_capacity(workers);
        while !watched.is_empty() {
            let exited = wait_for_exits(&watched, None).context("waiting for guest processes")?;
            let seen = Instant::now();
            for i in exited.into_iter().rev() {
                let mut done = watched.swap_remove(i);
                let status = done.child.wait()?;
                starts.push(match status.code() {
                    Some(0) => Ok(seen - done.requested),
                    _ => Err(format!("{} {status}", self.noop.display())),
                });
            }
        }
        Ok(Batch {
            starts,
            wall: begin.elapsed(),
        })
    }

    fn hold(&self, workers: usize) -> Result<Box<dyn Held>> {
        let mut held = HeldProcesses {
            children: Vec::with_capacity(workers),
            stdins: Vec::with_capacity(workers),
            ready: Arc::new(AtomicUsize::new(0)),
            reader: None,
        };
        let mut stdouts = Vec::with_capacity(workers);
        for _ in 0..workers {
            let mut child = Command::new(&self.hold)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {}", self.hold.display()))?;
            stdouts.push(child.stdout.take().expect("stdout is piped"));
            held.stdins
                .push(child.stdin.take().expect("stdin is piped"));
            held.children.push(child);
        }
        let ready = held.ready.clone();
        held.reader = Some(std::thread::spawn(move || {
            for stdout in stdouts {
                let mut line = String::new();
                if BufReader::new(stdout).read_line(&mut line).is_ok() && line == "ready\n" {
                    ready.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
        Ok(Box::new(held))
    }
}

struct HeldProcesses {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
    ready: Arc<AtomicUsize>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Held for HeldProcesses {
    fn accounted_pids(&self) -> Vec<i32> {
        self.children.iter().map(|c| c.id() as i32).collect()
    }

    fn poll_ready(&mut self) -> Result<bool> {
        for child in &mut self.children {
            if let Some(status) = child.try_wait()? {
                bail!("a held guest process exited early ({status})");
            }
        }
        Ok(self.ready.load(Ordering::SeqCst) == self.children.len())
    }

    fn release(mut self: Box<Self>) -> Result<()> {
        // End of file on standard input is the release signal.
        self.stdins.clear();
        let mut failures = 0;
        for child in &mut self.children {
            if !child.wait()?.success() {
                failures += 1;
            }
        }
        self.children.clear();
        if let Some(reader) = self.reader.take() {
            reader.join().ok();
        }
        if failures > 0 {
            bail!("{failures} held guest processes failed");
        }
        Ok(())
    }
}

impl Drop for HeldProcesses {
    fn drop(&mut self) {
        for child in &mut self.children {
            child.kill().ok();
            child.wait().ok();
        }
    }
}
