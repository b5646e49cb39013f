//! CPU time: of the harness and the children it has reaped (exact to the
//! microsecond, from `getrusage`), of a live process set (`/proc/PID/stat`,
//! in clock ticks), and of the whole machine (`/proc/stat`), which catches
//! daemons and kernel threads working on a sandbox's behalf.

use procfs::process::Process;
use procfs::{CurrentSI, KernelStats};
use std::time::Duration;

#[derive(Debug, Default, Clone, Copy)]
pub struct CpuTime {
    pub user: Duration,
    pub system: Duration,
}

impl CpuTime {
    pub fn total(&self) -> Duration {
        self.user + self.system
    }

    pub fn plus(&self, other: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user + other.user,
            system: self.system + other.system,
        }
    }

    pub fn since(&self, earlier: CpuTime) -> CpuTime {
        CpuTime {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }

    /// This process (all its threads) plus every child it has waited for.
    pub fn harness_and_reaped_children() -> CpuTime {
        rusage(libc::RUSAGE_SELF).plus(rusage(libc::RUSAGE_CHILDREN))
    }
}

fn rusage(who: libc::c_int) -> CpuTime {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut usage) };
    let to_duration = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    CpuTime {
        user: to_duration(usage.ru_utime),
        system: to_duration(usage.ru_stime),
    }
}

fn ticks_to_duration(ticks: u64) -> Duration {
    // Whole seconds apart: the machine's ticks, summed over its CPUs since
    // boot, times 10^9 would pass u64 on 128 CPUs after about 16 days.
    let per_second = procfs::ticks_per_second();
    Duration::from_secs(ticks / per_second)
        + Duration::from_nanos(ticks % per_second * 1_000_000_000 / per_second)
}

/// CPU time so far of the live processes in `pids`, with that of the
/// children they have waited for (clock-tick resolution): a container
/// runtime's short-lived helpers are gone by the time it is read.
pub fn process_tree_cpu(pids: &[i32]) -> CpuTime {
    let mut total = CpuTime::default();
    for stat in pids
        .iter()
        .filter_map(|&p| Process::new(p).ok()?.stat().ok())
    {
        total = total.plus(cpu_of(&stat));
    }
    total
}

/// One process's CPU time, its waited-for children's included.
pub(crate) fn cpu_of(stat: &procfs::process::Stat) -> CpuTime {
    let children = |ticks: i64| ticks_to_duration(ticks.max(0) as u64);
    CpuTime {
        user: ticks_to_duration(stat.utime) + children(stat.cutime),
        system: ticks_to_duration(stat.stime) + children(stat.cstime),
    }
}

/// The whole machine's CPU time since boot, summed over all CPUs.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct MachineCpu {
    /// Time the CPUs worked: everything but idle, iowait and steal.
    pub busy: Duration,
    /// Time a CPU had work but the hypervisor ran something else on it
    /// (another guest): not work of this machine's, and a sign of noise.
    pub steal: Duration,
    /// Everything, idle included.
    pub total: Duration,
}

impl MachineCpu {
    /// The counters now; all zero if `/proc/stat` cannot be read.
    pub fn now() -> MachineCpu {
        let Ok(stats) = KernelStats::current() else {
            return MachineCpu::default();
        };
        let t = stats.total;
        let busy = t.user + t.nice + t.system + t.irq.unwrap_or(0) + t.softirq.unwrap_or(0);
        let steal = t.steal.unwrap_or(0);
        let waiting = t.idle + t.iowait.unwrap_or(0);
        MachineCpu {
            busy: ticks_to_duration(busy),
            steal: ticks_to_duration(steal),
            total: ticks_to_duration(busy + steal + waiting),
        }
    }

    pub fn since(&self, earlier: MachineCpu) -> MachineCpu {
        MachineCpu {
            busy: self.busy.saturating_sub(earlier.busy),
            steal: self.steal.saturating_sub(earlier.steal),
            total: self.total.saturating_sub(earlier.total),
        }
    }

    /// The share of all CPU time that was stolen, if any time was counted.
    pub fn steal_share(&self) -> Option<f64> {
        (!self.total.is_zero()).then(|| self.steal.as_secs_f64() / self.total.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_become_time_without_overflow_on_a_big_machine() {
        let per_second = procfs::ticks_per_second();
        assert_eq!(
            ticks_to_duration(per_second * 3 / 2),
            Duration::from_millis(1500)
        );
        // 128 CPUs for a year: 4.0e9 CPU-seconds, past u64 in nanoseconds.
        let year_of_128 = 128 * 365 * 24 * 3600;
        assert_eq!(
            ticks_to_duration(year_of_128 * per_second),
            Duration::from_secs(year_of_128)
        );
    }
}
