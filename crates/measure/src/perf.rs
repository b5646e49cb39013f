//! Hardware counters (cycles, instructions) through `perf_event_open`, for
//! this process and every thread and child it starts afterwards.
//!
//! Many virtual machines expose no PMU: then [`HardwareCounters::open`]
//! returns the kernel's reason, and callers report the counts as absent.
//! Cycles are never estimated from time.

use perf_event::events::Hardware;
use perf_event::{Builder, Counter};

pub struct HardwareCounters {
    cycles: Counter,
    instructions: Counter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HardwareCounts {
    pub cycles: u64,
    pub instructions: u64,
}

impl HardwareCounters {
    /// Opens and starts both counters, or says why they are unavailable.
    pub fn open() -> Result<Self, String> {
        let open = |event: Hardware| -> Result<Counter, String> {
            let mut counter = Builder::new(event)
                .inherit(true)
                .build()
                .map_err(|e| format!("perf_event_open({event:?}): {e}"))?;
            counter
                .enable()
                .map_err(|e| format!("enabling {event:?}: {e}"))?;
            Ok(counter)
        };
        let mut counters = HardwareCounters {
            cycles: open(Hardware::CPU_CYCLES)?,
            instructions: open(Hardware::INSTRUCTIONS)?,
        };
        // Some hypervisors accept the counters and then never count.
        let mut spin = 0u64;
        for i in 0..1_000_000u64 {
            spin = std::hint::black_box(spin.wrapping_add(i));
        }
        match counters.read() {
            Ok(counts) if counts.cycles > 0 && counts.instructions > 0 => Ok(counters),
            Ok(_) => Err("the counters opened but counted nothing (no working PMU)".into()),
            Err(e) => Err(format!("reading the counters: {e}")),
        }
    }

    /// Counts so far. Children's counts arrive when they exit.
    pub fn read(&mut self) -> std::io::Result<HardwareCounts> {
        Ok(HardwareCounts {
            cycles: self.cycles.read()?,
            instructions: self.instructions.read()?,
        })
    }
}
