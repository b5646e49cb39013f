//! `meta.json`: what a number needs to be reproduced — the host, the versions
//! of everything that ran, the exact command line and the git revision.

use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use isobench_measure::Host;

#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    pub isobench_version: String,
    pub git_revision: String,
    pub command_line: Vec<String>,
    pub started_at: String,
    pub host: Host,
    /// Versions of every runtime, engine and compiler used.
    pub versions: BTreeMap<String, String>,
    /// Settings that shape the numbers (engine configuration, guest flags, ...).
    pub settings: BTreeMap<String, serde_json::Value>,
    /// Things a reader must know, such as metrics that could not be measured.
    pub notes: Vec<String>,
}

impl Meta {
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
    }
}
