//! What the kernel says about a set of processes: which processes a sandbox
//! costs, their memory, their CPU time and their disk I/O, a cgroup's CPU
//! time, plus system-wide CPU and block-device counters, the machine's
//! fingerprint and, where the PMU allows, hardware counters.
//!
//! Everything here reads the real `/proc` (through the `procfs` crate) and
//! `/sys/fs/cgroup`, or asks the kernel directly (`getrusage`, `perf_event_open`); nothing is
//! estimated.

mod cgroup;
mod cpu;
mod disk;
mod machine;
mod memory;
mod perf;
mod set;
mod usage;

pub use cgroup::{task_room, CgroupVersion, CpuGroup};
pub use cpu::{process_tree_cpu, CpuTime, MachineCpu};
pub use disk::{block_devices, io_unreadable, process_io, IoBytes, ProcessIo};
pub use machine::{machine, Machine};
pub use memory::{memory_of, Memory};
pub use perf::{HardwareCounters, HardwareCounts};
pub use set::{descendants, processes_named};
pub use usage::{Usage, UsageSnapshot};
