//! Statistics used by every suite.
//!
//! These are short closed-form formulas, written here rather than pulled in:
//! - the median's 95% confidence interval is the distribution-free one from
//!   order statistics: the count of samples below the median is
//!   binomial(n, ½), so the interval runs from the r-th smallest to the r-th
//!   largest sample, r the largest rank with P(count < r) ≤ 2.5% (summed
//!   exactly up to 1000 samples, by the normal approximation n/2 ∓ 1.96·√n/2
//!   above);
//! - that interval assumes independent samples, and samples taken one after
//!   another on a shared machine are not: the machine drifts over hundreds of
//!   milliseconds (on the 2-core VMs this was written on, the median of 100
//!   consecutive thread starts moved between 31 and 42 µs within one run), so
//!   neighbours share a state and the plain interval comes out far too
//!   narrow — two runs of the same binary then "differ significantly". So,
//!   as in the batch-means method of simulation output analysis (Schmeiser,
//!   1982, recommends 10 to 30 batches), the samples, in the order they were
//!   taken, are cut into 10 consecutive batches, and the interval of the
//!   median is also taken over the 10 batch medians (their 2nd to 9th: 97.9%);
//!   the reported interval spans both, so it is never narrower than the plain
//!   one and widens when the machine drifted during the run;
//! - with fewer than 6 samples no pair of order statistics reaches 95%: the
//!   interval is then min…max, whose real level (1 − 2·½ⁿ: 75% for 3
//!   samples, none for 1) is carried along and printed beside it;
//! - mean and standard deviation are the usual ones (σ with n − 1);
//! - outliers are samples whose modified Z-score 0.6745·|x − median| / MAD
//!   exceeds 3.5 (Iglewicz and Hoaglin), as hyperfine flags them;
//! - the least-squares line is the ordinary one, with R²;
//! - the ratio of two medians gets the interval spanned by dividing the ends
//!   of their two intervals (low by high, high by low): it holds every ratio
//!   both intervals allow, so it errs on the wide side, never the narrow one.

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The probability that `ci_low … ci_high` holds the true median: 95% or
    /// more, except for fewer than 6 samples.
    pub ci_level: f64,
    pub mean: f64,
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
    pub outliers: usize,
}

const Z_95: f64 = 1.959_963_984_540_054;
const OUTLIER_Z: f64 = 3.5;
/// Consecutive batches for the drift-aware interval (see the module notes).
const BATCHES: usize = 10;

pub fn median_of_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The 95% interval of the median from sorted samples' order statistics,
/// and its real level (below 95% only for fewer than 6 samples).
fn median_interval(sorted: &[f64]) -> (f64, f64, f64) {
    let n = sorted.len();
    let (rank, level) = if n <= 1000 {
        // P(count ≤ k) for k = 0, 1, ...: the rank k + 1 is allowed while it
        // stays within 2.5%. The interval misses the median when at most
        // rank − 1 samples fall on one side of it.
        let (mut rank, mut k) = (1, 0);
        let mut probability = 0.5f64.powi(n as i32);
        let mut cumulative = probability;
        let mut miss_one_side = probability;
        while cumulative <= 0.025 {
            rank = k + 1;
            miss_one_side = cumulative;
            k += 1;
            probability *= (n - k + 1) as f64 / k as f64;
            cumulative += probability;
        }
        (rank, 1.0 - 2.0 * miss_one_side)
    } else {
        let rank = (n as f64 / 2.0 - Z_95 * (n as f64).sqrt() / 2.0).floor() as usize;
        (rank, 0.95)
    };
    (sorted[rank - 1], sorted[n - rank], level)
}

/// Summarises samples given in the order they were taken; `None` when there
/// are none.
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = median_of_sorted(&sorted);
    // The batch interval below only widens this one: its level stays a floor.
    let (mut ci_low, mut ci_high, ci_level) = median_interval(&sorted);
    if n >= 2 * BATCHES {
        let mut medians: Vec<f64> = (0..BATCHES)
            .map(|b| {
                let mut batch = samples[b * n / BATCHES..(b + 1) * n / BATCHES].to_vec();
                batch.sort_by(f64::total_cmp);
                median_of_sorted(&batch)
            })
            .collect();
        medians.sort_by(f64::total_cmp);
        let (low, high, _) = median_interval(&medians);
        (ci_low, ci_high) = (ci_low.min(low), ci_high.max(high));
    }
    let mean = sorted.iter().sum::<f64>() / n as f64;
    let stddev = if n > 1 {
        (sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    Some(Summary {
        n,
        median,
        ci_low,
        ci_high,
        ci_level,
        mean,
        stddev,
        min: sorted[0],
        max: sorted[n - 1],
        outliers: outliers(&sorted, median).len(),
    })
}

/// Indices of samples whose modified Z-score exceeds 3.5.
pub fn outliers(samples: &[f64], median: f64) -> Vec<usize> {
    let mut deviations: Vec<f64> = samples.iter().map(|x| (x - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let mad = median_of_sorted(&deviations);
    if mad == 0.0 {
        return Vec::new();
    }
    samples
        .iter()
        .enumerate()
        .filter(|(_, x)| 0.6745 * (*x - median).abs() / mad > OUTLIER_Z)
        .map(|(i, _)| i)
        .collect()
}

/// The ratio of two samples' medians, with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratio {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    /// The lower of the two medians' interval levels.
    pub level: f64,
}

impl Ratio {
    /// `numerator.median / denominator.median`, with the interval above.
    pub fn of_medians(numerator: &Summary, denominator: &Summary) -> Ratio {
        Ratio {
            value: numerator.median / denominator.median,
            low: numerator.ci_low / denominator.ci_high,
            high: numerator.ci_high / denominator.ci_low,
            level: numerator.ci_level.min(denominator.ci_level),
        }
    }

    /// The median of ratios taken round by round, with that median's interval.
    pub fn of_rounds(rounds: &Summary) -> Ratio {
        Ratio {
            value: rounds.median,
            low: rounds.ci_low,
            high: rounds.ci_high,
            level: rounds.ci_level,
        }
    }
}

/// The geometric mean, the average that suits ratios; `None` when empty or
/// when a value is not positive.
pub fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| *v <= 0.0 || !v.is_finite()) {
        return None;
    }
    Some((values.iter().map(|v| v.ln()).sum::<f64>() / values.len() as f64).exp())
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    pub slope: f64,
    pub intercept: f64,
    pub r_squared: f64,
}

/// Ordinary least squares through `(x, y)` points; `None` with fewer than two
/// distinct x values.
pub fn least_squares(points: &[(f64, f64)]) -> Option<Line> {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let syy: f64 = points.iter().map(|p| (p.1 - mean_y).powi(2)).sum();
    if points.len() < 2 || sxx == 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    let r_squared = if syy == 0.0 {
        1.0
    } else {
        sxy * sxy / (sxx * syy)
    };
    Some(Line {
        slope,
        intercept: mean_y - slope * mean_x,
        r_squared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_interval_ranks_are_the_exact_binomial_ones() {
        let interval = |n: usize| {
            let sorted: Vec<f64> = (1..=n).map(|r| r as f64).collect();
            median_interval(&sorted)
        };
        let ranks = |n: usize| {
            let (low, high, _) = interval(n);
            (low, high)
        };
        let level = |n: usize| interval(n).2;
        // Published tables: x(40)..x(61) for 100 samples (96.5%), x(2)..x(9)
        // for 10 (97.9%); with 5, even the whole range holds the median with
        // only 93.75%, with 3 with 75%, and one sample is no interval at all.
        assert_eq!(ranks(100), (40.0, 61.0));
        assert!((level(100) - 0.9648).abs() < 1e-4, "{}", level(100));
        assert_eq!(ranks(10), (2.0, 9.0));
        assert!((level(10) - 0.978_515_625).abs() < 1e-12);
        assert_eq!(ranks(5), (1.0, 5.0));
        assert_eq!(level(5), 0.9375);
        assert_eq!(level(3), 0.75);
        assert_eq!(ranks(1), (1.0, 1.0));
        assert_eq!(level(1), 0.0);
        assert!((6..=1000).all(|n| level(n) >= 0.95));
        // Past 1000 samples the normal approximation takes over, and agrees.
        let (low, high) = ranks(1001);
        assert_eq!(level(1001), 0.95);
        let (exact_low, _) = ranks(1000);
        assert!((low - exact_low).abs() <= 1.0 && high == 1002.0 - low);
    }

    #[test]
    fn summary_of_one_to_hundred() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = summarize(&samples).unwrap();
        assert_eq!(s.median, 50.5);
        assert_eq!((s.min, s.max, s.mean), (1.0, 100.0, 50.5));
        assert!((s.stddev - 29.011_491_975_882_016).abs() < 1e-9);
        assert_eq!(s.outliers, 0);
        // Taken in rising order, the samples are all drift: the interval is
        // that of the ten batch medians 5.5, 15.5, ..., 95.5 (2nd to 9th).
        assert_eq!((s.ci_low, s.ci_high), (15.5, 85.5));
        // The same samples in a scrambled order: the plain interval.
        let scrambled: Vec<f64> = (0..100).map(|i| f64::from((i * 37) % 100 + 1)).collect();
        let s = summarize(&scrambled).unwrap();
        assert_eq!((s.median, s.ci_low, s.ci_high), (50.5, 40.0, 61.0));
    }

    #[test]
    fn a_machine_that_drifts_mid_run_widens_the_interval() {
        // 400 samples with the same spread; the level steps from 100 to 110
        // halfway through the run, or alternates between the two.
        let jitter = |i: usize| ((i * 37) % 41) as f64 - 20.0;
        let stepped: Vec<f64> = (0..400)
            .map(|i| jitter(i) + if i < 200 { 100.0 } else { 110.0 })
            .collect();
        let alternating: Vec<f64> = (0..400)
            .map(|i| jitter(i) + if i % 2 == 0 { 100.0 } else { 110.0 })
            .collect();
        let (stepped, alternating) = (
            summarize(&stepped).unwrap(),
            summarize(&alternating).unwrap(),
        );
        assert_eq!(stepped.median, alternating.median);
        let width = |s: &Summary| s.ci_high - s.ci_low;
        assert!(width(&alternating) < 5.0, "{alternating:?}");
        assert!(width(&stepped) > 8.0, "{stepped:?}");
    }

    #[test]
    fn a_far_sample_is_an_outlier() {
        let mut samples = vec![10.0, 11.0, 9.0, 10.5, 9.5, 10.2, 9.8];
        samples.push(100.0);
        assert_eq!(outliers(&samples, 10.1), vec![7]);
    }

    #[test]
    fn the_outlier_threshold_is_a_modified_z_score_of_3_5() {
        // Median 10 and MAD 2: a modified Z-score of 3.5 is 10.38 away.
        // 20 scores 3.37 and is kept; 20.8 scores 3.64 and is not (without
        // the 0.6745 factor, or with a threshold of 3 or 4, one of the two
        // would be misjudged).
        let samples = [8.0, 9.0, 10.0, 11.0, 12.0, 20.0, 20.8];
        assert_eq!(outliers(&samples, 10.0), vec![6]);
    }

    #[test]
    fn ratio_interval_divides_opposite_ends() {
        let wasm = summarize(&[11.0, 12.0, 13.0, 14.0, 15.0]).unwrap();
        let native = summarize(&[9.0, 10.0, 10.0, 10.0, 11.0]).unwrap();
        // Five samples: the median's interval is the whole range.
        let ratio = Ratio::of_medians(&wasm, &native);
        assert_eq!(ratio.value, 1.3);
        assert_eq!((ratio.low, ratio.high), (1.0, 15.0 / 9.0));
    }

    #[test]
    fn geometric_mean_of_reciprocals_is_one() {
        let mean = geometric_mean(&[2.0, 0.5, 4.0, 0.25]).unwrap();
        assert!((mean - 1.0).abs() < 1e-12);
        assert!((geometric_mean(&[1.0, 8.0]).unwrap() - 8f64.sqrt()).abs() < 1e-12);
        assert!(geometric_mean(&[]).is_none() && geometric_mean(&[1.0, 0.0]).is_none());
    }

    #[test]
    fn least_squares_recovers_a_line() {
        let points: Vec<(f64, f64)> = [0.0, 100.0, 500.0, 1000.0]
            .iter()
            .map(|&x| (x, 3.0 + 2.0 * x))
            .collect();
        let line = least_squares(&points).unwrap();
        assert!((line.slope - 2.0).abs() < 1e-12);
        assert!((line.intercept - 3.0).abs() < 1e-9);
        assert!((line.r_squared - 1.0).abs() < 1e-12);
        assert!(least_squares(&[(1.0, 2.0), (1.0, 3.0)]).is_none());
        // Off the line: worked by hand, slope 4.5 / 5, R² 4.5² / (5 × 4.75).
        let line = least_squares(&[(0.0, 0.0), (1.0, 1.0), (2.0, 1.0), (3.0, 3.0)]).unwrap();
        assert!((line.slope - 0.9).abs() < 1e-12);
        assert!((line.intercept + 0.1).abs() < 1e-12);
        assert!((line.r_squared - 20.25 / 23.75).abs() < 1e-12);
    }
}
