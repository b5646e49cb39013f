//! `--export-json`: every sample and its statistics, grouped per
//! configuration and metric, in the manner of hyperfine's JSON export (which
//! keeps every run's time so the results can be analysed again).

use crate::record::{series, Record, SeriesId};
use crate::stats::{summarize, Summary};
use serde::Serialize;

#[derive(Serialize)]
pub struct Export<'a, M: Serialize> {
    pub meta: &'a M,
    pub results: Vec<Series>,
    /// Totals over whole configurations (CPU, disk, elapsed time).
    pub totals: Vec<&'a Record>,
}

#[derive(Serialize)]
pub struct Series {
    #[serde(flatten)]
    pub id: SeriesId,
    #[serde(flatten)]
    pub summary: Summary,
    pub values: Vec<f64>,
}

pub fn export<'a, M: Serialize>(meta: &'a M, records: &'a [Record]) -> Export<'a, M> {
    let results = series(records)
        .into_iter()
        .filter_map(|(id, values)| {
            Some(Series {
                summary: summarize(&values)?,
                id,
                values,
            })
        })
        .collect();
    Export {
        meta,
        results,
        totals: records.iter().filter(|r| r.iteration.is_none()).collect(),
    }
}
