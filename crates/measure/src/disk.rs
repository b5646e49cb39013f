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

/// A set of processes' storage counters so far, as `/proc/PID/io` keeps them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProcessIo {
    read: u64,
    write: u64,
    /// Written bytes truncated or deleted before write-back, which never
    /// reached the device. The kernel charges them to whoever truncates or
    /// deletes, so a process can cancel more than it ever wrote itself.
    cancelled_write: u64,
}

impl ProcessIo {
    pub fn plus(&self, other: ProcessIo) -> ProcessIo {
        ProcessIo {
            read: self.read + other.read,
            write: self.write + other.write,
            cancelled_write: self.cancelled_write + other.cancelled_write,
        }
    }

    /// What reached the block layer between `earlier` and this reading. The
    /// cancelled writes are taken off the writes of the same interval: taken
    /// off lifetime totals, a process that once cancelled more than it wrote
    /// would show no write at all from then on.
    pub fn since(&self, earlier: ProcessIo) -> IoBytes {
        let cancelled = self.cancelled_write.saturating_sub(earlier.cancelled_write);
        IoBytes {
            read: self.read.saturating_sub(earlier.read),
            write: self
                .write
                .saturating_sub(earlier.write)
                .saturating_sub(cancelled),
        }
    }
}

/// Storage counters of `pids`. For a process that has reaped children, the
/// kernel has already added theirs into its own counters.
pub fn process_io(pids: &[i32]) -> ProcessIo {
    pids.iter()
        .filter_map(|&p| Process::new(p).ok()?.io().ok())
        .fold(ProcessIo::default(), |total, io| total.plus(io_of(&io)))
}

/// How many of `pids` are running but keep their storage counters from
/// this user (another user's processes, such as a root daemon's):
/// [`process_io`] leaves them out, and its sums then read low.
pub fn io_unreadable(pids: &[i32]) -> usize {
    pids.iter()
        .filter(|&&p| {
            Process::new(p)
                .and_then(|process| process.io())
                .is_err_and(|e| matches!(e, procfs::ProcError::PermissionDenied(_)))
        })
        .count()
}

pub(crate) fn io_of(io: &procfs::process::Io) -> ProcessIo {
    ProcessIo {
        read: io.read_bytes,
        write: io.write_bytes,
        cancelled_write: io.cancelled_write_bytes,
    }
}

/// Bytes read and written on every disk. Partitions are left out, and so are
/// the block devices the kernel makes on top of others or of memory (device
/// mapper and RAID volumes, loop devices, zram, ramdisks): their I/O is
/// counted again on the disks beneath, or reaches no disk.
pub fn block_devices() -> IoBytes {
    let Ok(stats) = procfs::diskstats() else {
        return IoBytes::default();
    };
    let mut total = IoBytes::default();
    for disk in stats.iter().filter(|d| is_disk(&d.name)) {
        total.read += disk.sectors_read * DISKSTATS_SECTOR;
        total.write += disk.sectors_written * DISKSTATS_SECTOR;
    }
    total
}

/// Whether the block device `name` is a whole disk: it is in `/sys/block` (a
/// partition is not) and has hardware behind it (a `device` link, which
/// virtual block devices lack).
fn is_disk(name: &str) -> bool {
    Path::new("/sys/block").join(name).join("device").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sysfs places the block devices the kernel makes itself (loop, zram,
    /// device mapper, RAID) under `/sys/devices/virtual`, and disks under the
    /// bus they hang from: every device in `/sys/block` is a disk by one rule
    /// exactly when it is by the other.
    #[test]
    fn virtual_block_devices_are_not_disks() {
        for entry in std::fs::read_dir("/sys/block").unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            let place = std::fs::canonicalize(entry.path()).unwrap();
            let is_virtual = place.starts_with("/sys/devices/virtual");
            assert_eq!(is_disk(&name), !is_virtual, "{name} ({})", place.display());
        }
    }
}
