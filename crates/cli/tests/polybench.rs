//! `isobench polybench`: every kernel computes the same thing natively and in
//! wasm (byte-identical dumps), the outputs have their formats, and a kernel
//! whose wasm build computes something else is caught.

mod common;

use common::{copy_of_guests, isobench_with, text};

use isobench_report::record::read_tidy_csv;

/// Runs kernels at a dataset with verification on; returns the results directory.
fn verified_run(kernels: &str, dataset: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let output = isobench_with(
        &[
            "polybench",
            kernels,
            "--dataset",
            dataset,
            "--native-iterations",
            "1",
            "--wasm-iterations",
            "1",
            "--warmup",
            "0",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert!(output.status.success(), "{}", text(&output));
    dir
}

#[test]
fn every_kernel_gives_identical_output_natively_and_in_wasm_at_mini() {
    let dir = verified_run("all", "mini");
    let records = read_tidy_csv(&dir.path().join("polybench.csv")).unwrap();
    // 30 kernels, three sides, one run each, two metrics.
    assert_eq!(records.len(), 30 * 3 * 2);
    for side in ["native", "wasm", "wasm-epoch"] {
        for metric in ["kernel_ns", "run_ns"] {
            let count = records
                .iter()
                .filter(|r| r.runtime == side && r.metric == metric && r.value > 0.0)
                .count();
            assert_eq!(count, 30, "{side} {metric}");
        }
    }
    let faasm = std::fs::read_to_string(dir.path().join("polybench-faasm.csv")).unwrap();
    let mut lines = faasm.lines();
    assert_eq!(lines.next(), Some("benchmark,type,microseconds"));
    assert_eq!(lines.count(), 30 * 2);
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(summary.contains("Geometric mean of wasm / native over 30 kernels"));
    let meta = std::fs::read_to_string(dir.path().join("meta.json")).unwrap();
    assert!(meta.contains("-msimd128") && meta.contains("\"polybench_dataset\": \"mini\""));
    // The wasm-only post-link step is stated where the numbers are.
    assert!(meta.contains("--global-base=65536") && meta.contains("constant-offset folding"));
    assert!(summary.contains("After linking, the wasm modules got isobench's constant-offset"));
}

#[test]
fn a_handful_of_kernels_give_identical_output_at_small() {
    verified_run("2mm,cholesky,deriche,floyd-warshall,nussinov,adi", "small");
}

#[test]
fn a_wasm_build_that_computes_something_else_is_caught() {
    // A copy of the guest sources where 2mm's wasm build (only) nudges one
    // element of its result.
    let sources = copy_of_guests();
    let kernel = sources.path().join("polybench/2mm.c");
    let code = std::fs::read_to_string(&kernel).unwrap();
    let nudged = code.replace(
        "    PB_TIMED(kernel_2mm(1.5, 1.2, tmp, A, B, C, D));\n",
        "    PB_TIMED(kernel_2mm(1.5, 1.2, tmp, A, B, C, D));\n#ifdef __wasm__\n    D[1][1] += 1;\n#endif\n",
    );
    assert_ne!(code, nudged, "the patch applies");
    std::fs::write(&kernel, nudged).unwrap();
    let build = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let output = isobench_with(
        &[
            "polybench",
            "2mm,atax",
            "--dataset",
            "mini",
            "--native-iterations",
            "1",
            "--wasm-iterations",
            "1",
            "--out",
            out.path().to_str().unwrap(),
        ],
        &[
            ("ISOBENCH_GUESTS_SRC", sources.path()),
            ("ISOBENCH_GUESTS_OUT", build.path()),
        ],
    );
    let shown = text(&output);
    assert!(!output.status.success(), "{shown}");
    assert!(
        shown.contains("2mm: native and wasm outputs differ at line"),
        "{shown}"
    );
    assert!(!shown.contains("atax:"), "atax is fine: {shown}");
    let kept = out.path().join("differing-dumps");
    assert!(kept.join("2mm.native.txt").exists() && kept.join("2mm.wasm.txt").exists());
    // 2mm was not timed; atax, after it, was.
    let records = read_tidy_csv(&out.path().join("polybench.csv")).unwrap();
    assert!(!records.iter().any(|r| r.workload == "2mm"), "{records:?}");
    assert!(records.iter().any(|r| r.workload == "atax"));
}

#[test]
fn unknown_kernels_and_datasets_are_refused_with_the_valid_ones() {
    let output = isobench_with(&["polybench", "2mm,4mm", "--dataset", "mini"], &[]);
    assert!(!output.status.success());
    let shown = text(&output);
    assert!(
        shown.contains("unknown PolyBench kernel `4mm`") && shown.contains("seidel-2d"),
        "{shown}"
    );
    let output = isobench_with(&["polybench", "2mm", "--dataset", "huge"], &[]);
    assert!(!output.status.success());
    let shown = text(&output);
    assert!(
        shown.contains("unknown dataset `huge`")
            && shown.contains("mini, small, medium, large, extralarge"),
        "{shown}"
    );
}

#[test]
fn list_shows_every_kernel_with_its_category_type_and_sizes() {
    let output = isobench_with(&["polybench", "--list"], &[]);
    assert!(output.status.success());
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.starts_with("30 PolyBench/C 4.2.1 kernels"));
    let deriche = shown.lines().find(|l| l.starts_with("deriche")).unwrap();
    for expected in [
        "medley",
        "float",
        "W=64 H=64",
        "W=720 H=480",
        "W=7680 H=4320",
    ] {
        assert!(deriche.contains(expected), "{deriche}");
    }
}
