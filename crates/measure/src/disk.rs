//! Disk I/O: bytes a set of processes made the block layer read or write
//! (`/proc/PID/io`), and what every whole block device did (`/proc/diskstats`),
//! which catches writes made on a process's behalf (daemons, overlayfs,
//! write-back).

use procfs::process::Process;
use serde::Serialize;
use std::path::Path;

/// Sector size that `/proc/diskstats` counts in, whatever the device's own.
const DISKSTATS_SECTOR: u64 = 512;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IoBytes {
    pub read: u64,
    pub write: u64,
}

impl IoBytes {
    pub fn plus(&self, other: IoBytes) -> IoBytes {
        IoBytes {
            read: self.read + other.read,
            write: self.write + other.write,
        }
    }

    pub fn since(&self, earlier: IoBytes) -> IoBytes {
        IoBytes {
            read: self.read.saturating_sub(earlier.read),
            write: self.write.saturating_sub(earlier.write),
        }
    }
}

/// Storage bytes read and written by `pids`. For a process that has reaped
/// children, the kernel has already added theirs into its own counters.
pub fn process_io(pids: &[i32]) -> IoBytes {
    pids.iter()
        .filter_map(|&p| Process::new(p).ok()?.io().ok())
        .fold(IoBytes::default(), |total, io| total.plus(io_of(&io)))
}

/// One process's storage bytes; a write cancelled (a file truncated or
/// deleted before write-back) never reached the device.
pub(crate) fn io_of(io: &procfs::process::Io) -> IoBytes {
    IoBytes {
        read: io.read_bytes,
        write: io.write_bytes.saturating_sub(io.cancelled_write_bytes),
    }
}

/// Bytes read and written on every whole disk (partitions are left out so
/// that nothing is counted twice).
pub fn block_devices() -> IoBytes {
    let Ok(stats) = procfs::diskstats() else {
        return IoBytes::default();
    };
    let mut total = IoBytes::default();
    for disk in stats
        .iter()
        .filter(|d| Path::new("/sys/block").join(&d.name).exists())
    {
        total.read += disk.sectors_read * DISKSTATS_SECTOR;
        total.write += disk.sectors_written * DISKSTATS_SECTOR;
    }
    total
}
