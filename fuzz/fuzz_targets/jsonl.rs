#![no_main]
//! vakt's own JSON Lines.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::jsonl::parse_jsonl;

fuzz_target!(|data: &[u8]| {
    let _ = parse_jsonl(text(data), None);
});
