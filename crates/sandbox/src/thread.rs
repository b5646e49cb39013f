//! `thread`: a native OS thread calling a native function. The floor for
//! in-process isolation: no isolation at all beyond a stack of its own.

use crate::{Leftover, ThreadTask, ThreadWorker};
use isobench_faaslet::ReleaseGate;
use std::sync::Arc;

pub struct Thread;

/// The native counterpart of the `noop` guest.
#[inline(never)]
fn noop() -> i32 {
    std::hint::black_box(0)
}

impl ThreadWorker for Thread {
    fn noop(&self) -> Result<ThreadTask, String> {
        Ok(Box::new(|| match noop() {
            0 => Ok(Box::new(()) as Leftover),
            code => Err(format!("noop returned {code}")),
        }))
    }

    fn hold(&self, gate: &Arc<ReleaseGate>) -> Result<(), String> {
        gate.wait();
        Ok(())
    }
}
