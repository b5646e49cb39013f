//! Runs cut short. A harness killed outright leaves nothing running: held
//! workers see their standard input close and exit on their own, benchmark
//! runs die with it. A harness asked to stop (Ctrl-C, SIGTERM) writes what
//! it measured and removes its containers; asked twice, it quits at once and
//! `isobench clean` removes what it left.

mod common;

use common::{labelled_containers, leftover_cgroups, one_at_a_time};
use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn running(pattern: &str) -> bool {
    let found = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap();
    !found.stdout.is_empty()
}

/// Polls `condition` until it holds or `limit` has passed; whether it held.
fn poll(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !condition() {
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn wait_until(what: &str, limit: Duration, condition: impl FnMut() -> bool) {
    assert!(poll(limit, condition), "timed out waiting for {what}");
}

#[test]
fn killing_the_harness_leaves_no_worker_behind() {
    let _turn = one_at_a_time();
    let (results, tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // Each worker count is held for as long as its workers take to start and
    // be measured, then released: counts large enough that every hold lasts
    // a good fraction of a second here, so the polling below cannot miss them
    // all (with 200 Faaslets a hold lasted 30 ms and a whole run 0.3 s).
    for (runtime, workers) in [("process", "1000,1001"), ("faaslet", "3000,3001")] {
        let out = results.path().join(runtime);
        let mut command = Command::new(env!("CARGO_BIN_EXE_isobench"));
        command
            .args(["mem", "--runtime", runtime, "--workers", workers, "--out"])
            .arg(&out)
            .env("TMPDIR", tmp.path());
        let mut harness = Harness::launch(command);
        let pattern = match runtime {
            "process" => "target/guests/native/hold",
            _ => "isobench __host",
        };
        harness.wait_for(
            &format!("held {runtime} workers"),
            Duration::from_secs(30),
            || running(pattern),
        );
        harness.kill_alone();
        wait_until("workers to exit", Duration::from_secs(10), || {
            !running(pattern)
        });
    }
    // The Faaslets' host ran from a copy of the executable that the killed
    // harness could not remove; `clean` does.
    let copies = || {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                name.to_string_lossy().starts_with("isobench-host-")
            })
            .count()
    };
    assert_eq!(copies(), 1);
    let cleaned = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("clean")
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(copies(), 0, "{}", String::from_utf8_lossy(&cleaned.stdout));
}

/// A benchmark run the harness waits for dies with the harness, instead of
/// computing on as an orphan.
#[test]
fn killing_the_harness_stops_the_benchmark_it_was_timing() {
    let _turn = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut harness = Harness::start(&[
        "polybench",
        "3mm",
        "--dataset",
        "large",
        "--no-verify",
        "--native-iterations",
        "3",
        "--wasm-iterations",
        "3",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    let kernel = "polybench/large/native/3mm";
    harness.wait_for("the native kernel", Duration::from_secs(60), || {
        running(kernel)
    });
    harness.kill_alone();
    // One run of it takes seconds; dying with the harness takes milliseconds.
    wait_until("the kernel to stop", Duration::from_secs(2), || {
        !running(kernel)
    });
}

/// A harness started with its standard error read line by line, in the
/// background, and passed on as it comes.
struct Harness {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Harness {
    fn start(args: &[&str]) -> Harness {
        let mut command = Command::new(env!("CARGO_BIN_EXE_isobench"));
        command.args(args);
        Harness::launch(command)
    }

    /// Runs `command`: isobench, or a launcher (such as `nohup`) that execs it.
    fn launch(mut command: Command) -> Harness {
        // isobench keeps a signal ignored at its start ignored (as `nohup`
        // asks), and a script's background job starts with SIGINT ignored. So
        // that these tests do not depend on how they were started, the harness
        // gets the signals they send at their default action, as a job an
        // interactive shell starts does.
        // SAFETY: the closure only calls signal(2), which is async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let mut child = command
            // A process group of its own, as a shell gives a job.
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Harness {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Starts a run writing into `out` and waits until it is measuring.
    fn measuring(args: &[&str], out: &std::path::Path) -> Harness {
        let mut args = args.to_vec();
        args.extend(["--out", out.to_str().unwrap()]);
        let mut harness = Harness::start(&args);
        harness.wait_for_line("measuring into", Duration::from_secs(300));
        harness
    }

    /// Waits for a standard-error line containing `text`.
    fn wait_for_line(&mut self, text: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.seen.iter().any(|line| line.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => self.fail(&format!("no line with `{text}` in {limit:?}")),
            }
        }
    }

    /// Signals the harness's process group, as Ctrl-C in a terminal does:
    /// the workers and benchmark runs it started get the signal too.
    fn signal(&self, signal: &str) {
        assert!(self.signal_group(signal), "kill -{signal} failed");
    }

    fn signal_group(&self, signal: &str) -> bool {
        let group = format!("-{}", self.child.id());
        Command::new("kill")
            .args([&format!("-{signal}"), "--", &group])
            .status()
            .is_ok_and(|status| status.success())
    }

    /// Waits until `condition` holds; if the harness ends first or time runs
    /// out, the failure shows what the harness said (such as that the Docker
    /// daemon is down).
    fn wait_for(&mut self, what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
        let mut ended = None;
        let held = poll(limit, || {
            if condition() {
                return true;
            }
            ended = self.child.try_wait().ok().flatten();
            ended.is_some()
        });
        match ended {
            Some(status) => self.fail(&format!(
                "the harness ended ({status}) while waiting for {what}"
            )),
            None if !held => self.fail(&format!("timed out waiting for {what}")),
            None => {}
        }
    }

    /// Fails the test with `why` and everything the harness has said.
    fn fail(&mut self, why: &str) -> ! {
        // After an exit, the rest of its standard error is on its way.
        std::thread::sleep(Duration::from_millis(100));
        self.seen.extend(self.lines.try_iter());
        panic!("{why}; the harness said {:?}", self.seen)
    }

    /// Kills the harness alone, not its process group, as `kill -9 PID` or
    /// the kernel's out-of-memory killer would: what it started must not
    /// outlive it by itself.
    fn kill_alone(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Waits for the harness to exit; its status and everything it said.
    fn exit(mut self, limit: Duration) -> (ExitStatus, String) {
        if !poll(limit, || matches!(self.child.try_wait(), Ok(Some(_)))) {
            self.fail("timed out waiting for the harness to exit");
        }
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status, self.seen.join("\n"))
    }
}

/// A test that fails while its harness runs would leave the harness making
/// workers and containers under the tests after it: it is killed with its
/// process group, and `isobench clean` removes what it made.
impl Drop for Harness {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.signal_group("KILL");
            let _ = self.child.wait();
            let _ = Command::new(env!("CARGO_BIN_EXE_isobench"))
                .arg("clean")
                .output();
        }
    }
}

#[test]
fn an_interrupted_run_writes_what_it_measured() {
    let _turn = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let harness = Harness::measuring(
        &[
            "time",
            "--runtime",
            "thread,process",
            "--workers",
            "1,2",
            "--iterations",
            "1000000",
        ],
        out.path(),
    );
    std::thread::sleep(Duration::from_secs(2));
    harness.signal("INT");
    let (status, said) = harness.exit(Duration::from_secs(30));
    // 128 + SIGINT, as a shell reports a process ended by Ctrl-C.
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("interrupted by SIGINT: everything measured until then was written"));
    let records = isobench_report::record::read_tidy_csv(&out.path().join("time.csv")).unwrap();
    assert!(
        records.iter().any(|r| r.metric == "cold_start_ns"),
        "no cold start was kept"
    );
    // The process workers got the SIGINT too; starts it ended are not failures.
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("meta.json")).unwrap())
            .unwrap();
    let failures = meta["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0]
            .as_str()
            .unwrap()
            .starts_with("time: interrupted by SIGINT"),
        "{failures:?}"
    );
    assert!(out.path().join("summary.md").exists());
}

/// Container states of the tool's that `runc` still holds.
fn runc_states() -> usize {
    std::fs::read_dir("/run/isobench/runc")
        .map(|entries| entries.count())
        .unwrap_or(0)
}

/// Stopped while its containers start, a footprint run removes them all.
#[test]
fn a_stopped_container_run_removes_its_containers() {
    let _turn = one_at_a_time();
    for runtime in ["docker", "runc"] {
        let out = tempfile::tempdir().unwrap();
        let mut harness = Harness::start(&[
            "mem",
            "--runtime",
            runtime,
            "--workers",
            "400",
            "--out",
            out.path().to_str().unwrap(),
        ]);
        harness.wait_for_line("measuring into", Duration::from_secs(300));
        let some_started = || match runtime {
            "docker" => labelled_containers() > 10,
            _ => runc_states() > 10,
        };
        harness.wait_for("containers to start", Duration::from_secs(60), || {
            some_started()
        });
        harness.signal("TERM");
        let (status, said) = harness.exit(Duration::from_secs(120));
        assert_eq!(status.code(), Some(128 + 15), "{said}");
        assert!(said.contains("mem: interrupted by SIGTERM"), "{said}");
        assert_eq!(labelled_containers(), 0, "{runtime}: {said}");
        assert_eq!(runc_states(), 0, "{runtime}: {said}");
        assert_eq!(
            leftover_cgroups(),
            Vec::<std::path::PathBuf>::new(),
            "{runtime}"
        );
    }
}

/// Asked twice, the harness quits at once; `isobench clean` then removes
/// the containers it left.
#[test]
fn a_second_interrupt_quits_at_once_and_clean_removes_the_rest() {
    let _turn = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut harness = Harness::measuring(
        &["mem", "--runtime", "docker", "--workers", "400"],
        out.path(),
    );
    harness.wait_for("containers to start", Duration::from_secs(60), || {
        labelled_containers() > 10
    });
    harness.signal("INT");
    harness.wait_for_line("interrupt again to quit at once", Duration::from_secs(10));
    harness.signal("INT");
    let (status, said) = harness.exit(Duration::from_secs(30));
    assert_eq!(status.signal(), Some(libc::SIGINT), "{said}");
    let cleaned = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("clean")
        .output()
        .unwrap();
    assert!(cleaned.status.success());
    assert!(String::from_utf8_lossy(&cleaned.stdout).contains("removed docker container"));
    assert_eq!(labelled_containers(), 0);
}

/// What a harness killed outright left (a half-created runc container with
/// runc's bind mount, and its cgroup) is removed by `isobench clean`; what a
/// running harness uses is left alone, and the running harness still ends
/// cleanly.
#[test]
fn clean_removes_what_ended_runs_left_and_leaves_a_running_one_alone() {
    let _turn = one_at_a_time();
    // Above any possible PID (pid_max is at most 2^22), so never running.
    let ended = "isobench-4194305-7";
    let state = std::path::Path::new("/run/isobench/runc").join(ended);
    std::fs::create_dir_all(&state).unwrap();
    let copy = state.join("runc.copy");
    std::fs::write(&copy, b"").unwrap();
    let mounted = Command::new("mount")
        .arg("--bind")
        .arg("/usr/sbin/runc")
        .arg(&copy)
        .status()
        .unwrap();
    assert!(mounted.success());
    let cgroup = std::path::Path::new("/sys/fs/cgroup/pids").join(ended);
    let cgroup = match std::fs::create_dir(&cgroup) {
        Ok(()) => cgroup,
        // cgroup v2 only: no per-controller hierarchies.
        Err(_) => {
            let top = std::path::Path::new("/sys/fs/cgroup").join(ended);
            std::fs::create_dir(&top).unwrap();
            top
        }
    };

    let out = tempfile::tempdir().unwrap();
    let mut harness = Harness::measuring(
        &["mem", "--runtime", "runc", "--workers", "1000"],
        out.path(),
    );
    harness.wait_for("containers to start", Duration::from_secs(60), || {
        runc_states() > 50
    });
    let cleaned = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("clean")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&cleaned.stdout).into_owned();
    let running = format!("isobench-{}-", harness.child.id());
    assert!(
        said.contains(&format!("removed runc state {}", state.display())),
        "{said}"
    );
    assert!(said.contains(" of ended runs' containers"), "{said}");
    assert!(!state.exists() && !cgroup.exists());
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(ended), "runc's bind mount is still there");
    let left_alone = said
        .lines()
        .find(|line| line.starts_with("left alone: "))
        .unwrap_or_else(|| panic!("nothing was left alone: {said}"));
    assert!(
        // Its containers, as far as runc lists them yet, and its cgroups.
        left_alone.contains("1 bundle directory")
            && left_alone.ends_with(&format!("still running as PID {}", harness.child.id())),
        "{left_alone}"
    );
    assert!(
        !said
            .lines()
            .any(|line| line.starts_with("removed") && line.contains(&running)),
        "clean removed what a running harness uses: {said}"
    );

    harness.signal("INT");
    let (status, said) = harness.exit(Duration::from_secs(120));
    assert_eq!(status.code(), Some(130), "{said}");
    assert_eq!(runc_states(), 0, "{said}");
}

/// A profile stopped early keeps the samples taken until then.
#[test]
fn an_interrupted_profile_keeps_its_samples() {
    let _turn = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut harness = Harness::measuring(&["profile", "noop", "--seconds", "120"], out.path());
    harness.wait_for_line("profiling noop", Duration::from_secs(30));
    // The workload writes its jitdump once its code is loaded; then it runs.
    harness.wait_for("the workload to run", Duration::from_secs(60), || {
        std::fs::read_dir(out.path().join("jit")).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".dump"))
        })
    });
    std::thread::sleep(Duration::from_secs(2));
    harness.signal("INT");
    let (status, said) = harness.exit(Duration::from_secs(60));
    assert_eq!(status.code(), Some(130), "{said}");
    let meta = std::fs::read_to_string(out.path().join("meta.json")).unwrap();
    assert!(
        meta.contains("profile: interrupted by SIGINT; the profile covers the time until then"),
        "{meta}"
    );
    let table = std::fs::read_to_string(out.path().join("profile.md")).unwrap();
    let samples: u64 = table
        .split_whitespace()
        .find_map(|word| word.parse().ok())
        .unwrap_or(0);
    assert!(samples > 100, "{table}");
    assert!(
        !running("__profile-target"),
        "the profiled workload runs on"
    );
}

/// Quit at once (`kill -9` here; a second Ctrl-C above), a run leaves a
/// results directory that says it did not finish, and that no later run
/// writes into.
#[test]
fn a_run_killed_outright_leaves_a_directory_marked_unfinished() {
    let _turn = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut harness = Harness::measuring(
        &["time", "--runtime", "thread", "--iterations", "1000000"],
        out.path(),
    );
    harness.kill_alone();
    let meta = std::fs::read_to_string(out.path().join("meta.json")).unwrap();
    assert!(meta.contains("the run did not finish"), "{meta}");
    let again = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["time", "--runtime", "thread", "--iterations", "5", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds the results"));
}

/// A signal ignored from the start (`nohup`, a script's `cmd &`) stays
/// ignored: the run goes on to the end.
#[test]
fn an_ignored_hangup_is_still_ignored() {
    let _turn = one_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let mut command = Command::new("nohup");
    command
        .arg(env!("CARGO_BIN_EXE_isobench"))
        .args(["time", "--runtime", "thread", "--iterations", "30000"])
        .arg("--out")
        .arg(out.path());
    let mut harness = Harness::launch(command);
    // Once this is said, a signal that is not ignored would stop the run.
    harness.wait_for_line("measuring into", Duration::from_secs(300));
    // Still running when the signal comes, or the test shows nothing.
    assert!(
        harness.child.try_wait().unwrap().is_none(),
        "it ended too soon"
    );
    harness.signal("HUP");
    let (status, said) = harness.exit(Duration::from_secs(300));
    assert!(status.success(), "{status}: {said}");
    let meta = std::fs::read_to_string(out.path().join("meta.json")).unwrap();
    assert!(
        !meta.contains("did not finish") && !meta.contains("interrupted"),
        "{meta}"
    );
}
