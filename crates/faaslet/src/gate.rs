//! A release gate: workers wait at it until the harness lets them all go.
//!
//! The `hold` guest reads its standard input once and exits when the read
//! returns. A Faaslet running `hold` gets a [`GateStdin`] as standard input, so
//! its read blocks until [`ReleaseGate::release`]; a native thread waits with
//! [`ReleaseGate::wait`]. Either way the gate counts each worker the moment it
//! starts waiting, which is how the harness knows all W workers are up without
//! sleeping for a guessed time.

use bytes::Bytes;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use wasmtime_wasi::cli::{IsTerminal, StdinStream};
use wasmtime_wasi::p2::{InputStream, Pollable, StreamError, StreamResult};

#[derive(Default)]
pub struct ReleaseGate {
    arrived: AtomicUsize,
    state: Mutex<GateState>,
    opened: Condvar,
}

#[derive(Default)]
struct GateState {
    released: bool,
    wakers: Vec<Waker>,
}

impl ReleaseGate {
    pub fn new() -> Arc<Self> {
        Arc::default()
    }

    /// How many workers have reached the gate so far.
    pub fn arrived(&self) -> usize {
        self.arrived.load(Ordering::SeqCst)
    }

    /// Lets every waiting worker, and every later one, through.
    pub fn release(&self) {
        let mut state = self.state.lock().unwrap();
        state.released = true;
        for waker in state.wakers.drain(..) {
            waker.wake();
        }
        self.opened.notify_all();
    }

    /// Blocks the calling thread at the gate until it is released.
    pub fn wait(&self) {
        self.arrived.fetch_add(1, Ordering::SeqCst);
        let mut state = self.state.lock().unwrap();
        while !state.released {
            state = self.opened.wait(state).unwrap();
        }
    }

    fn poll_released(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.state.lock().unwrap();
        if state.released {
            return Poll::Ready(());
        }
        if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            state.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

/// Standard input for a Faaslet that blocks at a [`ReleaseGate`] and then
/// reports end of file.
#[derive(Clone)]
pub struct GateStdin {
    gate: Arc<ReleaseGate>,
}

impl GateStdin {
    pub fn new(gate: Arc<ReleaseGate>) -> Self {
        GateStdin { gate }
    }
}

impl IsTerminal for GateStdin {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdinStream for GateStdin {
    fn p2_stream(&self) -> Box<dyn InputStream> {
        Box::new(GateReader::new(self.gate.clone()))
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncRead + Send + Sync> {
        Box::new(GateReader::new(self.gate.clone()))
    }
}

/// One reader of the gate; it counts as arrived on its first read attempt.
struct GateReader {
    gate: Arc<ReleaseGate>,
    counted: bool,
}

impl GateReader {
    fn new(gate: Arc<ReleaseGate>) -> Self {
        GateReader {
            gate,
            counted: false,
        }
    }

    fn poll_gate(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.counted {
            self.counted = true;
            self.gate.arrived.fetch_add(1, Ordering::SeqCst);
        }
        self.gate.poll_released(cx)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GateReader {
    async fn ready(&mut self) {
        std::future::poll_fn(|cx| self.poll_gate(cx)).await
    }
}

impl InputStream for GateReader {
    fn read(&mut self, _size: usize) -> StreamResult<Bytes> {
        // Non-blocking: nothing to read while closed, end of file once open.
        let mut cx = Context::from_waker(Waker::noop());
        match self.poll_gate(&mut cx) {
            Poll::Ready(()) => Err(StreamError::Closed),
            Poll::Pending => Ok(Bytes::new()),
        }
    }
}

impl tokio::io::AsyncRead for GateReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        // Filling nothing on `Ready` is how AsyncRead says end of file.
        self.get_mut().poll_gate(cx).map(Ok)
    }
}
