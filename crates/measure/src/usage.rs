//! What a set of processes used between two moments, when some of them were
//! already running at the first (a container daemon) and others started in
//! between (the workers).

use crate::cpu::cpu_of;
use crate::disk::io_of;
use crate::{CpuTime, IoBytes, ProcessIo};
use procfs::process::{all_processes, Process};
use std::collections::HashMap;

/// CPU time and disk I/O of processes between two moments.
#[derive(Debug, Default, Clone, Copy)]
pub struct Usage {
    pub cpu: CpuTime,
    pub io: IoBytes,
}

/// Every live process's counters at one moment, keyed by process id and start
/// time, so that a process id reused since is not taken for the same process.
pub struct UsageSnapshot(HashMap<(i32, u64), Counters>);

/// One process's CPU time and storage counters so far.
#[derive(Default, Clone, Copy)]
struct Counters {
    cpu: CpuTime,
    io: ProcessIo,
}

impl UsageSnapshot {
    pub fn now() -> UsageSnapshot {
        let processes = all_processes()
            .map(|all| all.filter_map(|p| counters_of(&p.ok()?)).collect())
            .unwrap_or_default();
        UsageSnapshot(processes)
    }

    /// What the live processes in `pids` used since the snapshot: all of it
    /// for one that started after it.
    pub fn used_since_by(&self, pids: &[i32]) -> Usage {
        let mut total = Usage::default();
        for (key, now) in pids
            .iter()
            .filter_map(|&pid| counters_of(&Process::new(pid).ok()?))
        {
            let before = self.0.get(&key).copied().unwrap_or_default();
            total.cpu = total.cpu.plus(now.cpu.since(before.cpu));
            total.io = total.io.plus(now.io.since(before.io));
        }
        total
    }
}

fn counters_of(process: &Process) -> Option<((i32, u64), Counters)> {
    let stat = process.stat().ok()?;
    // A process whose I/O counters cannot be read still has CPU time.
    let io = process.io().map(|io| io_of(&io)).unwrap_or_default();
    Some((
        (stat.pid, stat.starttime),
        Counters {
            cpu: cpu_of(&stat),
            io,
        },
    ))
}
