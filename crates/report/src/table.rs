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
