//! `isobench pybench`: CPython in wasm and natively are the same interpreter
//! computing the same results; a benchmark that raises in wasm is reported
//! with its traceback while the others still run. Needs `scripts/python`.

mod common;

use common::{isobench, text};
use isobench_guests::python::Python;
use isobench_report::record::read_tidy_csv;
use std::process::Command;

/// The shim's report lines of one kind (`version`, `result`, ...).
fn shim_lines(stderr: &[u8], kind: &str) -> Vec<String> {
    let prefix = format!("isobench-pybench {kind} ");
    String::from_utf8_lossy(stderr)
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix).map(str::to_string))
        .collect()
}

/// The native interpreter running `script` through the shim's driver, as
/// pybench runs a benchmark, with an empty environment.
fn native_driver(python: &Python, script: &std::path::Path) -> Command {
    let mut command = Command::new(python.native());
    command
        .arg(python.tree().join("site/isobench_pybench.py"))
        .arg(script)
        .env_clear();
    command
}

/// Runs `code` with `python -c` in both interpreters, as pybench would, and
/// returns what it printed, which must be the same in both.
fn printed_alike_by_both(python: &Python, code: &str) -> String {
    let native = Command::new(python.native())
        .args(["-c", code])
        .env_clear()
        .output()
        .unwrap();
    let wasm = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("__wasm-run")
        .arg(python.wasm())
        .arg("--preopen")
        .arg(python.tree())
        .args(["--env", "PYTHONHOME=/", "--", "-c", code])
        .output()
        .unwrap();
    assert!(native.status.success(), "{}", text(&native));
    assert!(wasm.status.success(), "{}", text(&wasm));
    let printed = String::from_utf8_lossy(&native.stdout).into_owned();
    assert_eq!(printed, String::from_utf8_lossy(&wasm.stdout));
    printed
}

/// Both interpreters link the zlib and libbz2 that scripts/python builds
/// from one source (Debian has neither for wasm32): the same version, and
/// the same compressed bytes.
#[test]
fn both_interpreters_compress_alike_with_the_same_zlib_and_bz2() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let code = "import bz2, zlib\n\
                data = b''.join(i.to_bytes(4, 'little') for i in range(5000))\n\
                packed = [zlib.compress(data, 9), bz2.compress(data, 9)]\n\
                assert zlib.decompress(packed[0]) == bz2.decompress(packed[1]) == data\n\
                print(zlib.ZLIB_RUNTIME_VERSION, [(len(p), zlib.crc32(p)) for p in packed])";
    let printed = printed_alike_by_both(&python, code);
    assert!(printed.starts_with("1.2.13 [("), "{printed}");
}

/// Both interpreters link the SQLite that scripts/python builds from one
/// source (Debian has none for wasm32), into the interpreter itself: the same
/// version, and the same answers to the same queries.
#[test]
fn both_interpreters_query_alike_with_the_same_sqlite() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let code = "import sqlite3, sys\n\
                db = sqlite3.connect(':memory:')\n\
                db.execute('create table t (k integer primary key, v text)')\n\
                db.executemany('insert into t (v) values (?)', [(str(i * i),) for i in range(2000)])\n\
                row = db.execute('select count(*), sum(length(v)), max(v) from t where k % 7 = 3').fetchone()\n\
                print(sqlite3.sqlite_version, '_sqlite3' in sys.builtin_module_names, row)";
    let printed = printed_alike_by_both(&python, code);
    assert!(printed.starts_with("3.40.1 True ("), "{printed}");
}

/// hashlib takes CPython's own MD5 and SHA code on both sides: natively,
/// OpenSSL's (through `_hashlib`) would be a different implementation from
/// the only one python.wasm has.
#[test]
fn both_interpreters_hash_with_cpythons_own_code() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let code = "import hashlib\n\
                print([f.__module__ for f in (hashlib.md5, hashlib.sha1, hashlib.sha256)])";
    let printed = printed_alike_by_both(&python, code);
    assert_eq!(printed.trim(), "['_md5', '_sha1', '_sha256']");
}

/// asyncio's event loop runs in python.wasm too, without the self-pipe that
/// WASI cannot make (scripts/python's patch of the standard library).
#[test]
fn an_asyncio_event_loop_runs_in_both_interpreters() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let code = "import asyncio\n\
                async def tick(n):\n    await asyncio.sleep(0.001)\n    return n * n\n\
                async def main():\n    return sum(await asyncio.gather(*map(tick, range(10))))\n\
                print(asyncio.run(main()))";
    assert_eq!(printed_alike_by_both(&python, code).trim(), "285");
}

/// The driver runs a script as if directly: its `__builtins__` is the
/// builtins module (sphinx's benchmark assigns `__builtins__.open`).
#[test]
fn the_driver_runs_a_script_as_main_with_the_builtins_module() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.py");
    std::fs::write(
        &script,
        "import builtins\nassert __name__ == '__main__'\nassert __builtins__ is builtins\n\
         print('the script ran')\n",
    )
    .unwrap();
    let native = native_driver(&python, &script).output().unwrap();
    assert!(native.status.success(), "{}", text(&native));
    // A driver that did not run the script at all would pass the asserts.
    assert!(
        String::from_utf8_lossy(&native.stdout).contains("the script ran"),
        "{}",
        text(&native)
    );
}

/// nqueens returns its solutions, so both interpreters' results can be compared.
#[test]
fn both_interpreters_report_the_same_version_and_results() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let script = "site/pyperformance/data-files/benchmarks/bm_nqueens/run_benchmark.py";
    let native = native_driver(&python, &python.tree().join(script))
        .env("ISOBENCH_LOOPS", "nqueens=1")
        .env("ISOBENCH_WARMUPS", "0")
        .output()
        .unwrap();
    assert!(native.status.success(), "{}", text(&native));
    let wasm = Command::new(env!("CARGO_BIN_EXE_isobench"))
        .arg("__wasm-run")
        .arg(python.wasm())
        .arg("--preopen")
        .arg(python.tree())
        .args(["--env", "PYTHONHOME=/", "--env", "ISOBENCH_LOOPS=nqueens=1"])
        .args([
            "--env",
            "ISOBENCH_WARMUPS=0",
            "--",
            "/site/isobench_pybench.py",
        ])
        .arg(format!("/{script}"))
        .output()
        .unwrap();
    assert!(wasm.status.success(), "{}", text(&wasm));
    for kind in ["version", "result"] {
        let (n, w) = (
            shim_lines(&native.stderr, kind),
            shim_lines(&wasm.stderr, kind),
        );
        assert_eq!(n.len(), 1, "native {kind}: {}", text(&native));
        assert_eq!(n, w, "{kind} differs");
    }
    assert!(shim_lines(&native.stderr, "version")[0].starts_with("3.11.2 "));
    // The compiled modules loaded: natively also the password database's,
    // which python.wasm lacks (absent-modules.tsv says why that changes no
    // timed code), and otherwise the same.
    let modules = |stderr: &[u8]| -> std::collections::BTreeSet<String> {
        let lines = shim_lines(stderr, "modules");
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines[0].split(' ').skip(1).map(str::to_string).collect()
    };
    let (native_modules, wasm_modules) = (modules(&native.stderr), modules(&wasm.stderr));
    assert!(wasm_modules.contains("_sre"), "{wasm_modules:?}");
    let native_only: Vec<&String> = native_modules.difference(&wasm_modules).collect();
    assert_eq!(native_only, ["pwd"]);
    assert!(wasm_modules.is_subset(&native_modules));

    // The suite itself: both sides measured, the interpreters recorded.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = isobench(&[
        "pybench",
        "nqueens,python_startup",
        "--native-iterations",
        "2",
        "--wasm-iterations",
        "2",
        "--min-time",
        "0.01",
        "--out",
        out,
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let records = read_tidy_csv(&dir.path().join("pybench.csv")).unwrap();
    for (workload, metric) in [
        ("nqueens", "bench_ns"),
        ("nqueens", "run_ns"),
        ("python_startup", "run_ns"),
    ] {
        for side in ["native", "wasm"] {
            let count = records
                .iter()
                .filter(|r| r.workload == workload && r.metric == metric && r.runtime == side)
                .filter(|r| r.value > 0.0)
                .count();
            assert_eq!(count, 2, "{workload} {metric} {side}");
        }
    }
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("meta.json")).unwrap())
            .unwrap();
    let interpreters = &meta["settings"]["python_interpreters"];
    assert_eq!(
        interpreters["native"]["version"],
        interpreters["wasm"]["version"]
    );
    assert!(interpreters["wasm"]["configure"]
        .as_str()
        .unwrap()
        .contains("--host=wasm32-unknown-wasi"));
    // The same extension modules linked in on both sides (math among them),
    // none left for the native dynamic linker.
    let builtins = |side: &str| -> Vec<String> {
        let modules = interpreters[side]["builtin_modules"].as_str().unwrap();
        modules.split(' ').map(str::to_string).collect()
    };
    let (native_builtins, wasm_builtins) = (builtins("native"), builtins("wasm"));
    for module in &wasm_builtins {
        assert!(
            native_builtins.contains(module),
            "{module} is not built into native"
        );
    }
    // zlib and bz2 from the libraries scripts/python builds for both.
    for module in ["math", "zlib", "_bz2"] {
        assert!(wasm_builtins.iter().any(|m| m == module), "{module}");
    }
    // Both with CPython's small-object allocator (3.11 leaves it out for WASI
    // unless asked) and SipHash-1-3 for strings (a wasm32 build would pick FNV
    // by itself, believing unaligned loads illegal).
    for side in ["native", "wasm"] {
        assert_eq!(interpreters[side]["pymalloc"], "1", "{side}");
        assert_eq!(interpreters[side]["hash_algorithm"], "siphash13", "{side}");
    }
    let faasm = std::fs::read_to_string(dir.path().join("pybench-faasm.csv")).unwrap();
    assert!(faasm.starts_with("benchmark,type,microseconds\n"));
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("Geometric mean of wasm / native over 1 benchmark:"));
    // Whether the builds had link-time optimisation (not by default) and the
    // wasm side Cranelift's inlining (by default) is said.
    assert!(
        summary.contains(
            "> Note: both interpreters built without link-time optimisation; python.wasm \
             compiled with Cranelift's inlining"
        ),
        "{summary}"
    );
}

/// A benchmark that hands pyperf a command (2to3, python_startup) has that
/// command timed whole on each side, with paths as each side sees them, and
/// summarised apart from the bodies timed inside the interpreter.
#[test]
fn a_command_is_timed_whole_in_both_interpreters() {
    let python = Python::locate();
    python.ensure_ready().unwrap();
    let script = "site/pyperformance/data-files/benchmarks/bm_2to3/run_benchmark.py";
    let described = native_driver(&python, &python.tree().join(script))
        .env("ISOBENCH_LOOPS", "describe")
        .output()
        .unwrap();
    assert!(described.status.success(), "{}", text(&described));
    let commands = shim_lines(&described.stderr, "command");
    assert_eq!(commands.len(), 1, "{}", text(&described));
    let (name, args) = commands[0].split_once(' ').unwrap();
    let args: Vec<String> = serde_json::from_str(args).unwrap();
    assert_eq!(name, "2to3");
    assert_eq!(args[..4], ["-m", "lib2to3", "-f", "all"]);
    assert_eq!(args.len(), 4 + 9, "{args:?}");

    let dir = tempfile::tempdir().unwrap();
    let output = isobench(&[
        "pybench",
        "2to3,python_startup",
        "--native-iterations",
        "2",
        "--wasm-iterations",
        "2",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let records = read_tidy_csv(&dir.path().join("pybench.csv")).unwrap();
    let runs = |workload: &str, side: &str| -> Vec<f64> {
        records
            .iter()
            .filter(|r| r.workload == workload && r.runtime == side)
            .inspect(|r| assert_eq!(r.metric, "run_ns", "{r:?}"))
            .map(|r| r.value)
            .collect()
    };
    for side in ["native", "wasm"] {
        let (refactor, startup) = (runs("2to3", side), runs("python_startup", side));
        assert_eq!((refactor.len(), startup.len()), (2, 2), "{side}");
        // 2to3 refactors nine files after starting up: many start-ups' time
        // (some thirty on this VM), where a run of the describing script
        // alone would take about one.
        let min = |v: &[f64]| v.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(
            min(&refactor) > 5.0 * min(&startup),
            "{side}: {refactor:?} {startup:?}"
        );
    }
    let faasm = std::fs::read_to_string(dir.path().join("pybench-faasm.csv")).unwrap();
    assert_eq!(faasm.lines().filter(|l| l.starts_with("2to3,")).count(), 4);
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    let commands = summary.split_once("Commands, timed whole").unwrap().1;
    assert!(
        commands.contains("| 2to3 ") && commands.contains("| python_startup "),
        "{summary}"
    );
    // The page plots them too, apart from the bodies: no geometric mean.
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    let plotted = page.split_once("Python commands, timed whole").unwrap().1;
    for name in ["2to3", "python_startup"] {
        let bar = format!("class=\"ratio\" data-benchmark=\"{name}\"");
        assert!(plotted.contains(&bar), "{name} not plotted: {page}");
    }
    assert!(!page.contains("class=\"geomean\""), "{page}");
}

/// concurrent_imap starts threads, which the WASI build cannot.
#[test]
fn a_benchmark_raising_in_wasm_fails_with_its_traceback_and_the_rest_runs() {
    let dir = tempfile::tempdir().unwrap();
    let output = isobench(&[
        "pybench",
        "concurrent_imap,nqueens",
        "--include-unsupported",
        "--native-iterations",
        "1",
        "--wasm-iterations",
        "1",
        "--min-time",
        "0.01",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let all = text(&output);
    assert!(!output.status.success(), "{all}");
    let failure = all
        .lines()
        .position(|l| l.starts_with("failed: concurrent_imap:"))
        .unwrap_or_else(|| panic!("no failure line for concurrent_imap: {all}"));
    assert!(
        all.lines()
            .skip(failure)
            .any(|l| l.contains("Traceback (most recent call last)")),
        "{all}"
    );
    let records = read_tidy_csv(&dir.path().join("pybench.csv")).unwrap();
    assert!(records
        .iter()
        .any(|r| r.workload == "nqueens" && r.runtime == "wasm"));
    // Not on either side: a benchmark that failed is left out of the tables.
    assert!(
        !records
            .iter()
            .any(|r| r.workload == "concurrent_imap" || r.workload.contains("pool")),
        "{records:?}"
    );
}

#[test]
fn unknown_and_unsupported_benchmarks_are_explained() {
    let output = isobench(&["pybench", "no_such_benchmark"]);
    assert!(!output.status.success());
    let all = text(&output);
    assert!(
        all.contains("unknown Python benchmark `no_such_benchmark`") && all.contains("nbody"),
        "{all}"
    );

    // Names are taken in any case, as PolyBench's are.
    let output = isobench(&["pybench", "Concurrent_IMAP"]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("--include-unsupported"),
        "{}",
        text(&output)
    );

    let output = isobench(&["pybench", "--list"]);
    assert!(output.status.success(), "{}", text(&output));
    let list = String::from_utf8_lossy(&output.stdout);
    let runs = list
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("yes"))
        .count();
    assert!(runs >= 30, "{list}");
    assert!(
        list.lines()
            .any(|l| l.starts_with("concurrent_imap ")
                && l.split_whitespace().nth(1) == Some("no")),
        "{list}"
    );
}
