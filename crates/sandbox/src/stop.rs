//! Stopping a run early when asked to. After [`stop_on_signals`], the first
//! SIGINT, SIGTERM or SIGHUP only sets a flag: the suites see it at their
//! next safe point (between cold starts, between benchmark runs, while
//! waiting for workers), kill what they were waiting for, remove their
//! containers, and the results measured so far are written as usual. A
//! second signal ends the process at once, as if there were no handler.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal that asked for the stop; 0 while none has.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Turns the first SIGINT, SIGTERM or SIGHUP into a stop request. A signal
/// ignored from the start stays ignored (as `nohup` and a script's `&` ask).
/// Child processes are unaffected: an exec resets handled signals to their
/// default.
pub fn stop_on_signals() {
    for signal in SIGNALS {
        // SAFETY: a zeroed sigaction is valid; the handler only touches an
        // atomic and calls async-signal-safe functions.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, std::ptr::null(), &mut current);
            if current.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

extern "C" fn on_signal(signal: libc::c_int) {
    if REQUESTED.swap(signal, Ordering::SeqCst) != 0 {
        // Asked twice: the default action, now. The signal is blocked while
        // this handler runs, so it is delivered as the handler returns.
        // SAFETY: signal and raise are async-signal-safe.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
        return;
    }
    const MESSAGE: &[u8] = b"\nisobench: stopping after the current step, then cleaning up and \
        writing what was measured; interrupt again to quit at once (`isobench clean` then \
        removes what is left)\n";
    // SAFETY: write is async-signal-safe; the message is a static buffer.
    unsafe { libc::write(libc::STDERR_FILENO, MESSAGE.as_ptr().cast(), MESSAGE.len()) };
}

/// How often a wait (for a run, for workers) looks for a stop request: it
/// waits in slices this long at most.
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst) != 0
}

/// "interrupted by SIGINT" (or the signal it was), once a stop was asked for.
pub fn interrupted() -> Option<String> {
    let name = match REQUESTED.load(Ordering::SeqCst) {
        0 => return None,
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    };
    Some(format!("interrupted by {name}"))
}

/// An error once a stop was asked for.
pub fn check() -> anyhow::Result<()> {
    match interrupted() {
        Some(reason) => anyhow::bail!("{reason}"),
        None => Ok(()),
    }
}

/// The exit status of a process ended by the signal that asked for the
/// stop (128 + its number, as shells report it), once one did.
pub fn exit_status() -> Option<i32> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(128 + signal),
    }
}
