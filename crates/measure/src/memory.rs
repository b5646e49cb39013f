//! PSS, RSS and USS of a set of processes, from `/proc/PID/smaps_rollup`.
//!
//! PSS charges each shared page to its sharers in equal parts, so summing PSS
//! over a set counts every page once; RSS counts shared pages in every
//! process that maps them; USS is the memory only that process holds
//! (private clean + private dirty), what would be freed if it exited.

use procfs::process::{MemoryMaps, Process};
use procfs::ProcError;
use serde::Serialize;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Memory {
    pub pss: u64,
    pub rss: u64,
    pub uss: u64,
    /// How many of the requested processes could be read.
    pub processes: usize,
    /// How many are running but may not be read by this user (another
    /// user's, such as a root daemon's): left out of the sums, which then
    /// read low.
    pub unreadable: usize,
}

impl std::ops::AddAssign for Memory {
    fn add_assign(&mut self, other: Memory) {
        self.pss += other.pss;
        self.rss += other.rss;
        self.uss += other.uss;
        self.processes += other.processes;
        self.unreadable += other.unreadable;
    }
}

/// Sums the memory of `pids`; a process that has exited is skipped and not
/// counted, one this user may not read is counted as `unreadable`.
pub fn memory_of(pids: &[i32]) -> Memory {
    let mut total = Memory::default();
    for &pid in pids {
        match process_memory(pid) {
            Ok(memory) => total += memory,
            Err(ProcError::PermissionDenied(_)) => total.unreadable += 1,
            Err(_) => {}
        }
    }
    total
}

fn process_memory(pid: i32) -> Result<Memory, ProcError> {
    let process = Process::new(pid)?;
    // smaps_rollup is one pre-summed entry; smaps (older kernels) lists every
    // mapping, and the same field sums work over either.
    let maps = match process.smaps_rollup() {
        Ok(rollup) => rollup.memory_map_rollup,
        Err(denied @ ProcError::PermissionDenied(_)) => return Err(denied),
        Err(_) => process.smaps()?,
    };
    Ok(sum_fields(&maps))
}

fn sum_fields(maps: &MemoryMaps) -> Memory {
    let field = |name: &str| -> u64 { maps.iter().filter_map(|m| m.extension.map.get(name)).sum() };
    Memory {
        pss: field("Pss"),
        rss: field("Rss"),
        uss: field("Private_Clean") + field("Private_Dirty"),
        processes: 1,
        unreadable: 0,
    }
}
