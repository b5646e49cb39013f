//! `isobench compare`: a regression written into one run is reported (and
//! fails the command past the threshold), an unchanged runtime is not, and
//! two real runs of the same binary are not told apart.

mod common;

use common::{isobench, one_at_a_time, text};

use isobench_report::{write_tidy_csv, Record};
use std::path::Path;
use std::process::{Command, Stdio};

/// A `time.csv` with 300 cold starts per runtime, each scaled as given.
fn write_run(dir: &Path, runtimes: &[(&str, f64)]) {
    let mut records = Vec::new();
    for &(runtime, scale) in runtimes {
        for i in 0..300u64 {
            records.push(Record {
                suite: "time".into(),
                runtime: runtime.into(),
                workload: "noop".into(),
                workers: 1,
                iteration: Some(i),
                metric: "cold_start_ns".into(),
                value: (40_000 + (i * 7919) % 4_000) as f64 * scale,
                unit: "ns".into(),
            });
        }
    }
    write_tidy_csv(&dir.join("time.csv"), &records).unwrap();
}

fn row<'a>(listing: &'a str, runtime: &str) -> &'a str {
    listing
        .lines()
        .find(|l| l.starts_with(&format!("time   {runtime}")))
        .unwrap_or_else(|| panic!("no row for {runtime} in:\n{listing}"))
}

#[test]
fn a_fifth_slower_runtime_is_a_regression() {
    let _turn = one_at_a_time();
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_run(old.path(), &[("thread", 1.0), ("process", 1.0)]);
    write_run(new.path(), &[("thread", 1.0), ("process", 1.2)]);
    let (old, new) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());

    let output = isobench(&["compare", old, new]);
    assert!(output.status.success(), "{}", text(&output));
    let listing = text(&output);
    assert!(row(&listing, "process").contains("+20.0%"), "{listing}");
    assert!(row(&listing, "process").ends_with("slower"), "{listing}");
    assert!(
        row(&listing, "thread").ends_with("no significant change"),
        "{listing}"
    );

    let output = isobench(&["compare", old, new, "--fail-on-regress", "10"]);
    assert!(!output.status.success());
    assert!(
        text(&output).contains("1 significant regression(s) above 10%"),
        "{}",
        text(&output)
    );
    let output = isobench(&["compare", old, new, "--fail-on-regress", "25"]);
    assert!(output.status.success(), "{}", text(&output));
}

/// Two real `time` runs of this binary. This VM's speed moves between states
/// that last from a second to minutes (a system call costs 220 or 330 ns;
/// thread starts take 22 or 32 µs), so two runs made one after the other can
/// differ by 45% while each is steady inside: no interval taken from one run
/// can know that. The runs are therefore made at the same time, both pinned to
/// CPU 0, so that every state hits both alike. What is asserted is that compare
/// never claims a change: each row is "no significant change", or "too noisy to
/// tell" when a state changed during the runs and widened the intervals.
#[test]
fn two_runs_of_the_same_binary_show_no_significant_change() {
    let _turn = one_at_a_time();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let run = |out: &Path| {
        Command::new("taskset")
            .args(["--cpu-list", "0", env!("CARGO_BIN_EXE_isobench"), "time"])
            .args(["--runtime", "thread,process,faaslet", "--workers", "1"])
            .args(["--iterations", "1000", "--out"])
            .arg(out)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("taskset (util-linux) runs isobench")
    };
    let runs = [run(a.path()), run(b.path())];
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", text(&output));
    }

    let output = isobench(&[
        "compare",
        a.path().to_str().unwrap(),
        b.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let listing = text(&output);
    let rows: Vec<&str> = listing.lines().filter(|l| l.starts_with("time ")).collect();
    // Three runtimes, each with cold_start_ns and batch_wall_ns.
    assert_eq!(rows.len(), 6, "{listing}");
    for row in rows {
        assert!(
            row.ends_with("no significant change") || row.ends_with("too noisy to tell"),
            "a change claimed between two runs of one binary:\n{listing}"
        );
    }
}

#[test]
fn directories_without_results_are_refused() {
    let _turn = one_at_a_time();
    let empty = tempfile::tempdir().unwrap();
    let output = isobench(&[
        "compare",
        empty.path().to_str().unwrap(),
        "/nonexistent/results",
    ]);
    assert!(!output.status.success());
    assert!(text(&output).contains("is not a results directory"));
    let output = isobench(&[
        "compare",
        empty.path().to_str().unwrap(),
        empty.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    assert!(text(&output).contains("no suite in common"));
}

#[test]
fn runs_without_a_configuration_in_common_are_refused_with_what_each_has() {
    let _turn = one_at_a_time();
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_run(old.path(), &[("thread", 1.0)]);
    write_run(new.path(), &[("faaslet", 1.0)]);
    let output = isobench(&[
        "compare",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let said = text(&output);
    assert!(
        said.contains("measured no configuration in common")
            && said.contains("has time thread noop with 1 worker;")
            && said.ends_with("has time faaslet noop with 1 worker\n"),
        "{said}"
    );
}
