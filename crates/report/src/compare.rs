//! Comparing two results directories: per configuration and metric, the
//! change in the median with its interval, and a verdict.
//!
//! Every metric isobench records is a cost (nanoseconds, bytes), so a higher
//! value is worse. A change is significant when the ratio's interval (see
//! [`Ratio::of_medians`]) excludes 1 and the median moved by at least the
//! noise threshold: machines like the shared VMs this runs on drift between
//! runs, and a tool that cries regression at every drift gets ignored. (Drift
//! *within* a run already widens each median's interval: see
//! [`crate::stats`].) An interval wider than four times the threshold is too
//! noisy to say anything, unless all of it lies beyond the threshold: a change
//! whose smallest plausible size is still larger than the noise is called
//! whatever the width. A side with fewer than five samples is always too
//! noisy: its median's interval is then min…max, held at under 90% (a single
//! sample, as `mem` records per worker count, has none), and two samples a
//! side unchanged would be called slower one time in six.

use crate::record::{series, SeriesId};
use crate::stats::{summarize, Ratio};
use crate::Record;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Worse,
    NoSignificantChange,
    TooNoisy,
    /// The two runs did different amounts of work (pybench calibrates its
    /// loop counts per run), so the change says nothing about the code.
    DifferentWork,
}

/// One configuration and metric found in both runs.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: SeriesId,
    pub old_median: f64,
    pub new_median: f64,
    pub ratio: Ratio,
    pub verdict: Verdict,
}

impl Change {
    /// The median's change in percent (positive: the new run costs more).
    pub fn percent(&self) -> f64 {
        (self.ratio.value - 1.0) * 100.0
    }

    /// The verdict in words that suit the unit.
    pub fn verdict_text(&self) -> &'static str {
        let time = self.id.unit == "ns";
        match self.verdict {
            Verdict::Better if time => "faster",
            Verdict::Better => "smaller",
            Verdict::Worse if time => "slower",
            Verdict::Worse => "larger",
            Verdict::NoSignificantChange => "no significant change",
            Verdict::TooNoisy => "too noisy to tell",
            Verdict::DifferentWork => "not comparable: other loop counts",
        }
    }
}

/// Every configuration and metric sampled in both runs, compared; those
/// whose old median (or its interval's low end) is zero are left out, as a
/// change from nothing has no ratio.
pub fn compare(old: &[Record], new: &[Record], noise_percent: f64) -> Vec<Change> {
    let (old_loops, new_loops) = (loops(old), loops(new));
    let old = series(old);
    let new = series(new);
    let noise = noise_percent / 100.0;
    old.into_iter()
        .filter_map(|(id, before)| {
            let after = new.get(&id)?;
            let (b, a) = (summarize(&before)?, summarize(after)?);
            if b.median <= 0.0 || b.ci_low <= 0.0 {
                return None;
            }
            let ratio = Ratio::of_medians(&a, &b);
            let moved = (ratio.value - 1.0).abs() >= noise;
            let narrow = ratio.high - ratio.low <= 4.0 * noise;
            let key = (id.suite.clone(), id.runtime.clone(), id.workload.clone());
            let other_work = old_loops.get(&key) != new_loops.get(&key);
            let verdict = if id.metric == WHOLE_RUN && other_work {
                Verdict::DifferentWork
            } else if ratio.level < MIN_LEVEL {
                Verdict::TooNoisy
            } else if ratio.low > 1.0 && moved && (narrow || ratio.low >= 1.0 + noise) {
                Verdict::Worse
            } else if ratio.high < 1.0 && moved && (narrow || ratio.high <= 1.0 / (1.0 + noise)) {
                Verdict::Better
            } else if narrow {
                Verdict::NoSignificantChange
            } else {
                Verdict::TooNoisy
            };
            Some(Change {
                id,
                old_median: b.median,
                new_median: a.median,
                ratio,
                verdict,
            })
        })
        .collect()
}

/// The least level of confidence an interval needs for a verdict: five
/// samples a side give 94%, four 88%.
const MIN_LEVEL: f64 = 0.9;

/// The metric that times a whole interpreter run, whose work is the loop
/// count the run calibrated (recorded as a `loops` total).
const WHOLE_RUN: &str = "run_ns";

/// The `loops` totals, per suite, runtime and workload.
fn loops(records: &[Record]) -> BTreeMap<(String, String, String), f64> {
    records
        .iter()
        .filter(|r| r.metric == "loops" && r.iteration.is_none())
        .map(|r| {
            (
                (r.suite.clone(), r.runtime.clone(), r.workload.clone()),
                r.value,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(runtime: &str, values: impl Iterator<Item = f64>) -> Vec<Record> {
        values
            .enumerate()
            .map(|(i, value)| Record {
                suite: "time".into(),
                runtime: runtime.into(),
                workload: "noop".into(),
                workers: 1,
                iteration: Some(i as u64),
                metric: "cold_start_ns".into(),
                value,
                unit: "ns".into(),
            })
            .collect()
    }

    /// 200 samples spread over 100..120, in a scrambled order.
    fn spread() -> impl Iterator<Item = f64> {
        (0..200u64).map(|i| 100.0 + ((i * 37) % 21) as f64)
    }

    #[test]
    fn a_fifth_slower_is_worse_and_the_same_is_no_change() {
        let old = [records("a", spread()), records("b", spread())].concat();
        let new = [
            records("a", spread()),
            records("b", spread().map(|v| v * 1.2)),
        ]
        .concat();
        let changes = compare(&old, &new, 5.0);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].verdict, Verdict::NoSignificantChange);
        assert_eq!(changes[1].verdict, Verdict::Worse);
        assert!((changes[1].percent() - 20.0).abs() < 1e-9);
        assert_eq!(changes[1].verdict_text(), "slower");
    }

    #[test]
    fn four_samples_a_side_are_too_few_for_a_verdict_and_five_enough() {
        let old = |n| records("a", (0..n).map(|i| 100.0 + i as f64));
        let new = |n| records("a", (0..n).map(|i| 130.0 + i as f64));
        assert_eq!(compare(&old(4), &new(4), 5.0)[0].verdict, Verdict::TooNoisy);
        assert_eq!(compare(&old(5), &new(5), 5.0)[0].verdict, Verdict::Worse);
    }

    #[test]
    fn a_small_drift_is_not_significant_and_a_wide_spread_is_too_noisy() {
        let old = records("a", spread());
        let drift = records("a", spread().map(|v| v * 1.02));
        assert_eq!(
            compare(&old, &drift, 5.0)[0].verdict,
            Verdict::NoSignificantChange
        );
        let wild = records("a", (0..9).map(|i| [10.0, 400.0, 90.0][i % 3]));
        assert_eq!(compare(&old, &wild, 5.0)[0].verdict, Verdict::TooNoisy);
        let single = records("a", std::iter::once(200.0));
        assert_eq!(compare(&old, &single, 5.0)[0].verdict, Verdict::TooNoisy);
    }

    #[test]
    fn a_wide_interval_wholly_beyond_the_noise_is_still_a_change() {
        // Every old sample 100..200, every new one 200..400: the interval of
        // the ratio is wide, but even its best end is a large regression.
        let old = records("a", (0..40).map(|i| 100.0 + (i * 7 % 40) as f64 * 2.5));
        let slower = records("a", (0..40).map(|i| 200.0 + (i * 7 % 40) as f64 * 5.0));
        let change = &compare(&old, &slower, 5.0)[0];
        assert!(
            change.ratio.high - change.ratio.low > 0.2,
            "{:?}",
            change.ratio
        );
        assert_eq!(change.verdict, Verdict::Worse);
        assert_eq!(compare(&slower, &old, 5.0)[0].verdict, Verdict::Better);
    }

    #[test]
    fn whole_runs_of_other_loop_counts_are_not_compared() {
        let whole_runs = |values: Vec<f64>, loops: f64| {
            let mut runs = records("native", values.into_iter());
            for run in &mut runs {
                run.suite = "pybench".into();
                run.metric = "run_ns".into();
            }
            let total = Record {
                iteration: None,
                metric: "loops".into(),
                value: loops,
                unit: "loops".into(),
                ..runs[0].clone()
            };
            runs.push(total);
            runs
        };
        let old = whole_runs(spread().collect(), 1.0);
        let twice = whole_runs(spread().map(|v| v * 2.0).collect(), 2.0);
        assert_eq!(
            compare(&old, &twice, 5.0)[0].verdict,
            Verdict::DifferentWork
        );
        // With the same loop count, twice the time is slower.
        let slower = whole_runs(spread().map(|v| v * 2.0).collect(), 1.0);
        assert_eq!(compare(&old, &slower, 5.0)[0].verdict, Verdict::Worse);
    }
}
