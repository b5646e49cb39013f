//! Containers from the command line: docker, runc and crun in `time` and
//! `mem`, failures reported with the engine's or runtime's message, and
//! nothing left behind.

mod common;

use common::{copy_of_guests, isobench_with, labelled_containers, leftover_cgroups, text};

use isobench_measure::{process_tree_cpu, processes_named};
use isobench_report::record::read_tidy_csv;
use std::process::Command;

fn count(records: &[isobench_report::Record], runtime: &str, metric: &str) -> usize {
    records
        .iter()
        .filter(|r| r.runtime == runtime && r.metric == metric)
        .count()
}

/// One test, steps in order: they share the `isobench/noop` image.
#[test]
fn docker_times_starts_and_removals_and_reports_a_failing_guest() {
    let out = tempfile::tempdir().unwrap();
    let output = isobench_with(
        &[
            "time",
            "--runtime",
            "docker,faaslet",
            "--workers",
            "1,2",
            "--iterations",
            "3",
            "--warmup",
            "1",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output));
    let records = read_tidy_csv(&out.path().join("time.csv")).unwrap();
    assert_eq!(count(&records, "docker", "cold_start_ns"), 3 + 6);
    assert_eq!(count(&records, "docker", "remove_ns"), 3 + 6);
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(summary.contains("× faaslet") && summary.contains("Removal after exit"));
    assert_eq!(labelled_containers(), 0);

    // A noop that exits with status 3: the engine's verdict is reported, the
    // other runtime is still measured.
    let sources = copy_of_guests();
    std::fs::write(
        sources.path().join("noop.c"),
        "int main(void) { return 3; }\n",
    )
    .unwrap();
    let build = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = isobench_with(
        &[
            "time",
            "--runtime",
            "docker,thread",
            "--iterations",
            "2",
            "--warmup",
            "0",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[
            ("ISOBENCH_GUESTS_SRC", sources.path()),
            ("ISOBENCH_GUESTS_OUT", build.path()),
        ],
    );
    assert!(!output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("container exited with status 3"),
        "{}",
        text(&output)
    );
    let records = read_tidy_csv(&out.path().join("time.csv")).unwrap();
    assert_eq!(count(&records, "thread", "cold_start_ns"), 2);
    assert_eq!(labelled_containers(), 0);

    // Back to the real noop: the image is rebuilt because the binary changed.
    let output = isobench_with(&["images"], &[]);
    assert!(
        text(&output).contains("isobench/noop: built FROM scratch"),
        "{}",
        text(&output)
    );

    // Held containers: the daemons' base cost and a per-container slope.
    let out = tempfile::tempdir().unwrap();
    let output = isobench_with(
        &[
            "mem",
            "--runtime",
            "docker",
            "--workers",
            "0,4",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output));
    let records = read_tidy_csv(&out.path().join("mem.csv")).unwrap();
    let pss = |workers: u64| {
        records
            .iter()
            .find(|r| r.workers == workers && r.metric == "pss_bytes")
            .unwrap()
            .value
    };
    // dockerd and containerd alone hold tens of MiB; each container (its
    // shim and its `hold`) about 0.9 MiB more here, where `hold` alone is
    // about 45 KiB: without the shims the difference would be far below this.
    assert!(pss(0) > 20e6, "{}", pss(0));
    assert!(pss(4) > pss(0) + 4.0 * 512e3, "{} vs {}", pss(4), pss(0));
    // With no container, the CPU time is what the daemons spent during that
    // configuration, not all they have spent since they started.
    let daemons = processes_named(|comm| comm == "dockerd" || comm == "containerd");
    let since_start = process_tree_cpu(&daemons).total().as_nanos() as f64;
    let idle_cpu = records
        .iter()
        .find(|r| r.workers == 0 && r.metric == "cpu_ns")
        .unwrap()
        .value;
    assert!(
        since_start > 0.0 && idle_cpu < since_start / 2.0,
        "{idle_cpu} ns with no container, of {since_start} ns since the daemons started"
    );
    assert_eq!(labelled_containers(), 0);
}

#[test]
fn without_a_daemon_docker_says_how_to_start_it_and_the_run_goes_on() {
    let out = tempfile::tempdir().unwrap();
    let no_socket = out.path().join("no-docker.sock");
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args([
            "time",
            "--runtime",
            "docker,thread",
            "--iterations",
            "3",
            "--out",
        ])
        .arg(out.path())
        .env("DOCKER_HOST", format!("unix://{}", no_socket.display()))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let shown = text(&output);
    assert!(
        shown.contains("failed: docker: no Docker daemon at") && shown.contains("dockerd &"),
        "{shown}"
    );
    let records = read_tidy_csv(&out.path().join("time.csv")).unwrap();
    assert_eq!(count(&records, "thread", "cold_start_ns"), 3);

    // A daemon elsewhere cannot be measured: refused, not silently replaced
    // by the local one.
    let elsewhere = out.path().join("elsewhere");
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args([
            "time",
            "--runtime",
            "thread,docker",
            "--iterations",
            "3",
            "--out",
        ])
        .arg(&elsewhere)
        .env("DOCKER_HOST", "tcp://127.0.0.1:2375")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("DOCKER_HOST is tcp://127.0.0.1:2375"),
        "{}",
        text(&output)
    );
    // Refused before anything ran.
    assert!(!elsewhere.exists(), "{}", text(&output));
}

#[test]
fn runc_runs_the_bundle_and_crun_runs_it_or_says_why_not() {
    let out = tempfile::tempdir().unwrap();
    let output = isobench_with(
        &[
            "time",
            "--runtime",
            "runc,crun",
            "--iterations",
            "3",
            "--warmup",
            "0",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[],
    );
    let records = read_tidy_csv(&out.path().join("time.csv")).unwrap();
    assert_eq!(
        count(&records, "runc", "cold_start_ns"),
        3,
        "{}",
        text(&output)
    );
    // crun refuses "hybrid" cgroups while a controller sits on the v2 side
    // (scripts/setup moves such controllers to v1); anywhere else it must run.
    let hybrid_with_v2_controllers =
        std::fs::read_to_string("/sys/fs/cgroup/unified/cgroup.controllers")
            .is_ok_and(|controllers| !controllers.trim().is_empty());
    if hybrid_with_v2_controllers {
        assert!(!output.status.success());
        assert!(
            text(&output).contains("crun cannot run a container on this host")
                && text(&output).contains("hybrid"),
            "{}",
            text(&output)
        );
    } else {
        assert!(output.status.success(), "{}", text(&output));
        assert_eq!(count(&records, "crun", "cold_start_ns"), 3);
    }
    // Nothing left: no container in the runtimes' state, no bundle, no cgroup.
    for runtime in ["runc", "crun"] {
        let listing = Command::new(runtime)
            .args(["--root", &format!("/run/isobench/{runtime}"), "list", "-q"])
            .output()
            .unwrap();
        assert!(listing.status.success(), "{runtime} list failed");
        assert_eq!(
            String::from_utf8_lossy(&listing.stdout).trim(),
            "",
            "{runtime}"
        );
    }
    let bundles = std::fs::read_dir("/run/isobench/bundles")
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(bundles, 0);
    assert_eq!(leftover_cgroups(), Vec::<std::path::PathBuf>::new());
}
