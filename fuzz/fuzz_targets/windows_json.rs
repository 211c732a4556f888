#![no_main]
//! Windows events as JSON (winlogbeat, NXLog, Get-WinEvent, evtx's JSON), and their mapping.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::windows::json::{event_from_json, looks_like_windows_json};
use vakt_ingest::parse::windows::security::to_event;

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str(text(data)) else {
        return;
    };
    let _ = looks_like_windows_json(&object);
    if let Ok(event) = event_from_json(&object, chrono_tz::Europe::Oslo) {
        let _ = to_event(&event);
    }
});
