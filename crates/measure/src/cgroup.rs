//! CPU time of a cgroup. The scheduler charges each task's run time to its
//! cgroup and every ancestor of it as the task runs, so a group's figure
//! keeps what its processes used after they have exited — which reading
//! processes cannot: a container daemon's helpers are re-parented to PID 1
//! when their parent exits, and their CPU time goes with them. Below the
//! root, the total is the scheduler's own (in nanoseconds in v1, in
//! microseconds in v2), where `/proc/stat` samples ticks; only its split
//! into user and system time is sampled. (The v2 root's is built from the
//! same samples as `/proc/stat`.)

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

impl CgroupVersion {
    /// The hierarchy that accounts this machine's CPU time: v1's `cpuacct`
    /// one where it is mounted, else v2's.
    pub fn accounting_cpu() -> CgroupVersion {
        match dir_of("/", CgroupVersion::V1, "cpuacct") {
            Some(_) => CgroupVersion::V1,
            None => CgroupVersion::V2,
        }
    }
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
        CpuGroup::at(&path_of(pid, version, "cpuacct")?, version)
    }

    /// The group at `path` of the hierarchy, whether or not it exists yet;
    /// `None` if the hierarchy is not mounted, or `path` lies outside the
    /// part of it mounted here (a container may see only its own subtree).
    pub fn at(path: &str, version: CgroupVersion) -> Option<CpuGroup> {
        Some(CpuGroup {
            version,
            dir: dir_of(path, version, "cpuacct")?,
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
        let (total, user, system) = match self.version {
            CgroupVersion::V1 => {
                let nanos = |file: &str| -> Option<u64> { read(file)?.trim().parse().ok() };
                (
                    nanos("cpuacct.usage")?,
                    nanos("cpuacct.usage_user")?,
                    nanos("cpuacct.usage_sys")?,
                )
            }
            CgroupVersion::V2 => {
                let stat = read("cpu.stat")?;
                let nanos = |key: &str| -> Option<u64> {
                    let value = stat
                        .lines()
                        .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))?;
                    Some(value.trim().parse::<u64>().ok()? * 1000)
                };
                (
                    nanos("usage_usec")?,
                    nanos("user_usec")?,
                    nanos("system_usec")?,
                )
            }
        };
        // The total is exact; user and system time are tick samples (in v1
        // they fall short of it: 68 s of 74 here), so they only split it.
        let sampled = user + system;
        let user_share = if sampled == 0 {
            0.0
        } else {
            user as f64 / sampled as f64
        };
        let user = (total as f64 * user_share) as u64;
        Some(CpuTime {
            user: Duration::from_nanos(user),
            system: Duration::from_nanos(total.saturating_sub(user)),
        })
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

/// The path of `pid`'s cgroup in the hierarchy of `version` (in v1, the one
/// `controller` is mounted in).
fn path_of(pid: i32, version: CgroupVersion, controller: &str) -> Option<String> {
    let groups = Process::new(pid).ok()?.cgroups().ok()?;
    let entry = groups.0.into_iter().find(|group| match version {
        CgroupVersion::V1 => group.controllers.iter().any(|c| c == controller),
        CgroupVersion::V2 => group.hierarchy == 0,
    })?;
    Some(entry.pathname)
}

/// The directory of the cgroup at `path`, in the hierarchy of `version` (in
/// v1, the one `controller` is mounted in); `None` if that is not mounted or
/// `path` lies outside the part of it mounted here.
fn dir_of(path: &str, version: CgroupVersion, controller: &str) -> Option<PathBuf> {
    let mounts = Process::myself().ok()?.mountinfo().ok()?;
    // The first mount of the hierarchy that shows `path` (a container may
    // have one of only its own subtree).
    mounts.into_iter().find_map(|mount| {
        let ours = match version {
            CgroupVersion::V1 => {
                mount.fs_type == "cgroup" && mount.super_options.contains_key(controller)
            }
            CgroupVersion::V2 => mount.fs_type == "cgroup2",
        };
        let below_root = Path::new(path).strip_prefix(&mount.root).ok()?;
        ours.then(|| mount.mount_point.join(below_root))
    })
}

/// How many more tasks (threads and processes) this process and its
/// descendants may make before a `pids` cgroup refuses them: the least room
/// (`pids.max` less `pids.current`) in its own cgroup and their ancestors,
/// where systemd sets `TasksMax`. `None` where no limit is set.
pub fn task_room() -> Option<usize> {
    let me = std::process::id() as i32;
    [CgroupVersion::V1, CgroupVersion::V2]
        .into_iter()
        .filter_map(|version| {
            let path = path_of(me, version, "pids")?;
            let mut dir = dir_of(&path, version, "pids")?;
            let mut room: Option<usize> = None;
            loop {
                let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
                // "max" where this level sets no limit.
                let limit = read("pids.max").and_then(|max| max.trim().parse::<usize>().ok());
                let current = read("pids.current").and_then(|n| n.trim().parse::<usize>().ok());
                if let (Some(limit), Some(current)) = (limit, current) {
                    let here = limit.saturating_sub(current);
                    room = Some(room.map_or(here, |room| room.min(here)));
                }
                if !dir.pop() || !dir.join("cgroup.procs").exists() {
                    return room;
                }
            }
        })
        .min()
}
