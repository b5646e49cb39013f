//! Profiling WebAssembly with perf, with real function names.

pub mod perf;
pub mod symbols;
pub mod target;
