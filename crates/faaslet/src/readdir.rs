//! WASI preview 1 for Faaslets, with a directory listing read once per pass.
//!
//! wasmtime-wasi 48's `fd_readdir` reads the whole directory again on every
//! call, and stats every entry (for its inode number), before skipping to the
//! caller's cookie. wasi-libc's `readdir` asks for one 4 KiB buffer of entries
//! per call, so listing N files costs about N²/100 `stat` calls: for
//! pyperformance's `pathlib` (2,000 files), 56% of the run went there.
//!
//! Here a call at cookie 0 (`opendir`, `rewinddir`) has wasmtime-wasi's own
//! `fd_readdir` produce the whole listing once, into a host buffer, and the
//! calls that continue from a later cookie are served from that copy. The bytes
//! are the ones wasmtime-wasi would have written, so the guest sees the same
//! entries, inode numbers and truncation. A continued call checks that the
//! descriptor still names the directory listed (a closed and reused descriptor
//! number gets a fresh listing); like POSIX `readdir`, a pass does not see
//! entries added after it began.

use crate::GuestState;
use anyhow::Result;
use wasmtime::{Caller, Linker};
use wasmtime_wasi::p1::{types::Errno, wasi_snapshot_preview1 as p1};
use wasmtime_wasi::runtime::in_tokio;
use wiggle::GuestMemory;

const MODULE: &str = "wasi_snapshot_preview1";

/// A preview-1 `dirent`: d_next (u64), d_ino (u64), d_namlen (u32), d_type
/// (u8) and padding, then the name.
const DIRENT_HEADER: usize = 24;
const NAMLEN_AT: usize = 16;

/// `filestat`: device at 0, inode at 8; 64 bytes in all.
const FILESTAT_SIZE: usize = 64;

/// The host buffer a listing is first read into; doubled until it fits.
const FIRST_LISTING_BYTES: usize = 64 << 10;

/// Adds WASI preview 1 to `linker`, with `fd_readdir` replaced as above.
pub(crate) fn link_wasi(linker: &mut Linker<GuestState>) -> Result<()> {
    wasmtime_wasi::p1::add_to_linker_sync(linker, |s: &mut GuestState| &mut s.wasi)?;
    linker.allow_shadowing(true);
    linker.func_wrap(MODULE, "fd_readdir", fd_readdir)?;
    linker.allow_shadowing(false);
    Ok(())
}

/// One directory's entries as wasmtime-wasi's `fd_readdir` writes them from
/// cookie 0, with where each entry starts (entry k is the one at cookie k).
#[derive(Default)]
pub(crate) struct Listing {
    fd: i32,
    /// Device and inode of the directory listed.
    identity: [u8; 16],
    bytes: Vec<u8>,
    starts: Vec<usize>,
}

fn fd_readdir(
    mut caller: Caller<'_, GuestState>,
    fd: i32,
    buf: i32,
    buf_len: i32,
    cookie: i64,
    bufused: i32,
) -> wasmtime::Result<i32> {
    let Some(memory) = caller.get_export("memory").and_then(|e| e.into_memory()) else {
        return Ok(Errno::Fault as i32);
    };
    let (guest, state) = memory.data_and_store_mut(&mut caller);
    let identity = match directory_identity(state, fd)? {
        Ok(identity) => identity,
        Err(errno) => return Ok(errno),
    };
    let cached = &state.listing;
    if cookie == 0 || cached.fd != fd || cached.identity != identity {
        match list(state, fd, identity)? {
            Ok(fresh) => state.listing = fresh,
            Err(errno) => return Ok(errno),
        }
    }
    let listing = &state.listing;
    let from = usize::try_from(cookie)
        .ok()
        .and_then(|k| listing.starts.get(k).copied())
        .unwrap_or(listing.bytes.len());
    let rest = &listing.bytes[from..];
    let count = rest.len().min(buf_len as u32 as usize);
    // Guest addresses are 32-bit: these sums cannot overflow a usize.
    let (buf, bufused) = (buf as u32 as usize, bufused as u32 as usize);
    if buf + count > guest.len() || bufused + 4 > guest.len() {
        return Ok(Errno::Fault as i32);
    }
    guest[buf..buf + count].copy_from_slice(&rest[..count]);
    guest[bufused..bufused + 4].copy_from_slice(&(count as u32).to_le_bytes());
    Ok(0)
}

/// The whole listing of `fd` (the directory `identity`), read by wasmtime-wasi
/// into a host buffer.
fn list(
    state: &mut GuestState,
    fd: i32,
    identity: [u8; 16],
) -> wasmtime::Result<Result<Listing, i32>> {
    let mut capacity = FIRST_LISTING_BYTES;
    loop {
        // The count written at offset 0, the entries from offset 8.
        let mut host = vec![0u8; 8 + capacity];
        let errno = in_tokio(p1::fd_readdir(
            &mut state.wasi,
            &mut GuestMemory::Unshared(&mut host),
            fd,
            8,
            capacity as i32,
            0,
            0,
        ))?;
        if errno != 0 {
            return Ok(Err(errno));
        }
        let used = u32::from_le_bytes(host[..4].try_into().unwrap()) as usize;
        // A full buffer may have cut the last entry off: read again, larger.
        if used == capacity {
            capacity *= 2;
            continue;
        }
        let bytes = host[8..8 + used].to_vec();
        let mut starts = Vec::new();
        let mut at = 0;
        while at + DIRENT_HEADER <= bytes.len() {
            starts.push(at);
            let namlen = u32::from_le_bytes(bytes[at + NAMLEN_AT..at + NAMLEN_AT + 4].try_into()?);
            at += DIRENT_HEADER + namlen as usize;
        }
        return Ok(Ok(Listing {
            fd,
            identity,
            bytes,
            starts,
        }));
    }
}

/// The device and inode numbers of the directory open as `fd`.
fn directory_identity(state: &mut GuestState, fd: i32) -> wasmtime::Result<Result<[u8; 16], i32>> {
    let mut host = [0u8; FILESTAT_SIZE];
    let errno = in_tokio(p1::fd_filestat_get(
        &mut state.wasi,
        &mut GuestMemory::Unshared(&mut host),
        fd,
        0,
    ))?;
    if errno != 0 {
        return Ok(Err(errno));
    }
    Ok(Ok(host[..16].try_into().unwrap()))
}
