//! Child processes watched through pidfds, so that whichever child exits
//! first is seen first, without reaping children that belong to others, and
//! so that a wait can give up after a time limit.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Child;
use std::time::Instant;

pub struct Watched {
    /// None once handed back by [`Watched::into_child`].
    child: Option<Child>,
    pidfd: OwnedFd,
    /// When the harness asked for this child to start.
    pub requested: Instant,
}

impl Watched {
    /// Watches `child`; one that cannot be watched is killed and reaped.
    pub fn new(mut child: Child, requested: Instant) -> std::io::Result<Self> {
        match pidfd_open(child.id() as libc::pid_t) {
            Ok(pidfd) => Ok(Watched {
                child: Some(child),
                pidfd,
                requested,
            }),
            Err(e) => {
                child.kill().ok();
                child.wait().ok();
                Err(e)
            }
        }
    }

    /// The child, for the caller to reap.
    pub fn into_child(mut self) -> Child {
        self.child
            .take()
            .expect("a watched child is handed back once")
    }
}

impl Drop for Watched {
    /// A child still watched when its batch is given up (an error part-way)
    /// is killed and reaped, so that no zombie, and no container runtime
    /// still starting one, outlives the failure.
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            child.kill().ok();
            child.wait().ok();
        }
    }
}

/// A descriptor that becomes readable when the process `pid` exits.
pub(crate) fn pidfd_open(pid: libc::pid_t) -> std::io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the descriptor was just created and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Waits until at least one watched child has exited or `deadline` has
/// passed; returns the indices of those that exited (none at the deadline).
pub fn wait_for_exits(watched: &[Watched], deadline: Instant) -> std::io::Result<Vec<usize>> {
    let mut fds: Vec<libc::pollfd> = watched
        .iter()
        .map(|w| watch_input(w.pidfd.as_raw_fd()))
        .collect();
    poll_until(&mut fds, Some(deadline))?;
    Ok((0..fds.len()).filter(|&i| fds[i].revents != 0).collect())
}

/// A `poll` entry waiting for `fd` to become readable (a pidfd: its
/// process has exited).
pub(crate) fn watch_input(fd: std::os::fd::RawFd) -> libc::pollfd {
    libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    }
}

/// Polls `fds` until one is ready or `deadline` (none: no limit) has
/// passed, retrying when a signal interrupts; returns how many are ready.
pub(crate) fn poll_until(
    fds: &mut [libc::pollfd],
    deadline: Option<Instant>,
) -> std::io::Result<usize> {
    loop {
        let timeout_ms = match deadline {
            None => -1,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                left.as_millis().min(i32::MAX as u128) as i32
            }
        };
        // SAFETY: `fds` is a valid array of pollfd for the length given.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
}

/// Makes the child started by `command` die with the thread that starts it,
/// however that thread's process ends (`kill -9` included), instead of
/// running on as an orphan. For children the harness waits for on the
/// thread that started them, such as a benchmark run or `perf`.
pub fn dies_with_parent(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: between fork and exec only async-signal-safe calls are made.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before the line above took effect
            // (an error made without allocating: this is after fork).
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// The same for this process: it dies with the thread that started it.
pub fn die_with_parent() -> std::io::Result<()> {
    // SAFETY: prctl with PR_SET_PDEATHSIG takes a signal number.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
