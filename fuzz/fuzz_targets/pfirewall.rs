#![no_main]
//! Windows Firewall pfirewall.log, headers and lines.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::pfirewall::{PfirewallParser, looks_like_pfirewall};

fuzz_target!(|data: &[u8]| {
    let mut parser = PfirewallParser::new();
    for line in text(data).lines() {
        let _ = looks_like_pfirewall(line);
        let _ = parser.parse(line, "ws1", chrono_tz::Europe::Oslo);
    }
});
