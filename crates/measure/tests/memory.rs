//! Memory measurements checked against processes whose footprint is known:
//! the native `touch` guest makes a chosen number of MiB resident.

use isobench_guests::{Flavour, Guests};
use isobench_measure::{descendants, io_unreadable, memory_of, Memory};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const MIB: u64 = 1 << 20;

/// A `touch` process that has made its memory resident and now waits.
struct Touching(Child);

impl Touching {
    fn start(args: &[&str]) -> Touching {
        let guests = Guests::locate();
        guests.ensure_built().expect("building the guests");
        let mut child = Command::new(guests.path("test/touch", Flavour::Native))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting touch");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "ready\n", "touch {args:?} did not get ready");
        Touching(child)
    }

    fn memory(&self) -> Memory {
        let memory = memory_of(&[self.0.id() as i32]);
        assert_eq!(memory.processes, 1);
        memory
    }
}

impl Drop for Touching {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

fn assert_near(what: &str, actual: u64, expected: u64) {
    let error = (actual as f64 - expected as f64).abs() / expected as f64;
    assert!(
        error <= 0.05,
        "{what}: measured {actual} bytes, expected {expected} ± 5%"
    );
}

#[test]
fn touching_64_mib_shows_64_mib_more_pss_rss_and_uss() {
    let idle = Touching::start(&["0"]);
    let busy = Touching::start(&["64"]);
    let (idle, busy) = (idle.memory(), busy.memory());
    assert_near("PSS difference", busy.pss - idle.pss, 64 * MIB);
    assert_near("RSS difference", busy.rss - idle.rss, 64 * MIB);
    assert_near("USS difference", busy.uss - idle.uss, 64 * MIB);
}

#[test]
fn two_processes_sharing_a_file_each_pay_half_in_pss() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("shared.bin");
    std::fs::write(&file, vec![7u8; 64 * MIB as usize]).unwrap();
    let path = file.to_str().unwrap();
    let idle = Touching::start(&["0"]).memory();
    let first = Touching::start(&["64", path]);
    let second = Touching::start(&["64", path]);
    for sharer in [first.memory(), second.memory()] {
        let (rss, pss) = (sharer.rss - idle.rss, sharer.pss - idle.pss);
        assert_near("RSS of a sharer", rss, 64 * MIB);
        assert_near("PSS of a sharer", pss, 32 * MIB);
        assert!(sharer.uss < idle.uss + MIB, "shared pages are not unique");
    }
}

#[test]
fn descendants_finds_children_and_grandchildren() {
    // The outer shell starts an inner one, which starts the sleep: a walk
    // that stopped at direct children would miss the sleep.
    let mut shell = Command::new("sh")
        .args(["-c", "sh -c 'sleep 30 & wait' & wait"])
        .spawn()
        .unwrap();
    let root = shell.id() as i32;
    let mut found = Vec::new();
    for _ in 0..200 {
        found = descendants(&[root]);
        if found.len() == 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for pid in &found {
        Command::new("kill").arg(pid.to_string()).status().ok();
    }
    shell.wait().ok();
    assert_eq!(
        found.len(),
        3,
        "the shell, the inner shell and its sleep: {found:?}"
    );
    assert!(found.contains(&root), "the root itself: {found:?}");
    let sleeper = found.iter().find(|&&pid| {
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim() == "sleep")
    });
    assert!(sleeper.is_some(), "the grandchild sleep: {found:?}");
}

/// Run as another user by the test below: what `memory_of` and
/// `io_unreadable` make of PID 1.
#[test]
#[ignore = "run as user nobody by another_users_process_is_counted_as_unreadable"]
fn print_the_memory_of_init() {
    let memory = memory_of(&[1]);
    println!(
        "unreadable={} processes={} pss={} io_unreadable={}",
        memory.unreadable,
        memory.processes,
        memory.pss,
        io_unreadable(&[1])
    );
}

#[test]
fn another_users_process_is_counted_as_unreadable() {
    // As root every process can be read: the test above runs as `nobody`,
    // for whom init's smaps are off limits.
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "print_the_memory_of_init",
            "--ignored",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        printed.contains("unreadable=1 processes=0 pss=0 io_unreadable=1"),
        "{printed}"
    );
}
