//! Ahead-of-time code cache.
//!
//! Compiled code is stored under a key made of the SHA-256 of the module's
//! bytes and a hash of every engine setting that affects code generation
//! (`Engine::precompile_compatibility_hash`, which includes wasmtime's
//! version). A changed module or a changed engine configuration gives a new
//! key, so a stale entry is never looked up; an entry that wasmtime refuses
//! anyway is compiled again and replaced.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::{Engine, Module};

pub struct CodegenCache {
    dir: PathBuf,
    engine_key: String,
}

/// What [`CodegenCache::load`] had to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    Hit,
    Compiled,
}

impl CodegenCache {
    pub fn new(engine: &Engine, dir: PathBuf) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        CodegenCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The default location: `$ISOBENCH_CACHE_DIR`, else `$XDG_CACHE_HOME/isobench`,
    /// else `~/.cache/isobench`.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("ISOBENCH_CACHE_DIR") {
            return PathBuf::from(dir);
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("isobench")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cache file for a module with these bytes under this engine.
    pub fn entry_path(&self, wasm: &[u8]) -> PathBuf {
        let digest = Sha256::digest(wasm);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir
            .join(format!("codegen/{hex}-{}.cwasm", self.engine_key))
    }

    /// Loads compiled code for `wasm`, compiling and storing it first if needed.
    pub fn load(&self, engine: &Engine, wasm: &[u8]) -> Result<(Module, CacheOutcome)> {
        let path = self.entry_path(wasm);
        if path.exists() {
            // SAFETY: the file was written by `Engine::precompile_module` into
            // our own cache under a key that includes the engine's settings;
            // wasmtime still checks the header and refuses a mismatch.
            if let Ok(module) = unsafe { Module::deserialize_file(engine, &path) } {
                return Ok((module, CacheOutcome::Hit));
            }
        }
        let compiled = engine
            .precompile_module(wasm)
            .map_err(anyhow::Error::from)
            .context("compiling the WebAssembly module ahead of time")?;
        write_atomically(&path, &compiled)?;
        // SAFETY: as above, the bytes come straight from `precompile_module`.
        let module = unsafe { Module::deserialize(engine, &compiled) }?;
        Ok((module, CacheOutcome::Compiled))
    }
}

/// Writes through a temporary file and a rename, so that a concurrent reader
/// or an interrupted run never sees half a file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("cache paths have a parent");
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the cache directory {}", dir.display()))?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}
