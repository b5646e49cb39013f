//! `faaslet`: a thread that runs a fresh instance of the ahead-of-time
//! compiled `noop.wasm` (an already loaded module), which the dispatching
//! thread makes and, once the thread has exited, releases. Faasm's Faaslet
//! cold start.

use crate::{Leftover, ThreadTask, ThreadWorker};
use anyhow::Result;
use isobench_faaslet::{
    Call, FaasletError, Function, Outcome, ReleaseGate, Runtime, RuntimeConfig,
};
use isobench_guests::{Flavour, Guests};
use std::sync::Arc;

pub struct Faaslet {
    noop: Function,
    hold: Function,
    // Keeps the engine (and its epoch ticker) alive as long as the functions.
    _runtime: Runtime,
}

impl Faaslet {
    pub fn new(guests: &Guests, config: RuntimeConfig) -> Result<Self> {
        Self::load(guests, config, Flavour::Wasm, |runtime, path| {
            runtime.load_command(path)
        })
    }

    /// Loads `noop` and `hold` of the given build flavour with `load`.
    pub fn load(
        guests: &Guests,
        config: RuntimeConfig,
        flavour: Flavour,
        load: impl Fn(&Runtime, &std::path::Path) -> Result<(Function, isobench_faaslet::CacheOutcome)>,
    ) -> Result<Self> {
        let runtime = Runtime::new(config)?;
        let (noop, _) = load(&runtime, &guests.path("noop", flavour))?;
        let (hold, _) = load(&runtime, &guests.path("hold", flavour))?;
        Ok(Faaslet {
            noop,
            hold,
            _runtime: runtime,
        })
    }
}

/// Turns a Faaslet's end into an error unless it exited with code 0.
fn succeeded(name: &str, ended: Result<Outcome, FaasletError>) -> Result<(), String> {
    let outcome = ended.map_err(|e| e.to_string())?;
    match outcome.exit_code {
        0 => Ok(()),
        code => Err(format!(
            "{name} exited with {code}: {}",
            String::from_utf8_lossy(&outcome.stderr).trim()
        )),
    }
}

impl ThreadWorker for Faaslet {
    fn noop(&self) -> Result<ThreadTask, String> {
        let faaslet = self
            .noop
            .prepare(&Call::default())
            .map_err(|e| e.to_string())?;
        let name = self.noop.shared_name();
        Ok(Box::new(move || {
            let (ended, finished) = faaslet.run_and_keep();
            succeeded(&name, ended).map(|()| Box::new(finished) as Leftover)
        }))
    }

    /// Making and instantiating a Faaslet takes a few microseconds.
    fn overlaps_thread_start(&self) -> bool {
        true
    }

    fn hold(&self, gate: &Arc<ReleaseGate>) -> Result<(), String> {
        let call = Call {
            gate: Some(gate.clone()),
            ..Call::default()
        };
        succeeded(self.hold.name(), self.hold.run(&call))
    }
}
