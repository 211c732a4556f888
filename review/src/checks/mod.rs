//! The checks of CHECKS.md, grouped by what they read.

pub mod access;
pub mod firewall;
pub mod logging;
pub mod registry;
pub mod sessions;
