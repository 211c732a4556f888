//! The witness over real HTTP on the loopback address: every rule of
//! c2sp.org/tlog-witness, restarts, concurrency, the monitoring call, and
//! an independent check of the cosignatures in Python.

mod harness;
mod independent;
mod rules;
mod service;
