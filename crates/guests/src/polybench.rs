//! PolyBench/C: the kernel catalogue and the per-dataset builds.
//!
//! The catalogue is `guests/polybench/datasets.tsv` (PolyBench/C 4.2.1's
//! sizes and default element types), compiled into the binary. A kernel is
//! built once per dataset, its sizes and element type passed as macros, so
//! that loop bounds are compile-time constants as in PolyBench itself. Both
//! builds use the same clang and the same `-O3`; only the target differs.

use crate::{Builder, Guests, PostLink};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

const DATASETS_TSV: &str = include_str!("../../../guests/polybench/datasets.tsv");

const OPT_FLAGS: &[&str] = &["-O3"];
/// The native build targets the x86-64 baseline (SSE2), not the build
/// machine's CPU: wasm's SIMD is 128 bits wide too, so neither side gets
/// wider vectors than the other.
const NATIVE_FLAGS: &[&str] = &["-static", "-lm"];
/// The one place the low-memory bound is written, so that the linker flag
/// and the folding's bound cannot disagree.
macro_rules! low_memory_bound {
    () => {
        65536
    };
}
/// wasmtime compiles 128-bit SIMD by default, so the vectoriser may use it.
/// The data starts at [`LOW_MEMORY_BOUND`] instead of 1 KiB, leaving the
/// memory below it unused, which the post-link step relies on.
const WASM_FLAGS: &[&str] = &[
    "--target=wasm32-wasi",
    "-msimd128",
    "-lm",
    concat!("-Wl,--global-base=", low_memory_bound!()),
];
/// Constants below this are folded into the wasm loads' and stores' offsets
/// after linking (`fold_offsets`).
const LOW_MEMORY_BOUND: u32 = low_memory_bound!();
const HEADER: &str = "polybench.h";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dataset {
    Mini,
    Small,
    Medium,
    Large,
    ExtraLarge,
}

impl Dataset {
    pub const ALL: [Dataset; 5] = [
        Dataset::Mini,
        Dataset::Small,
        Dataset::Medium,
        Dataset::Large,
        Dataset::ExtraLarge,
    ];

    fn tsv_name(self) -> &'static str {
        match self {
            Dataset::Mini => "MINI",
            Dataset::Small => "SMALL",
            Dataset::Medium => "MEDIUM",
            Dataset::Large => "LARGE",
            Dataset::ExtraLarge => "EXTRALARGE",
        }
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.tsv_name().to_lowercase())
    }
}

impl FromStr for Dataset {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Dataset::ALL
            .into_iter()
            .find(|d| d.tsv_name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let valid: Vec<String> = Dataset::ALL.iter().map(|d| d.to_string()).collect();
                format!(
                    "unknown dataset `{text}`: choose one of {}",
                    valid.join(", ")
                )
            })
    }
}

#[derive(Debug, Clone)]
pub struct Kernel {
    pub name: String,
    pub category: String,
    /// `double`, `float` or `int`: the kernel's default in PolyBench.
    pub element_type: String,
    /// For each dataset, the size parameters in PolyBench's order.
    sizes: Vec<(Dataset, Vec<(String, u64)>)>,
}

impl Kernel {
    pub fn sizes(&self, dataset: Dataset) -> &[(String, u64)] {
        self.sizes
            .iter()
            .find(|(d, _)| *d == dataset)
            .map(|(_, sizes)| sizes.as_slice())
            .expect("the catalogue gives every kernel every dataset")
    }

    /// "M=240 N=260", as the catalogue writes it.
    pub fn sizes_text(&self, dataset: Dataset) -> String {
        let pairs: Vec<String> = self
            .sizes(dataset)
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        pairs.join(" ")
    }

    /// The compiler flags for this kernel at `dataset` on one target.
    fn flags(&self, dataset: Dataset, target: &[&str]) -> Vec<String> {
        let mut flags: Vec<String> = OPT_FLAGS.iter().map(|f| f.to_string()).collect();
        flags.push(format!("-DDATA_TYPE={}", self.element_type));
        flags.extend(
            self.sizes(dataset)
                .iter()
                .map(|(name, value)| format!("-D{name}={value}")),
        );
        flags.extend(target.iter().map(|f| f.to_string()));
        flags
    }
}

/// Every kernel, in the catalogue's order.
pub fn catalogue() -> &'static [Kernel] {
    static CATALOGUE: OnceLock<Vec<Kernel>> = OnceLock::new();
    CATALOGUE.get_or_init(|| parse_catalogue(DATASETS_TSV).expect("datasets.tsv is well formed"))
}

fn parse_catalogue(tsv: &str) -> Result<Vec<Kernel>> {
    let mut kernels: Vec<Kernel> = Vec::new();
    for (number, line) in tsv.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, category, dataset, params, element_type] = fields[..] else {
            bail!("datasets.tsv line {}: expected 5 fields", number + 1);
        };
        let dataset: Dataset = dataset.parse().map_err(anyhow::Error::msg)?;
        let sizes = params
            .split_whitespace()
            .map(|pair| {
                let (name, value) = pair.split_once('=').context("a size is NAME=VALUE")?;
                Ok((name.to_string(), value.parse()?))
            })
            .collect::<Result<Vec<_>>>()
            .with_context(|| format!("datasets.tsv line {}", number + 1))?;
        match kernels.iter_mut().find(|k| k.name == name) {
            Some(kernel) => kernel.sizes.push((dataset, sizes)),
            None => kernels.push(Kernel {
                name: name.to_string(),
                category: category.to_string(),
                element_type: element_type.to_lowercase(),
                sizes: vec![(dataset, sizes)],
            }),
        }
    }
    Ok(kernels)
}

/// The kernels named, in the catalogue's order; `all` names every one.
pub fn select(names: &[String]) -> Result<Vec<&'static Kernel>> {
    let all = catalogue();
    let names = crate::selection(names)?;
    if names.iter().any(|n| n == "all") {
        return Ok(all.iter().collect());
    }
    for name in &names {
        if !all.iter().any(|k| &k.name == name) {
            let valid: Vec<&str> = all.iter().map(|k| k.name.as_str()).collect();
            bail!(
                "unknown PolyBench kernel `{name}`: the kernels are {}",
                valid.join(", ")
            );
        }
    }
    Ok(all.iter().filter(|k| names.contains(&k.name)).collect())
}

/// The exact compiler invocations, for `meta.json`.
#[derive(Debug, Clone, Serialize)]
pub struct PolybenchFlags {
    pub native: String,
    pub wasm: String,
    /// What is done to the linked wasm module: a step native code does not get.
    pub wasm_post_link: String,
    pub per_kernel: String,
}

pub fn flags() -> PolybenchFlags {
    let line = |target: &[&str]| {
        let flags: Vec<&str> = OPT_FLAGS.iter().chain(target).copied().collect();
        format!("clang KERNEL.c {}", flags.join(" "))
    };
    PolybenchFlags {
        native: line(NATIVE_FLAGS),
        wasm: line(WASM_FLAGS),
        wasm_post_link: format!(
            "isobench's constant-offset folding: `i32.const C; i32.add` before a load or store \
             (and before a store's one-instruction value) becomes part of the access's offset, \
             for C > 0 where the new offset is at most {LOW_MEMORY_BOUND} (no data lives below \
             that address)"
        ),
        per_kernel: "-DDATA_TYPE=<the kernel's default type> and -D<SIZE>=<value> for each of \
                     the dataset's sizes"
            .into(),
    }
}

/// A kernel built for one dataset, natively and for wasm32-wasi.
#[derive(Debug, Clone)]
pub struct KernelBuild {
    pub native: PathBuf,
    pub wasm: PathBuf,
}

impl Guests {
    /// Builds `kernel` at `dataset` on both targets unless up to date.
    pub fn polybench(&self, kernel: &Kernel, dataset: Dataset) -> Result<KernelBuild> {
        let source_dir = self.source_dir.join("polybench");
        let sources = [source_dir.join(format!("{}.c", kernel.name))];
        let headers = [source_dir.join(HEADER)];
        let out = self.out_dir.join("polybench").join(dataset.to_string());
        let build = KernelBuild {
            native: out.join("native").join(&kernel.name),
            wasm: out.join("wasm").join(format!("{}.wasm", kernel.name)),
        };
        let mut builder = Builder::new()?;
        let fold = PostLink::FoldConstantOffsets {
            bound: LOW_MEMORY_BOUND,
        };
        for (output, target, post_link) in [
            (&build.native, NATIVE_FLAGS, PostLink::Nothing),
            (&build.wasm, WASM_FLAGS, fold),
        ] {
            let flags = kernel.flags(dataset, target);
            builder.ensure(&sources, &headers, &flags, post_link, output)?;
        }
        Ok(build)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_thirty_kernels_with_five_datasets_each() {
        let kernels = catalogue();
        assert_eq!(kernels.len(), 30);
        for kernel in kernels {
            for dataset in Dataset::ALL {
                assert!(!kernel.sizes(dataset).is_empty(), "{}", kernel.name);
            }
        }
        let deriche = kernels.iter().find(|k| k.name == "deriche").unwrap();
        assert_eq!(deriche.element_type, "float");
        assert_eq!(deriche.sizes_text(Dataset::Medium), "W=720 H=480");
    }

    #[test]
    fn unknown_names_are_refused_with_the_valid_ones() {
        let error = select(&["2mm".into(), "4mm".into()])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`4mm`") && error.contains("floyd-warshall"),
            "{error}"
        );
        let error = "huge".parse::<Dataset>().unwrap_err();
        assert!(
            error.contains("mini, small, medium, large, extralarge"),
            "{error}"
        );
        assert_eq!(select(&["all".into()]).unwrap().len(), 30);
    }

    #[test]
    fn the_wasm_kernels_are_linked_above_the_bound_and_folded() {
        let global_base = format!("-Wl,--global-base={LOW_MEMORY_BOUND}");
        assert!(WASM_FLAGS.contains(&global_base.as_str()));
        // jacobi-2d's raw clang output adds its row offsets in `i32.add`s
        // (the reason for the step); the build leaves none to fold.
        let out = tempfile::tempdir().unwrap();
        let guests = Guests {
            out_dir: out.path().to_path_buf(),
            ..Guests::locate()
        };
        let jacobi = select(&["jacobi-2d".into()]).unwrap()[0];
        let build = guests.polybench(jacobi, Dataset::Mini).unwrap();
        let wasm = std::fs::read(&build.wasm).unwrap();
        let (_, left) =
            crate::fold_offsets::fold_constant_offsets(&wasm, LOW_MEMORY_BOUND).unwrap();
        assert_eq!(left, crate::fold_offsets::Folded::default());
        let unfolded_flags: Vec<String> = jacobi
            .flags(Dataset::Mini, WASM_FLAGS)
            .into_iter()
            .filter(|f| *f != global_base)
            .collect();
        let raw = out.path().join("raw.wasm");
        let sources = [guests.source_dir.join("polybench/jacobi-2d.c")];
        crate::compile(&sources, &unfolded_flags, PostLink::Nothing, &raw).unwrap();
        let (_, found) = crate::fold_offsets::fold_constant_offsets(
            &std::fs::read(&raw).unwrap(),
            LOW_MEMORY_BOUND,
        )
        .unwrap();
        assert!(found.address_only >= 5, "{found:?}");
    }
}
