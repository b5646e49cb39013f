//! Finding the accounted set: the processes a user pays for.

use procfs::process::{all_processes, Process};

/// `root` and every process descended from it (thread-group leaders only, so
/// a process with many threads is counted once).
pub fn descendants(root: i32) -> Vec<i32> {
    let parents: Vec<(i32, i32)> = all_processes()
        .map(|iter| {
            iter.filter_map(|p| p.ok()?.stat().ok())
                .map(|stat| (stat.pid, stat.ppid))
                .collect()
        })
        .unwrap_or_default();
    let mut set = vec![root];
    let mut next = 0;
    while next < set.len() {
        let parent = set[next];
        set.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        next += 1;
    }
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
