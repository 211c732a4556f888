#![no_main]
//! pfSense / OPNsense filterlog CSV messages.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::filterlog::parse_filterlog;

fuzz_target!(|data: &[u8]| {
    let _ = parse_filterlog("fw1", text(data));
});
