#![no_main]
//! CUPS page_log lines.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::cups::{looks_like_page_log, parse_page_log};

fuzz_target!(|data: &[u8]| {
    let line = text(data);
    let _ = looks_like_page_log(line);
    let _ = parse_page_log(line, "print1");
});
