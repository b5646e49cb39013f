//! The `docker` runtime against the real engine: held containers are in the
//! accounted set with their shims and the daemons, and nothing is left after.

use isobench_faaslet::RuntimeConfig;
use isobench_guests::Guests;
use isobench_sandbox::{create, Env};
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

/// One test, steps in order, so that no other test's containers are around
/// when this one checks that none is left.
#[test]
fn held_containers_are_accounted_and_cold_starts_clean_up() {
    let docker = create("docker", &env(), 5).expect("the docker runtime (is dockerd running?)");
    let mut held = docker.hold(5).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !held.poll_ready().unwrap() {
        assert!(
            Instant::now() < deadline,
            "the containers never became ready"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let names: Vec<String> = held.accounted_pids().into_iter().map(comm).collect();
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
        assert!(*took > Duration::from_millis(1), "{took:?}");
    }
    assert_eq!(batch.teardown.len(), 2);
    assert!(labelled_containers().is_empty());
}
