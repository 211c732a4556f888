#![no_main]
//! journalctl -o json entries, -o export entries, and the short-* syslog headers.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::{reference_time, text};
use vakt_ingest::parse::clock::SyslogClock;
use vakt_ingest::parse::journald::{
    ExportEntry, is_journal_json, journal_entry, looks_like_export_field,
};
use vakt_ingest::parse::syslog::parse_syslog;

fuzz_target!(|data: &[u8]| {
    let input = text(data);
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(input) {
        let _ = is_journal_json(&object);
        let _ = journal_entry(&object);
    }
    let mut entry = ExportEntry::default();
    for line in input.lines() {
        let _ = looks_like_export_field(line);
        let _ = entry.push_field(line);
    }
    let _ = entry.finish();
    let mut clock = SyslogClock::new(chrono_tz::Europe::Oslo, None, reference_time());
    for line in input.lines() {
        let _ = parse_syslog(line, &mut clock);
    }
});
