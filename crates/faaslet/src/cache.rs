//! Ahead-of-time code cache.
//!
//! Compiled code is stored under a key made of the SHA-256 of the module's
//! bytes and a hash of every engine setting that affects code generation
//! (`Engine::precompile_compatibility_hash`, which includes wasmtime's
//! version). A changed module or a changed engine configuration gives a new
//! key, so a stale entry is never looked up; an entry that wasmtime refuses
//! anyway is compiled again and replaced. Stale entries are not removed by
//! themselves (every rebuilt module leaves one): each hit marks its entry
//! used, and [`prune`] (`isobench clean`) removes those unused for a while.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
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
                mark_used(&path);
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

/// Sets an entry's modification time to now, the time [`prune`] goes by.
/// A cache that cannot be written to is still read, so failing to mark an
/// entry only makes it look older than it is.
pub(crate) fn mark_used(path: &Path) {
    let _ = std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(SystemTime::now()));
}

/// What [`prune`] found in the code cache.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub removed_files: usize,
    pub removed_bytes: u64,
    pub kept_files: usize,
    pub kept_bytes: u64,
}

/// How a write in progress is named: the entry's name with this extension
/// followed by the writer's PID (`write_atomically`), which `prune` spares.
const TEMPORARY_EXTENSION: &str = "tmp";

/// How old a temporary file in the cache must be to count as abandoned.
const ABANDONED_WRITE_AGE: Duration = Duration::from_secs(60 * 60);

/// Removes the compiled modules (and the temporary files of interrupted
/// writes) under `cache_dir` that no run has used for `unused_for`.
pub fn prune(cache_dir: &Path, unused_for: Duration) -> Result<Pruned> {
    let dir = cache_dir.join("codegen");
    let mut pruned = Pruned::default();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(pruned),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let now = SystemTime::now();
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        // A run renaming its finished write, or another `clean`, may take an
        // entry away between the listing and the look at it: nothing to do.
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        if !metadata.is_file() {
            continue;
        }
        let modified = metadata
            .modified()
            .with_context(|| format!("reading the time of {}", path.display()))?;
        // A clock set back makes an entry look used in the future: kept.
        let unused = now.duration_since(modified).unwrap_or_default();
        // A temporary file may be a write still going (a run compiling now);
        // one takes seconds, so a temporary file an hour old was abandoned.
        let is_temporary = path
            .extension()
            .is_some_and(|ext| ext.to_string_lossy().starts_with(TEMPORARY_EXTENSION));
        let limit = if is_temporary {
            unused_for.max(ABANDONED_WRITE_AGE)
        } else {
            unused_for
        };
        if unused >= limit {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
            }
            pruned.removed_files += 1;
            pruned.removed_bytes += metadata.len();
        } else {
            pruned.kept_files += 1;
            pruned.kept_bytes += metadata.len();
        }
    }
    Ok(pruned)
}

/// Writes through a temporary file and a rename, so that a concurrent reader
/// or an interrupted run never sees half a file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("cache paths have a parent");
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "creating the code cache directory {} (ISOBENCH_CACHE_DIR chooses another place)",
            dir.display()
        )
    })?;
    let tmp = path.with_extension(format!("{TEMPORARY_EXTENSION}{}", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    /// The smallest valid module: the header alone.
    const EMPTY_MODULE: &[u8] = b"\0asm\x01\0\0\0";

    fn set_age(path: &Path, age: Duration) {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn age(path: &Path) -> Duration {
        let modified = std::fs::metadata(path).unwrap().modified().unwrap();
        SystemTime::now()
            .duration_since(modified)
            .unwrap_or_default()
    }

    /// A cache directory holding `files` (name, size, age), and its
    /// `codegen` directory.
    fn cache_holding(files: &[(&str, usize, Duration)]) -> (tempfile::TempDir, PathBuf) {
        let cache = tempfile::tempdir().unwrap();
        let codegen = cache.path().join("codegen");
        std::fs::create_dir(&codegen).unwrap();
        for &(name, size, age) in files {
            std::fs::write(codegen.join(name), vec![0u8; size]).unwrap();
            set_age(&codegen.join(name), age);
        }
        (cache, codegen)
    }

    #[test]
    fn prune_removes_only_entries_unused_for_long_enough() {
        let (cache, codegen) = cache_holding(&[
            ("old.cwasm", 3000, 20 * DAY),
            ("recent.cwasm", 500, 2 * DAY),
        ]);

        let pruned = prune(cache.path(), 14 * DAY).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                removed_files: 1,
                removed_bytes: 3000,
                kept_files: 1,
                kept_bytes: 500
            }
        );
        assert!(!codegen.join("old.cwasm").exists());
        assert!(codegen.join("recent.cwasm").exists());
    }

    #[test]
    fn emptying_the_cache_spares_a_write_still_going() {
        let (cache, codegen) = cache_holding(&[
            ("module.tmp4242", 4, Duration::ZERO),
            ("module.tmp17", 4, 2 * ABANDONED_WRITE_AGE),
        ]);

        let pruned = prune(cache.path(), Duration::ZERO).unwrap();
        assert_eq!((pruned.removed_files, pruned.kept_files), (1, 1));
        assert!(codegen.join("module.tmp4242").exists());
        assert!(!codegen.join("module.tmp17").exists());
    }

    #[test]
    fn pruning_a_cache_never_made_finds_nothing() {
        let cache = tempfile::tempdir().unwrap();
        let pruned = prune(&cache.path().join("absent"), DAY).unwrap();
        assert_eq!(pruned, Pruned::default());
    }

    #[test]
    fn a_hit_marks_its_entry_used_so_prune_keeps_it() {
        let cache_dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = CodegenCache::new(&engine, cache_dir.path().to_path_buf());
        let (_, outcome) = cache.load(&engine, EMPTY_MODULE).unwrap();
        assert_eq!(outcome, CacheOutcome::Compiled);
        let entry = cache.entry_path(EMPTY_MODULE);
        set_age(&entry, 30 * DAY);

        let (_, outcome) = cache.load(&engine, EMPTY_MODULE).unwrap();
        assert_eq!(outcome, CacheOutcome::Hit);
        assert!(
            age(&entry) < DAY,
            "a hit left the entry {:?} old",
            age(&entry)
        );
        assert_eq!(prune(cache_dir.path(), 14 * DAY).unwrap().kept_files, 1);
    }
}
