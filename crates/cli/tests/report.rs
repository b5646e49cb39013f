//! `report.html` of real (small) runs: one plot per section that ran, whose
//! marks are the CSV's values, rendered by headless Chromium.

mod common;

use common::{isobench, isobench_with, text};
use isobench_report::record::read_tidy_csv;
use isobench_report::stats::{geometric_mean, least_squares, summarize, Line, Ratio, Summary};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

fn run(args: &[&str], out: &Path) -> String {
    let mut args = args.to_vec();
    args.extend(["--out", out.to_str().unwrap()]);
    let output = isobench(&args);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains(&format!("report: {}", out.join("report.html").display())));
    std::fs::read_to_string(out.join("report.html")).unwrap()
}

/// The numbers in the `attribute` of every element of `class`.
fn marks(html: &str, class: &str, attribute: &str) -> Vec<f64> {
    html.split(&format!("class=\"{class}\""))
        .skip(1)
        .map(|rest| {
            let value = rest.split(&format!("{attribute}=\"")).nth(1).unwrap();
            value[..value.find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

fn num_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

#[test]
fn every_section_plots_the_values_of_its_csv() {
    let dir = tempfile::tempdir().unwrap();

    let time = dir.path().join("time");
    let (json, markdown) = (dir.path().join("time.json"), dir.path().join("time.md"));
    let html = run(
        &[
            "time",
            "--runtime",
            "thread,faaslet",
            "--workers",
            "1,2",
            "--iterations",
            "15",
            "--export-json",
            json.to_str().unwrap(),
            "--export-markdown",
            markdown.to_str().unwrap(),
        ],
        &time,
    );
    let records = read_tidy_csv(&time.join("time.csv")).unwrap();
    let starts: Vec<f64> = records
        .iter()
        .filter(|r| r.metric == "cold_start_ns")
        .map(|r| r.value)
        .collect();
    assert_eq!(
        sorted(marks(&html, "sample", "data-ns")),
        sorted(starts.clone())
    );

    // The exports: every sample in the JSON, the summary as Markdown.
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let exported_starts: Vec<f64> = exported["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["metric"] == "cold_start_ns")
        .flat_map(|s| {
            s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
        })
        .collect();
    assert_eq!(sorted(exported_starts), sorted(starts.clone()));
    assert_eq!(
        exported["meta"]["host"]["cores"],
        serde_json::json!(num_cores())
    );
    assert_eq!(
        std::fs::read_to_string(&markdown).unwrap(),
        std::fs::read_to_string(time.join("summary.md")).unwrap()
    );
    assert_eq!(html.matches("<svg").count(), 2, "one plot per worker count");
    // Each configuration's median and its interval, as the statistics give
    // them for its samples in the CSV's order (the interval's allowance for
    // drift reads them in order).
    let mut configurations: BTreeMap<(String, u64), Vec<f64>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.metric == "cold_start_ns") {
        configurations
            .entry((r.runtime.clone(), r.workers))
            .or_default()
            .push(r.value);
    }
    let summaries: Vec<Summary> = configurations
        .values()
        .map(|samples| summarize(samples).unwrap())
        .collect();
    assert_eq!(summaries.len(), 4);
    let of_all = |field: fn(&Summary) -> f64| sorted(summaries.iter().map(field).collect());
    assert_eq!(
        sorted(marks(&html, "median", "data-ns")),
        of_all(|s| s.median)
    );
    assert_eq!(
        sorted(marks(&html, "interval", "data-low-ns")),
        of_all(|s| s.ci_low)
    );
    assert_eq!(
        sorted(marks(&html, "interval", "data-high-ns")),
        of_all(|s| s.ci_high)
    );
    assert!(html.contains("Host and versions") && html.contains("wasmtime"));
    // Self-contained: nothing to fetch, nothing to run.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));

    let mem = dir.path().join("mem");
    let html = run(
        &["mem", "--runtime", "thread,faaslet", "--workers", "0,4,8"],
        &mem,
    );
    let records = read_tidy_csv(&mem.join("mem.csv")).unwrap();
    let bytes: Vec<f64> = records
        .iter()
        .filter(|r| r.metric == "pss_bytes" || r.metric == "rss_bytes")
        .map(|r| r.value)
        .collect();
    assert_eq!(sorted(marks(&html, "point", "data-bytes")), sorted(bytes));
    // PSS and RSS lines per runtime, each the least-squares fit of its points.
    let fits: Vec<Line> = ["pss_bytes", "rss_bytes"]
        .iter()
        .flat_map(|metric| {
            ["thread", "faaslet"].map(|runtime| {
                let points: Vec<(f64, f64)> = records
                    .iter()
                    .filter(|r| r.metric == *metric && r.runtime == runtime)
                    .map(|r| (r.workers as f64, r.value))
                    .collect();
                assert_eq!(points.len(), 3, "{runtime} {metric}");
                least_squares(&points).unwrap()
            })
        })
        .collect();
    assert_eq!(
        sorted(marks(&html, "fit", "data-slope")),
        sorted(fits.iter().map(|line| line.slope).collect())
    );
    assert_eq!(
        sorted(marks(&html, "fit", "data-intercept")),
        sorted(fits.iter().map(|line| line.intercept).collect())
    );

    let compute = dir.path().join("polybench");
    let html = run(
        &[
            "polybench",
            "2mm,atax,lu",
            "--dataset",
            "mini",
            "--native-iterations",
            "2",
            "--wasm-iterations",
            "2",
        ],
        &compute,
    );
    // Each kernel's bar is the ratio of its medians, wasm over native.
    let records = read_tidy_csv(&compute.join("polybench.csv")).unwrap();
    let kernel_times = |side: &str, kernel: &str| {
        let times: Vec<f64> = records
            .iter()
            .filter(|r| r.runtime == side && r.workload == kernel && r.metric == "kernel_ns")
            .map(|r| r.value)
            .collect();
        assert_eq!(times.len(), 2, "{side} {kernel}");
        summarize(&times).unwrap()
    };
    let ratios: Vec<f64> = ["2mm", "atax", "lu"]
        .iter()
        .map(|k| Ratio::of_medians(&kernel_times("wasm", k), &kernel_times("native", k)).value)
        .collect();
    assert_eq!(
        sorted(marks(&html, "ratio", "data-ratio")),
        sorted(ratios.clone())
    );
    // The page multiplies them in its own (sorted) order: equal to the last bits.
    let geomean = marks(&html, "geomean", "data-ratio");
    let expected = geometric_mean(&ratios).unwrap();
    assert!(
        geomean.len() == 1 && (geomean[0] - expected).abs() <= 1e-12 * expected,
        "{geomean:?} against {expected}"
    );
    // Two runs a side: min…max, which holds the median with only 50%.
    assert_eq!(marks(&html, "interval", "data-level"), vec![0.5; 3]);

    // `isobench report` writes the page again and refreshes the summary.
    std::fs::remove_file(time.join("report.html")).unwrap();
    std::fs::write(time.join("summary.md"), "stale").unwrap();
    let output = isobench(&["report", time.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(time.join("report.html").exists());
    let summary = std::fs::read_to_string(time.join("summary.md")).unwrap();
    assert!(
        summary.contains("## Cold start") && summary.contains("× thread"),
        "{summary}"
    );

    render_in_chromium(&time.join("report.html"), "report-time.png");
    render_in_chromium(&compute.join("report.html"), "report-polybench.png");
}

/// Renders a page headless, checks the browser parsed the plots, and keeps a
/// screenshot in `target/test-artefacts/`.
fn render_in_chromium(page: &Path, screenshot: &str) {
    let artefacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let chromium = |extra: &[String]| {
        Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1200,1600",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("running chromium (scripts/test installs it)")
    };
    let dom = chromium(&["--dump-dom".into()]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<svg") && dom.contains("</html>"), "{dom}");
    let png = artefacts.join(screenshot);
    let shot = chromium(&[format!("--screenshot={}", png.display())]);
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    assert!(
        std::fs::metadata(&png).unwrap().len() > 10_000,
        "an empty screenshot"
    );
}

/// What has no CSV behind it survives `isobench report`: the failures stay in
/// summary.md, and report.html lists them.
#[test]
fn failures_are_kept_when_the_summary_is_rendered_again() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mem");
    // No Docker daemon answers there: docker fails, thread is measured.
    let output = isobench_with(
        &[
            "mem",
            "--runtime",
            "docker,thread",
            "--workers",
            "0",
            "--out",
            out.to_str().unwrap(),
        ],
        &[("DOCKER_HOST", Path::new("unix:///nonexistent/docker.sock"))],
    );
    assert!(!output.status.success());
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("## Failures"), "{summary}");
    assert!(summary.contains("no Docker daemon at"), "{summary}");
    let output = isobench(&["report", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        std::fs::read_to_string(out.join("summary.md")).unwrap(),
        summary
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Failures</h2>") && html.contains("no Docker daemon at"));

    // Rendered by another revision than the one that measured: said so.
    let meta_path = out.join("meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    meta["git_revision"] = "0123abc".into();
    std::fs::write(&meta_path, meta.to_string()).unwrap();
    let output = isobench(&["report", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output));
    let again = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        again.contains("git 0123abc")
            && again.contains("rendered again from the CSVs by isobench git"),
        "{again}"
    );
}
