//! The `.evtx` files against python-evtx 0.8.1's XML rendering of them
//! (`derived_xml/*.xml`, read here with `roxmltree`, not vakt's XML reader):
//! record by record (matched by `EventRecordID`) the event id, time to the
//! microsecond, computer, channel, provider and every named `EventData/Data`
//! value and `UserData` leaf; then vakt's mapping of each record (see
//! `windows.rs`). Files without a derived XML are checked for their record
//! count (MANIFEST.md), that every record reads, and vakt's mapping against
//! the values the record was read with.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, SubsecRound, Utc};
use vakt_ingest::parse::windows::WindowsEvent;
use vakt_ingest::parse::windows::evtx::evtx_events;
use vakt_ingest::parse::windows::security::to_event;
use vakt_schemas::Event;

use super::windows::{Record, Tally, hex};
use super::{CORPORA, corpus};

/// What python-evtx's XML says of one record besides its data.
pub(crate) struct XmlSystem {
    pub record_id: Option<u64>,
    pub time: String,
    pub channel: String,
    /// The named `EventData/Data` items, then the `UserData` leaves (first of a name).
    pub items: Vec<(String, String)>,
}

fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    node.children()
        .find(|child| child.tag_name().name() == name)
}

fn text_of(node: roxmltree::Node) -> String {
    node.descendants()
        .filter_map(|node| node.text().filter(|_| node.is_text()))
        .collect()
}

/// The `<Event>` elements of an XML document.
pub(crate) fn xml_events(text: &str) -> Vec<(Record, XmlSystem)> {
    let document = roxmltree::Document::parse(text).expect("well-formed xml");
    let events = document
        .descendants()
        .filter(|node| node.tag_name().name() == "Event");
    events.map(xml_event).collect()
}

fn xml_event(event: roxmltree::Node) -> (Record, XmlSystem) {
    let system = child(event, "System").expect("<System>");
    let text = |name: &str| child(system, name).map(text_of).unwrap_or_default();
    let attribute = |name: &str, attribute: &str| {
        let element = child(system, name)?;
        element.attribute(attribute).map(str::to_string)
    };
    let mut items = Vec::new();
    if let Some(event_data) = child(event, "EventData") {
        for data in event_data
            .children()
            .filter(|node| node.tag_name().name() == "Data")
        {
            if let Some(name) = data.attribute("Name") {
                items.push((name.to_string(), text_of(data)));
            }
        }
    }
    if let Some(user_data) = child(event, "UserData") {
        for leaf in user_data.descendants().filter(|node| node.is_element()) {
            let name = leaf.tag_name().name();
            let is_leaf = !leaf.children().any(|node| node.is_element());
            if is_leaf && !items.iter().any(|(seen, _)| seen == name) {
                items.push((name.to_string(), text_of(leaf)));
            }
        }
    }
    let record = Record {
        event_id: text("EventID").trim().parse().expect("numeric EventID"),
        provider: attribute("Provider", "Name").unwrap_or_default(),
        computer: text("Computer"),
        keywords: u64::from_str_radix(text("Keywords").trim_start_matches("0x"), 16).ok(),
        data: items.iter().cloned().collect(),
    };
    let xml = XmlSystem {
        record_id: text("EventRecordID").parse().ok(),
        time: attribute("TimeCreated", "SystemTime").unwrap_or_default(),
        channel: text("Channel"),
        items,
    };
    (record, xml)
}

/// python-evtx's `SystemTime`, `2019-02-13 15:14:52.409735+00:00`, to the microsecond.
fn xml_time(text: &str) -> Option<DateTime<Utc>> {
    let time = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%:z"))
        .ok()?;
    Some(time.with_timezone(&Utc).trunc_subsecs(6))
}

/// The 100-ns ticks since 1601 of `TimeCreated` in the record as the `evtx`
/// crate renders it (`2021-10-27T10:12:47.3235757Z`, all seven digits).
fn ticks_of(raw: &str) -> Option<i64> {
    let json: serde_json::Value = serde_json::from_str(raw).ok()?;
    let text = json["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"].as_str()?;
    let time = DateTime::parse_from_rfc3339(text).ok()?;
    let hundreds = i64::from(time.timestamp_subsec_nanos() / 100);
    Some((time.timestamp() + FILETIME_TO_UNIX) * 10_000_000 + hundreds)
}

/// Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01.
const FILETIME_TO_UNIX: i64 = 11_644_473_600;

/// `ticks` truncated to the microsecond (vakt's rule) and as python-evtx
/// 0.8.1 renders them: `datetime.fromtimestamp(float(qword) * 1e-7 -
/// 11644473600)`, through a double (about 0.24 µs of precision at these
/// dates) then rounded half to even to the microsecond, as CPython does.
fn exact_and_python_times(ticks: i64) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let exact = DateTime::from_timestamp(
        ticks.div_euclid(10_000_000) - FILETIME_TO_UNIX,
        (ticks.rem_euclid(10_000_000) / 10 * 1000) as u32,
    );
    let seconds = ticks as f64 * 1e-7 - FILETIME_TO_UNIX as f64;
    let whole = seconds.trunc();
    let micros = ((seconds - whole) * 1e6).round_ties_even() as i64;
    let python = DateTime::from_timestamp(whole as i64, 0)
        .map(|time| time + chrono::Duration::microseconds(micros));
    (exact, python)
}

/// The record count MANIFEST.md gives for `relative` (`..., 2261 records`).
fn manifest_records(manifest: &str, relative: &str) -> Option<usize> {
    let line = manifest
        .lines()
        .find(|line| line.contains(&format!("`{relative}` - ")))?;
    let (_, count) = line.rsplit_once(", ")?;
    count.strip_suffix(" records")?.parse().ok()
}

/// The record as vakt's reader gave it, for files without a derived XML.
fn own_record(event: &WindowsEvent) -> Record {
    Record {
        event_id: event.event_id,
        provider: event.provider.clone(),
        computer: event.computer.clone(),
        keywords: event.keywords,
        data: event.data.clone(),
    }
}

fn stream_of(outcome: &Result<Event, String>) -> &'static str {
    match outcome {
        Ok(Event::Sessions(_)) => "sessions",
        Ok(Event::Access(_)) => "access",
        Ok(Event::Firewall(_)) => "firewall",
        Ok(_) => "other",
        Err(_) => "rejected",
    }
}

/// Compares the system fields and data items of one record.
fn compare_record(
    tally: &mut Tally,
    place: &str,
    xml: &(Record, XmlSystem),
    (ours, raw): &(WindowsEvent, String),
) {
    let (record, system) = xml;
    let time = xml_time(&system.time);
    let (exact, python) = ticks_of(raw).map_or((None, None), exact_and_python_times);
    // python-evtx is off by up to 2 µs (see `exact_and_python_times`): when its
    // time is its float conversion of the ticks vakt read and vakt's is those
    // ticks truncated, vakt is right.
    if time.is_some() && time != Some(ours.time) && time == python && exact == Some(ours.time) {
        tally.explain("python-evtx float time");
    } else {
        let time = time.map(|time| time.to_rfc3339());
        tally.check(
            place,
            "TimeCreated",
            time.as_deref(),
            Some(&ours.time.to_rfc3339()),
        );
    }
    let pairs = [
        (
            "EventID",
            Some(record.event_id.to_string()),
            ours.event_id.to_string(),
        ),
        (
            "Computer",
            Some(record.computer.clone()),
            ours.computer.clone(),
        ),
        (
            "Channel",
            Some(system.channel.clone()),
            ours.channel.clone(),
        ),
        (
            "Provider",
            Some(record.provider.clone()),
            ours.provider.clone(),
        ),
    ];
    for (field, expected, vakt) in pairs {
        tally.check(place, field, expected.as_deref(), Some(&vakt));
    }
    for (name, value) in &system.items {
        let Some(our_value) = ours.data.get(name).filter(|ours| *ours != value) else {
            tally.check(
                place,
                name,
                Some(value),
                ours.data.get(name).map(String::as_str),
            );
            continue;
        };
        if hex(value).is_some() && hex(value) == hex(our_value) {
            // python-evtx pads HexInt32/HexInt64 values to their width
            // (`0x00000000000003e7`); Windows writes them unpadded (Event
            // Viewer's XML in the CrowdSec sample, NXLog's JSON: `0x3e7`), as vakt does.
            tally.explain("hex width");
        } else if our_value.replace("\r\n", "\n") == *value {
            // The derived XML holds the record's `\r\n`, which every XML reader
            // (roxmltree here) reads as `\n` (XML 1.0, 2.11 end-of-line handling);
            // vakt keeps the record's `\r\n`.
            tally.explain("xml line ends");
        } else {
            tally.check(place, name, Some(value), Some(our_value));
        }
    }
}

fn check_evtx_file(relative: &str, manifest: &str) -> Vec<String> {
    let mut tally = Tally::new(relative);
    let bytes = std::fs::read(PathBuf::from(CORPORA).join(relative)).expect("the evtx file");
    let mut events = Vec::new();
    for (index, item) in evtx_events(bytes).expect("an evtx file").enumerate() {
        match item {
            Ok(item) => events.push(item),
            Err(reason) => tally
                .disagreements
                .push(format!("{relative} item {index}: {reason}")),
        }
    }
    tally.records = events.len();
    let expected_count = manifest_records(manifest, relative).map(|count| count.to_string());
    tally.check(
        "",
        "record count",
        expected_count.as_deref(),
        Some(&events.len().to_string()),
    );
    let (directory, name) = relative.rsplit_once('/').expect("a file in a folder");
    // Not every sample has a derived XML (MANIFEST.md says which do).
    let derived_path = format!("{directory}/derived_xml/{name}.xml");
    let derived = PathBuf::from(CORPORA)
        .join(&derived_path)
        .exists()
        .then(|| corpus(&derived_path))
        .flatten();
    let by_id: BTreeMap<u64, &(WindowsEvent, String)> = events
        .iter()
        .map(|item| (item.0.record_id.expect("an EventRecordID"), item))
        .collect();
    let mut mapping: BTreeMap<(u32, &'static str), usize> = BTreeMap::new();
    let mut checked = Vec::new();
    for xml in derived.as_deref().map(xml_events).unwrap_or_default() {
        let id = xml.1.record_id.expect("an EventRecordID");
        let place = format!("record {id} (event {})", xml.0.event_id);
        let Some(ours) = by_id.get(&id) else {
            tally
                .disagreements
                .push(format!("{relative} {place}: not read by vakt"));
            continue;
        };
        checked.push(id);
        compare_record(&mut tally, &place, &xml, ours);
        let outcome = to_event(&ours.0);
        *mapping
            .entry((ours.0.event_id, stream_of(&outcome)))
            .or_default() += 1;
        tally.check_mapping(&place, &xml.0, outcome.as_ref().map_err(String::as_str));
    }
    // Records python-evtx did not render (or the files it has no XML for):
    // the mapping against the values vakt read.
    let unchecked = events.iter().map(|(event, _)| event);
    for event in unchecked.filter(|event| !checked.contains(&event.record_id.unwrap_or(0))) {
        let place = format!(
            "record {} (event {})",
            event.record_id.unwrap_or(0),
            event.event_id
        );
        let outcome = to_event(event);
        *mapping
            .entry((event.event_id, stream_of(&outcome)))
            .or_default() += 1;
        tally.check_mapping(
            &place,
            &own_record(event),
            outcome.as_ref().map_err(String::as_str),
        );
    }
    let mapping: Vec<String> = mapping
        .iter()
        .map(|((id, stream), count)| format!("{id}→{stream} ×{count}"))
        .collect();
    let with_xml = if derived.is_some() {
        "python-evtx xml"
    } else {
        "no derived xml"
    };
    println!("{relative} ({with_xml}): {}", mapping.join(", "));
    tally.report()
}

/// Checks every `.evtx` file of a family's `evtx/` folder.
fn check_evtx_folder(folder: &str) {
    let Some(manifest) = corpus("MANIFEST.md") else {
        return;
    };
    let entries = std::fs::read_dir(PathBuf::from(CORPORA).join(folder)).expect("the folder");
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".evtx"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no .evtx file in {folder}");
    let disagreements: Vec<String> = names
        .iter()
        .flat_map(|name| check_evtx_file(&format!("{folder}/{name}"), &manifest))
        .collect();
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn session_evtx_files_agree_with_python_evtx() {
    check_evtx_folder("session/evtx");
}

#[test]
fn firewall_evtx_files_agree_with_python_evtx() {
    check_evtx_folder("firewall/evtx");
}

#[test]
fn access_evtx_files_agree_with_python_evtx() {
    check_evtx_folder("access/evtx");
}
