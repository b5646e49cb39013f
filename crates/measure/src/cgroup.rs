//! CPU time of a cgroup. The scheduler charges each task's run time to its
//! cgroup and every ancestor of it as the task runs, so a group's figure
//! keeps what its processes used after they have exited — which reading
//! processes cannot: a container daemon's helpers are re-parented to PID 1
//! when their parent exits, and their CPU time goes with them. The total is
//! the scheduler's own, in nanoseconds, where `/proc/stat` samples ticks.

use crate::cpu::CpuTime;
use procfs::process::Process;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which cgroup hierarchy accounts CPU time: in v1, the one the `cpuacct`
/// controller is mounted in; in v2, the single unified one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CgroupVersion {
    V1,
    V2,
}

/// One cgroup of the hierarchy that accounts CPU time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuGroup {
    version: CgroupVersion,
    /// Its directory, under the hierarchy's mount point.
    dir: PathBuf,
    /// Its path within the hierarchy (`/` for the root).
    path: String,
}

impl CpuGroup {
    /// The group `pid` is in, if the process and the hierarchy exist.
    pub fn of_process(pid: i32, version: CgroupVersion) -> Option<CpuGroup> {
        let groups = Process::new(pid).ok()?.cgroups().ok()?;
        let entry = groups.0.into_iter().find(|group| match version {
            CgroupVersion::V1 => group.controllers.iter().any(|c| c == "cpuacct"),
            CgroupVersion::V2 => group.hierarchy == 0,
        })?;
        CpuGroup::at(&entry.pathname, version)
    }

    /// The group at `path` of the hierarchy, whether or not it exists yet;
    /// `None` if the hierarchy is not mounted.
    pub fn at(path: &str, version: CgroupVersion) -> Option<CpuGroup> {
        let mounts = Process::myself().ok()?.mountinfo().ok()?;
        let mount = mounts.into_iter().find(|mount| match version {
            CgroupVersion::V1 => {
                mount.fs_type == "cgroup" && mount.super_options.contains_key("cpuacct")
            }
            CgroupVersion::V2 => mount.fs_type == "cgroup2",
        })?;
        Some(CpuGroup {
            version,
            dir: mount.mount_point.join(path.trim_start_matches('/')),
            path: path.to_string(),
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this group is `other` or lies below it, so that `other`'s
    /// figure already includes its own.
    pub fn within(&self, other: &CpuGroup) -> bool {
        self.version == other.version && self.dir.starts_with(&other.dir)
    }

    /// CPU time charged so far to the group and the groups below it;
    /// `None` if it does not exist (or cannot be read).
    pub fn usage(&self) -> Option<CpuTime> {
        let read = |file: &str| std::fs::read_to_string(self.dir.join(file)).ok();
        match self.version {
            CgroupVersion::V1 => {
                let nanos = |file: &str| -> Option<Duration> {
                    Some(Duration::from_nanos(read(file)?.trim().parse().ok()?))
                };
                Some(CpuTime {
                    user: nanos("cpuacct.usage_user")?,
                    system: nanos("cpuacct.usage_sys")?,
                })
            }
            CgroupVersion::V2 => {
                let stat = read("cpu.stat")?;
                let micros = |key: &str| -> Option<Duration> {
                    let value = stat
                        .lines()
                        .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))?;
                    Some(Duration::from_micros(value.trim().parse().ok()?))
                };
                Some(CpuTime {
                    user: micros("user_usec")?,
                    system: micros("system_usec")?,
                })
            }
        }
    }

    /// Every process in the group and the groups below it.
    pub fn members(&self) -> HashSet<i32> {
        let mut members = HashSet::new();
        let mut pending = vec![self.dir.clone()];
        while let Some(dir) = pending.pop() {
            if let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) {
                members.extend(
                    procs
                        .lines()
                        .filter_map(|pid| pid.trim().parse::<i32>().ok()),
                );
            }
            if let Ok(entries) = std::fs::read_dir(&dir) {
                pending.extend(
                    entries
                        .filter_map(|e| e.ok())
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                        .map(|e| e.path()),
                );
            }
        }
        members
    }
}
