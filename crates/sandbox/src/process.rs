//! `process`: the static native guest started as a new process
//! (`posix_spawn`), waited for. The floor for process isolation.

use crate::child::{wait_for_exits, Watched};
use crate::{stop, Batch, Env, Held, Sandbox};
use anyhow::{bail, Context, Result};
use isobench_guests::Flavour;
use isobench_measure::descendants;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The command that starts one worker running a guest (`noop` or `hold`).
pub(crate) type Launcher = Box<dyn Fn(Guest) -> Command + Send + Sync>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guest {
    Noop,
    Hold,
}

impl Guest {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Guest::Noop => "noop",
            Guest::Hold => "hold",
        }
    }
}

/// Workers that are processes started by a command: the guest binary itself
/// here, a container runtime running it for `runc` and `crun`.
pub struct Process {
    name: &'static str,
    launch: Launcher,
    /// How long a batch of starts may take (`--time-limit`): a runtime that
    /// hangs (`runc run` stuck on a cgroup) must not hang the run.
    time_limit: Duration,
}

impl Process {
    pub fn new(env: &Env) -> Result<Self> {
        let noop = native_guest(env, Guest::Noop)?;
        let hold = native_guest(env, Guest::Hold)?;
        Ok(Process::with_launcher(
            "process",
            env,
            Box::new(move |guest| {
                Command::new(match guest {
                    Guest::Noop => &noop,
                    Guest::Hold => &hold,
                })
            }),
        ))
    }

    pub(crate) fn with_launcher(name: &'static str, env: &Env, launch: Launcher) -> Self {
        Process {
            name,
            launch,
            time_limit: env.faaslet.time_limit,
        }
    }
}

/// The static native build of a guest, which must have been built.
pub(crate) fn native_guest(env: &Env, guest: Guest) -> Result<PathBuf> {
    let binary = env.guests.path(guest.name(), Flavour::Native);
    if !binary.exists() {
        bail!(
            "the native guest {} is missing: build the guests with `isobench guests`",
            binary.display()
        );
    }
    Ok(binary)
}

impl Sandbox for Process {
    fn name(&self) -> &'static str {
        self.name
    }

    fn cold_starts(&self, workers: usize) -> Result<Batch> {
        let begin = Instant::now();
        let mut watched = Vec::with_capacity(workers);
        for _ in 0..workers {
            let requested = Instant::now();
            let started = (self.launch)(Guest::Noop)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .with_context(|| format!("starting a {} worker", self.name))
                .and_then(|child| Watched::new(child, requested).context("pidfd_open"));
            // On a failure, what did start is killed and reaped as `watched`
            // is dropped.
            watched.push(started?);
        }
        let mut starts = Vec::with_capacity(workers);
        let deadline = begin + self.time_limit;
        while !watched.is_empty() {
            // In slices, so that a stop request is seen within one; what has
            // not exited is killed and reaped as `watched` is dropped.
            stop::check()?;
            if Instant::now() >= deadline {
                bail!(
                    "{} of {workers} {} workers had not exited after {:.0} s, the time limit \
                     (--time-limit); they were killed",
                    watched.len(),
                    self.name,
                    self.time_limit.as_secs_f64()
                );
            }
            let slice_end = deadline.min(Instant::now() + stop::CHECK_EVERY);
            let exited =
                wait_for_exits(&watched, slice_end).context("waiting for guest processes")?;
            let seen = Instant::now();
            for i in exited.into_iter().rev() {
                let done = watched.swap_remove(i);
                let requested = done.requested;
                let output = done.into_child().wait_with_output()?;
                starts.push(if output.status.success() {
                    Ok(seen - requested)
                } else {
                    // What the runtime said about it, if anything.
                    Err(format!(
                        "{} noop worker failed ({}): {}",
                        self.name,
                        output.status,
                        String::from_utf8_lossy(&output.stderr).trim()
                    ))
                });
            }
        }
        Ok(Batch {
            starts,
            wall: begin.elapsed(),
            teardown: Vec::new(),
        })
    }

    fn hold(&self, workers: usize) -> Result<Box<dyn Held>> {
        let mut held = HeldProcesses {
            children: Vec::with_capacity(workers),
            stdins: Vec::with_capacity(workers),
            ready: Arc::new(AtomicUsize::new(0)),
            reader: None,
            stderr: tempfile::tempfile().context("creating a file for the workers' errors")?,
            release_limit: self.time_limit,
        };
        let mut stdouts = Vec::with_capacity(workers);
        for _ in 0..workers {
            let mut child = (self.launch)(Guest::Hold)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(held.stderr.try_clone()?)
                .spawn()
                .with_context(|| format!("starting a {} worker", self.name))?;
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
    /// The standard error of every worker, appended to one file: a pipe
    /// would have to be read while they run, and a container runtime's
    /// container may keep it open after the runtime has exited.
    stderr: File,
    /// How long released workers get to exit (`--time-limit`): hundreds of
    /// containers take seconds to end.
    release_limit: Duration,
}

impl HeldProcesses {
    /// The last thing a worker wrote to standard error (for `runc` and
    /// `crun`, why the runtime failed), if any.
    fn last_error(&self) -> String {
        let mut written = String::new();
        (&self.stderr).seek(SeekFrom::Start(0)).ok();
        (&self.stderr).read_to_string(&mut written).ok();
        match written.trim().lines().last() {
            Some(line) => format!(": {line}"),
            None => String::new(),
        }
    }
}

impl Held for HeldProcesses {
    /// The started processes and theirs: for `runc` and `crun`, the
    /// runtime's process and the container it runs, its child.
    fn accounted_pids(&self) -> Vec<i32> {
        let started: Vec<i32> = self.children.iter().map(|c| c.id() as i32).collect();
        descendants(&started)
    }

    fn poll_ready(&mut self) -> Result<bool> {
        for child in &mut self.children {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "a held guest process exited early ({status}){}",
                    self.last_error()
                );
            }
        }
        Ok(self.ready.load(Ordering::SeqCst) == self.children.len())
    }

    fn release(mut self: Box<Self>) -> Result<()> {
        // End of file on standard input is the release signal.
        self.stdins.clear();
        let deadline = Instant::now() + self.release_limit;
        let (mut failures, mut overdue) = (0, 0);
        for child in &mut self.children {
            match exit_by(child, deadline)? {
                Some(status) if status.success() => {}
                Some(_) => failures += 1,
                None => {
                    child.kill().ok();
                    child.wait().ok();
                    overdue += 1;
                }
            }
        }
        self.children.clear();
        if overdue > 0 {
            bail!(
                "{overdue} held guest processes had not exited {:.0} s after their release, the \
                 time limit (--time-limit), and were killed{}",
                self.release_limit.as_secs_f64(),
                self.last_error()
            );
        }
        if let Some(reader) = self.reader.take() {
            reader.join().ok();
        }
        if failures > 0 {
            bail!(
                "{failures} held guest processes failed{}",
                self.last_error()
            );
        }
        Ok(())
    }
}

/// How long held workers dropped without release get to exit on their own.
const GRACE: Duration = Duration::from_secs(5);

impl Drop for HeldProcesses {
    /// Releases the workers as [`Held::release`] does, then kills those that
    /// have not exited after [`GRACE`]: `runc run` or `crun run` killed
    /// outright would leave its container, cgroups and state behind.
    fn drop(&mut self) {
        self.stdins.clear();
        let deadline = Instant::now() + GRACE;
        for child in &mut self.children {
            exit_by(child, deadline).ok();
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// The child's exit status once it has exited, or `None` if it is still
/// running at `deadline`.
fn exit_by(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use isobench_faaslet::RuntimeConfig;
    use isobench_guests::Guests;

    /// Workers that are `sleep 30`, within a time limit of `limit`.
    fn sleepers(limit: Duration) -> Process {
        let env = Env {
            guests: Arc::new(Guests::locate()),
            host_exe: "/nonexistent/isobench".into(),
            faaslet: RuntimeConfig {
                time_limit: limit,
                ..RuntimeConfig::default()
            },
        };
        Process::with_launcher(
            "process",
            &env,
            Box::new(|_| {
                let mut command = Command::new("sleep");
                command.arg("30");
                command
            }),
        )
    }

    #[test]
    fn workers_that_never_exit_fail_the_batch_at_the_time_limit_and_are_killed() {
        let started = Instant::now();
        let Err(error) = sleepers(Duration::from_millis(300)).cold_starts(2) else {
            panic!("the batch should fail");
        };
        assert!(started.elapsed() < Duration::from_secs(5));
        let said = format!("{error:#}");
        assert!(
            said.contains("2 of 2 process workers had not exited") && said.contains("--time-limit"),
            "{said}"
        );
    }

    #[test]
    fn held_workers_that_ignore_their_release_are_killed_at_the_time_limit() {
        let held = sleepers(Duration::from_millis(300)).hold(2).unwrap();
        let started = Instant::now();
        let error = held.release().expect_err("the release fails");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(
            format!("{error:#}").contains("2 held guest processes had not exited"),
            "{error:#}"
        );
    }
}
