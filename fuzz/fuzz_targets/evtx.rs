#![no_main]
//! Windows .evtx files: every record of arbitrary bytes, and its mapping.

use libfuzzer_sys::fuzz_target;
use vakt_ingest::parse::windows::evtx::evtx_events;
use vakt_ingest::parse::windows::security::to_event;

fuzz_target!(|data: &[u8]| {
    let Ok(events) = evtx_events(data.to_vec()) else {
        return;
    };
    for (event, _raw) in events.flatten() {
        let _ = to_event(&event);
    }
});
