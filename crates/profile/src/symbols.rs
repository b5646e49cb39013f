//! Function names from a module's name section: what `perf` shows for wasm
//! code, and what Faasm's `func_sym` tool produced for its profiles.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

/// One function of a module, in index order: imports first, then definitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub index: u32,
    /// `module.field` for an imported function; `None` for a definition.
    pub import: Option<String>,
    /// From the name section; `None` where it gives none.
    pub name: Option<String>,
}

/// Every function of the module at `path`; an error when it has no name section.
pub fn functions(path: &Path) -> Result<Vec<Function>> {
    let wasm = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if !wasm.starts_with(b"\0asm") {
        bail!(
            "{} is not a WebAssembly module (it does not begin with the bytes \\0asm): give \
             a .wasm file",
            path.display()
        );
    }
    let mut imports = Vec::new();
    let mut defined = 0u32;
    let mut names: Option<BTreeMap<u32, String>> = None;
    for payload in Parser::new(0).parse_all(&wasm) {
        let payload = payload
            .with_context(|| format!("{} is not a valid WebAssembly module", path.display()))?;
        match payload {
            Payload::ImportSection(section) => {
                for import in section.into_imports() {
                    let import = import?;
                    // Both kinds of function import take an index.
                    if let TypeRef::Func(_) | TypeRef::FuncExact(_) = import.ty {
                        imports.push(format!("{}.{}", import.module, import.name));
                    }
                }
            }
            Payload::FunctionSection(section) => defined = section.count(),
            Payload::CustomSection(section) => {
                if let KnownCustom::Name(reader) = section.as_known() {
                    let map = names.get_or_insert_with(BTreeMap::new);
                    for subsection in reader {
                        if let Name::Function(functions) = subsection? {
                            for naming in functions {
                                let naming = naming?;
                                map.insert(naming.index, naming.name.to_string());
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let Some(mut names) = names else {
        bail!(
            "{} has no name section, so its functions have no names: build it without \
             stripping (no `-s` / `--strip-all` at link time), or with `-g`",
            path.display()
        );
    };
    let imported = imports.len() as u32;
    let imports = imports.into_iter().map(Some);
    let definitions = (0..defined).map(|_| None);
    Ok(imports
        .chain(definitions)
        .zip(0..)
        .map(|(import, index)| Function {
            index,
            import,
            name: names.remove(&index),
        })
        .inspect(|f| debug_assert_eq!(f.import.is_some(), f.index < imported))
        .collect())
}

/// Faasm's `function.symbols`: one line per function, `functionImport<N>` or
/// `functionDef<N>` (counted within imports and within definitions, as WAVM
/// named generated code) followed by the function's name, ready for `sed`.
pub fn faasm_symbols(functions: &[Function]) -> String {
    let imported = functions.iter().filter(|f| f.import.is_some()).count() as u32;
    functions
        .iter()
        .map(|f| {
            let generated = match f.import {
                Some(_) => format!("functionImport{}", f.index),
                None => format!("functionDef{}", f.index - imported),
            };
            let name = f.name.as_deref().unwrap_or("");
            format!("{generated} {name}\n")
        })
        .collect()
}
