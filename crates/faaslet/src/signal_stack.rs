//! Reusable alternate signal stacks for Faaslet threads.
//!
//! wasmtime turns traps into signals, and on a thread whose alternate signal
//! stack is smaller than 256 KiB it maps one of its own on the first call into
//! WebAssembly and unmaps it when the thread exits. Every Faaslet cold start
//! is a fresh thread, so that would be a `mmap`, an `mprotect` and a `munmap`
//! (with its TLB shootdown) per Faaslet. Instead, a thread's first Faaslet
//! borrows a stack from a process-wide pool and the thread gives it back when
//! it exits: two `sigaltstack` calls per thread, and no mapping changes.

use std::cell::RefCell;
use std::sync::Mutex;

/// wasmtime's minimum; smaller stacks make it map its own.
const STACK_BYTES: usize = 256 * 1024;
const GUARD_BYTES: usize = 4096;

/// A mapping of a guard page followed by the stack. Only ever used by the one
/// thread it is installed on, and unmapped never: the pool keeps it for reuse.
#[derive(Clone, Copy)]
struct SignalStack(*mut libc::c_void);

// SAFETY: the mapping is plain memory owned by whoever holds this value.
unsafe impl Send for SignalStack {}

static POOL: Mutex<Vec<SignalStack>> = Mutex::new(Vec::new());

thread_local! {
    static INSTALLED: RefCell<Option<Installed>> = const { RefCell::new(None) };
}

/// A stack installed on this thread; returned to the pool when the thread exits.
struct Installed(SignalStack);

impl Drop for Installed {
    fn drop(&mut self) {
        let disable = libc::stack_t {
            ss_sp: std::ptr::null_mut(),
            ss_flags: libc::SS_DISABLE,
            ss_size: 0,
        };
        // SAFETY: disabling the alternate stack of the exiting thread, which
        // runs no more signal handlers on it.
        unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) };
        POOL.lock().unwrap().push(self.0);
    }
}

impl SignalStack {
    fn map() -> Option<SignalStack> {
        // SAFETY: a fresh anonymous mapping; the first page becomes the guard.
        unsafe {
            let base = libc::mmap(
                std::ptr::null_mut(),
                GUARD_BYTES + STACK_BYTES,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                -1,
                0,
            );
            if base == libc::MAP_FAILED {
                return None;
            }
            libc::mprotect(base, GUARD_BYTES, libc::PROT_NONE);
            Some(SignalStack(base))
        }
    }
}

/// Gives the calling thread a large enough alternate signal stack before its
/// first call into WebAssembly. Cheap after the first call on a thread. If no
/// stack can be had, wasmtime falls back to mapping its own.
pub(crate) fn ensure_installed() {
    INSTALLED.with(|installed| {
        let mut installed = installed.borrow_mut();
        if installed.is_some() {
            return;
        }
        let pooled = POOL.lock().unwrap().pop();
        let Some(stack) = pooled.or_else(SignalStack::map) else {
            return;
        };
        let new = libc::stack_t {
            // SAFETY: inside the mapping, just past the guard page.
            ss_sp: unsafe { stack.0.add(GUARD_BYTES) },
            ss_flags: 0,
            ss_size: STACK_BYTES,
        };
        // SAFETY: the stack stays mapped and unused by anyone else until the
        // `Installed` guard disables it again on this thread.
        if unsafe { libc::sigaltstack(&new, std::ptr::null_mut()) } == 0 {
            *installed = Some(Installed(stack));
        } else {
            POOL.lock().unwrap().push(stack);
        }
    });
}
