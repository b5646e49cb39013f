//! Records to files: the tidy CSV every suite writes, Faasm's CSV formats,
//! the Markdown summary, `meta.json`, and the statistics they are built on.
//! Measuring happens elsewhere; this crate only computes and writes.

pub mod compare;
pub mod export;
pub mod faasm;
pub mod html;
pub mod meta;
pub mod record;
pub mod stats;
pub mod svg;
pub mod table;

pub use record::{write_tidy_csv, Record, TIDY_HEADER};
