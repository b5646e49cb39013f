//! A small table that renders as aligned text for the terminal and as
//! Markdown for `summary.md`.

pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn widths(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|c| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    fn render(&self, separator: &str, edges: bool, rule: impl Fn(usize) -> String) -> String {
        let widths = self.widths();
        let line = |cells: &[String]| {
            let padded: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| format!("{:<w$}", cells.get(i).map_or("", |s| s.as_str())))
                .collect();
            let body = padded.join(separator);
            if edges {
                format!("| {body} |\n")
            } else {
                format!("{}\n", body.trim_end())
            }
        };
        let mut out = line(&self.header);
        let rules: Vec<String> = widths.iter().map(|w| rule(*w)).collect();
        out += &if edges {
            format!("|-{}-|\n", rules.join("-|-"))
        } else {
            format!("{}\n", rules.join(separator))
        };
        for row in &self.rows {
            out += &line(row);
        }
        out
    }

    pub fn to_text(&self) -> String {
        self.render("  ", false, |w| "─".repeat(w))
    }

    pub fn to_markdown(&self) -> String {
        self.render(" | ", true, |w| "-".repeat(w))
    }
}

/// Nanoseconds in the unit that reads best: ns, µs, ms or s.
pub fn format_ns(ns: f64) -> String {
    let abs = ns.abs();
    if abs >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if abs >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if abs >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Bytes in binary units: B, KiB, MiB or GiB.
pub fn format_bytes(bytes: f64) -> String {
    let abs = bytes.abs();
    if abs >= (1u64 << 30) as f64 {
        format!("{:.2} GiB", bytes / (1u64 << 30) as f64)
    } else if abs >= (1 << 20) as f64 {
        format!("{:.2} MiB", bytes / (1 << 20) as f64)
    } else if abs >= 1024.0 {
        format!("{:.1} KiB", bytes / 1024.0)
    } else {
        format!("{bytes:.0} B")
    }
}

/// `1 kernel`, `3 kernels`: a count with its noun.
pub fn count_of(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// An interval's ends, with its real level when that falls short of the 95%
/// the headings promise (fewer than 6 samples: see [`crate::stats`]).
pub fn format_interval(low: &str, high: &str, level: f64) -> String {
    if level >= 0.95 {
        format!("{low} … {high}")
    } else if level <= 0.0 {
        format!("{low} … {high}, one sample: no interval")
    } else {
        format!("{low} … {high}, only {:.0}%", level * 100.0)
    }
}

/// `1.23 (1.10 … 1.40)`: a ratio with its interval.
pub fn format_ratio(ratio: &crate::stats::Ratio) -> String {
    format!(
        "{:.2} ({})",
        ratio.value,
        format_interval(
            &format!("{:.2}", ratio.low),
            &format!("{:.2}", ratio.high),
            ratio.level
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{summarize, Ratio};

    #[test]
    fn an_interval_of_too_few_samples_says_how_sure_it_is() {
        let five = summarize(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let three = summarize(&[1.0, 2.0, 4.0]).unwrap();
        let one = summarize(&[2.0]).unwrap();
        let ten = summarize(&(1..=10).map(f64::from).collect::<Vec<_>>()).unwrap();
        assert_eq!(
            format_ratio(&Ratio::of_medians(&ten, &ten)),
            "1.00 (0.22 … 4.50)"
        );
        assert_eq!(
            format_ratio(&Ratio::of_medians(&three, &ten)),
            "0.36 (0.11 … 2.00, only 75%)"
        );
        assert_eq!(
            format_ratio(&Ratio::of_medians(&five, &ten)),
            "0.55 (0.11 … 2.50, only 94%)"
        );
        assert_eq!(
            format_interval("2 ns", "2 ns", one.ci_level),
            "2 ns … 2 ns, one sample: no interval"
        );
    }
}
