//! Held containers are in the accounted set with the processes that run them:
//! for `docker`, against the real engine, their shims and the daemons, and
//! nothing is left after, and Docker's CPU time keeps its exited helpers';
//! for `runc`, the runtime's processes.

use isobench_faaslet::RuntimeConfig;
use isobench_guests::Guests;
use isobench_measure::{process_tree_cpu, CgroupVersion, CpuGroup};
use isobench_sandbox::{create, Env, Held, Sandbox};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env() -> Env {
    let guests = Guests::locate();
    guests.ensure_built().expect("building the guests");
    Env {
        guests: Arc::new(guests),
        host_exe: "/nonexistent/isobench".into(),
        faaslet: RuntimeConfig::default(),
    }
}

fn comm(pid: i32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Containers with the tool's label, as the docker CLI lists them.
fn labelled_containers() -> Vec<String> {
    let output = Command::new("docker")
        .args(["ps", "-aq", "--filter", "label=isobench"])
        .output()
        .expect("running the docker CLI");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// Holds `workers` containers of `sandbox` and waits until all are ready:
/// the held containers and the accounted set's command names.
fn hold_ready(sandbox: &dyn Sandbox, workers: usize) -> (Box<dyn Held>, Vec<String>) {
    let mut held = sandbox.hold(workers).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !held.poll_ready().unwrap() {
        assert!(
            Instant::now() < deadline,
            "the containers never became ready"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let names = held.accounted_pids().into_iter().map(comm).collect();
    (held, names)
}

/// One test, steps in order, so that no other test's containers are around
/// when this one checks that none is left.
#[test]
fn held_containers_are_accounted_and_cold_starts_clean_up() {
    let docker = create("docker", &env(), 5).expect("the docker runtime (is dockerd running?)");
    let (held, names) = hold_ready(&*docker, 5);
    let count = |pred: &dyn Fn(&str) -> bool| names.iter().filter(|n| pred(n)).count();
    assert_eq!(count(&|n| n == "hold"), 5, "{names:?}");
    assert!(
        count(&|n| n.starts_with("containerd-shim")) >= 5,
        "{names:?}"
    );
    assert_eq!(count(&|n| n == "dockerd"), 1, "{names:?}");
    assert_eq!(count(&|n| n == "containerd"), 1, "{names:?}");
    held.release().unwrap();
    assert!(labelled_containers().is_empty());

    // A cold start runs a container to a clean exit and removes it.
    let batch = docker.cold_starts(2).unwrap();
    assert_eq!(batch.starts.len(), 2);
    for start in &batch.starts {
        let took = start.as_ref().expect("a successful start");
        // Through the daemon, containerd, a shim and runc: hundreds of
        // milliseconds here, never a few.
        assert!(*took > Duration::from_millis(20), "{took:?}");
    }
    assert_eq!(batch.teardown.len(), 2);
    assert!(labelled_containers().is_empty());

    // Docker's CPU time, read from the cgroups of the daemons (set-up starts
    // dockerd in one of its own) and of the containers, keeps what the shims
    // and their runc processes used: they exit re-parented to PID 1, and
    // reading the daemon processes, as when the cgroup is shared, loses it.
    let note = docker.accounting_note().unwrap();
    assert!(note.contains("charged to cgroup"), "{note}");
    let version = CgroupVersion::accounting_cpu();
    let everything = CpuGroup::at("/", version).unwrap();
    let daemons = docker.daemons();
    let read = || {
        let groups = docker.engine_cpu().unwrap().total();
        let processes = process_tree_cpu(&daemons).total();
        (groups, processes, everything.usage().unwrap().total())
    };
    let before = read();
    for _ in 0..5 {
        docker.cold_starts(1).unwrap();
    }
    let after = read();
    let (groups, processes, machine) = (after.0 - before.0, after.1 - before.1, after.2 - before.2);
    // Here the groups read about twice what the processes do.
    assert!(
        groups >= processes * 13 / 10,
        "the groups read {groups:?}, the daemon processes {processes:?} ({note})"
    );
    // A group counted twice (one within another) would pass what the whole
    // machine's root group was charged. (A v2 root's figure is built from
    // tick samples, which can read some percent low: hence the margin.)
    assert!(
        groups <= machine + machine / 10,
        "{groups:?} of the machine's {machine:?}"
    );

    // A container already running where the containers' cgroups are would
    // count as the starts' work: that cgroup is then left out, and said so.
    let other = Command::new("docker")
        .args([
            "run",
            "-d",
            "-i",
            "--network",
            "none",
            "--label",
            "isobench=1",
        ])
        .arg("isobench/hold")
        .output()
        .expect("running the docker CLI");
    assert!(other.status.success(), "{other:?}");
    let id = String::from_utf8_lossy(&other.stdout).trim().to_string();
    let beside_it = create("docker", &env(), 1);
    Command::new("docker")
        .args(["rm", "-f", &id])
        .output()
        .expect("removing the container");
    let note = beside_it.unwrap().accounting_note().unwrap();
    // Under any driver but cgroupfs the containers' cgroups are never read.
    let driver = Command::new("docker")
        .args(["info", "--format", "{{.CgroupDriver}}"])
        .output()
        .expect("running the docker CLI");
    let driver = String::from_utf8_lossy(&driver.stdout).trim().to_string();
    let expected = match driver.as_str() {
        "cgroupfs" => "is left out: their cgroup, /docker, holds processes of containers already \
                       running ("
            .to_string(),
        other => format!("is left out: Docker's {other} cgroup driver places them"),
    };
    assert!(note.contains(&expected), "{note}");
}

#[test]
fn held_runc_containers_are_accounted_with_their_runtime_processes() {
    let runc = create("runc", &env(), 3).expect("the runc runtime");
    let (held, names) = hold_ready(&*runc, 3);
    // `runc run` stays the parent of the container's process.
    assert_eq!(
        names.iter().filter(|n| *n == "hold").count(),
        3,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| *n == "runc").count(),
        3,
        "{names:?}"
    );
    held.release().unwrap();
}
