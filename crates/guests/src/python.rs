//! CPython built twice from one source (`scripts/python`) and the catalogue
//! of pyperformance's benchmarks that `pybench` runs in both builds.
//!
//! `target/python/` (or `$ISOBENCH_PYTHON`) holds the native interpreter,
//! `python.wasm`, and `tree/`: the directory the wasm interpreter sees as
//! `/`, with its standard library under `lib/python3.11` and `site/`, where
//! pyperformance's benchmarks, their pure-Python dependencies and isobench's
//! pyperf shim live. Both interpreters run the same files from `site/`.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The release of pyperformance whose benchmarks `scripts/python` fetches.
pub const PYPERFORMANCE_VERSION: &str = "1.14.0";

/// Why some benchmarks do not run, one per line: NAME, a tab, the reason.
const UNSUPPORTED_TSV: &str = include_str!("../../../guests/python/unsupported.tsv");
const ABSENT_MODULES_TSV: &str = include_str!("../../../guests/python/absent-modules.tsv");

/// Where pyperformance keeps its benchmarks, under the site directory.
const BENCHMARKS_DIR: &str = "site/pyperformance/data-files/benchmarks";

/// The files of isobench's own that go into the site directory.
const SHIM_FILES: &[&str] = &["pyperf/__init__.py", "isobench_pybench.py"];

/// The shim's driver, which runs one benchmark script, in the tree.
const DRIVER: &str = "site/isobench_pybench.py";

pub struct Python {
    root: PathBuf,
    shim_source: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Benchmark {
    /// pyperformance's name, as its MANIFEST lists it.
    pub name: String,
    /// The benchmark's script, its path in the tree.
    script: String,
    /// The script's arguments, from the benchmark's metafile.
    extra_opts: Vec<String>,
    /// Why it does not run, when it does not.
    pub unsupported: Option<String>,
}

impl Benchmark {
    /// The interpreter's arguments that run the script through the shim's
    /// driver, for an interpreter that sees the tree at `tree` (the host
    /// path natively, `/` in wasm).
    pub fn interpreter_args(&self, tree: &Path) -> Vec<String> {
        let in_tree = |path: &str| tree.join(path).to_string_lossy().into_owned();
        [in_tree(DRIVER), in_tree(&self.script)]
            .into_iter()
            .chain(self.extra_opts.iter().cloned())
            .collect()
    }
}

impl Python {
    /// `$ISOBENCH_PYTHON` or the workspace's `target/python`.
    pub fn locate() -> Self {
        Python {
            root: crate::dir_from_env("ISOBENCH_PYTHON", "target/python"),
            shim_source: crate::repo().join("guests/python"),
        }
    }

    pub fn native(&self) -> PathBuf {
        self.root.join("native/bin/python3.11")
    }

    pub fn wasm(&self) -> PathBuf {
        self.root.join("wasm/python.wasm")
    }

    /// The environment the wasm interpreter needs: its standard library is
    /// at `/lib/python3.11` in the tree.
    pub fn wasm_env() -> Vec<(String, String)> {
        vec![("PYTHONHOME".into(), "/".into())]
    }

    /// What the wasm interpreter sees as `/`.
    pub fn tree(&self) -> PathBuf {
        self.root.join("tree")
    }

    /// `text` from or for the native interpreter, with the paths in the
    /// tree written as the wasm interpreter sees them (from `/`). Only whole
    /// path components count: `…/tree2` is another directory.
    pub fn as_seen_in_wasm(&self, text: &str) -> String {
        let tree = self.tree().to_string_lossy().into_owned();
        let mut seen = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(&tree) {
            seen.push_str(&rest[..at]);
            let after = &rest[at + tree.len()..];
            match after.chars().next() {
                Some('/') => {}
                None => seen.push('/'),
                Some(c) if c.is_whitespace() || "'\":,;)]}".contains(c) => seen.push('/'),
                Some(_) => seen.push_str(&tree),
            }
            rest = after;
        }
        seen.push_str(rest);
        seen
    }

    /// Fails, naming the set-up step, unless both builds and the benchmarks
    /// are there; then puts the current shim into the site directory.
    pub fn ensure_ready(&self) -> Result<()> {
        let needed = [
            self.native(),
            self.wasm(),
            self.tree().join("lib/python3.11/os.py"),
            self.tree().join(BENCHMARKS_DIR).join("MANIFEST"),
        ];
        if let Some(missing) = needed.iter().find(|path| !path.exists()) {
            // The README's second set of builds lives where ISOBENCH_PYTHON says.
            let (build, origin) = match std::env::var_os("ISOBENCH_PYTHON") {
                Some(_) => (
                    format!("`scripts/python {}`", self.root.display()),
                    " (the directory ISOBENCH_PYTHON names)",
                ),
                None => ("`scripts/python`".to_string(), ""),
            };
            bail!(
                "{} is missing{origin}: build the two CPython interpreters and fetch \
                 pyperformance with {build} (about 10 minutes; `scripts/setup` installs the \
                 Debian packages it needs and runs it)",
                missing.display()
            );
        }
        for file in SHIM_FILES {
            let (from, to) = (
                self.shim_source.join(file),
                self.tree().join("site").join(file),
            );
            let source =
                std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
            if std::fs::read(&to).ok().as_ref() != Some(&source) {
                std::fs::create_dir_all(to.parent().expect("a file in a directory"))?;
                std::fs::write(&to, source).with_context(|| format!("writing {}", to.display()))?;
            }
        }
        Ok(())
    }

    /// Every benchmark in pyperformance's MANIFEST order.
    pub fn catalogue(&self) -> Result<Vec<Benchmark>> {
        let dir = self.tree().join(BENCHMARKS_DIR);
        let manifest_path = dir.join("MANIFEST");
        let manifest = std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("reading {}", manifest_path.display()))?;
        let unsupported = parse_tsv("unsupported.tsv", UNSUPPORTED_TSV)?;
        let reason = |name: &str| {
            unsupported
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, why)| why.clone())
        };
        let mut benchmarks = Vec::new();
        for (name, metafile) in manifest_entries(&manifest) {
            // `<local>` is bm_NAME/pyproject.toml; `<local:BASE>` is a variant
            // of BASE's script, described by bm_BASE/bm_NAME.toml.
            let (script_dir, toml) = match metafile.strip_prefix("<local:") {
                Some(base) => {
                    let base = base.trim_end_matches('>');
                    (format!("bm_{base}"), format!("bm_{name}.toml"))
                }
                None => (format!("bm_{name}"), "pyproject.toml".to_string()),
            };
            let toml_path = dir.join(&script_dir).join(toml);
            let extra_opts = read_extra_opts(&toml_path)
                .with_context(|| format!("reading {}", toml_path.display()))?;
            benchmarks.push(Benchmark {
                unsupported: reason(name),
                name: name.to_string(),
                script: format!("{BENCHMARKS_DIR}/{script_dir}/run_benchmark.py"),
                extra_opts,
            });
        }
        Ok(benchmarks)
    }
}

/// The benchmarks named, in catalogue order; `all` names every one that runs.
pub fn select(
    catalogue: &[Benchmark],
    names: &[String],
    include_unsupported: bool,
) -> Result<Vec<Benchmark>> {
    let names = crate::selection(names)?;
    let all = names.iter().any(|n| n == "all");
    for name in names.iter().filter(|n| *n != "all") {
        let Some(benchmark) = catalogue.iter().find(|b| &b.name == name) else {
            let valid: Vec<&str> = catalogue.iter().map(|b| b.name.as_str()).collect();
            bail!(
                "unknown Python benchmark `{name}`: the benchmarks are {} (`isobench pybench \
                 --list` says which run)",
                valid.join(", ")
            );
        };
        if let (Some(reason), false) = (&benchmark.unsupported, include_unsupported) {
            bail!(
                "the Python benchmark `{name}` does not run here: {reason} (add \
                 --include-unsupported to run it anyway)"
            );
        }
    }
    Ok(catalogue
        .iter()
        .filter(|b| if all { true } else { names.contains(&b.name) })
        .filter(|b| include_unsupported || b.unsupported.is_none())
        .cloned()
        .collect())
}

/// `name<TAB>metafile` lines of the MANIFEST's `[benchmarks]` section.
fn manifest_entries(manifest: &str) -> Vec<(&str, &str)> {
    let mut in_benchmarks = false;
    let mut entries = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_benchmarks = line == "[benchmarks]";
            continue;
        }
        if !in_benchmarks || line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, metafile)) = line.split_once(char::is_whitespace) {
            if name != "name" {
                entries.push((name, metafile.trim()));
            }
        }
    }
    entries
}

#[derive(Deserialize)]
struct Metafile {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    pyperformance: Option<PyperformanceTable>,
}

#[derive(Deserialize)]
struct PyperformanceTable {
    #[serde(default)]
    extra_opts: Vec<String>,
}

/// The script arguments a benchmark's metafile gives (`extra_opts`).
fn read_extra_opts(path: &Path) -> Result<Vec<String>> {
    let metafile: Metafile = toml::from_str(&std::fs::read_to_string(path)?)?;
    Ok(metafile
        .tool
        .and_then(|t| t.pyperformance)
        .map(|p| p.extra_opts)
        .unwrap_or_default())
}

/// The compiled modules python.wasm lacks whose absence changes no timed
/// code (guests/python/absent-modules.tsv), each with the reason.
pub fn modules_known_absent() -> Result<Vec<(String, String)>> {
    parse_tsv("absent-modules.tsv", ABSENT_MODULES_TSV)
}

/// The NAME<TAB>REASON lines of `tsv`, the file `file_name`.
fn parse_tsv(file_name: &str, tsv: &str) -> Result<Vec<(String, String)>> {
    tsv.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (name, reason) = line
                .split_once('\t')
                .with_context(|| format!("{file_name}: `{line}` is not NAME<TAB>REASON"))?;
            Ok((name.to_string(), reason.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_entries_come_from_the_benchmarks_section_only() {
        let manifest = "[benchmarks]\n\nname\tmetafile\n2to3\t<local>\n#hg\t<local>\n\
                        pickle_dict\t<local:pickle>\n\n[group default]\nx\ty\n";
        assert_eq!(
            manifest_entries(manifest),
            vec![("2to3", "<local>"), ("pickle_dict", "<local:pickle>")]
        );
    }

    #[test]
    fn paths_in_the_tree_are_written_from_the_wasm_root() {
        let python = Python {
            root: PathBuf::from("/w/target/python"),
            shim_source: PathBuf::new(),
        };
        let native = "RefactoringTool: /w/target/python/tree/site/x.py\n\
                      ['/w/target/python/tree', /w/target/python/tree2/y, /w/target/python/tree]";
        assert_eq!(
            python.as_seen_in_wasm(native),
            "RefactoringTool: /site/x.py\n['/', /w/target/python/tree2/y, /]"
        );
    }

    #[test]
    fn the_setup_fetches_this_pyperformance() {
        let vendor = include_str!("../../../guests/python/vendor.txt");
        assert!(vendor
            .lines()
            .any(|l| l == format!("pyperformance=={PYPERFORMANCE_VERSION}")));
    }

    #[test]
    fn every_unsupported_benchmark_and_absent_module_has_a_reason() {
        let unsupported = parse_tsv("unsupported.tsv", UNSUPPORTED_TSV).unwrap();
        for (name, reason) in unsupported
            .into_iter()
            .chain(modules_known_absent().unwrap())
        {
            assert!(!reason.trim().is_empty(), "{name} has no reason");
        }
    }
}
