//! CPU and disk measurements checked against work of a known size.

use isobench_guests::{Flavour, Guests};
use isobench_measure::{
    block_devices, process_io, process_tree_cpu, CgroupVersion, CpuGroup, CpuTime, MachineCpu,
    UsageSnapshot,
};
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;

/// The tests of this file run one at a time: each checks CPU or disk totals
/// that the others' spinning and writing would add to.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// This thread's CPU time so far.
fn thread_cpu() -> Duration {
    // SAFETY: clock_gettime only writes into the zeroed struct we pass.
    let mut now: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// Spins until this thread has had `cpu` of CPU time: on a machine shared
/// with other tests, spinning for a span of wall time may get it less.
fn spin_for(cpu: Duration) {
    let start = thread_cpu();
    let mut x = 0u64;
    while thread_cpu() - start < cpu {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

#[test]
fn half_a_second_of_cpu_is_counted_for_the_harness_and_the_machine_and_steal_apart() {
    let _alone = one_at_a_time();
    let cpu_before = CpuTime::harness_and_reaped_children();
    let machine_before = MachineCpu::now();
    let started = Instant::now();
    spin_for(Duration::from_millis(500));
    let cpu = CpuTime::harness_and_reaped_children()
        .since(cpu_before)
        .total();
    let machine = MachineCpu::now().since(machine_before);
    let cores = std::thread::available_parallelism().unwrap().get() as u32;
    // The spin's own CPU time, and not much besides (counted twice, it
    // would be a second).
    assert!(
        (Duration::from_millis(450)..Duration::from_millis(750)).contains(&cpu),
        "harness CPU {cpu:?}"
    );
    // Busy time excludes steal: what the hypervisor took from the spinning
    // thread is not counted as its work.
    assert!(
        machine.busy + machine.steal >= Duration::from_millis(400),
        "{machine:?}"
    );
    // Every CPU's time is counted, whatever it did (in 10 ms ticks, read at two moments).
    let wall = started.elapsed() * cores;
    let slack = Duration::from_millis(50) * cores;
    assert!(
        machine.total + slack >= wall && machine.total <= wall + slack,
        "{machine:?} over {wall:?} of CPU time"
    );
}

#[test]
fn a_spinning_child_shows_its_cpu_time() {
    let _alone = one_at_a_time();
    let guests = Guests::locate();
    guests.ensure_built().expect("building the guests");
    let started = Instant::now();
    let mut child = Command::new(guests.path("test/spin", Flavour::Native))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let cpu = process_tree_cpu(&[child.id() as i32]).total();
    let elapsed = started.elapsed();
    child.kill().ok();
    child.wait().ok();
    // Other tests share the two cores, so not every moment was its own.
    assert!(cpu >= Duration::from_millis(500), "child CPU {cpu:?}");
    assert!(
        cpu <= elapsed,
        "child CPU {cpu:?} exceeds the {elapsed:?} it ran"
    );
}

/// A cgroup of the test's own, removed when dropped.
struct TestGroup(CpuGroup);

impl Drop for TestGroup {
    fn drop(&mut self) {
        std::fs::remove_dir(self.0.dir()).ok();
    }
}

#[test]
fn a_cgroup_keeps_the_cpu_time_of_a_process_that_has_exited() {
    let _alone = one_at_a_time();
    let version = CgroupVersion::accounting_cpu();
    let path = format!("/isobench.test-{}", std::process::id());
    let group = TestGroup(CpuGroup::at(&path, version).expect("a cgroup hierarchy for CPU time"));
    std::fs::create_dir(group.0.dir()).expect("making a cgroup (the tests run as root)");
    assert_eq!(group.0.usage().unwrap().total(), Duration::ZERO);
    // The shell moves itself into the group, then counts for about 0.2 s.
    let script = format!(
        "echo $$ > {}/cgroup.procs && i=0 && while [ $i -lt 300000 ]; do i=$((i+1)); done",
        group.0.dir().display()
    );
    let before = CpuTime::harness_and_reaped_children();
    let status = Command::new("sh").args(["-c", &script]).status().unwrap();
    assert!(status.success(), "the shell failed: {status}");
    // The shell's time, with the little this process used meanwhile.
    let own = CpuTime::harness_and_reaped_children().since(before).total();
    // The process has exited, and its time is still there: all of it but
    // what the shell used before it moved (a millisecond or two), and in
    // nanoseconds (read as microseconds it would be a thousandth).
    let charged = group.0.usage().unwrap().total();
    assert!(group.0.members().is_empty());
    assert!(own >= Duration::from_millis(100), "the shell used {own:?}");
    assert!(
        charged + Duration::from_millis(20) >= own && charged <= own + own / 50,
        "the group was charged {charged:?} for a process that used {own:?}"
    );
}

#[test]
fn usage_since_a_snapshot_leaves_out_what_came_before_and_keeps_reaped_children() {
    let _alone = one_at_a_time();
    let guests = Guests::locate();
    guests.ensure_built().expect("building the guests");
    let spin = guests.path("test/spin", Flavour::Native);
    // Spinning before the snapshot and after it.
    let mut early = Command::new(&spin).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let snapshot = UsageSnapshot::now();
    // A shell whose child spins for 0.6 s and is gone when usage is read.
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(format!("timeout 0.6 {}; exec sleep 30", spin.display()))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    let early_pid = [early.id() as i32];
    let (after, whole) = (
        snapshot.used_since_by(&early_pid).cpu.total(),
        process_tree_cpu(&early_pid).total(),
    );
    let reaped = snapshot.used_since_by(&[shell.id() as i32]).cpu.total();
    for child in [&mut early, &mut shell] {
        child.kill().ok();
        child.wait().ok();
    }
    // Other tests share the two cores, so not every moment was its own.
    assert!(
        after >= Duration::from_millis(300),
        "{after:?} of {whole:?}"
    );
    assert!(
        whole >= after + Duration::from_millis(250),
        "the CPU time before the snapshot is counted: {after:?} of {whole:?}"
    );
    assert!(
        reaped >= Duration::from_millis(250),
        "a reaped child's CPU time is missing: {reaped:?}"
    );
    // It spun for 0.6 s at most (in 10 ms ticks).
    assert!(
        reaped <= Duration::from_millis(650),
        "a reaped child's CPU time is counted more than once: {reaped:?}"
    );
}

#[test]
fn writing_16_mib_to_disk_is_counted_for_the_process_and_the_device() {
    let _alone = one_at_a_time();
    // Under the build directory, which is on a disk (not tmpfs).
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let me = [std::process::id() as i32];
    let (process_before, device_before) = (process_io(&me), block_devices());
    let mut file = std::fs::File::create(dir.path().join("data")).unwrap();
    let chunk = vec![0x5au8; MIB as usize];
    for _ in 0..16 {
        file.write_all(&chunk).unwrap();
    }
    file.sync_all().unwrap();
    let process = process_io(&me).since(process_before);
    let device = block_devices().since(device_before);
    // The file's bytes, and little else: in units of 4 KiB sectors
    // instead of 512 bytes the device's count would be 128 MiB.
    assert!(
        (16 * MIB..20 * MIB).contains(&process.write),
        "process wrote {} bytes",
        process.write
    );
    assert!(
        (16 * MIB..64 * MIB).contains(&device.write),
        "devices wrote {} bytes",
        device.write
    );
}
