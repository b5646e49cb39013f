//! `report.html`: one self-contained page (inline CSS and SVG, no script, no
//! network) with a plot per suite that ran and the run's fingerprint. Every
//! mark in a plot carries the value it stands for as a `data-` attribute.

use crate::meta::command_line;
use crate::record::{commands_timed_whole, distinct, read_tidy_csv, workload_summary, Record};
use crate::stats::{geometric_mean, least_squares, summarize, Ratio};
use crate::svg::{escape, Scale, Svg, PALETTE};
use crate::table::{count_of, format_bytes, format_ns};
use anyhow::{Context, Result};
use std::fmt::Write;
use std::path::Path;

/// What a results directory holds, read back.
#[derive(Default)]
pub struct Results {
    pub meta: serde_json::Value,
    pub time: Vec<Record>,
    pub mem: Vec<Record>,
    pub polybench: Vec<Record>,
    pub pybench: Vec<Record>,
}

impl Results {
    /// Reads `meta.json` and whichever suite CSVs the directory has.
    pub fn load(dir: &Path) -> Result<Results> {
        let meta_path = dir.join("meta.json");
        let meta = std::fs::read_to_string(&meta_path).with_context(|| {
            format!(
                "{} is not a results directory (no meta.json)",
                dir.display()
            )
        })?;
        let suite = |name: &str| -> Result<Vec<Record>> {
            let path = dir.join(format!("{name}.csv"));
            if path.exists() {
                read_tidy_csv(&path)
            } else {
                Ok(Vec::new())
            }
        };
        Ok(Results {
            meta: serde_json::from_str(&meta)
                .with_context(|| format!("parsing {}", meta_path.display()))?,
            time: suite("time")?,
            mem: suite("mem")?,
            polybench: suite("polybench")?,
            pybench: suite("pybench")?,
        })
    }
}

const MIB: f64 = (1 << 20) as f64;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;\
color:#222}h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;\
margin-top:2em}svg{display:block;margin:1em 0}svg text{font-size:12px;fill:#333}\
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.25em .6em;\
text-align:left;vertical-align:top}.note{color:#555}";

pub fn render(results: &Results) -> String {
    let mut body = String::new();
    if !results.time.is_empty() {
        body += &cold_start_section(&results.time);
    }
    if !results.mem.is_empty() {
        body += &memory_section(&results.mem);
    }
    if !results.polybench.is_empty() {
        body += &ratio_section(
            "PolyBench/C: wasm / native",
            &results.polybench,
            "kernel_ns",
            true,
        );
    }
    if !results.pybench.is_empty() {
        body += &ratio_section(
            "Python benchmarks: wasm / native",
            &results.pybench,
            "bench_ns",
            true,
        );
        // Start-up and 2to3, timed whole: apart, and out of the geometric
        // mean, as in the summary.
        let commands = commands_timed_whole(&results.pybench);
        let command_runs: Vec<Record> = results
            .pybench
            .iter()
            .filter(|r| commands.contains(r.workload.as_str()))
            .cloned()
            .collect();
        body += &ratio_section(
            "Python commands, timed whole with start-up: wasm / native",
            &command_runs,
            "run_ns",
            false,
        );
    }
    body += &failures_section(&results.meta);
    body += &meta_section(&results.meta);
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>isobench report\
         </title><style>{STYLE}</style></head><body>\n<h1>isobench report</h1>\n<p class=\"note\">\
         {}</p>\n{body}</body></html>\n",
        escape(&format!(
            "{} — started {}",
            command_line(&results.meta),
            results.meta["started_at"].as_str().unwrap_or("?")
        ))
    )
}

/// Per worker count, one row per runtime on a log scale: every sample as a
/// dot, the median's 95% interval as a bar, the median as a tick.
fn cold_start_section(records: &[Record]) -> String {
    let starts: Vec<&Record> = records
        .iter()
        .filter(|r| r.metric == "cold_start_ns")
        .collect();
    let mut out = String::from(
        "<h2>Cold start</h2>\n<p class=\"note\">Every start is a dot; the bar is the median's 95% \
         confidence interval, the tick the median. Log scale.</p>\n",
    );
    for workers in distinct(starts.iter().map(|r| r.workers)) {
        let runtimes = distinct(
            starts
                .iter()
                .filter(|r| r.workers == workers)
                .map(|r| r.runtime.as_str()),
        );
        let all: Vec<f64> = starts
            .iter()
            .filter(|r| r.workers == workers)
            .map(|r| r.value)
            .collect();
        let (low, high) = all
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        let (left, right, row) = (230.0, 1030.0, 40.0);
        let mut svg = Svg::new(1080.0, 50.0 + row * runtimes.len() as f64);
        let bottom = 20.0 + row * runtimes.len() as f64;
        let x = Scale::log10(low, high, left, right);
        svg.x_axis(&x, bottom, 10.0, format_ns);
        for (i, runtime) in runtimes.iter().enumerate() {
            let centre = 20.0 + row * (i as f64 + 0.5);
            let samples: Vec<f64> = starts
                .iter()
                .filter(|r| r.workers == workers && r.runtime == *runtime)
                .map(|r| r.value)
                .collect();
            let colour = PALETTE[i % PALETTE.len()];
            for (n, value) in samples.iter().enumerate() {
                // Spread the dots vertically (deterministically) so they do not hide each other.
                let jitter = ((n * 7919) % 23) as f64 - 11.0;
                svg.element(&format!(
                    r#"<circle class="sample" data-runtime="{}" data-workers="{workers}" data-ns="{value}" cx="{:.1}" cy="{:.1}" r="1.8" fill="{colour}" fill-opacity="0.35"/>"#,
                    escape(runtime),
                    x.at(*value),
                    centre + jitter
                ));
            }
            if let Some(s) = summarize(&samples) {
                svg.element(&format!(
                    r#"<line class="interval" data-runtime="{}" data-low-ns="{}" data-high-ns="{}" data-level="{}" x1="{:.1}" x2="{:.1}" y1="{centre:.1}" y2="{centre:.1}" style="stroke:{colour};stroke-width:6;stroke-opacity:0.8"/>"#,
                    escape(runtime),
                    s.ci_low,
                    s.ci_high,
                    s.ci_level,
                    x.at(s.ci_low),
                    x.at(s.ci_high),
                ));
                svg.element(&format!(
                    r#"<line class="median" data-runtime="{}" data-ns="{}" x1="{m:.1}" x2="{m:.1}" y1="{:.1}" y2="{:.1}" style="stroke:#000;stroke-width:2"/>"#,
                    escape(runtime),
                    s.median,
                    centre - 14.0,
                    centre + 14.0,
                    m = x.at(s.median)
                ));
                svg.text(
                    (left - 10.0, centre + 4.0),
                    "end",
                    &format!("{runtime}  {}", format_ns(s.median)),
                );
            }
        }
        let _ = write!(
            out,
            "<h3>{}</h3>\n{}\n",
            count_of(workers, "concurrent worker"),
            svg.finish(&format!("Cold start with {}", count_of(workers, "worker")))
        );
    }
    out
}

/// PSS and RSS against the number of held workers, per runtime, with the
/// least-squares line whose slope is the per-worker cost.
fn memory_section(records: &[Record]) -> String {
    let mut out = String::from(
        "<h2>Memory footprint</h2>\n<p class=\"note\">Measured points and the fitted line \
         (slope: cost per worker; intercept: base cost).</p>\n",
    );
    let runtimes = distinct(records.iter().map(|r| r.runtime.as_str()));
    for (metric, name) in [("pss_bytes", "PSS"), ("rss_bytes", "RSS")] {
        let points: Vec<&Record> = records.iter().filter(|r| r.metric == metric).collect();
        if points.is_empty() {
            continue;
        }
        let max_workers = points.iter().map(|r| r.workers).max().unwrap_or(1) as f64;
        let max_bytes = points.iter().map(|r| r.value).fold(0.0, f64::max);
        let (left, right, top, bottom) = (90.0, 680.0, 20.0, 320.0);
        let mut svg = Svg::new(1080.0, 360.0);
        let x = Scale::linear(0.0, max_workers, left, right);
        // The axis counts MiB, so that its ticks fall on round numbers of them.
        let y_mib = Scale::linear(0.0, max_bytes * 1.05 / MIB, bottom, top);
        let y = |bytes: f64| y_mib.at(bytes / MIB);
        svg.x_axis(&x, bottom, top, |v| format!("{v}"));
        svg.y_axis(&y_mib, left, right, |v| format!("{v} MiB"));
        svg.text(
            ((left + right) / 2.0, bottom + 34.0),
            "middle",
            "workers held",
        );
        for (i, runtime) in runtimes.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let mine: Vec<(f64, f64)> = points
                .iter()
                .filter(|r| r.runtime == *runtime)
                .map(|r| (r.workers as f64, r.value))
                .collect();
            if mine.is_empty() {
                continue;
            }
            for (w, bytes) in &mine {
                svg.element(&format!(
                    r#"<circle class="point" data-runtime="{}" data-workers="{w}" data-bytes="{bytes}" cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"/>"#,
                    escape(runtime),
                    x.at(*w),
                    y(*bytes)
                ));
            }
            let mut legend = runtime.to_string();
            if let Some(line) = least_squares(&mine) {
                let at = |w: f64| line.intercept + line.slope * w;
                svg.element(&format!(
                    r#"<line class="fit" data-runtime="{}" data-slope="{}" data-intercept="{}" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" style="stroke:{colour};stroke-width:1.5"/>"#,
                    escape(runtime),
                    line.slope,
                    line.intercept,
                    x.at(0.0),
                    y(at(0.0).max(0.0)),
                    x.at(max_workers),
                    y(at(max_workers).max(0.0))
                ));
                legend += &format!(
                    ": {} per worker + {}",
                    format_bytes(line.slope),
                    format_bytes(line.intercept)
                );
            }
            let ly = top + 16.0 * i as f64;
            svg.line(
                (right + 10.0, ly),
                (right + 30.0, ly),
                &format!("stroke:{colour};stroke-width:3"),
            );
            svg.text((right + 34.0, ly + 4.0), "start", &legend);
        }
        let _ = write!(
            out,
            "<h3>{name}</h3>\n{}\n",
            svg.finish(&format!("{name} vs workers"))
        );
    }
    out
}

/// One bar per workload, sorted: the wasm / native ratio of medians with its
/// interval; with `with_mean`, the geometric mean of the ratios as a dashed
/// line.
pub fn ratio_section(title: &str, records: &[Record], metric: &str, with_mean: bool) -> String {
    let benchmarks = distinct(records.iter().map(|r| r.workload.as_str()));
    let mut ratios: Vec<(&str, Ratio)> = benchmarks
        .iter()
        .filter_map(|b| {
            let of = |side| workload_summary(records, side, b, metric);
            Some((*b, Ratio::of_medians(&of("wasm")?, &of("native")?)))
        })
        .collect();
    if ratios.is_empty() {
        return String::new();
    }
    ratios.sort_by(|a, b| b.1.value.total_cmp(&a.1.value));
    let values: Vec<f64> = ratios.iter().map(|r| r.1.value).collect();
    let mean = geometric_mean(&values).filter(|_| with_mean);
    let high = ratios
        .iter()
        .map(|r| r.1.high.min(r.1.value * 3.0))
        .fold(1.0, f64::max);
    let (left, right, row) = (150.0, 1000.0, 18.0);
    let bottom = 20.0 + row * ratios.len() as f64;
    let mut svg = Svg::new(1080.0, bottom + 40.0);
    let x = Scale::linear(0.0, high * 1.05, left, right);
    svg.x_axis(&x, bottom, 10.0, |v| format!("{v:.1}×"));
    for (i, (benchmark, ratio)) in ratios.iter().enumerate() {
        let y = 20.0 + row * i as f64;
        svg.element(&format!(
            r##"<rect class="ratio" data-benchmark="{}" data-ratio="{}" x="{left}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#0072b2" fill-opacity="0.7"/>"##,
            escape(benchmark),
            ratio.value,
            y + 2.0,
            x.at(ratio.value) - left,
            row - 4.0
        ));
        svg.element(&format!(
            r#"<line class="interval" data-benchmark="{}" data-low="{}" data-high="{}" data-level="{}" x1="{:.1}" x2="{:.1}" y1="{mid:.1}" y2="{mid:.1}" style="stroke:#000"/>"#,
            escape(benchmark),
            ratio.low,
            ratio.high,
            ratio.level,
            x.at(ratio.low),
            x.at(ratio.high.min(high * 1.05)),
            mid = y + row / 2.0,
        ));
        svg.text(
            (left - 8.0, y + row / 2.0 + 4.0),
            "end",
            &format!("{benchmark} {:.2}", ratio.value),
        );
    }
    svg.line((x.at(1.0), 10.0), (x.at(1.0), bottom), "stroke:#000");
    if let Some(mean) = mean {
        svg.element(&format!(
            r#"<line class="geomean" data-ratio="{mean}" x1="{m:.1}" x2="{m:.1}" y1="10" y2="{bottom:.1}" style="stroke:#d55e00;stroke-width:2;stroke-dasharray:6 4"/>"#,
            m = x.at(mean)
        ));
        svg.text(
            (x.at(mean) + 4.0, bottom + 30.0),
            "start",
            &format!("geometric mean {mean:.3}"),
        );
    }
    format!(
        "<h2>{}</h2>\n<p class=\"note\">Ratio of median times (wasm / native); the line is the \
         interval from both medians' 95% intervals; 1 means as fast as native.</p>\n{}\n",
        escape(title),
        svg.finish(title)
    )
}

/// The configurations that failed, each with its reason, if any did.
fn failures_section(meta: &serde_json::Value) -> String {
    let items: String = crate::meta::failures(meta)
        .into_iter()
        .map(|f| format!("<li>{}</li>\n", escape(f)))
        .collect();
    if items.is_empty() {
        return String::new();
    }
    format!("<h2>Failures</h2>\n<ul class=\"failures\">\n{items}</ul>\n")
}

fn meta_section(meta: &serde_json::Value) -> String {
    let mut rows = String::new();
    let mut row = |key: &str, value: &serde_json::Value| {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = writeln!(
            rows,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape(key),
            escape(&text)
        );
    };
    for key in ["isobench_version", "git_revision", "started_at"] {
        row(key, &meta[key]);
    }
    for group in ["host", "versions", "settings"] {
        if let Some(map) = meta[group].as_object() {
            for (key, value) in map {
                // A nested setting (the guest build's flags, say) a row per field.
                match value.as_object() {
                    Some(fields) => {
                        for (field, value) in fields {
                            row(&format!("{group}.{key}.{field}"), value);
                        }
                    }
                    None => row(&format!("{group}.{key}"), value),
                }
            }
        }
    }
    if let Some(notes) = meta["notes"].as_array() {
        for note in notes {
            row("note", note);
        }
    }
    format!("<h2>Host and versions</h2>\n<table>\n{rows}</table>\n")
}
