//! The `isobench` binary as a user runs it: outputs, formats and refusals.

use isobench_report::record::read_tidy_csv;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

fn isobench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(args)
        .output()
        .expect("running isobench")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn refused(args: &[&str], expected: &[&str]) {
    let output = isobench(args);
    assert!(!output.status.success(), "{args:?} was accepted");
    let text = stderr(&output);
    for needle in expected {
        assert!(
            text.contains(needle),
            "{args:?}: `{needle}` not in:\n{text}"
        );
    }
}

#[test]
fn bad_arguments_are_refused_with_the_reason() {
    refused(
        &["time", "--runtime", "thread,firecracker"],
        &[
            "unknown runtime `firecracker`",
            "thread, process, faaslet, faaslet-restore",
        ],
    );
    refused(&["time", "--workers", "0"], &["must be at least 1"]);
    refused(
        &["time", "--workers", "1,four"],
        &["`four` is not a whole number"],
    );
    refused(&["time", "--iterations", "0"], &["must be at least 1"]);
    refused(
        &["time", "--iterations", "many"],
        &["`many` is not a whole number"],
    );
    refused(&["mem", "--workers=-3"], &["`-3` is not a whole number"]);
    refused(
        &["clean", "--cache-unused-days", "-1"],
        &["`-1` is not a whole number"],
    );
    refused(&["time", "--workers", "1,4,1"], &["1 is given twice"]);
    refused(
        &["time", "--runtime", "thread,thread"],
        &["`thread` is given twice"],
    );
    refused(
        &["time", "--warmup", "abc"],
        &["`abc` is not a whole number"],
    );
    refused(
        &["time", "--pause-ms=-1"],
        &["`-1` is not a number of milliseconds from 0 to 1000"],
    );
    // A negative number after a space is the option's value, not a flag.
    refused(&["mem", "--workers", "-3"], &["`-3` is not a whole number"]);
    refused(
        &["time", "--memory-cap-mib", "-5"],
        &["`-5` is not a whole number of MiB from 1 to 4096"],
    );
    refused(
        &["compare", "/tmp", "/tmp", "--noise", "-5"],
        &["`-5` is not a percentage"],
    );
    refused(
        &["polybench", "atax", "--time-limit", "1e20"],
        &["`1e20` is not a positive number of seconds up to 86400"],
    );
    // A kernel named twice would have its runs pooled as one.
    refused(&["polybench", "2mm,2MM"], &["`2mm` is given twice"]);
    refused(&["polybench", "all,2mm"], &["give `all` alone"]);
    refused(
        &["profile", "polybench:all"],
        &["one workload at a time", "not `all`"],
    );
    refused(
        &["profile", "polybench:2mm,lu"],
        &["one workload at a time", "not `2mm,lu`"],
    );
    // Options for another kind of workload are not silently ignored.
    refused(
        &["profile", "noop", "--dataset", "large"],
        &["--dataset applies to `polybench:` workloads only, not to `noop`"],
    );
    refused(
        &["profile", "polybench:2mm", "--include-unsupported"],
        &["--include-unsupported applies to `python:` workloads only"],
    );
}

#[test]
fn a_directory_with_an_earlier_run_and_an_unwritable_export_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier");
    let run = |out: &Path, extra: &[&str]| {
        let mut args = vec!["time", "--runtime", "thread", "--iterations", "2"];
        args.extend_from_slice(extra);
        args.extend(["--out", out.to_str().unwrap()]);
        isobench(&args)
    };
    assert!(run(&earlier, &[]).status.success());
    let again = run(&earlier, &[]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already holds the results of an earlier run"),
        "{}",
        stderr(&again)
    );

    let fresh = dir.path().join("fresh");
    let export = dir.path().join("no-such-dir").join("x.json");
    let output = run(&fresh, &["--export-json", export.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot write the export file"),
        "{}",
        stderr(&output)
    );
    assert!(!fresh.exists(), "the run went ahead before refusing");
}

#[test]
fn more_workers_than_a_process_can_have_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    // Ten million threads need forty million memory mappings.
    refused(
        &[
            "mem",
            "--runtime",
            "thread",
            "--workers",
            "0,10000000",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            "thread with 10000000 workers",
            "sysctl -w vm.max_map_count=",
        ],
    );
    assert!(!out.exists(), "the run went ahead before refusing");
}

#[test]
fn more_workers_than_the_kernel_has_task_ids_for_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    // Past the largest pid_max a 64-bit kernel allows (4,194,304).
    refused(
        &[
            "time",
            "--runtime",
            "crun,process",
            "--workers",
            "1,5000000",
            "--out",
            out.to_str().unwrap(),
        ],
        &[
            "crun with 5000000 workers",
            "at least 10000000 threads or processes",
            "kernel.pid_max",
        ],
    );
    assert!(!out.exists(), "the run went ahead before refusing");
}

/// Where the `pids` controller's cgroups are: its v1 hierarchy, or the v2
/// one when that has the controller.
fn pids_hierarchy() -> Option<PathBuf> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let mount = |fs: &str| {
        mounts.lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let pids = fs == "cgroup2" || fields[3].split(',').any(|o| o == "pids");
            (fields[2] == fs && pids).then(|| PathBuf::from(fields[1]))
        })
    };
    mount("cgroup").or_else(|| {
        let v2 = mount("cgroup2")?;
        let controllers = std::fs::read_to_string(v2.join("cgroup.subtree_control")).ok()?;
        controllers
            .split_whitespace()
            .any(|c| c == "pids")
            .then_some(v2)
    })
}

#[test]
fn more_workers_than_the_harness_cgroup_allows_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    // A pids cgroup that allows 200 tasks, as systemd's TasksMax would.
    let hierarchy = pids_hierarchy().expect("a cgroup hierarchy with the pids controller");
    let group = hierarchy.join(format!("isobench.test-{}", std::process::id()));
    std::fs::create_dir(&group).expect("making a cgroup (the tests run as root)");
    std::fs::write(group.join("pids.max"), "200").unwrap();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "echo $$ > {}/cgroup.procs && exec \"$0\" \"$@\"",
            group.display()
        ))
        .arg(env!("CARGO_BIN_EXE_isobench"))
        .args(["time", "--runtime", "process", "--workers", "500"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    std::fs::remove_dir(&group).unwrap();
    assert!(!output.status.success(), "500 workers were accepted");
    let said = stderr(&output);
    assert!(
        said.contains("process with 500 workers")
            && said.contains("pids.max")
            && said.contains("leaves room for 19"),
        "{said}"
    );
    assert!(!out.exists(), "the run went ahead before refusing");
}

#[test]
fn a_runtime_that_cannot_be_prepared_is_reported_and_the_others_are_measured() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // A code cache inside a regular file cannot be written, not even by root.
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["time", "--runtime", "faaslet,thread", "--workers", "1"])
        .args(["--iterations", "3", "--out", out.to_str().unwrap()])
        .env("ISOBENCH_CACHE_DIR", file.join("cache"))
        .output()
        .unwrap();
    assert!(!output.status.success(), "a failed runtime exits with 1");
    let said = stderr(&output);
    assert!(
        said.contains("failed: faaslet: ") && said.contains("ISOBENCH_CACHE_DIR"),
        "{said}"
    );
    let records = read_tidy_csv(&out.join("time.csv")).unwrap();
    let starts = |runtime: &str| {
        records
            .iter()
            .filter(|r| r.runtime == runtime && r.metric == "cold_start_ns")
            .count()
    };
    assert_eq!((starts("thread"), starts("faaslet")), (3, 0), "{said}");
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("faaslet: "), "{summary}");
}

#[test]
fn an_unwritable_out_directory_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = file.join("results");
    refused(
        &["time", "--iterations", "1", "--out", out.to_str().unwrap()],
        &["cannot create the results directory", "--out"],
    );
}

#[test]
fn a_missing_toolchain_names_the_debian_packages() {
    let empty_out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("guests")
        .env("PATH", "/nonexistent")
        .env("ISOBENCH_GUESTS_OUT", empty_out.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains("apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32"),
        "{text}"
    );
}

#[test]
fn a_guests_directory_that_cannot_be_made_is_named_with_the_variable_that_moves_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("guests")
        .env("ISOBENCH_GUESTS_OUT", file.join("guests"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains(&file.display().to_string()) && text.contains("ISOBENCH_GUESTS_OUT"),
        "{text}"
    );
}

#[test]
fn clean_removes_the_temporary_directories_of_runs_that_ended() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    // The PID of a process that has ended: no isobench runs under it.
    let mut ended = Command::new("true").spawn().unwrap();
    ended.wait().unwrap();
    let dead = ended.id();
    let left: Vec<PathBuf> = ["isobench-polybench", "isobench-pybench", "isobench-host"]
        .iter()
        .map(|prefix| tmp.path().join(format!("{prefix}-{dead}-a1b2c3")))
        .collect();
    let unrelated = tmp.path().join("someone-elses");
    for dir in left.iter().chain([&unrelated]) {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("2mm.native.txt"), "0.0").unwrap();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("clean")
        .env("TMPDIR", tmp.path())
        .env("ISOBENCH_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    for dir in &left {
        assert!(!dir.exists(), "{} is still there:\n{stdout}", dir.display());
    }
    assert!(unrelated.exists(), "clean removed a directory not its own");
    assert!(
        stdout.contains("polybench dump directory")
            && stdout.contains("pybench temporary directory")
            && stdout.contains("host executable copy"),
        "{stdout}"
    );
}

#[test]
fn clean_removes_compiled_modules_unused_for_the_days_given() {
    let cache = tempfile::tempdir().unwrap();
    let codegen = cache.path().join("codegen");
    std::fs::create_dir(&codegen).unwrap();
    let stale = codegen.join("stale.cwasm");
    let used = codegen.join("used.cwasm");
    std::fs::write(&stale, vec![0u8; 2048]).unwrap();
    std::fs::write(&used, vec![0u8; 1024]).unwrap();
    let ten_days_ago = SystemTime::now() - Duration::from_secs(10 * 24 * 60 * 60);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .and_then(|file| file.set_modified(ten_days_ago))
        .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["clean", "--cache-unused-days", "7"])
        .env("ISOBENCH_CACHE_DIR", cache.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stale.exists(),
        "a module unused for 10 days is still there"
    );
    assert!(used.exists(), "a module just used was removed");
    for line in [
        "removed 1 compiled module (2.0 KiB) from the code cache, unused for 7 days".to_string(),
        format!(
            "code cache {}: 1 compiled module (1.0 KiB) used in the last 7 days kept",
            codegen.display()
        ),
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "`{line}` not in:\n{stdout}"
        );
    }
}

fn read_csv(path: &Path) -> (String, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn time_writes_every_sample_in_the_tidy_and_faasm_formats() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = isobench(&[
        "time",
        "--runtime",
        "thread,process,faaslet,faaslet-restore",
        "--workers",
        "1,3",
        "--iterations",
        "7",
        "--warmup",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("× thread"), "{stdout}");

    let (header, rows) = read_csv(&out.join("time.csv"));
    assert_eq!(
        header,
        "suite,runtime,workload,workers,iteration,metric,value,unit"
    );
    // The project's own reader parses every row and checks the header too.
    let records = read_tidy_csv(&out.join("time.csv")).unwrap();
    assert_eq!(records.len(), rows.len());
    for runtime in ["thread", "process", "faaslet", "faaslet-restore"] {
        for workers in [1u64, 3] {
            let count = |metric: &str| {
                records
                    .iter()
                    .filter(|r| r.runtime == runtime && r.workers == workers && r.metric == metric)
                    .inspect(|r| assert!(r.value > 0.0 && r.iteration.is_some(), "{r:?}"))
                    .count() as u64
            };
            assert_eq!(count("cold_start_ns"), 7 * workers, "{runtime} × {workers}");
            assert_eq!(count("batch_wall_ns"), 7, "{runtime} × {workers}");
            // Only containers leave something to remove after they exit.
            assert_eq!(count("remove_ns"), 0, "{runtime} × {workers}");
            // The measured blocks tried every start (the warm-up is not in them).
            let attempted = records.iter().find(|r| {
                r.runtime == runtime && r.workers == workers && r.metric == "attempted_starts"
            });
            assert_eq!(attempted.map(|r| r.value), Some((7 * workers) as f64));
            // Every start lies within its batch, and the batches within the
            // configuration's elapsed time.
            let of = |metric: &'static str, iteration: u64| {
                records.iter().filter(move |r| {
                    r.runtime == runtime
                        && r.workers == workers
                        && r.metric == metric
                        && r.iteration == Some(iteration)
                })
            };
            let mut walls = 0.0;
            for iteration in 0..7 {
                let wall = of("batch_wall_ns", iteration).next().unwrap().value;
                walls += wall;
                for start in of("cold_start_ns", iteration) {
                    assert!(
                        start.value <= wall,
                        "{start:?} outlasts its batch of {wall} ns"
                    );
                }
            }
            let elapsed = records
                .iter()
                .find(|r| r.runtime == runtime && r.workers == workers && r.metric == "elapsed_ns");
            assert!(
                elapsed.is_some_and(|r| r.value >= walls),
                "{elapsed:?} against batches of {walls} ns"
            );
        }
    }
    let (faasm_header, faasm_rows) = read_csv(&out.join("runtime-bench-time.csv"));
    assert_eq!(
        faasm_header,
        "Runtime,Measure,Value,Iterations,ValuePerIteration"
    );
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12);
    let mut named = Vec::new();
    for row in &faasm_rows {
        let (value, n, per): (f64, f64, f64) = (
            row[2].parse().unwrap(),
            row[3].parse().unwrap(),
            row[4].parse().unwrap(),
        );
        // Iterations are the measured batches; the value is the tidy CSV's
        // total, in seconds for times.
        assert_eq!(n, 7.0, "{row:?}");
        assert!(close(per, value / n), "{row:?}");
        let (runtime, workers) = match row[0].split_once('@') {
            Some((runtime, workers)) => (runtime, workers.parse().unwrap()),
            None => (row[0].as_str(), 1),
        };
        let tidy_total = |metric: &str| {
            records
                .iter()
                .find(|r| {
                    r.runtime == runtime
                        && r.workers == workers
                        && r.metric == metric
                        && r.iteration.is_none()
                })
                .unwrap_or_else(|| panic!("no {metric} total for {row:?}"))
                .value
        };
        match row[1].as_str() {
            "elapsed_seconds" => assert!(close(value, tidy_total("elapsed_ns") / 1e9), "{row:?}"),
            "cpu_seconds" => assert!(close(value, tidy_total("cpu_ns") / 1e9), "{row:?}"),
            "cpu_cycles" => assert!(close(value, tidy_total("cycles")), "{row:?}"),
            "instructions" => assert!(close(value, tidy_total("instructions")), "{row:?}"),
            other => panic!("unknown measure {other} in {row:?}"),
        }
        named.push((row[0].clone(), row[1].clone()));
    }
    // Every configuration has its elapsed and CPU time, W > 1 named `NAME@W`.
    for runtime in ["thread", "process", "faaslet", "faaslet-restore"] {
        for name in [runtime.to_string(), format!("{runtime}@3")] {
            for measure in ["elapsed_seconds", "cpu_seconds"] {
                assert!(
                    named.contains(&(name.clone(), measure.to_string())),
                    "no {measure} for {name} in {named:?}"
                );
            }
        }
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    for key in ["git_revision", "command_line", "host", "versions"] {
        assert!(meta.get(key).is_some(), "meta.json lacks {key}");
    }
    assert!(meta["host"]["cores"].as_u64().unwrap() >= 1);
    let steal = meta["cpu_steal_percent"].as_f64();
    assert!(steal.is_some_and(|p| (0.0..=100.0).contains(&p)), "{meta}");
    assert!(meta["versions"]["wasmtime"]
        .as_str()
        .unwrap()
        .starts_with("48."));
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("## Cold start"), "{summary}");
    assert!(summary.contains("Batches ran back to back"), "{summary}");
    // Each runtime's ratio to `thread` comes with its interval.
    assert!(summary.contains("× thread (95% CI)"), "{summary}");
    let faaslet_row = summary
        .lines()
        .find(|line| line.starts_with("| faaslet "))
        .unwrap();
    let ratio_cell = faaslet_row.trim_end_matches(['|', ' ']).rsplit('|').next();
    assert!(
        ratio_cell.is_some_and(|cell| cell.contains(" (") && cell.ends_with(')')),
        "{faaslet_row}"
    );
}

#[test]
fn a_pause_idles_the_machine_before_each_batch_and_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (iterations, pause_ms) = (20, 50.0);
    let began = std::time::Instant::now();
    let output = isobench(&[
        "time",
        "--runtime",
        "thread",
        "--iterations",
        &iterations.to_string(),
        "--warmup",
        "0",
        "--pause-ms",
        &pause_ms.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    // Twenty thread starts take milliseconds; the pauses take a second.
    let least = std::time::Duration::from_secs_f64(iterations as f64 * pause_ms / 1000.0);
    assert!(began.elapsed() >= least, "{:?}", began.elapsed());

    let records = read_tidy_csv(&out.join("time.csv")).unwrap();
    let total = |metric: &str| records.iter().find(|r| r.metric == metric);
    assert_eq!(total("pause_ns").map(|r| r.value), Some(pause_ms * 1e6));
    // What ran during the pauses is not charged to the starts.
    for metric in [
        "system_cpu_ns",
        "cpu_ns",
        "disk_write_bytes",
        "block_write_bytes",
    ] {
        assert!(total(metric).is_none(), "{metric} is charged the pauses");
    }
    assert!(total("elapsed_ns").is_some());
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("idled for 50.000 ms"), "{summary}");
    let thread_row = summary
        .lines()
        .find(|line| line.starts_with("| thread ") && line.contains("– (paused)"));
    assert!(thread_row.is_some(), "{summary}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["settings"]["time_pause_ms"], pause_ms);
}

#[test]
fn mem_measures_the_host_process_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mem");
    let output = isobench(&[
        "mem",
        "--runtime",
        "process,faaslet",
        "--workers",
        "0,4,16",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (header, rows) = read_csv(&out.join("mem.csv"));
    assert_eq!(
        header,
        "suite,runtime,workload,workers,iteration,metric,value,unit"
    );
    let value = |runtime: &str, workers: &str, metric: &str| -> f64 {
        rows.iter()
            .find(|r| r[1] == runtime && r[3] == workers && r[5] == metric)
            .unwrap_or_else(|| panic!("no {metric} for {runtime} × {workers}"))[6]
            .parse()
            .unwrap()
    };
    // Processes: one accounted process per worker, none at zero.
    assert_eq!(value("process", "0", "processes"), 0.0);
    assert_eq!(value("process", "16", "processes"), 16.0);
    // What one more held worker adds, from 4 to 16 workers: a held process
    // (a small static binary) costs tens of KiB, a held Faaslet (its thread's
    // stack, its instance, the pages of linear memory it touched) about as
    // much, but over so few workers anywhere from 10 to 46 KiB here (the
    // pool's reuse of slots). Bounds that fail if the figures were KiB
    // rather than bytes, or if they measured a process that does not hold
    // the workers.
    let per_worker = |runtime: &str| {
        (value(runtime, "16", "pss_bytes") - value(runtime, "4", "pss_bytes")) / 12.0
    };
    const KIB: f64 = 1024.0;
    for runtime in ["process", "faaslet"] {
        let added = per_worker(runtime);
        assert!(
            (4.0 * KIB..4096.0 * KIB).contains(&added),
            "{runtime}: {added} bytes of PSS per held worker"
        );
        for workers in ["0", "4", "16"] {
            let (pss, rss, uss) = (
                value(runtime, workers, "pss_bytes"),
                value(runtime, workers, "rss_bytes"),
                value(runtime, workers, "uss_bytes"),
            );
            assert!(
                uss <= pss && pss <= rss,
                "{runtime} × {workers}: USS {uss} ≤ PSS {pss} ≤ RSS {rss}"
            );
        }
    }
    // Faaslets: always the one host process, never the harness; with no
    // Faaslet held it still has its engine and runtime: megabytes.
    for workers in ["0", "4", "16"] {
        assert_eq!(value("faaslet", workers, "processes"), 1.0);
    }
    assert!(value("faaslet", "0", "pss_bytes") > 1024.0 * KIB);
    // The host runs from a copy of the executable of its own, so the code it
    // ran is its own too (USS): shared with the harness, which ran the same
    // code, it would be about 1.5 MiB here against about 9.
    assert!(
        value("faaslet", "0", "uss_bytes") > 4096.0 * KIB,
        "{}",
        value("faaslet", "0", "uss_bytes")
    );
    let (faasm_header, faasm_rows) = read_csv(&out.join("runtime-bench-mem.csv"));
    assert_eq!(faasm_header, "Runtime,Measure,Value,Workers,ValuePerWorker");
    // One row per runtime, worker count and measure, with mem.csv's value,
    // and Faasm's value / workers beside it (none at zero workers).
    assert_eq!(faasm_rows.len(), 2 * 3 * 3, "{faasm_rows:?}");
    for row in &faasm_rows {
        let metric = match row[1].as_str() {
            "PSS" => "pss_bytes",
            "RSS" => "rss_bytes",
            "USS" => "uss_bytes",
            other => panic!("unknown measure {other} in {row:?}"),
        };
        let bytes: f64 = row[2].parse().unwrap();
        assert_eq!(bytes, value(&row[0], &row[3], metric), "{row:?}");
        let workers: f64 = row[3].parse().unwrap();
        if workers == 0.0 {
            assert_eq!(row[4], "", "{row:?}");
        } else {
            let per_worker: f64 = row[4].parse().unwrap();
            assert!(
                (per_worker - bytes / workers).abs() <= 1e-6 * per_worker,
                "{row:?}"
            );
        }
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("per worker (slope)"), "{summary}");

    let leftovers = Command::new("pgrep")
        .args(["-f", "isobench __host"])
        .output()
        .unwrap();
    assert!(leftovers.stdout.is_empty(), "host processes left running");
}
