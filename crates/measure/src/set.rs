//! Finding the accounted set: the processes a user pays for.

use procfs::process::{all_processes, Process};
use std::collections::HashMap;

/// `roots` and every process descended from them, each once (thread-group
/// leaders only, so a process with many threads is counted once), from one
/// pass over `/proc` however many roots there are: held workers number in
/// thousands.
pub fn descendants(roots: &[i32]) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    if let Ok(processes) = all_processes() {
        for stat in processes.filter_map(|p| p.ok()?.stat().ok()) {
            children.entry(stat.ppid).or_default().push(stat.pid);
        }
    }
    let mut set = roots.to_vec();
    let mut next = 0;
    while next < set.len() {
        if let Some(found) = children.get(&set[next]) {
            set.extend(found);
        }
        next += 1;
    }
    // Roots may descend from one another.
    set.sort_unstable();
    set.dedup();
    set
}

/// Every process whose command name (`comm`) satisfies `matches`, wherever it
/// sits in the process tree (daemons' helpers are often re-parented to PID 1).
pub fn processes_named(matches: impl Fn(&str) -> bool) -> Vec<i32> {
    all_processes()
        .map(|iter| {
            iter.filter_map(|p| p.ok())
                .filter(|p| p.stat().map(|s| matches(&s.comm)).unwrap_or(false))
                .map(|p: Process| p.pid)
                .collect()
        })
        .unwrap_or_default()
}
