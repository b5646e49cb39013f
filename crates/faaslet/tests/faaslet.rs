//! Faaslets against real guests on the real engine: isolation, limits,
//! snapshots and the code cache.

use isobench_faaslet::{
    prune_code_cache, CacheOutcome, Call, FaasletError, ReleaseGate, Runtime, RuntimeConfig,
};
use isobench_guests::{Flavour, Guests};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

fn guests() -> Guests {
    let guests = Guests::locate();
    guests.ensure_built().expect("building the guests");
    guests
}

/// A runtime with its own code cache, so tests do not see each other's entries.
fn runtime(cache: &tempfile::TempDir, memory_cap: u64, time_limit: Duration) -> Runtime {
    Runtime::new(RuntimeConfig {
        max_instances: 8,
        memory_cap,
        time_limit,
        cache_dir: cache.path().to_path_buf(),
        ..RuntimeConfig::default()
    })
    .unwrap()
}

fn wasm(name: &str) -> PathBuf {
    guests().path(name, Flavour::Wasm)
}

#[test]
fn a_faaslet_sees_only_its_preopened_directory() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let (escape, _) = rt.load_command(&wasm("test/escape")).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let root = outside.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(root.join("inside.txt"), "mine").unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "not yours").unwrap();
    let host_passwd_like = secret.to_str().unwrap().to_string();
    let call = Call {
        args: vec![
            "/inside.txt".into(),
            "../secret.txt".into(),
            "/../secret.txt".into(),
            host_passwd_like.clone(),
            "/etc/hostname".into(),
        ],
        preopen: Some(root),
        ..Call::default()
    };
    let outcome = escape.run(&call).unwrap();
    let report = String::from_utf8_lossy(&outcome.stdout);
    assert_eq!(
        outcome.exit_code, 1,
        "exactly one path should be readable:\n{report}"
    );
    assert!(report.contains("read /inside.txt"), "{report}");
    for denied in [
        "../secret.txt",
        "/../secret.txt",
        &host_passwd_like,
        "/etc/hostname",
    ] {
        assert!(
            report.contains(&format!("denied {denied}:")),
            "{denied} leaked:\n{report}"
        );
    }
}

/// Faaslets serve `fd_readdir` from one listing per pass (see the runtime's
/// `readdir` module): every entry must still come exactly once, across the
/// many calls a large directory takes, and a rewind must see a new file.
#[test]
fn a_large_directory_is_listed_whole_and_a_rewind_sees_new_files() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let (listdir, _) = rt.load_command(&wasm("test/listdir")).unwrap();
    let root = tempfile::tempdir().unwrap();
    // Names of 10 to 60 bytes: about 150 KB of entries, so wasi-libc's 4 KiB
    // buffer takes dozens of calls and the listing outgrows its first buffer.
    let mut expected: Vec<String> = (0..3000)
        .map(|i| format!("file-{i}-{}", "x".repeat(i % 50)))
        .collect();
    for name in &expected {
        std::fs::write(root.path().join(name), "").unwrap();
    }
    std::fs::create_dir(root.path().join("sub")).unwrap();
    expected.extend(["sub", ".", ".."].map(String::from));
    expected.sort();

    let call = Call {
        args: vec!["/".into()],
        preopen: Some(root.path().to_path_buf()),
        ..Call::default()
    };
    let outcome = listdir.run(&call).unwrap();
    assert_eq!(outcome.exit_code, 0, "{:?}", outcome);
    let stdout = String::from_utf8_lossy(&outcome.stdout).into_owned();
    let (first, second) = stdout
        .strip_prefix("pass 1\n")
        .and_then(|rest| rest.split_once("pass 2\n"))
        .expect("two passes");
    let sorted = |pass: &str| {
        let mut names: Vec<String> = pass.lines().map(String::from).collect();
        names.sort();
        names
    };
    assert_eq!(sorted(first), expected);
    expected.push("added".into());
    expected.sort();
    assert_eq!(sorted(second), expected);
}

#[test]
fn limits_stop_bad_guests_and_the_next_faaslet_runs_fine() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_millis(300));
    let (spin, _) = rt.load_command(&wasm("test/spin")).unwrap();
    let (touch, _) = rt.load_command(&wasm("test/touch")).unwrap();
    let (noop, _) = rt.load_command(&wasm("noop")).unwrap();

    let error = spin.run(&Call::default()).unwrap_err();
    assert!(matches!(error, FaasletError::TimeLimit { .. }), "{error}");
    assert!(error.to_string().contains("time limit"), "{error}");

    let grow = Call {
        args: vec!["256".into()],
        ..Call::default()
    };
    let error = touch.run(&grow).unwrap_err();
    match &error {
        FaasletError::MemoryCap { cap, requested } => {
            assert_eq!(*cap, 64 << 20);
            assert!(*requested > 64 << 20);
        }
        other => panic!("expected the memory cap, got: {other}"),
    }
    assert!(error.to_string().contains("memory cap"), "{error}");

    // Within the cap the same guest is fine, and so is the no-op.
    let within = Call {
        args: vec!["16".into()],
        gate: Some(released_gate()),
        ..Call::default()
    };
    assert_eq!(touch.run(&within).unwrap().exit_code, 0);
    assert_eq!(noop.run(&Call::default()).unwrap().exit_code, 0);
}

#[test]
fn a_guest_that_traps_is_reported_with_the_cause_and_where() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let (trap, _) = rt.load_command(&wasm("test/trap")).unwrap();
    let error = trap.run(&Call::default()).unwrap_err();
    assert!(matches!(error, FaasletError::Trap(_)), "{error:?}");
    let said = error.to_string();
    // The first line alone says what happened (a held worker's failure is
    // passed on as one line).
    let first = said.lines().next().unwrap();
    assert!(
        first.starts_with("the guest trapped: wasm trap:") && first.contains("unreachable"),
        "{said}"
    );
    // Then the guest's frames, under their names.
    assert!(said.contains("!fail_here"), "{said}");
    // The same runtime goes on.
    let (noop, _) = rt.load_command(&wasm("noop")).unwrap();
    assert_eq!(noop.run(&Call::default()).unwrap().exit_code, 0);
}

#[test]
fn a_faaslet_is_instantiated_where_it_is_prepared_and_released_when_its_run_ends() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let (noop, _) = rt.load_command(&wasm("noop")).unwrap();
    // Eight prepared Faaslets hold the pool's eight instance slots...
    let prepared: Vec<_> = (0..8)
        .map(|_| noop.prepare(&Call::default()).unwrap())
        .collect();
    let ninth = noop.prepare(&Call::default()).unwrap().run().unwrap_err();
    // No guest code ran: the Faaslet could not be made.
    assert!(matches!(ninth, FaasletError::Setup(_)), "{ninth:?}");
    assert!(ninth.to_string().contains("maximum concurrent"), "{ninth}");
    // ...run on other threads, and give them back as they end.
    for faaslet in prepared {
        let outcome = std::thread::spawn(move || faaslet.run()).join().unwrap();
        assert_eq!(outcome.unwrap().exit_code, 0);
    }
    let all: Vec<_> = (0..8)
        .map(|_| noop.prepare(&Call::default()).unwrap())
        .collect();
    for faaslet in all {
        assert_eq!(faaslet.run().unwrap().exit_code, 0);
    }
}

/// Set by the test below; read by its guest's `stop_when` at every tick.
static STOP_SPINNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[test]
fn a_stop_request_ends_a_spinning_guest_within_ticks_and_a_limit_still_applies() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(60));
    let (spin, _) = rt.load_command(&wasm("test/spin")).unwrap();
    let stoppable = Call {
        stop_when: Some(|| STOP_SPINNING.load(std::sync::atomic::Ordering::SeqCst)),
        ..Call::default()
    };
    let started = std::time::Instant::now();
    let stopped = std::thread::scope(|scope| {
        let running = scope.spawn(|| spin.run(&stoppable));
        std::thread::sleep(Duration::from_millis(300));
        STOP_SPINNING.store(true, std::sync::atomic::Ordering::SeqCst);
        running.join().unwrap()
    });
    let error = stopped.unwrap_err();
    assert_eq!(error, FaasletError::Stopped, "{error}");
    // Asked at 0.3 s, with ticks every 10 ms: far from the 60 s limit.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // A stop_when that never says yes leaves the time limit in force.
    let rt = runtime(&cache, 64 << 20, Duration::from_millis(300));
    let (spin, _) = rt.load_command(&wasm("test/spin")).unwrap();
    let never = Call {
        stop_when: Some(|| false),
        ..Call::default()
    };
    let started = std::time::Instant::now();
    let error = spin.run(&never).unwrap_err();
    assert!(matches!(error, FaasletError::TimeLimit { .. }), "{error}");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

fn released_gate() -> std::sync::Arc<ReleaseGate> {
    let gate = ReleaseGate::new();
    gate.release();
    gate
}

#[test]
fn hold_waits_at_the_gate_until_released() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let (hold, _) = rt.load_command(&wasm("hold")).unwrap();
    let gate = ReleaseGate::new();
    let call = Call {
        gate: Some(gate.clone()),
        ..Call::default()
    };
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (hold, call) = (hold.clone(), call.clone());
            std::thread::spawn(move || hold.run(&call))
        })
        .collect();
    while gate.arrived() < 3 {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        workers.iter().all(|w| !w.is_finished()),
        "a worker left before release"
    );
    gate.release();
    for worker in workers {
        let outcome = worker.join().unwrap().unwrap();
        assert_eq!(outcome.exit_code, 0);
        assert_eq!(&outcome.stdout[..], b"ready\n");
    }
}

#[test]
fn a_snapshot_restores_the_initialised_guest_and_runs_main() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let reactor = guests().path("hold", Flavour::Reactor);
    let (hold, first) = rt.load_snapshot(&reactor).unwrap();
    assert_eq!(first, CacheOutcome::Compiled);
    let outcome = hold
        .run(&Call {
            gate: Some(released_gate()),
            ..Call::default()
        })
        .unwrap();
    assert_eq!(
        (outcome.exit_code, &outcome.stdout[..]),
        (0, &b"ready\n"[..])
    );
    let (_, second) = rt.load_snapshot(&reactor).unwrap();
    assert_eq!(second, CacheOutcome::Hit);

    // A snapshot taken long ago but used now is kept by `isobench clean`.
    let snapshot = std::fs::read_dir(cache.path().join("codegen"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.to_string_lossy().ends_with(".snapshot.wasm"))
        .expect("the snapshot is in the code cache");
    let long_ago = SystemTime::now() - Duration::from_secs(30 * 24 * 3600);
    let file = std::fs::File::options()
        .write(true)
        .open(&snapshot)
        .unwrap();
    file.set_modified(long_ago).unwrap();
    rt.load_snapshot(&reactor).unwrap();
    let used = std::fs::metadata(&snapshot).unwrap().modified().unwrap();
    assert!(used > long_ago + Duration::from_secs(3600), "{used:?}");
    let fourteen_days = Duration::from_secs(14 * 24 * 3600);
    prune_code_cache(cache.path(), fourteen_days).unwrap();
    assert!(snapshot.exists(), "a snapshot used just now was pruned");
}

#[test]
fn a_snapshot_keeps_what_the_set_up_made_without_running_it_again() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let (initonce, _) = rt
        .load_snapshot(&guests().path("test/initonce", Flavour::Reactor))
        .unwrap();
    let drawn = || {
        let outcome = initonce.run(&Call::default()).unwrap();
        String::from_utf8(outcome.stdout.to_vec()).unwrap()
    };
    let first = drawn();
    assert_ne!(first.trim(), "0", "the set-up's memory was not restored");
    assert_eq!(drawn(), first, "the set-up ran again");
}

#[test]
fn the_code_cache_never_serves_a_stale_entry() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let noop = wasm("noop");
    assert_eq!(rt.load_command(&noop).unwrap().1, CacheOutcome::Compiled);
    assert_eq!(rt.load_command(&noop).unwrap().1, CacheOutcome::Hit);

    // A changed module (here, an extra custom section) has a new key.
    let mut changed = std::fs::read(&noop).unwrap();
    changed.extend_from_slice(&[0, 6, 5, b'x', b'-', b'i', b'd', b'1']);
    let changed_path = cache.path().join("changed.wasm");
    std::fs::write(&changed_path, &changed).unwrap();
    assert_eq!(
        rt.load_command(&changed_path).unwrap().1,
        CacheOutcome::Compiled
    );

    // A corrupt entry is refused by wasmtime and replaced.
    let entry = rt.cache().entry_path(&std::fs::read(&noop).unwrap());
    std::fs::write(&entry, b"not machine code").unwrap();
    let (function, outcome) = rt.load_command(&noop).unwrap();
    assert_eq!(outcome, CacheOutcome::Compiled);
    assert_eq!(function.run(&Call::default()).unwrap().exit_code, 0);

    // A second engine with the same settings finds the same entries.
    let same_settings = RuntimeConfig {
        max_instances: 8,
        memory_cap: 64 << 20,
        time_limit: Duration::from_secs(10),
        cache_dir: cache.path().to_path_buf(),
        ..RuntimeConfig::default()
    };
    let other = Runtime::new(same_settings.clone());
    assert_eq!(
        other.unwrap().cache().entry_path(b"x"),
        rt.cache().entry_path(b"x")
    );

    // Code without epoch checks, or with functions inlined, is other code:
    // each gets its own entry, and runs.
    let unchecked = RuntimeConfig {
        interruptible: false,
        ..same_settings
    };
    let inlined = RuntimeConfig {
        inlining: true,
        ..unchecked.clone()
    };
    let mut entries = vec![rt.cache().entry_path(b"x")];
    for settings in [unchecked, inlined] {
        let other = Runtime::new(settings).unwrap();
        let entry = other.cache().entry_path(b"x");
        assert!(!entries.contains(&entry), "{entry:?} in {entries:?}");
        entries.push(entry);
        let (function, outcome) = other.load_command(&noop).unwrap();
        assert_eq!(outcome, CacheOutcome::Compiled);
        assert_eq!(function.run(&Call::default()).unwrap().exit_code, 0);
    }
}

#[test]
fn an_invalid_module_is_refused_with_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    let rt = runtime(&cache, 64 << 20, Duration::from_secs(10));
    let bogus = cache.path().join("bogus.wasm");
    std::fs::write(&bogus, b"\0asm but not really").unwrap();
    let error = rt
        .load_command(&bogus)
        .err()
        .expect("bogus.wasm must be refused");
    assert!(
        format!("{error:#}").contains("is not a valid WebAssembly module"),
        "{error:#}"
    );
}

#[test]
fn a_module_whose_memory_starts_above_the_cap_is_refused_with_the_cap_it_needs() {
    let cache = tempfile::tempdir().unwrap();
    // One 64 KiB page: less than any C guest starts with (its stack alone).
    let rt = runtime(&cache, 1 << 16, Duration::from_secs(10));
    let error = rt
        .load_command(&wasm("noop"))
        .err()
        .expect("noop cannot start within one page");
    let message = format!("{error:#}");
    assert!(
        message.contains("more than the memory cap of 65536 bytes")
            && message.contains("raise --memory-cap-mib to at least"),
        "{message}"
    );
}
