//! `runc` and `crun`: the static guest in an OCI bundle, run by the container
//! runtime binary itself, no daemon. One cold start is `RUNTIME run` from
//! start to exit: namespaces, a read-only root file system holding nothing
//! but the guest, no network (an empty network namespace), no terminal.
//!
//! The runtime keeps its state under `/run/isobench/<runtime>` and the bundles
//! live under `/run/isobench/bundles`, so `isobench clean` finds whatever an
//! interrupted run left behind.

use crate::process::{native_guest, Guest, Process};
use crate::{Cleaned, Env};
use anyhow::{bail, Context, Result};
use isobench_report::table::count_of;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Where the tool's container state and bundles live.
pub const STATE_DIR: &str = "/run/isobench";
/// Every container id the tool creates starts with this.
pub const ID_PREFIX: &str = "isobench-";

/// The container runtimes driven directly (each is also its Debian package's name).
pub const OCI_RUNTIMES: &[&str] = &["runc", "crun"];

pub fn state_root(runtime: &str) -> PathBuf {
    Path::new(STATE_DIR).join(runtime)
}

/// Bundles for `noop` and `hold`, removed when the runtime is dropped,
/// together with any container made from them that is still there.
struct Bundles {
    dir: tempfile::TempDir,
    runtime: &'static str,
}

/// The start of the names of this process's containers and bundles, which
/// tells `isobench clean` whose they are.
fn own_prefix() -> String {
    format!("{ID_PREFIX}{}-", std::process::id())
}

impl Bundles {
    fn create(env: &Env, runtime: &'static str) -> Result<Self> {
        let parent = Path::new(STATE_DIR).join("bundles");
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        // Named as `clean` looks for them (see `clean`'s bundles).
        let dir = crate::owned_tempdir(&format!("{runtime}-{ID_PREFIX}"), &parent)
            .with_context(|| format!("creating a bundle directory in {}", parent.display()))?;
        for guest in [Guest::Noop, Guest::Hold] {
            let bundle = dir.path().join(guest.name());
            let rootfs = bundle.join("rootfs");
            // The runtime mounts /proc and a /dev tmpfs here; it needs the
            // mount points even though the root file system is read-only.
            for mount_point in ["proc", "dev"] {
                std::fs::create_dir_all(rootfs.join(mount_point))?;
            }
            std::fs::copy(native_guest(env, guest)?, rootfs.join(guest.name()))?;
            std::fs::write(bundle.join("config.json"), config_json(guest.name()))?;
        }
        Ok(Bundles { dir, runtime })
    }

    fn path(&self, guest: Guest) -> PathBuf {
        self.dir.path().join(guest.name())
    }
}

impl Drop for Bundles {
    /// A `run` killed before it was done leaves its container behind (held
    /// workers that would not exit when a run stopped early), or, when the
    /// runtime itself got the signal (Ctrl-C reaches it too), an empty state
    /// directory and cgroups.
    fn drop(&mut self) {
        let own = |name: &str| name.starts_with(&own_prefix());
        let mut left = delete_containers(self.runtime, own);
        left.add(remove_unlisted_state(self.runtime, own));
        for failure in left.failed {
            eprintln!("{}: {failure} (`isobench clean` tries again)", self.runtime);
        }
        for cgroup in container_cgroups().iter().filter(|c| own(&file_name(c))) {
            std::fs::remove_dir(cgroup).ok();
        }
    }
}

/// An OCI runtime-spec configuration: the guest as PID 1 of new pid, mount,
/// network, IPC and UTS namespaces, as root without capabilities.
fn config_json(guest: &str) -> String {
    format!(
        r#"{{
  "ociVersion": "1.0.2",
  "process": {{
    "terminal": false,
    "user": {{ "uid": 0, "gid": 0 }},
    "args": ["/{guest}"],
    "cwd": "/",
    "noNewPrivileges": true
  }},
  "root": {{ "path": "rootfs", "readonly": true }},
  "hostname": "isobench",
  "mounts": [
    {{ "destination": "/proc", "type": "proc", "source": "proc" }},
    {{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
       "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] }}
  ],
  "linux": {{
    "namespaces": [
      {{ "type": "pid" }}, {{ "type": "network" }}, {{ "type": "ipc" }},
      {{ "type": "uts" }}, {{ "type": "mount" }}
    ],
    "maskedPaths": ["/proc/kcore", "/proc/keys"],
    "readonlyPaths": ["/proc/sys", "/proc/sysrq-trigger"]
  }}
}}
"#
    )
}

/// The `runc` or `crun` runtime, checked to run a container on this host.
pub fn new(env: &Env, runtime: &'static str) -> Result<Process> {
    let version = Command::new(runtime).arg("--version").output();
    if !matches!(&version, Ok(o) if o.status.success()) {
        bail!("{runtime} is not installed: install it with `apt-get install {runtime}`");
    }
    let bundles = Arc::new(Bundles::create(env, runtime)?);
    let root = state_root(runtime);
    let counter = Arc::new(AtomicU64::new(0));
    let launch = {
        let (bundles, root) = (bundles.clone(), root.clone());
        move |guest: Guest| {
            // Ids must be unique among live containers: pid and a counter.
            let id = format!(
                "{}{}",
                own_prefix(),
                counter.fetch_add(1, Ordering::Relaxed)
            );
            let mut command = Command::new(runtime);
            command
                .arg("--root")
                .arg(&root)
                .arg("run")
                .arg("--bundle")
                .arg(bundles.path(guest))
                .arg(id);
            command
        }
    };
    // One container before any timing, so a runtime that cannot run here
    // says why now, in its own words.
    let probe = launch(Guest::Noop)
        .output()
        .with_context(|| format!("running {runtime}"))?;
    if !probe.status.success() {
        let said = String::from_utf8_lossy(&probe.stderr);
        let advice = if said.contains("hybrid") {
            " (scripts/setup, as root, gives the cgroup v2 controllers v1 hierarchies, which \
             lets crun run)"
        } else {
            ""
        };
        bail!(
            "{runtime} cannot run a container on this host ({}): {}{advice}",
            probe.status,
            said.trim()
        );
    }
    Ok(Process::with_launcher(runtime, env, Box::new(launch)))
}

/// Removes what runs of the tool that have ended left behind with `runtime`:
/// containers it still knows, state directories it no longer knows (a
/// `create` killed half-way, with the mounts it made), and bundles (their
/// cgroups are [`clean_cgroups`]'s). Whatever belongs to a running isobench
/// is left alone.
pub fn clean(runtime: &str) -> Cleaned {
    let mut cleaned = Cleaned::default();
    // Removing state and bundles under a runtime still at work would race it.
    let finishing = finishing_processes(runtime);
    if finishing > 0 {
        cleaned.failed.push(format!(
            "{} of ended runs still finishing their containers: run `isobench clean` again in \
             a few seconds",
            count_of(finishing as u64, &format!("{runtime} process"))
        ));
        return cleaned;
    }
    let ours = |id: &str| id.starts_with(ID_PREFIX);
    let mut in_use = Vec::new();
    cleaned.add(delete_containers(runtime, |id| match running_owner(id) {
        Some(pid) => {
            in_use.push(pid);
            false
        }
        None => ours(id),
    }));
    for pid in in_use {
        cleaned.in_use_by(pid, &format!("{runtime} container"));
    }
    // Those of a running isobench are containers being created.
    cleaned.add(remove_unlisted_state(runtime, |name| {
        ours(name) && running_owner(name).is_none()
    }));
    // Bundles are named `RUNTIME-` and then as the containers are.
    cleaned.remove_dirs_of_ended_runs(
        &Path::new(STATE_DIR).join("bundles"),
        &format!("{runtime}-{ID_PREFIX}"),
        "bundle directory",
    );
    cleaned
}

/// Empty cgroups of containers of runs that have ended.
pub fn clean_cgroups() -> Cleaned {
    let mut cleaned = Cleaned::default();
    let (mut removed, mut busy) = (0, 0);
    for cgroup in container_cgroups() {
        if let Some(pid) = running_owner(&file_name(&cgroup)) {
            cleaned.in_use_by(pid, "cgroup");
            continue;
        }
        match std::fs::remove_dir(&cgroup) {
            Ok(()) => removed += 1,
            // Removed meanwhile, by the runtime finishing its container.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => busy += 1,
            Err(e) => cleaned
                .failed
                .push(format!("cgroup {}: {e}", cgroup.display())),
        }
    }
    if removed > 0 {
        cleaned
            .removed
            .push(count_of(removed as u64, "cgroup") + " of ended runs' containers");
    }
    if busy > 0 {
        cleaned.failed.push(format!(
            "{} still hold processes (containers of an ended run, exiting): run `isobench \
             clean` again in a few seconds",
            count_of(busy as u64, "cgroup")
        ));
    }
    cleaned
}

/// The cgroups of the tool's containers, at any depth of every hierarchy
/// (cgroup v2 at the top of `/sys/fs/cgroup`, v1 one level down; runc puts
/// some under the caller's own cgroup).
fn container_cgroups() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::from("/sys/fs/cgroup")];
    while let Some(dir) = pending.pop() {
        for entry in entries(&dir).into_iter().filter(|e| e.is_dir()) {
            // `isobench-PID-…`: not another cgroup of the tool's (setup's
            // `isobench.dockerd`) nor one of an older name that holds dockerd.
            if crate::owner_pid(&file_name(&entry), ID_PREFIX).is_some() {
                found.push(entry);
            } else {
                pending.push(entry);
            }
        }
    }
    found
}

/// How many `runtime` processes of runs that have ended are still working
/// on a container (after `kill -9`, they finish on their own).
fn finishing_processes(runtime: &str) -> usize {
    let root = state_root(runtime);
    let root = root.to_string_lossy();
    entries(Path::new("/proc"))
        .iter()
        .filter_map(|p| std::fs::read(p.join("cmdline")).ok())
        .filter(|cmdline| {
            let args: Vec<String> = cmdline
                .split(|&b| b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            args.iter().any(|a| *a == root)
                && args
                    .last()
                    .is_some_and(|id| id.starts_with(ID_PREFIX) && running_owner(id).is_none())
        })
        .count()
}

/// Removes the state directories `chosen` picks that `runtime` does not list
/// (a create killed before it wrote its state), with the mounts in them.
fn remove_unlisted_state(runtime: &str, chosen: impl Fn(&str) -> bool) -> Cleaned {
    let mut cleaned = Cleaned::default();
    for dir in entries(&state_root(runtime)) {
        if chosen(&file_name(&dir)) && !dir.join("state.json").exists() {
            let removed = unmount_below(&dir).and_then(|()| {
                std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))
            });
            match removed {
                Ok(()) => cleaned
                    .removed
                    .push(format!("{runtime} state {}", dir.display())),
                Err(e) => cleaned.failed.push(format!("{e:#}")),
            }
        }
    }
    cleaned
}

/// The PID in a name `isobench-<pid>-...`,
/// when that process is a running isobench.
fn running_owner(name: &str) -> Option<u32> {
    crate::owner_pid(name, ID_PREFIX).filter(|&pid| crate::is_running_isobench(pid))
}

/// The paths in `dir`; none when it cannot be read.
fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Detaches every mount under `dir` (runc bind-mounts a copy of itself into
/// a container's state directory while creating it).
fn unmount_below(dir: &Path) -> Result<()> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")?;
    for mount_point in mountinfo.lines().filter_map(|l| l.split(' ').nth(4)) {
        if Path::new(mount_point).starts_with(dir) {
            let path = std::ffi::CString::new(mount_point)?;
            // SAFETY: umount2 reads a NUL-terminated path.
            if unsafe { libc::umount2(path.as_ptr(), libc::MNT_DETACH) } != 0 {
                return Err(std::io::Error::last_os_error())
                    .with_context(|| format!("unmounting {mount_point}"));
            }
        }
    }
    Ok(())
}

/// Deletes, by force, the containers `runtime` knows whose ids `chosen`
/// picks, going on past one that will not go.
fn delete_containers(runtime: &str, mut chosen: impl FnMut(&str) -> bool) -> Cleaned {
    let root = state_root(runtime);
    let mut cleaned = Cleaned::default();
    if !root.exists() {
        return cleaned;
    }
    let listing = Command::new(runtime)
        .arg("--root")
        .arg(&root)
        .args(["list", "-q"])
        .output();
    let listing = match listing {
        Ok(listing) if listing.status.success() => listing,
        Ok(listing) => {
            cleaned.failed.push(format!(
                "{runtime} list failed ({}): {}",
                listing.status,
                String::from_utf8_lossy(&listing.stderr).trim()
            ));
            return cleaned;
        }
        Err(e) => {
            cleaned.failed.push(format!("running {runtime} list: {e}"));
            return cleaned;
        }
    };
    for id in String::from_utf8_lossy(&listing.stdout)
        .lines()
        .filter(|id| chosen(id))
    {
        let deleted = Command::new(runtime)
            .arg("--root")
            .arg(&root)
            .args(["delete", "--force", id])
            .output();
        match deleted {
            Ok(outcome) if outcome.status.success() => {
                cleaned.removed.push(format!("{runtime} container {id}"));
            }
            Ok(outcome) => cleaned.failed.push(format!(
                "{runtime} delete --force {id} failed ({}): {}",
                outcome.status,
                String::from_utf8_lossy(&outcome.stderr).trim()
            )),
            Err(e) => cleaned
                .failed
                .push(format!("running {runtime} delete --force {id}: {e}")),
        }
    }
    cleaned
}
