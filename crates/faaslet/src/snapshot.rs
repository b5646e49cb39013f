//! Pre-initialised snapshots for `faaslet-restore`, made with wasmtime-wizer.
//!
//! The guest is linked as a WASI *reactor* that exports `wizer-initialize`
//! (its one-time set-up) and `isobench-run` (its `main`). Wizer instruments
//! the module, we instantiate it and run the reactor's `_initialize` (C
//! constructors) and `wizer-initialize`, and Wizer rewrites the module so that
//! its memory and globals start out in that initialised state. Restoring is
//! then an ordinary instantiation with a copy-on-write memory image.

use crate::GuestState;
use anyhow::{Context, Result};
use wasmtime::{Engine, Instance, Linker, Module, Store};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

/// The export a snapshot module runs per call; it returns `main`'s exit code.
pub const RUN_EXPORT: &str = "isobench-run";

/// Runs the reactor's initialisation once and returns the snapshot module.
pub(crate) fn take_snapshot(reactor_wasm: &[u8]) -> Result<Vec<u8>> {
    let wizer = Wizer::new();
    let (cx, instrumented) = wizer
        .instrument(reactor_wasm)
        .map_err(anyhow::Error::from)
        .context("preparing the module for a snapshot")?;
    // A plain engine: initialisation runs once, outside any measurement.
    let engine = Engine::default();
    let module = Module::new(&engine, &instrumented)?;
    let mut linker = Linker::new(&engine);
    crate::readdir::link_wasi(&mut linker)?;
    let mut store = Store::new(&engine, GuestState::for_initialisation());
    let instance = linker.instantiate(&mut store, &module)?;
    if module.get_export("_initialize").is_some() {
        let init = instance.get_typed_func::<(), ()>(&mut store, "_initialize")?;
        init.call(&mut store, ())
            .map_err(anyhow::Error::from)
            .context("running the reactor's constructors (_initialize)")?;
    }
    let init_name = wizer.get_init_func().to_string();
    let init = instance
        .get_typed_func::<(), ()>(&mut store, &init_name)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("the module has no `{init_name}` export to snapshot after"))?;
    init.call(&mut store, ())
        .map_err(anyhow::Error::from)
        .with_context(|| format!("running `{init_name}`"))?;
    let mut state = InitialisedInstance {
        store: &mut store,
        instance,
    };
    let snapshot = wasmtime_wasi::runtime::in_tokio(wizer.snapshot(&cx, &mut state))
        .map_err(anyhow::Error::from)
        .context("writing the snapshot")?;
    Ok(snapshot)
}

/// What Wizer reads back out of the initialised instance.
struct InitialisedInstance<'a> {
    store: &'a mut Store<GuestState>,
    instance: Instance,
}

impl InstanceState for InitialisedInstance<'_> {
    async fn global_get(&mut self, name: &str, _type_hint: ValType) -> SnapshotVal {
        let global = self
            .instance
            .get_global(&mut *self.store, name)
            .expect("wizer asks only for globals its instrumentation exported");
        match global.get(&mut *self.store) {
            wasmtime::Val::I32(x) => SnapshotVal::I32(x),
            wasmtime::Val::I64(x) => SnapshotVal::I64(x),
            wasmtime::Val::F32(x) => SnapshotVal::F32(x),
            wasmtime::Val::F64(x) => SnapshotVal::F64(x),
            wasmtime::Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            other => panic!("a global of type {other:?} cannot be snapshotted"),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut *self.store, name)
            .expect("wizer asks only for memories its instrumentation exported");
        contents(memory.data(&*self.store))
    }
}
