//! `faaslet-restore`: a Faaslet whose instance is restored from a snapshot
//! taken after the guest's initialisation ran once (Faasm's Proto-Faaslet).
//! Each call still runs the guest's `main`; only the set-up is skipped.

use crate::faaslet::Faaslet;
use anyhow::Result;
use isobench_faaslet::RuntimeConfig;
use isobench_guests::{Flavour, Guests};

pub fn new(guests: &Guests, config: RuntimeConfig) -> Result<Faaslet> {
    Faaslet::load(guests, config, Flavour::Reactor, |runtime, path| {
        runtime.load_snapshot(path)
    })
}
