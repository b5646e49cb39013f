//! The guest build step: C sources in `guests/` built three ways with clang.
//!
//! - `native/NAME`: a static x86-64 binary, for the `process` runtime and
//!   the containers (`docker`, `runc`, `crun`), which hold nothing but it;
//! - `wasm/NAME.wasm`: a WASI command (`_start`), for `faaslet`;
//! - `wasm/NAME.reactor.wasm`: a WASI reactor with the entry points of
//!   `snapshot_entry.c`, for `faaslet-restore`.
//!
//! Each output carries a stamp: the SHA-256 of its sources, its flags and the
//! compiler's version. An output whose stamp differs is rebuilt, so editing a
//! source, changing a flag or upgrading clang all take effect on the next run.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod fold_offsets;
pub mod polybench;
pub mod python;

/// Every guest, by its path under `guests/` without `.c`.
pub const GUESTS: &[&str] = &[
    "noop",
    "hold",
    "test/touch",
    "test/spin",
    "test/escape",
    "test/listdir",
    "test/initonce",
    "test/trap",
];

/// The Debian packages that make up the wasm32-wasi C toolchain.
pub const WASM_TOOLCHAIN_PACKAGES: &str = "clang lld wasi-libc libclang-rt-14-dev-wasm32";

const OPT_FLAGS: &[&str] = &["-O2"];
const NATIVE_FLAGS: &[&str] = &["-static"];
const WASM_FLAGS: &[&str] = &["--target=wasm32-wasi"];
const REACTOR_FLAGS: &[&str] = &["--target=wasm32-wasi", "-mexec-model=reactor"];
const SNAPSHOT_ENTRY: &str = "snapshot_entry.c";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    Native,
    Wasm,
    Reactor,
}

impl Flavour {
    const ALL: [Flavour; 3] = [Flavour::Native, Flavour::Wasm, Flavour::Reactor];

    fn flags(self) -> Vec<&'static str> {
        let specific = match self {
            Flavour::Native => NATIVE_FLAGS,
            Flavour::Wasm => WASM_FLAGS,
            Flavour::Reactor => REACTOR_FLAGS,
        };
        OPT_FLAGS.iter().chain(specific).copied().collect()
    }
}

/// The exact compiler invocations, for `meta.json`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildFlags {
    pub compiler: String,
    pub native: String,
    pub wasm: String,
    pub reactor: String,
}

pub struct Guests {
    source_dir: PathBuf,
    out_dir: PathBuf,
}

#[derive(Debug, Default)]
pub struct BuildReport {
    pub built: Vec<PathBuf>,
}

/// What happens to a linked wasm module before it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PostLink {
    Nothing,
    /// [`fold_offsets`] with this bound (the module's data must start there).
    FoldConstantOffsets {
        bound: u32,
    },
}

impl PostLink {
    /// What the stamps hash for this step: the folding's revision too, so
    /// that a changed rewrite rebuilds the modules it made (and only them).
    fn recipe(self) -> String {
        match self {
            PostLink::Nothing => "nothing".into(),
            PostLink::FoldConstantOffsets { bound } => format!(
                "constant offsets folded up to {bound} (revision {})",
                fold_offsets::REVISION
            ),
        }
    }
}

/// The repository's root.
pub(crate) fn repo() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    repo.canonicalize().unwrap_or(repo)
}

/// The directory `$var` names, made absolute (a profiled target runs in its
/// results directory, where a path relative to where isobench started would
/// lead it astray), else `in_repo` inside the repository.
pub(crate) fn dir_from_env(var: &str, in_repo: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => std::path::absolute(&dir).unwrap_or_else(|_| dir.into()),
        None => repo().join(in_repo),
    }
}

impl Guests {
    /// Sources from `$ISOBENCH_GUESTS_SRC` or the repository's `guests/`;
    /// outputs to `$ISOBENCH_GUESTS_OUT` or the workspace's `target/guests`.
    pub fn locate() -> Self {
        Guests {
            source_dir: dir_from_env("ISOBENCH_GUESTS_SRC", "guests"),
            out_dir: dir_from_env("ISOBENCH_GUESTS_OUT", "target/guests"),
        }
    }

    pub fn path(&self, name: &str, flavour: Flavour) -> PathBuf {
        match flavour {
            Flavour::Native => self.out_dir.join("native").join(name),
            Flavour::Wasm => self.out_dir.join("wasm").join(format!("{name}.wasm")),
            Flavour::Reactor => self
                .out_dir
                .join("wasm")
                .join(format!("{name}.reactor.wasm")),
        }
    }

    /// Every wasm output, for the code cache.
    pub fn wasm_outputs(&self) -> Vec<(PathBuf, Flavour)> {
        GUESTS
            .iter()
            .flat_map(|name| [Flavour::Wasm, Flavour::Reactor].map(|f| (self.path(name, f), f)))
            .collect()
    }

    pub fn flags(&self) -> Result<BuildFlags> {
        let line = |f: Flavour| format!("clang {}", f.flags().join(" "));
        Ok(BuildFlags {
            compiler: clang_version()?,
            native: line(Flavour::Native),
            wasm: line(Flavour::Wasm),
            reactor: format!("{} (+ {SNAPSHOT_ENTRY})", line(Flavour::Reactor)),
        })
    }

    /// Builds every guest whose output is missing or stale.
    pub fn ensure_built(&self) -> Result<BuildReport> {
        let mut builder = Builder::new()?;
        let mut report = BuildReport::default();
        for name in GUESTS {
            for flavour in Flavour::ALL {
                let output = self.path(name, flavour);
                let mut sources = vec![self.source_dir.join(format!("{name}.c"))];
                if flavour == Flavour::Reactor {
                    sources.push(self.source_dir.join(SNAPSHOT_ENTRY));
                }
                let flags: Vec<String> = flavour.flags().iter().map(|f| f.to_string()).collect();
                if builder.ensure(&sources, &[], &flags, PostLink::Nothing, &output)? {
                    report.built.push(output);
                }
            }
        }
        Ok(report)
    }
}

/// Compiles outputs whose stamp is missing or differs.
struct Builder {
    compiler: String,
    toolchain_checked: bool,
    /// Partial files are named by process, so the threads of one process (the
    /// tests) build in turn; the later ones then find the guests up to date.
    _turn: std::sync::MutexGuard<'static, ()>,
}

static ONE_BUILDER_PER_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Builder {
    fn new() -> Result<Self> {
        // The stamps need clang's version; the rest of the toolchain is
        // checked only when something has to be built.
        let turn = ONE_BUILDER_PER_PROCESS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(Builder {
            compiler: clang_version()?,
            toolchain_checked: false,
            _turn: turn,
        })
    }

    /// Builds `output` from `sources` (which include `headers`) unless it is
    /// up to date; true when it was built.
    fn ensure(
        &mut self,
        sources: &[PathBuf],
        headers: &[PathBuf],
        flags: &[String],
        post_link: PostLink,
        output: &Path,
    ) -> Result<bool> {
        let inputs: Vec<PathBuf> = sources.iter().chain(headers).cloned().collect();
        let recipe = format!("{flags:?} then {}", post_link.recipe());
        let stamp = stamp(&inputs, &recipe, &self.compiler)?;
        let stamp_path = output.with_extension("stamp");
        let fresh =
            output.exists() && std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(&stamp);
        if fresh {
            return Ok(false);
        }
        if !self.toolchain_checked {
            check_toolchain()?;
            self.toolchain_checked = true;
        }
        compile(sources, flags, post_link, output)?;
        std::fs::write(&stamp_path, &stamp)
            .with_context(|| format!("writing {}", stamp_path.display()))?;
        Ok(true)
    }
}

/// The names of a selection (`all` or a list of kernels or benchmarks), in
/// lower case, as the catalogues spell them (`2MM` means 2mm). A name given
/// twice, or beside `all`, is refused: its runs would be pooled as one.
pub(crate) fn selection(names: &[String]) -> Result<Vec<String>> {
    let mut seen: Vec<String> = Vec::new();
    for name in names.iter().map(|n| n.to_lowercase()) {
        if seen.contains(&name) {
            bail!("`{name}` is given twice");
        }
        seen.push(name);
    }
    if seen.len() > 1 && seen.iter().any(|n| n == "all") {
        bail!("`all` names every one already: give `all` alone, or a list without it");
    }
    Ok(seen)
}

fn stamp(inputs: &[PathBuf], recipe: &str, compiler: &str) -> Result<String> {
    let mut hasher = Sha256::new();
    for source in inputs {
        let bytes = std::fs::read(source)
            .with_context(|| format!("reading guest source {}", source.display()))?;
        hasher.update(&bytes);
    }
    hasher.update(recipe);
    hasher.update(compiler);
    hasher.update(RECIPE);
    Ok(to_hex(&hasher.finalize()))
}

/// Lower-case hexadecimal, as digests are written in stamps and labels.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the stamps also hash: how `compile` turns sources into an output, so
/// that changing the recipe rebuilds what the old one made.
const RECIPE: &str = "wasm: clang -c per source, then a link without -O";

fn compile(
    sources: &[PathBuf],
    flags: &[String],
    post_link: PostLink,
    output: &Path,
) -> Result<()> {
    let dir = output.parent().expect("outputs live in a directory");
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "creating {} for the built guests (ISOBENCH_GUESTS_OUT chooses another place)",
            dir.display()
        )
    })?;
    // Built beside the output and renamed into place, so that two isobench
    // processes building the same guest never see a half-written file.
    let partial = output.with_extension(format!("partial-{}", std::process::id()));
    let built = build_to(sources, flags, post_link, &partial, output).and_then(|()| {
        std::fs::rename(&partial, output)
            .with_context(|| format!("moving {} into place", output.display()))
    });
    if built.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    built
}

/// [`compile`]'s build, into `partial`; errors name the `output`.
fn build_to(
    sources: &[PathBuf],
    flags: &[String],
    post_link: PostLink,
    partial: &Path,
    output: &Path,
) -> Result<()> {
    if flags.iter().any(|f| f.starts_with("--target=wasm32")) {
        // Given an -O level when it links for wasm, clang 14 runs binaryen's
        // `wasm-opt` on the result if one is on PATH (newer clangs have
        // `--no-wasm-opt`): different code from what the flags say, and
        // binaryen drops the name section that profiles need. So each source
        // is compiled to an object with every flag, and the objects are
        // linked without the -O level.
        let compile_flags = [flags, &["-c".to_string()]].concat();
        let link_flags: Vec<String> = flags
            .iter()
            .filter(|f| !f.starts_with("-O"))
            .cloned()
            .collect();
        let mut objects = Vec::new();
        let linked = sources
            .iter()
            .enumerate()
            .try_for_each(|(i, source)| {
                let object =
                    partial.with_extension(format!("partial-{}.{i}.o", std::process::id()));
                objects.push(object.clone());
                clang(
                    std::slice::from_ref(source),
                    &compile_flags,
                    &object,
                    output,
                )
            })
            .and_then(|()| clang(&objects, &link_flags, partial, output));
        // Removed whether or not the build got this far.
        for object in &objects {
            let _ = std::fs::remove_file(object);
        }
        linked?;
        if let PostLink::FoldConstantOffsets { bound } = post_link {
            let context = || format!("folding constant offsets in {}", output.display());
            let linked = std::fs::read(partial).with_context(context)?;
            let (folded, _) =
                fold_offsets::fold_constant_offsets(&linked, bound).with_context(context)?;
            std::fs::write(partial, folded).with_context(context)?;
        }
        Ok(())
    } else {
        clang(sources, flags, partial, output)
    }
}

/// One clang run: `inputs`, then `flags` (so that libraries such as `-lm`
/// follow what uses them), writing `to`; errors name the `output` being built.
fn clang(inputs: &[PathBuf], flags: &[String], to: &Path, output: &Path) -> Result<()> {
    let result = Command::new("clang")
        .args(inputs)
        .args(flags)
        .arg("-o")
        .arg(to)
        .output()
        .context("running clang")?;
    if !result.status.success() {
        bail!(
            "clang {} failed for {}:\n{}",
            flags.join(" "),
            output.display(),
            String::from_utf8_lossy(&result.stderr)
        );
    }
    Ok(())
}

fn clang_version() -> Result<String> {
    let output = Command::new("clang").arg("--version").output();
    match output {
        Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout)
            .lines()
            .next()
            .unwrap_or("clang")
            .to_string()),
        _ => bail!(missing("clang is not installed")),
    }
}

fn missing(what: &str) -> String {
    format!(
        "cannot build the guests: {what}. Install the C and wasm32-wasi toolchain with \
         `apt-get install {WASM_TOOLCHAIN_PACKAGES}` (or run scripts/setup)"
    )
}

/// Names the missing piece of the toolchain, before any compiler error would.
pub fn check_toolchain() -> Result<()> {
    clang_version()?;
    let ask = |args: &[&str]| -> String {
        Command::new("clang")
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let wasm_ld = Command::new("wasm-ld").arg("--version").output();
    if !matches!(wasm_ld, Ok(o) if o.status.success()) {
        bail!(missing("wasm-ld (package lld) is not installed"));
    }
    let libc = ask(&["--target=wasm32-wasi", "-print-file-name=libc.a"]);
    if !Path::new(&libc).is_absolute() {
        bail!(missing(
            "the WASI C library (package wasi-libc) is not installed"
        ));
    }
    let builtins = ask(&["--target=wasm32-wasi", "-print-libgcc-file-name"]);
    if !Path::new(&builtins).exists() {
        bail!(missing(
            "clang's wasm32 runtime library (package libclang-rt-14-dev-wasm32) is not installed"
        ));
    }
    Ok(())
}
