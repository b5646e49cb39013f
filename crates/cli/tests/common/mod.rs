//! What the command-line tests share. Each test binary uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `isobench` binary under test with extra environment variables.
pub fn isobench_with(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_isobench"));
    command.args(args);
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("running isobench")
}

pub fn isobench(args: &[&str]) -> Output {
    isobench_with(args, &[])
}

/// Standard output and error together, for assertions and their messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A copy of the repository's `guests/`, for tests that change a guest.
pub fn copy_of_guests() -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../guests"),
        copy.path(),
    );
    copy
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// How many containers carrying the tool's label the engine has.
pub fn labelled_containers() -> usize {
    let output = Command::new("docker")
        .args(["ps", "-aq", "--filter", "label=isobench"])
        .output()
        .unwrap();
    // A daemon that does not answer lists nothing: that must not pass as
    // "no containers left".
    assert!(
        output.status.success(),
        "docker ps failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).lines().count()
}

/// The cgroups runc and crun made for containers (named after them,
/// `isobench-PID-N`) of isobench runs that have ended: what a run must not
/// leave behind. Those of a run still going are left out.
pub fn leftover_cgroups() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::from("/sys/fs/cgroup")];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()).filter(|p| p.is_dir()) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            match isobench_sandbox::owner_pid(&name, "isobench-") {
                Some(pid) if !isobench_sandbox::is_running_isobench(pid) => found.push(path),
                Some(_) => {}
                None => pending.push(path),
            }
        }
    }
    found
}

/// Makes the tests of one test binary that hold it take turns: tests that
/// time runs, or count containers and processes machine-wide, would disturb
/// each other on two cores.
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}
