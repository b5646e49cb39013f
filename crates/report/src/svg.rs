//! Just enough SVG for the report's plots: scales, axes, marks. Written here
//! (rather than with a plotting crate) so the report is one small
//! self-contained file with every data point carrying its value.

use std::fmt::Write;

/// A mapping from data values to pixels along one axis.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    low: f64,
    high: f64,
    from: f64,
    to: f64,
    log: bool,
}

impl Scale {
    /// Linear from `low..high` onto pixels `from..to`.
    pub fn linear(low: f64, high: f64, from: f64, to: f64) -> Scale {
        let high = if high > low { high } else { low + 1.0 };
        Scale {
            low,
            high,
            from,
            to,
            log: false,
        }
    }

    /// Logarithmic, widened to whole powers of ten around `low..high` (> 0).
    pub fn log10(low: f64, high: f64, from: f64, to: f64) -> Scale {
        let low = 10f64.powf(low.max(f64::MIN_POSITIVE).log10().floor());
        let high = 10f64.powf(high.max(low * 10.0).log10().ceil());
        Scale {
            low,
            high,
            from,
            to,
            log: true,
        }
    }

    pub fn at(&self, value: f64) -> f64 {
        let fraction = if self.log {
            (value.max(self.low).log10() - self.low.log10())
                / (self.high.log10() - self.low.log10())
        } else {
            (value - self.low) / (self.high - self.low)
        };
        self.from + fraction * (self.to - self.from)
    }

    /// Tick values: powers of ten (log) or about five round steps (linear).
    pub fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (first, last) = (
                self.low.log10().round() as i32,
                self.high.log10().round() as i32,
            );
            return (first..=last).map(|e| 10f64.powi(e)).collect();
        }
        let raw = (self.high - self.low) / 5.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * magnitude)
            .find(|s| *s >= raw)
            .unwrap_or(raw);
        let mut ticks = Vec::new();
        let mut tick = (self.low / step).ceil() * step;
        while tick <= self.high + step * 1e-9 {
            ticks.push(tick);
            tick += step;
        }
        ticks
    }
}

/// An SVG document being written.
pub struct Svg {
    pub width: f64,
    pub height: f64,
    body: String,
}

/// Colours for series, chosen to stay apart for readers with colour blindness.
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];

impl Svg {
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            width,
            height,
            body: String::new(),
        }
    }

    /// A raw element, for marks that carry data attributes.
    pub fn element(&mut self, element: &str) {
        self.body.push_str(element);
        self.body.push('\n');
    }

    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" style="{style}"/>"#
        );
    }

    pub fn text(&mut self, (x, y): (f64, f64), anchor: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}">{}</text>"#,
            escape(text)
        );
    }

    /// A horizontal axis at `y` with labelled ticks and grid lines up to `top`.
    pub fn x_axis(&mut self, scale: &Scale, y: f64, top: f64, label: impl Fn(f64) -> String) {
        for tick in scale.ticks() {
            let x = scale.at(tick);
            self.line((x, top), (x, y), "stroke:#ddd");
            self.text((x, y + 16.0), "middle", &label(tick));
        }
        self.line(
            (scale.at(scale.low), y),
            (scale.at(scale.high), y),
            "stroke:#333",
        );
    }

    /// A vertical axis at `x` with labelled ticks and grid lines up to `right`.
    pub fn y_axis(&mut self, scale: &Scale, x: f64, right: f64, label: impl Fn(f64) -> String) {
        for tick in scale.ticks() {
            let y = scale.at(tick);
            self.line((x, y), (right, y), "stroke:#ddd");
            self.text((x - 6.0, y + 4.0), "end", &label(tick));
        }
        self.line(
            (x, scale.at(scale.low)),
            (x, scale.at(scale.high)),
            "stroke:#333",
        );
    }

    pub fn finish(self, title: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>{t}</title>
{body}</svg>"#,
            w = self.width,
            h = self.height,
            t = escape(title),
            body = self.body
        )
    }
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::Scale;

    #[test]
    fn scales_map_ends_and_tick_round_values() {
        let linear = Scale::linear(0.0, 100.0, 50.0, 550.0);
        assert_eq!((linear.at(0.0), linear.at(100.0)), (50.0, 550.0));
        assert_eq!(linear.ticks(), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let log = Scale::log10(3e4, 4e8, 0.0, 800.0);
        assert_eq!(log.ticks().len(), 6); // 1e4 … 1e9
        assert!((log.at(1e4) - 0.0).abs() < 1e-9 && (log.at(1e9) - 800.0).abs() < 1e-9);
    }
}
