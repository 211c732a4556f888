#![no_main]
//! audit.log records, several lines joined into events.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::{reference_time, text};
use vakt_ingest::parse::{Format, LineParser, ParseContext};

fuzz_target!(|data: &[u8]| {
    let mut parser = LineParser::new(ParseContext::new(reference_time()), Format::Auditd);
    for line in text(data).lines() {
        let _ = parser.parse(line);
        while parser.take_completed().is_some() {}
    }
    while parser.finish().is_some() {}
});
