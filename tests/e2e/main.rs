//! End-to-end tests of the `vakt` binary: round trip, tampering, crashes and
//! bad input. One test binary, so the dependency tree is linked once.

mod backup;
mod bad_input;
mod commands;
mod common;
mod compact;
mod crash;
mod evidence;
mod forge;
mod formats;
mod generate;
mod recovery;
mod registry;
mod report;
mod review;
mod roundtrip;
mod run;
mod s3;
mod search;
mod sources;
mod sql;
mod tamper;
mod upgrade;
mod witness;
