//! The machine's fingerprint recorded with every run (as `host` in
//! `meta.json`).

use procfs::{CpuInfo, Current, Meminfo};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub hostname: String,
    pub kernel: String,
    pub cpu_model: String,
    pub cores: usize,
    pub memory_bytes: u64,
}

pub fn machine() -> Machine {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into())
    };
    let cpu_model = CpuInfo::current()
        .ok()
        .and_then(|info| info.model_name(0).map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    Machine {
        hostname: read("/proc/sys/kernel/hostname"),
        kernel: format!(
            "{} {}",
            read("/proc/sys/kernel/ostype"),
            read("/proc/sys/kernel/osrelease")
        ),
        cpu_model,
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        memory_bytes: Meminfo::current().map_or(0, |m| m.mem_total),
    }
}
