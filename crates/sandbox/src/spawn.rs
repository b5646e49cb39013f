//! Starting a timed benchmark run without copying the harness, tied to the
//! thread that starts it.
//!
//! A child learns to die with the harness (`PR_SET_PDEATHSIG`) only by
//! setting it itself, between fork and exec. With `Command::pre_exec` the
//! standard library then forks, and a fork copies the page tables of the
//! whole harness: after the wasm side of a few dozen PolyBench kernels had
//! run in it, that took milliseconds, and a native run's start-to-exit time
//! included them (`durbin` at MEDIUM: 3.8 ms natively from such a harness,
//! 0.7 ms when started without the copy). [`spawn`] starts the child the
//! way `posix_spawn` does, sharing the harness's memory until `execve`
//! (`clone` with `CLONE_VM | CLONE_VFORK`: the starting thread waits until
//! then), and sets the death signal in between.

use crate::child::{pidfd_open, poll_until, watch_input};
use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::Duration;

/// What to run: a program, its arguments and its environment.
#[derive(Debug, Clone)]
pub struct Launch {
    program: PathBuf,
    args: Vec<OsString>,
    /// `None`: the harness's own environment.
    env: Option<Vec<(OsString, OsString)>>,
}

impl Launch {
    pub fn new(program: impl AsRef<Path>) -> Self {
        Launch {
            program: program.as_ref().to_path_buf(),
            args: Vec::new(),
            env: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// The run sees these variables and no others.
    pub fn env_only<K: AsRef<OsStr>, V: AsRef<OsStr>>(mut self, vars: &[(K, V)]) -> Self {
        let vars = vars
            .iter()
            .map(|(k, v)| (k.as_ref().into(), v.as_ref().into()));
        self.env = Some(vars.collect());
        self
    }
}

/// A started child: stdin is `/dev/null`, stdout and stderr are collected.
/// Dropped before it was waited for, it is killed and reaped.
pub struct Spawned {
    pid: libc::pid_t,
    pidfd: OwnedFd,
    outputs: [Option<File>; 2],
    collected: [Vec<u8>; 2],
    reaped: bool,
}

/// What a finished child printed, and how it ended.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Everything the child needs, prepared before it exists: between `clone`
/// and `execve` it may only make system calls.
struct ChildPlan {
    program: CString,
    argv: Vec<*const libc::c_char>,
    envp: Vec<*const libc::c_char>,
    /// stdin, stdout, stderr, in order.
    stdio: [RawFd; 3],
    /// Where an `execve` error number goes (close-on-exec: end of file
    /// means the exec happened).
    exec_error: RawFd,
    parent: libc::pid_t,
    /// The starting thread's signal mask, which the program inherits.
    mask: libc::sigset_t,
}

const CHILD_STACK: usize = 64 << 10;

/// How long a child's output may go on once it has exited (from what it
/// left running).
const OUTPUT_AFTER_EXIT: Duration = Duration::from_secs(1);

/// Output kept of each of a child's streams, as much as a Faaslet keeps of
/// its own. The rest is read and dropped: a child that never stops printing
/// must neither block on a full pipe nor fill the harness's memory.
const OUTPUT_KEPT_BYTES: usize = 1 << 20;

/// Starts `launch`; the child gets `SIGKILL` when the calling thread ends.
pub fn spawn(launch: &Launch) -> io::Result<Spawned> {
    let program = resolve(&launch.program)?;
    let c_string = |bytes: &[u8]| {
        CString::new(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte"))
    };
    let argv_strings = std::iter::once(launch.program.as_os_str())
        .chain(launch.args.iter().map(OsString::as_os_str))
        .map(|a| c_string(a.as_bytes()))
        .collect::<io::Result<Vec<_>>>()?;
    let env: Vec<(OsString, OsString)> = match &launch.env {
        Some(vars) => vars.clone(),
        None => std::env::vars_os().collect(),
    };
    let env_strings = env
        .iter()
        .map(|(k, v)| c_string(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
        .collect::<io::Result<Vec<_>>>()?;
    let null_terminated = |strings: &[CString]| {
        let mut pointers: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        pointers.push(std::ptr::null());
        pointers
    };
    let stdin = File::open("/dev/null")?;
    let (stdout_read, stdout_write) = pipe()?;
    let (stderr_read, stderr_write) = pipe()?;
    let (error_read, error_write) = pipe()?;
    let mut plan = ChildPlan {
        program: c_string(program.as_os_str().as_bytes())?,
        argv: null_terminated(&argv_strings),
        envp: null_terminated(&env_strings),
        stdio: [
            stdin.as_raw_fd(),
            stdout_write.as_raw_fd(),
            stderr_write.as_raw_fd(),
        ],
        exec_error: error_write.as_raw_fd(),
        // SAFETY: getpid has no preconditions.
        parent: unsafe { libc::getpid() },
        // SAFETY: an all-zero sigset_t is a valid value to be overwritten.
        mask: unsafe { std::mem::zeroed() },
    };
    let pid = clone_and_exec(&mut plan)?;
    drop((stdout_write, stderr_write, error_write, stdin));
    let pidfd = pidfd_open(pid).inspect_err(|_| {
        // SAFETY: our own unreaped child: killed, then reaped.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
            libc::waitpid(pid, std::ptr::null_mut(), 0);
        }
    })?;
    let mut child = Spawned {
        pid,
        pidfd,
        outputs: [Some(File::from(stdout_read)), Some(File::from(stderr_read))],
        collected: [Vec::new(), Vec::new()],
        reaped: false,
    };
    let mut error = [0u8; 4];
    let mut error_pipe = File::from(error_read);
    if error_pipe.read(&mut error)? == error.len() {
        child.reap()?;
        let error = io::Error::from_raw_os_error(i32::from_ne_bytes(error));
        return Err(io::Error::new(
            error.kind(),
            format!("cannot run {}: {error}", program.display()),
        ));
    }
    Ok(child)
}

/// The program as `execve` needs it: a path, looked up in `PATH` when the
/// name has no slash (as `Command` does).
fn resolve(program: &Path) -> io::Result<PathBuf> {
    if program.as_os_str().as_bytes().contains(&b'/') {
        return Ok(program.to_path_buf());
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not on PATH", program.display()),
            )
        })
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and belong to nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Clones a child that shares this process's memory and runs `exec_child`
/// on a stack of its own; returns once it has called `execve` or exited.
fn clone_and_exec(plan: &mut ChildPlan) -> io::Result<libc::pid_t> {
    // SAFETY: a fresh private anonymous mapping, unmapped below.
    let stack = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            CHILD_STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if stack == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    // No signal handler of the harness may run in the child while it shares
    // the harness's memory: all signals are blocked around the clone, and
    // the child restores the mask only after resetting the handlers.
    // SAFETY: sigfillset and pthread_sigmask fill and swap valid sigset_ts.
    let pid = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut plan.mask);
        // The stack grows down from the end of the mapping.
        let top = (stack as *mut u8).add(CHILD_STACK) as *mut libc::c_void;
        let pid = libc::clone(
            exec_child,
            top,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            plan as *mut ChildPlan as *mut libc::c_void,
        );
        let error = io::Error::last_os_error();
        libc::pthread_sigmask(libc::SIG_SETMASK, &plan.mask, std::ptr::null_mut());
        libc::munmap(stack, CHILD_STACK);
        if pid < 0 {
            return Err(error);
        }
        pid
    };
    Ok(pid)
}

/// The child, between `clone` and `execve`: system calls only.
extern "C" fn exec_child(plan: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `plan` is the ChildPlan the parent keeps alive (it is
    // suspended until this child execs or exits); every call below is a
    // system call wrapper on descriptors and strings it prepared.
    unsafe {
        let plan = &*(plan as *const ChildPlan);
        // Handlers are not shared (no CLONE_SIGHAND); the harness's must not
        // run here, and the program starts with defaults as after a fork.
        for signal in 1..=libc::SIGRTMAX() {
            let mut action: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut action) == 0
                && action.sa_sigaction != libc::SIG_IGN
                && action.sa_sigaction != libc::SIG_DFL
            {
                action.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
        let failed = |plan: &ChildPlan| -> libc::c_int {
            let errno = *libc::__errno_location();
            libc::write(plan.exec_error, (&errno as *const i32).cast(), 4);
            libc::_exit(127)
        };
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return failed(plan);
        }
        // The harness may have ended before the line above took effect.
        if libc::getppid() != plan.parent {
            libc::_exit(127);
        }
        for (target, &fd) in plan.stdio.iter().enumerate() {
            if libc::dup2(fd, target as RawFd) < 0 {
                return failed(plan);
            }
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &plan.mask, std::ptr::null_mut());
        libc::execve(
            plan.program.as_ptr(),
            plan.argv.as_ptr(),
            plan.envp.as_ptr(),
        );
        failed(plan)
    }
}

impl Spawned {
    /// Waits up to `limit` for the child to exit, collecting its output
    /// meanwhile (a child must never block on a full pipe); true once it has
    /// exited. A child printing without pause returns at `limit` all the same.
    pub fn wait_for_exit(&mut self, limit: Duration) -> io::Result<bool> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let mut fds = vec![watch_input(self.pidfd.as_raw_fd())];
            fds.extend(self.output_watches());
            let ready = poll_until(&mut fds, Some(deadline))?;
            if fds[1..].iter().any(|fd| fd.revents != 0) {
                self.collect()?;
            }
            if fds[0].revents != 0 {
                return Ok(true);
            }
            if ready == 0 || std::time::Instant::now() >= deadline {
                return Ok(false);
            }
        }
    }

    /// A `poll` entry for each output pipe still open.
    fn output_watches(&self) -> impl Iterator<Item = libc::pollfd> + '_ {
        self.outputs
            .iter()
            .flatten()
            .map(|f| watch_input(f.as_raw_fd()))
    }

    /// Reads one buffer from each pipe that holds something now (the
    /// callers' loops watch the clock), noting those whose writers are all
    /// gone. Keeps the first [`OUTPUT_KEPT_BYTES`] of each.
    fn collect(&mut self) -> io::Result<()> {
        for (output, collected) in self.outputs.iter_mut().zip(&mut self.collected) {
            let Some(file) = output else { continue };
            let mut fd = [watch_input(file.as_raw_fd())];
            // A deadline already passed: only whether data is there now.
            if poll_until(&mut fd, Some(std::time::Instant::now()))? == 0 {
                continue;
            }
            let mut buffer = [0u8; 16 << 10];
            match file.read(&mut buffer)? {
                0 => *output = None,
                n => {
                    let room = OUTPUT_KEPT_BYTES.saturating_sub(collected.len());
                    collected.extend_from_slice(&buffer[..n.min(room)]);
                }
            }
        }
        Ok(())
    }

    pub fn kill(&mut self) -> io::Result<()> {
        // SAFETY: the pid is this process's unreaped child, so it is still ours.
        if unsafe { libc::kill(self.pid, libc::SIGKILL) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    fn reap(&mut self) -> io::Result<ExitStatus> {
        let mut status = 0;
        loop {
            // SAFETY: waitpid on our own child, writing its status.
            if unsafe { libc::waitpid(self.pid, &mut status, 0) } >= 0 {
                self.reaped = true;
                return Ok(ExitStatus::from_raw(status));
            }
            let error = io::Error::last_os_error();
            if error.kind() != io::ErrorKind::Interrupted {
                return Err(error);
            }
        }
    }

    /// Waits for the child to exit and for its output to end, or for
    /// [`OUTPUT_AFTER_EXIT`] more: a process the child left running that
    /// still holds its pipes would keep them open for ever.
    pub fn wait_with_output(mut self) -> io::Result<Output> {
        let status = self.reap()?;
        let deadline = std::time::Instant::now() + OUTPUT_AFTER_EXIT;
        while self.outputs.iter().any(Option::is_some) {
            let mut fds: Vec<libc::pollfd> = self.output_watches().collect();
            if poll_until(&mut fds, Some(deadline))? == 0 {
                break;
            }
            self.collect()?;
        }
        let [stdout, stderr] = std::mem::take(&mut self.collected);
        Ok(Output {
            status,
            stdout,
            stderr,
        })
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if !self.reaped {
            let _ = self.kill();
            let _ = self.reap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(launch: Launch) -> Output {
        let mut child = spawn(&launch).unwrap();
        assert!(child.wait_for_exit(Duration::from_secs(10)).unwrap());
        child.wait_with_output().unwrap()
    }

    #[test]
    fn arguments_environment_and_outputs_reach_their_places() {
        let output = run(Launch::new("sh")
            .args([
                "-c",
                "echo \"$1 $GREETING ${HOME-unset}\"; echo oops >&2; read x; exit 3",
                "sh",
            ])
            .arg("hello")
            .env_only(&[("GREETING", "world")]));
        // Only the variables given: not the harness's HOME.
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "hello world unset\n"
        );
        assert_eq!(String::from_utf8_lossy(&output.stderr), "oops\n");
        assert_eq!(output.status.code(), Some(3));
    }

    #[test]
    fn a_child_writing_more_than_a_pipe_holds_still_finishes() {
        // 1 MiB, sixteen times a pipe's default buffer.
        let output = run(Launch::new("head").args(["-c", "1048576", "/dev/zero"]));
        assert!(output.status.success());
        assert_eq!(output.stdout.len(), 1 << 20);
    }

    #[test]
    fn a_child_that_never_stops_printing_is_waited_for_no_longer_than_the_limit() {
        let mut child = spawn(&Launch::new("yes")).unwrap();
        let started = std::time::Instant::now();
        assert!(!child.wait_for_exit(Duration::from_millis(300)).unwrap());
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(3), "waited {waited:?}");
        child.kill().unwrap();
        assert!(child.wait_for_exit(Duration::from_secs(5)).unwrap());
        let output = child.wait_with_output().unwrap();
        // It printed more than is kept; the first part is kept.
        assert_eq!(output.stdout.len(), OUTPUT_KEPT_BYTES);
        assert!(output.stdout.starts_with(b"y\ny\n"));
    }

    #[test]
    fn output_held_open_by_what_the_child_left_running_is_not_waited_for() {
        // The shell exits at once; the sleep it started keeps its stdout.
        let started = std::time::Instant::now();
        let output = run(Launch::new("sh").args(["-c", "sleep 30 & echo $!"]));
        let waited = started.elapsed();
        let printed = String::from_utf8_lossy(&output.stdout).into_owned();
        std::process::Command::new("kill")
            .arg(printed.trim())
            .status()
            .ok();
        assert!(output.status.success());
        assert!(waited < Duration::from_secs(5), "waited {waited:?}");
        // What came before the child exited is kept.
        assert!(printed.trim().parse::<u32>().is_ok(), "{printed:?}");
    }

    #[test]
    fn a_missing_program_is_an_error_naming_it() {
        let error = spawn(&Launch::new("/nonexistent/program")).err().unwrap();
        assert!(
            error.to_string().contains("/nonexistent/program"),
            "{error}"
        );
        assert!(spawn(&Launch::new("no-such-program-here")).is_err());
    }

    #[test]
    fn a_killed_child_reports_the_signal() {
        let mut child = spawn(&Launch::new("sleep").arg("30")).unwrap();
        assert!(!child.wait_for_exit(Duration::from_millis(50)).unwrap());
        child.kill().unwrap();
        assert!(child.wait_for_exit(Duration::from_secs(5)).unwrap());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.signal(), Some(libc::SIGKILL));
    }
}
