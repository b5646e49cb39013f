//! Faaslets: WebAssembly functions on threads, on wasmtime.
//!
//! A [`Runtime`] owns one engine configured the way a serverless platform
//! would run many small functions: a pooling instance allocator with
//! copy-on-write memory images (instantiation in microseconds), epoch-based
//! interruption for time limits, and an ahead-of-time code cache.
//! A [`Function`] is a loaded, linked module; [`Function::run`] makes one fresh
//! instance on the calling thread, runs it to completion and drops it. That
//! is one Faaslet: its own linear memory, only its preopened directory
//! visible, its standard output and error captured, its memory capped and its
//! running time limited.
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use isobench_faaslet::{Call, Runtime, RuntimeConfig};
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! let (noop, _) = runtime.load_command("guests/build/wasm/noop.wasm".as_ref())?;
//! let outcome = std::thread::spawn(move || noop.run(&Call::default())).join().unwrap()?;
//! assert_eq!(outcome.exit_code, 0);
//! # Ok(()) }
//! ```

mod cache;
mod gate;
mod readdir;
mod signal_stack;
mod snapshot;

pub use cache::{prune as prune_code_cache, CacheOutcome, CodegenCache, Pruned};
pub use gate::{GateStdin, ReleaseGate};
pub use snapshot::RUN_EXPORT;
pub use wasmtime::ProfilingStrategy;

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{
    Config, Engine, Inlining, InstanceAllocationStrategy, InstancePre, Linker,
    PoolingAllocationConfig, ResourceLimiter, Store, Trap, TypedFunc, UpdateDeadline,
};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtxBuilder};

/// How often the engine's epoch advances; time limits are counted in these.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Freed instance slots whose memory is reset together.
const DECOMMIT_BATCH: usize = 64;

/// Captured standard output or error beyond this many bytes is cut off.
const OUTPUT_CAPTURE_BYTES: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// How many Faaslets may be alive at once (slots in the instance pool).
    pub max_instances: u32,
    /// The most linear memory one Faaslet may have, in bytes.
    pub memory_cap: u64,
    /// How long one Faaslet may run before it is interrupted.
    pub time_limit: Duration,
    /// Whether generated code checks the engine's epoch (at function entries
    /// and loop back-edges) so that the time limit can stop it. The checks
    /// cost up to 2x in tight loops; without them nothing inside this process
    /// can stop a guest, so the caller must bound it from outside (isobench
    /// runs such guests in a child process it can kill).
    pub interruptible: bool,
    /// Where compiled code and snapshots are kept.
    pub cache_dir: PathBuf,
    /// What the engine tells profilers about the code it generates.
    pub profiling: ProfilingStrategy,
    /// Whether Cranelift inlines small functions, and functions into small
    /// callers, across the whole module (wasmtime's `compiler_inlining`):
    /// for a program built from many files, what link-time optimisation
    /// would give native code. Inlined functions leave no frame of their own
    /// in backtraces and profiles.
    pub inlining: bool,
    /// Whether a function table's entries are filled on first use
    /// (wasmtime's `table_lazy_init`, its default) rather than when the
    /// Faaslet is made. Lazy filling keeps instantiation cheap whatever the
    /// table's size, but every call through the table (a C function pointer)
    /// then tests whether its entry is filled yet; CPython calls through
    /// pointers all the time (type slots, allocator hooks).
    pub lazy_tables: bool,
}

impl RuntimeConfig {
    /// The limits as options of the `isobench` child processes that run
    /// Faaslets apart (`__host`, `__wasm-run`, `__profile-target`), which
    /// parse them back into their configuration.
    pub fn limit_options(&self) -> [String; 4] {
        [
            "--memory-cap-mib".into(),
            (self.memory_cap >> 20).to_string(),
            "--time-limit".into(),
            self.time_limit.as_secs_f64().to_string(),
        ]
    }
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            max_instances: 64,
            memory_cap: 1 << 30,
            time_limit: Duration::from_secs(60),
            interruptible: true,
            cache_dir: CodegenCache::default_dir(),
            profiling: ProfilingStrategy::None,
            inlining: false,
            lazy_tables: true,
        }
    }
}

impl RuntimeConfig {
    /// One Faaslet at a time, with no epoch checks in the generated code: for
    /// a single guest whose time limit is enforced from outside, by a child
    /// process that can be killed. Such a guest computes for long, so its
    /// tables are filled when it is made (see [`Self::compute`]).
    pub fn single_uninterruptible(&self) -> RuntimeConfig {
        RuntimeConfig {
            interruptible: false,
            ..self.compute()
        }
    }

    /// One Faaslet at a time, for a guest whose computing is measured rather
    /// than its start: its tables are filled when it is made. For CPython
    /// that took about 3% off the wasm/native ratio of pybench's bodies (23
    /// scripts, runs alternating with lazily filled tables) and added about
    /// 0.26 ms to making each Faaslet (python.wasm's table has 4,165 entries;
    /// lazily, making one takes about 2 µs).
    pub fn compute(&self) -> RuntimeConfig {
        RuntimeConfig {
            max_instances: 1,
            lazy_tables: false,
            ..self.clone()
        }
    }
}

pub struct Runtime {
    engine: Engine,
    linker: Linker<GuestState>,
    cache: CodegenCache,
    config: RuntimeConfig,
}

impl Runtime {
    pub fn new(config: RuntimeConfig) -> Result<Self> {
        let engine = Engine::new(&engine_config(&config))
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!(
                    "creating the wasmtime engine with room for {} Faaslets (each one's linear \
                     memory reserves 4 GiB of address space, so that bounds checks cost \
                     nothing, and a process has 128 TiB: one process holds at most about \
                     30,000)",
                    config.max_instances
                )
            })?;
        if config.interruptible {
            start_epoch_ticker(&engine).context("starting the epoch ticker thread")?;
        }
        let mut linker = Linker::new(&engine);
        readdir::link_wasi(&mut linker)?;
        let cache = CodegenCache::new(&engine, config.cache_dir.clone());
        Ok(Runtime {
            engine,
            linker,
            cache,
            config,
        })
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    pub fn cache(&self) -> &CodegenCache {
        &self.cache
    }

    /// Loads a WASI command module (entry point `_start`) through the code cache.
    pub fn load_command(&self, wasm_path: &Path) -> Result<(Function, CacheOutcome)> {
        let wasm = read_wasm(&self.engine, wasm_path)?;
        self.link(wasm_path, &wasm, Entry::Start)
    }

    /// Loads a WASI reactor, restored from a snapshot taken after its
    /// initialisation ran once (made and cached on first use).
    pub fn load_snapshot(&self, reactor_path: &Path) -> Result<(Function, CacheOutcome)> {
        let wasm = read_wasm(&self.engine, reactor_path)?;
        let snapshot = self.snapshot_bytes(&wasm).with_context(|| {
            format!(
                "taking the initialisation snapshot of {}",
                reactor_path.display()
            )
        })?;
        self.link(reactor_path, &snapshot, Entry::Snapshot)
    }

    fn snapshot_bytes(&self, reactor_wasm: &[u8]) -> Result<Vec<u8>> {
        let path = self
            .cache
            .entry_path(reactor_wasm)
            .with_extension("snapshot.wasm");
        if let Ok(bytes) = std::fs::read(&path) {
            // As for compiled code: `isobench clean` spares what is used.
            cache::mark_used(&path);
            return Ok(bytes);
        }
        let bytes = snapshot::take_snapshot(reactor_wasm)?;
        cache::write_atomically(&path, &bytes)?;
        Ok(bytes)
    }

    fn link(&self, path: &Path, wasm: &[u8], entry: Entry) -> Result<(Function, CacheOutcome)> {
        if let Some(initial) = initial_memory_bytes(wasm) {
            anyhow::ensure!(
                initial <= self.config.memory_cap,
                "{} starts with {initial} bytes of linear memory, more than the memory cap of \
                 {} bytes: raise --memory-cap-mib to at least {}",
                path.display(),
                self.config.memory_cap,
                initial.div_ceil(1 << 20)
            );
        }
        let (module, outcome) = self
            .cache
            .load(&self.engine, wasm)
            .with_context(|| format!("loading {}", path.display()))?;
        let pre = self
            .linker
            .instantiate_pre(&module)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("linking {} against WASI preview 1", path.display()))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let function = Function {
            name: name.into(),
            pre: Arc::new(pre),
            entry,
            memory_cap: self.config.memory_cap,
            time_limit: self.config.interruptible.then_some(self.config.time_limit),
        };
        Ok((function, outcome))
    }
}

/// The size a module's own linear memory starts at, if it defines one.
fn initial_memory_bytes(wasm: &[u8]) -> Option<u64> {
    wasmparser::Parser::new(0)
        .parse_all(wasm)
        .find_map(|payload| match payload {
            Ok(wasmparser::Payload::MemorySection(memories)) => memories.into_iter().next(),
            _ => None,
        })
        .and_then(Result::ok)
        .map(|memory| memory.initial * WASM_PAGE_BYTES)
}

const WASM_PAGE_BYTES: u64 = 1 << 16;

fn read_wasm(engine: &Engine, path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    wasmtime::Module::validate(engine, &bytes)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("{} is not a valid WebAssembly module", path.display()))?;
    Ok(bytes)
}

/// The engine settings that shape what is measured, for `meta.json`.
pub fn describe(config: &RuntimeConfig) -> String {
    let time_limit = if config.interruptible {
        format!(
            "time limit {} s by epoch interruption every {} ms",
            config.time_limit.as_secs_f64(),
            EPOCH_TICK.as_millis()
        )
    } else {
        format!(
            "no epoch checks in generated code (time limit {} s enforced by a killable child \
             process)",
            config.time_limit.as_secs_f64()
        )
    };
    let inlining = if config.inlining {
        ", inlining across the module"
    } else {
        ""
    };
    let tables = if config.lazy_tables {
        "filled on first use"
    } else {
        "filled at instantiation"
    };
    format!(
        "wasmtime {}, cranelift opt-level speed{inlining}, pooling instance allocator (slots \
         sized to the workers, decommit batch {}), copy-on-write memory images, pooled signal \
         stacks, function tables {tables}, memory cap {} bytes, {time_limit}",
        wasmtime_version(),
        DECOMMIT_BATCH,
        config.memory_cap,
    )
}

/// The version of the wasmtime crate this binary was built with.
pub fn wasmtime_version() -> &'static str {
    env!("ISOBENCH_WASMTIME_VERSION")
}

fn engine_config(config: &RuntimeConfig) -> Config {
    // Freed memories and tables wait in the decommit queue, and a batch being
    // reset on one thread is out of reach of the others: without room for a
    // whole batch beyond the live instances, an allocation can find no slot.
    let slots = config.max_instances + DECOMMIT_BATCH as u32;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(config.max_instances)
        .total_memories(slots)
        .total_tables(slots)
        // Faaslets run synchronously on their own threads: no fiber stacks.
        .total_stacks(0)
        // Reset freed memory slots 64 at a time: one madvise call instead of
        // one per Faaslet, at the price of up to 64 dirty slots held longer.
        .decommit_batch_size(DECOMMIT_BATCH)
        .max_memory_size(config.memory_cap as usize);
    let mut engine_config = Config::new();
    engine_config
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
        .memory_init_cow(true)
        .table_lazy_init(config.lazy_tables)
        .epoch_interruption(config.interruptible)
        .profiler(config.profiling);
    if config.inlining {
        engine_config.compiler_inlining(Inlining::Yes);
    }
    engine_config
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until the engine is gone.
fn start_epoch_ticker(engine: &Engine) -> std::io::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("faaslet-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    /// A WASI command: `_start` runs constructors, `main` and `exit`.
    Start,
    /// A pre-initialised reactor: `isobench-run` runs `main` only.
    Snapshot,
}

/// A module ready to be instantiated any number of times, from any thread.
#[derive(Clone)]
pub struct Function {
    name: Arc<str>,
    pre: Arc<InstancePre<GuestState>>,
    entry: Entry,
    memory_cap: u64,
    /// `None` when the code has no epoch checks to enforce it with.
    time_limit: Option<Duration>,
}

/// What one call gives the Faaslet.
#[derive(Default, Clone)]
pub struct Call {
    /// Arguments after the program name.
    pub args: Vec<String>,
    /// Environment variables, the only ones the guest sees.
    pub env: Vec<(String, String)>,
    /// The host directory the guest sees as `/`; with none, no file system.
    pub preopen: Option<PathBuf>,
    /// Standard input that blocks at this gate; with none, standard input is empty.
    pub gate: Option<Arc<ReleaseGate>>,
    /// Asked at every epoch tick; once it says yes, the guest is stopped
    /// ([`FaasletError::Stopped`]). Only code with epoch checks can be stopped.
    pub stop_when: Option<fn() -> bool>,
}

#[derive(Debug)]
pub struct Outcome {
    pub exit_code: i32,
    pub stdout: bytes::Bytes,
    pub stderr: bytes::Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaasletError {
    TimeLimit {
        limit: Duration,
    },
    /// The call's `stop_when` asked for it.
    Stopped,
    MemoryCap {
        cap: u64,
        requested: u64,
    },
    Trap(String),
    Setup(String),
}

impl std::fmt::Display for FaasletError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaasletError::TimeLimit { limit } => write!(
                f,
                "stopped by the time limit of {:.3} s (the guest did not finish; \
                 raise --time-limit if it should run longer)",
                limit.as_secs_f64()
            ),
            FaasletError::MemoryCap { cap, requested } => write!(
                f,
                "stopped by the memory cap of {cap} bytes: the guest tried to grow its \
                 linear memory to {requested} bytes (raise --memory-cap-mib if it needs more)"
            ),
            FaasletError::Stopped => write!(f, "stopped before it finished, as asked"),
            FaasletError::Trap(message) => write!(f, "the guest trapped: {message}"),
            FaasletError::Setup(message) => write!(f, "could not start the Faaslet: {message}"),
        }
    }
}

impl std::error::Error for FaasletError {}

impl Function {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name, shared: for a Faaslet's caller to name it in an error once
    /// the `Function` is out of reach.
    pub fn shared_name(&self) -> Arc<str> {
        self.name.clone()
    }

    /// One Faaslet: a fresh instance on the calling thread, run to completion.
    pub fn run(&self, call: &Call) -> Result<Outcome, FaasletError> {
        self.prepare(call)?.run()
    }

    /// The Faaslet for `call`, made and instantiated on the calling thread,
    /// ready to be run on another: a platform's dispatcher makes it while
    /// the kernel starts the worker thread. Made on a fresh thread, the same
    /// work costs several times more (a per-thread random generator seeded
    /// from the kernel for the WASI context, an empty allocator cache). A
    /// module's start function, if it has one, runs here; WASI commands and
    /// reactors have none. Errors are reported by [`Prepared::run`].
    pub fn prepare(&self, call: &Call) -> Result<Prepared, FaasletError> {
        let stdout = MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES);
        let stderr = MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES);
        let mut wasi = WasiCtxBuilder::new();
        // A Faaslet runs synchronously on its own thread, so its file system
        // calls may block that thread; otherwise each one is handed to
        // another thread and back (for CPython's start-up, hundreds of them).
        wasi.allow_blocking_current_thread(true)
            .arg(&self.name)
            .args(&call.args)
            .envs(&call.env)
            .stdout(stdout.clone())
            .stderr(stderr.clone());
        if let Some(gate) = &call.gate {
            wasi.stdin(GateStdin::new(gate.clone()));
        }
        if let Some(dir) = &call.preopen {
            wasi.preopened_dir(dir, "/", FsPerms::ReadWrite)
                .map_err(|e| FaasletError::Setup(format!("preopening {}: {e}", dir.display())))?;
        }
        let state = GuestState {
            wasi: wasi.build_p1(),
            listing: Default::default(),
            limiter: MemoryCap {
                cap: self.memory_cap,
                refused: None,
            },
        };
        let mut store = Store::new(self.pre.module().engine(), state);
        store.limiter(|s| &mut s.limiter);
        if let Some(limit) = self.time_limit {
            let ticks = limit.div_duration_f64(EPOCH_TICK).ceil() as u64 + 1;
            match call.stop_when {
                None => {
                    store.epoch_deadline_trap();
                    store.set_epoch_deadline(ticks);
                }
                // Woken at every tick to ask, counting the ticks towards the
                // time limit.
                Some(stop_when) => {
                    let mut ticks_left = ticks;
                    store.epoch_deadline_callback(move |_| {
                        if stop_when() {
                            return Err(wasmtime::Error::new(StoppedByCaller));
                        }
                        ticks_left = ticks_left.saturating_sub(1);
                        Ok(match ticks_left {
                            0 => UpdateDeadline::Interrupt,
                            _ => UpdateDeadline::Continue(1),
                        })
                    });
                    store.set_epoch_deadline(1);
                }
            }
        }
        let entry = instantiate(&self.pre, self.entry, &mut store);
        Ok(Prepared {
            memory_cap: self.memory_cap,
            time_limit: self.time_limit,
            store,
            entry,
            stdout,
            stderr,
        })
    }

    /// One Faaslet on a fresh thread, as a platform runs it; also returns the
    /// time from instantiation to exit, taken on that thread.
    ///
    /// A thread the system will not make, or one that panicked, is a set-up
    /// failure of this run: the caller goes on with the next.
    pub fn run_on_new_thread(&self, call: &Call) -> (Result<Outcome, FaasletError>, Duration) {
        std::thread::scope(|scope| {
            let thread = std::thread::Builder::new().spawn_scoped(scope, || {
                let started = std::time::Instant::now();
                let outcome = self.run(call);
                (outcome, started.elapsed())
            });
            let failed = |why: String| (Err(FaasletError::Setup(why)), Duration::ZERO);
            match thread {
                // The panic's message went to standard error as it happened.
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|_| failed("the Faaslet's thread panicked".to_string())),
                Err(e) => failed(format!("starting the Faaslet's thread: {e}")),
            }
        })
    }
}

/// A Faaslet made and not yet run: see [`Function::prepare`].
pub struct Prepared {
    memory_cap: u64,
    time_limit: Option<Duration>,
    store: Store<GuestState>,
    /// The instance's entry point, or why there is no instance.
    entry: wasmtime::Result<EntryPoint>,
    stdout: MemoryOutputPipe,
    stderr: MemoryOutputPipe,
}

/// The export a call runs.
enum EntryPoint {
    Start(TypedFunc<(), ()>),
    Snapshot(TypedFunc<(), i32>),
}

/// A fresh instance of `pre` in `store`, and its entry point.
fn instantiate(
    pre: &InstancePre<GuestState>,
    entry: Entry,
    store: &mut Store<GuestState>,
) -> wasmtime::Result<EntryPoint> {
    let instance = pre.instantiate(&mut *store)?;
    Ok(match entry {
        Entry::Start => EntryPoint::Start(instance.get_typed_func(&mut *store, "_start")?),
        Entry::Snapshot => EntryPoint::Snapshot(instance.get_typed_func(&mut *store, RUN_EXPORT)?),
    })
}

impl Prepared {
    /// Runs the guest to completion on the calling thread, then releases
    /// its instance.
    pub fn run(self) -> Result<Outcome, FaasletError> {
        self.run_and_keep().0
    }

    /// Runs the guest to completion on the calling thread and hands back
    /// its instance, still allocated, for the caller to release where it
    /// chooses (see [`Finished`]).
    pub fn run_and_keep(self) -> (Result<Outcome, FaasletError>, Finished) {
        signal_stack::ensure_installed();
        let Prepared {
            memory_cap,
            time_limit,
            mut store,
            entry,
            stdout,
            stderr,
        } = self;
        let result = match entry {
            Ok(EntryPoint::Start(start)) => start.call(&mut store, ()).map(|()| 0),
            Ok(EntryPoint::Snapshot(run)) => run.call(&mut store, ()),
            // No instance was made and no guest code ran (the pool had no
            // slot left, the module lacks the export): not the guest's doing.
            // A start function that trapped, or initial memory over the cap,
            // is told as a run's would be.
            Err(error)
                if error.downcast_ref::<Trap>().is_none()
                    && store.data().limiter.refused.is_none() =>
            {
                let not_made = FaasletError::Setup(format!("{error:#}"));
                return (Err(not_made), Finished { _store: store });
            }
            Err(error) => Err(error),
        };
        let outcome = result
            .or_else(|error| classify(error, store.data(), memory_cap, time_limit))
            .map(|exit_code| Outcome {
                exit_code,
                stdout: stdout.contents(),
                stderr: stderr.contents(),
            });
        (outcome, Finished { _store: store })
    }
}

/// A Faaslet that has run: its instance and host state, released (the
/// memory slot back to the pool, the rest to the heap) when this is dropped.
/// A dispatcher that made the Faaslet releases it best itself: the heap
/// memory then goes back to its own thread's allocator cache, where the next
/// Faaslet it makes finds it, rather than into a worker thread's cache that
/// the thread's exit empties again.
pub struct Finished {
    _store: Store<GuestState>,
}

/// Turns an error out of the guest into an exit code or a clear failure.
fn classify(
    error: wasmtime::Error,
    state: &GuestState,
    memory_cap: u64,
    time_limit: Option<Duration>,
) -> Result<i32, FaasletError> {
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
        return Ok(exit.0);
    }
    if error.downcast_ref::<StoppedByCaller>().is_some() {
        return Err(FaasletError::Stopped);
    }
    if let Some(requested) = state.limiter.refused {
        return Err(FaasletError::MemoryCap {
            cap: memory_cap,
            requested,
        });
    }
    if let (Some(Trap::Interrupt), Some(limit)) = (error.downcast_ref::<Trap>(), time_limit) {
        return Err(FaasletError::TimeLimit { limit });
    }
    // The cause first (`wasm trap: integer divide by zero`), then where: the
    // error itself reads "error while executing at wasm backtrace:" and the
    // guest's frames, and leaves the cause for last.
    Err(FaasletError::Trap(format!(
        "{}\n{error}",
        error.root_cause()
    )))
}

/// The error a guest is stopped with when its call's `stop_when` says so.
#[derive(Debug)]
struct StoppedByCaller;

impl std::fmt::Display for StoppedByCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("stopped by the caller")
    }
}

impl std::error::Error for StoppedByCaller {}

/// Per-instance host state.
pub(crate) struct GuestState {
    pub(crate) wasi: WasiP1Ctx,
    /// The directory listing `fd_readdir` is part way through.
    listing: readdir::Listing,
    limiter: MemoryCap,
}

impl GuestState {
    /// State for the one-off run that a snapshot is taken after.
    pub(crate) fn for_initialisation() -> Self {
        GuestState {
            wasi: WasiCtxBuilder::new().build_p1(),
            listing: Default::default(),
            limiter: MemoryCap {
                cap: u64::MAX,
                refused: None,
            },
        }
    }
}

/// Refuses, with a trap, any growth of linear memory past the cap, and
/// remembers the request so the failure can be reported as such.
struct MemoryCap {
    cap: u64,
    refused: Option<u64>,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.cap {
            self.refused = Some(desired as u64);
            wasmtime::bail!("linear memory of {desired} bytes exceeds the cap");
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}
