//! Inputs the fuzz targets (`fuzz/`, `fuzz/run.sh`) once crashed on, kept
//! in `fuzz/regressions/TARGET/`: each goes through the parsers its target
//! exercises and must come out as events or reasons, never a panic.

use std::path::PathBuf;

use vakt_ingest::parse::cups::parse_page_log;
use vakt_ingest::parse::filterlog::parse_filterlog;
use vakt_ingest::parse::journald::{ExportEntry, journal_entry};
use vakt_ingest::parse::jsonl::parse_jsonl;
use vakt_ingest::parse::netfilter::parse_netfilter;
use vakt_ingest::parse::pve_firewall::parse_pve_firewall;
use vakt_ingest::parse::samba_log::parse_samba_message;
use vakt_ingest::parse::windows::evtx::evtx_events;
use vakt_ingest::parse::windows::json::event_from_json;
use vakt_ingest::parse::windows::security::to_event;
use vakt_ingest::parse::windows::xml::events_from_xml;
use vakt_ingest::parse::{Format, LineParser, ParseContext};
use vakt_schemas::config::FirewallConfig;

use super::reference_time;

const REGRESSIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/regressions");

/// Every line format, as the `lines` target and the per-format targets
/// reach them through the dispatcher.
fn through_every_format(text: &str) {
    for name in Format::ALL_NAMES {
        let format: Format = name.parse().expect("a format name");
        let mut parser = LineParser::new(ParseContext::new(reference_time()), format);
        for line in text.lines() {
            let _ = parser.parse(line);
            while parser.take_completed().is_some() {}
            while parser.take_more().is_some() {}
        }
        while parser.finish().is_some() {}
    }
}

/// The parsers a target calls directly, on its input.
fn through_target(target: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    through_every_format(&text);
    match target {
        "evtx" => {
            if let Ok(events) = evtx_events(data.to_vec()) {
                for (event, _) in events.flatten() {
                    let _ = to_event(&event);
                }
            }
        }
        "windows_xml" => {
            for event in events_from_xml(&text).unwrap_or_default() {
                let _ = to_event(&event);
            }
        }
        "windows_json" => {
            if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&text)
                && let Ok(event) = event_from_json(&object, chrono_tz::Europe::Oslo)
            {
                let _ = to_event(&event);
            }
        }
        "journald" => {
            if let Ok(serde_json::Value::Object(object)) = serde_json::from_str(&text) {
                let _ = journal_entry(&object);
            }
            let mut entry = ExportEntry::default();
            for line in text.lines() {
                let _ = entry.push_field(line);
            }
            let _ = entry.finish();
        }
        "netfilter" => {
            let _ = parse_netfilter("fw1", &text, &FirewallConfig::default());
            let _ = parse_pve_firewall(&text, "pve1");
        }
        "filterlog" => {
            let _ = parse_filterlog("fw1", &text);
        }
        "samba" => {
            let _ = parse_samba_message("fs1", &text);
        }
        "cups" => {
            let _ = parse_page_log(&text, "print1");
        }
        "jsonl" => {
            let _ = parse_jsonl(&text, None);
        }
        _ => {}
    }
}

#[test]
fn fuzz_regressions_read_without_a_panic() {
    let root = PathBuf::from(REGRESSIONS);
    let Ok(targets) = std::fs::read_dir(&root) else {
        println!("no fuzz regressions kept ({} absent)", root.display());
        return;
    };
    let mut inputs = 0;
    for target in targets.filter_map(Result::ok) {
        let name = target.file_name().to_string_lossy().into_owned();
        for input in std::fs::read_dir(target.path())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let data = std::fs::read(input.path()).expect("a regression input");
            through_target(&name, &data);
            inputs += 1;
        }
    }
    println!("{inputs} fuzz regression inputs read without a panic");
}
