#![no_main]
//! Windows events as XML, and their mapping to vakt's events.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::windows::security::to_event;
use vakt_ingest::parse::windows::xml::events_from_xml;

fuzz_target!(|data: &[u8]| {
    if let Ok(events) = events_from_xml(text(data)) {
        for event in &events {
            let _ = to_event(event);
        }
    }
});
