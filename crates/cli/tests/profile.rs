//! `isobench profile` and `isobench symbols`, checked against perf's own
//! output and against the module read independently with wasmparser.

mod common;

use common::{isobench, isobench_with, text};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

/// A profile samples every CPU, so it sees the processes of a profile
/// recorded beside it, and their jitdumps, which perf fails to merge once
/// that other test has removed them. The tests here record one at a time.
fn one_profile_at_a_time() -> MutexGuard<'static, ()> {
    static PROFILE: Mutex<()> = Mutex::new(());
    PROFILE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The medium 2mm module, built by `isobench polybench` if needed.
fn module_2mm() -> PathBuf {
    let out = tempfile::tempdir().unwrap();
    let output = isobench(&[
        "polybench",
        "2mm",
        "--native-iterations",
        "1",
        "--wasm-iterations",
        "1",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/guests/polybench/medium/wasm/2mm.wasm")
}

/// Run as the README shows it, into the default `results/<time>` beneath
/// the working directory: a relative path, which perf and the target, running
/// in the results directory's `jit/`, must not take relative to theirs.
#[test]
fn wasm_samples_land_in_the_kernel_under_its_own_name() {
    let _alone = one_profile_at_a_time();
    let cwd = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(PROFILE_2MM)
        .current_dir(cwd.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let runs: Vec<PathBuf> = std::fs::read_dir(cwd.path().join("results"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let [out] = &runs[..] else {
        panic!("one results directory expected: {runs:?}")
    };
    assert!(out.join("perf.data").exists());
    let report = std::fs::read_to_string(out.join("report.txt")).unwrap();
    assert!(report.contains("kernel_2mm"), "{report}");
    // Count leaf frames in the folded stacks: "frame;...;leaf count".
    let folded = std::fs::read_to_string(out.join("folded.txt")).unwrap();
    let (mut total, mut in_kernel) = (0u64, 0u64);
    for line in folded.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        let count: u64 = count.parse().unwrap();
        total += count;
        if stack.rsplit(';').next().unwrap().contains("2mm") {
            in_kernel += count;
        }
    }
    assert!(total > 100, "too few samples: {total}");
    assert!(
        in_kernel * 2 >= total,
        "only {in_kernel} of {total} samples in 2mm functions"
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("| kernel_2mm"), "{summary}");
}

/// Cold starts are short-lived threads: each must be sampled, so that the
/// profile shows where a Faaslet's start goes (at perf's default rate the
/// thread ends before its first sample and the profile is nearly empty).
#[test]
fn short_lived_faaslet_threads_are_sampled_for_their_cpu_time() {
    let _alone = one_profile_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let (home, tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["profile", "noop", "--seconds", "1", "--out"])
        .arg(out.path())
        .env("HOME", home.path())
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    // perf's build-id cache (~/.debug), which grows by the size of every
    // binary profiled and is never emptied, is left alone; the run's own is
    // removed.
    assert!(!home.path().join(".debug").exists());
    assert_eq!(build_id_caches(tmp.path()), 0);
    let printed = text(&output);
    let number_before = |marker: &str| -> u64 {
        let line = printed.lines().find(|l| l.contains(marker)).unwrap();
        line.split_whitespace().next().unwrap().parse().unwrap()
    };
    let runs = number_before(" runs recorded");
    let samples = number_before(" samples of");
    assert!(
        samples * 2 >= runs,
        "{samples} samples for {runs} Faaslet starts:\n{printed}"
    );
    let report = std::fs::read_to_string(out.path().join("report.txt")).unwrap();
    assert!(report.contains("wasmtime::"), "{report}");
    // Every CPU was sampled; only the target's samples are kept, not the
    // idle loop's or perf's own.
    let folded = std::fs::read_to_string(out.path().join("folded.txt")).unwrap();
    for stranger in ["swapper;", "perf;"] {
        assert!(!folded.contains(stranger), "{stranger} in {folded}");
    }
    // Each Faaslet runs on a thread of its own that lives shorter than a
    // sampling period. Sampled per thread, such threads would show almost
    // nothing; sampled per CPU they show their share of the CPU time (about
    // a third here: the main thread spends the rest starting and joining them).
    let (mut all, mut on_spawned_threads) = (0u64, 0u64);
    for line in folded.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        let count: u64 = count.parse().unwrap();
        all += count;
        if stack.contains(";start_thread;") {
            on_spawned_threads += count;
        }
    }
    assert!(
        on_spawned_threads * 10 >= all,
        "{on_spawned_threads} of {all} samples on the Faaslets' threads"
    );

    // `isobench report` renders summary.md again, the profile's table included.
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert!(summary.contains("| function"), "{summary}");
    let output = isobench(&["report", out.path().to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let again = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    assert_eq!(again, summary);
}

/// CPython in wasm, profiled as `pybench` runs it: the interpreter loop and
/// the float object code show up under their C names. The interpreters are
/// named as the README names another pair, relative to the working directory.
#[test]
fn python_in_wasm_is_profiled_under_cpython_function_names() {
    let _alone = one_profile_at_a_time();
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["profile", "python:nbody", "--seconds", "2", "--out"])
        .arg(out.path())
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env("ISOBENCH_PYTHON", "target/python")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let summary = std::fs::read_to_string(out.path().join("summary.md")).unwrap();
    let top: Vec<&str> = summary
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .map(str::trim)
        .collect();
    assert!(top.contains(&"_PyEval_EvalFrameDefault"), "{summary}");
    assert!(
        top.iter()
            .any(|f| f.starts_with("PyFloat_") || f.starts_with("float_")),
        "{summary}"
    );
}

/// A workload that fails under perf is reported with its own error, and not
/// blamed on permissions that the harness has (the tests run as root).
#[test]
fn a_failing_workload_is_reported_with_its_traceback_and_no_permission_hint() {
    use std::os::unix::fs::MetadataExt;
    let _alone = one_profile_at_a_time();
    let (out, tmp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // No threads under WASI: the benchmark raises as it imports its pool.
    let output = isobench_with(
        &[
            "profile",
            "python:concurrent_imap",
            "--include-unsupported",
            "--seconds",
            "1",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[("TMPDIR", tmp.path())],
    );
    assert!(!output.status.success());
    let printed = text(&output);
    assert!(printed.contains("Traceback"), "{printed}");
    assert!(printed.contains("perf record failed"), "{printed}");
    let root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    assert_eq!(printed.contains("CAP_PERFMON"), !root, "{printed}");
    // A failed profile leaves its own build-id cache behind no more than a
    // finished one, and its meta.json says it ended at an error.
    assert_eq!(build_id_caches(tmp.path()), 0);
    let meta = std::fs::read_to_string(out.path().join("meta.json")).unwrap();
    assert!(
        meta.contains("stopped at an error") && !meta.contains("killed"),
        "{meta}"
    );
}

/// A run longer than `--time-limit` ends the profile, wasm (which runs
/// without epoch checks) and native alike.
#[test]
fn a_run_over_the_time_limit_ends_the_profile() {
    let _alone = one_profile_at_a_time();
    for side in [&[][..], &["--native"][..]] {
        let out = tempfile::tempdir().unwrap();
        let mut args = PROFILE_2MM.to_vec();
        args.extend([
            "--time-limit",
            "0.001",
            "--out",
            out.path().to_str().unwrap(),
        ]);
        args.extend(side);
        let output = isobench(&args);
        assert!(!output.status.success(), "{side:?}: {}", text(&output));
        assert!(
            text(&output).contains("took longer than the time limit (0.001 s"),
            "{side:?}: {}",
            text(&output)
        );
    }
}

/// Two seconds of the medium 2mm, the wasm build unless `--native` follows.
const PROFILE_2MM: [&str; 6] = [
    "profile",
    "polybench:2mm",
    "--dataset",
    "medium",
    "--seconds",
    "2",
];

/// The build-id caches of profiles left in a temporary directory.
fn build_id_caches(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|entry| {
            entry
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(isobench_profile::perf::BUILD_ID_CACHE_PREFIX)
        })
        .count()
}

#[test]
fn symbols_lists_the_kernel_at_the_index_the_name_section_gives() {
    let module = module_2mm();
    let bytes = std::fs::read(&module).unwrap();
    // The name section and the import count, read here without the code under test.
    let (mut imports, mut kernel_index) = (0u32, None);
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    if let wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_) =
                        import.unwrap().ty
                    {
                        imports += 1;
                    }
                }
            }
            wasmparser::Payload::CustomSection(section) => {
                if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                    for name in names {
                        if let wasmparser::Name::Function(map) = name.unwrap() {
                            for naming in map {
                                let naming = naming.unwrap();
                                if naming.name == "kernel_2mm" {
                                    kernel_index = Some(naming.index);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let kernel_index = kernel_index.expect("the module names kernel_2mm");
    let faasm = tempfile::NamedTempFile::new().unwrap();
    let output = isobench(&[
        "symbols",
        module.to_str().unwrap(),
        "--faasm",
        faasm.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let listing = String::from_utf8_lossy(&output.stdout);
    let row = listing
        .lines()
        .find(|l| l.ends_with(" kernel_2mm"))
        .expect("a row for kernel_2mm");
    let columns: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        columns,
        [kernel_index.to_string().as_str(), "defined", "kernel_2mm"]
    );
    assert!(listing.contains("import wasi_snapshot_preview1."));
    let symbols = std::fs::read_to_string(faasm.path()).unwrap();
    let expected = format!("functionDef{} kernel_2mm", kernel_index - imports);
    assert!(
        symbols.lines().any(|l| l == expected),
        "{expected} not in {symbols}"
    );
}

#[test]
fn a_module_without_names_and_a_missing_perf_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let bare = dir.path().join("bare.wasm");
    // The smallest valid module: magic and version, no sections at all.
    std::fs::write(&bare, b"\0asm\x01\0\0\0").unwrap();
    let output = isobench(&["symbols", bare.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("has no name section"),
        "{}",
        text(&output)
    );
    let not_wasm = dir.path().join("notes.txt");
    std::fs::write(&not_wasm, "root:x:0:0\n").unwrap();
    let output = isobench(&["symbols", not_wasm.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("is not a WebAssembly module"),
        "{}",
        text(&output)
    );

    let output = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .args(["profile", "noop", "--out", dir.path().to_str().unwrap()])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output).contains("apt-get install linux-perf"),
        "{}",
        text(&output)
    );
}
