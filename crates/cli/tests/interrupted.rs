//! A harness killed in the middle of a footprint run leaves nothing running:
//! held workers see their standard input close and exit on their own.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn running(pattern: &str) -> bool {
    let found = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap();
    !found.stdout.is_empty()
}

fn wait_until(what: &str, limit: Duration, condition: impl Fn() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn killing_the_harness_leaves_no_worker_behind() {
    let out = tempfile::tempdir().unwrap();
    for runtime in ["process", "faaslet"] {
        let mut harness = Command::new(env!("CARGO_BIN_EXE_isobench"))
            .args([
                "mem",
                "--runtime",
                runtime,
                "--workers",
                "200,201,202,203,204",
            ])
            .arg("--out")
            .arg(out.path().join(runtime))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pattern = match runtime {
            "process" => "target/guests/native/hold",
            _ => "isobench __host",
        };
        wait_until("held workers", Duration::from_secs(30), || running(pattern));
        harness.kill().unwrap();
        harness.wait().unwrap();
        wait_until("workers to exit", Duration::from_secs(10), || {
            !running(pattern)
        });
    }
}

/// A benchmark run the harness waits for dies with the harness, instead of
/// computing on as an orphan.
#[test]
fn killing_the_harness_stops_the_benchmark_it_was_timing() {
    let out = tempfile::tempdir().unwrap();
    let mut harness = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["polybench", "3mm", "--dataset", "large", "--no-verify"])
        .args([
            "--native-iterations",
            "3",
            "--wasm-iterations",
            "3",
            "--out",
        ])
        .arg(out.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let kernel = "polybench/large/native/3mm";
    wait_until("the native kernel", Duration::from_secs(60), || {
        running(kernel)
    });
    harness.kill().unwrap();
    harness.wait().unwrap();
    // One run of it takes seconds; dying with the harness takes milliseconds.
    wait_until("the kernel to stop", Duration::from_secs(2), || {
        !running(kernel)
    });
}
