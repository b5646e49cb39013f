//! `runc` and `crun`: the static guest in an OCI bundle, run by the container
//! runtime binary itself, no daemon. One cold start is `RUNTIME run` from
//! start to exit: namespaces, a read-only root file system holding nothing
//! but the guest, no network (an empty network namespace), no terminal.
//!
//! The runtime keeps its state under `/run/isobench/<runtime>` and the bundles
//! live under `/run/isobench/bundles`, so `isobench clean` finds whatever an
//! interrupted run left behind.

use crate::process::{native_guest, Guest, Process};
use crate::Env;
use anyhow::{bail, Context, Result};
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

/// Bundles for `noop` and `hold`, removed when the runtime is dropped.
struct Bundles {
    dir: tempfile::TempDir,
}

impl Bundles {
    fn create(env: &Env, runtime: &str) -> Result<Self> {
        let parent = Path::new(STATE_DIR).join("bundles");
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{runtime}-"))
            .tempdir_in(&parent)?;
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
        Ok(Bundles { dir })
    }

    fn path(&self, guest: Guest) -> PathBuf {
        self.dir.path().join(guest.name())
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
                "{ID_PREFIX}{}-{}",
                std::process::id(),
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
    Ok(Process::with_launcher(runtime, Box::new(launch)))
}

/// Deletes every container of the tool's that `runtime` still knows, and
/// every bundle directory; returns what it removed.
pub fn clean(runtime: &str) -> Result<Vec<String>> {
    let root = state_root(runtime);
    let mut removed = Vec::new();
    if root.exists() {
        let listing = Command::new(runtime)
            .arg("--root")
            .arg(&root)
            .args(["list", "-q"])
            .output()
            .with_context(|| format!("running {runtime} list"))?;
        for id in String::from_utf8_lossy(&listing.stdout)
            .lines()
            .filter(|id| id.starts_with(ID_PREFIX))
        {
            let deleted = Command::new(runtime)
                .arg("--root")
                .arg(&root)
                .args(["delete", "--force", id])
                .output()?;
            if !deleted.status.success() {
                bail!(
                    "{runtime} delete --force {id} failed ({}): {}",
                    deleted.status,
                    String::from_utf8_lossy(&deleted.stderr).trim()
                );
            }
            removed.push(format!("{runtime} container {id}"));
        }
    }
    let bundles = Path::new(STATE_DIR).join("bundles");
    if let Ok(entries) = std::fs::read_dir(&bundles) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("{runtime}-")) {
                std::fs::remove_dir_all(entry.path())?;
                removed.push(format!("bundle {}", entry.path().display()));
            }
        }
    }
    Ok(removed)
}
