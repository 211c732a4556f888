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

use super::windows::{Record, Tally};
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
    node.children().find(|child| child.tag_name().name() == name)
}

fn text_of(node: roxmltree::Node) -> String {
    node.descendants().filter_map(|node| node.text().filter(|_| node.is_text())).collect()
}

/// The `<Event>` elements of an XML document.
pub(crate) fn xml_events(text: &str) -> Vec<(Record, XmlSystem)> {
    let document = roxmltree::Document::parse(text).expect("well-formed xml");
    let events = document.descendants().filter(|node| node.tag_name().name() == "Event");
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
        for data in event_data.children().filter(|node| node.tag_name().name() == "Data") {
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

/// The record count MANIFEST.md gives for `relative` (`..., 2261 records`).
fn manifest_records(manifest: &str, relative: &str) -> Option<usize> {
    let line = manifest.lines().find(|line| line.contains(&format!("`{relative}` - ")))?;
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
fn compare_record(tally: &mut Tally, place: &str, xml: &(Record, XmlSystem), ours: &WindowsEvent) {
    let (record, system) = xml;
    let time = xml_time(&system.time).map(|time| time.to_rfc3339());
    let pairs = [
        ("EventID", Some(record.event_id.to_string()), ours.event_id.to_string()),
        ("TimeCreated", time, ours.time.to_rfc3339()),
        ("Computer", Some(record.computer.clone()), ours.computer.clone()),
        ("Channel", Some(system.channel.clone()), ours.channel.clone()),
        ("Provider", Some(record.provider.clone()), ours.provider.clone()),
    ];
    for (field, expected, vakt) in pairs {
        tally.check(place, field, expected.as_deref(), Some(&vakt));
    }
    for (name, value) in &system.items {
        tally.check(place, name, Some(value), ours.data.get(name).map(String::as_str));
    }
}

fn check_evtx_file(relative: &str, manifest: &str) -> Vec<String> {
    let mut tally = Tally::new(relative);
    let bytes = std::fs::read(PathBuf::from(CORPORA).join(relative)).expect("the evtx file");
    let mut events = Vec::new();
    for (index, item) in evtx_events(bytes).expect("an evtx file").enumerate() {
        match item {
            Ok((event, _raw)) => events.push(event),
            Err(reason) => tally.disagreements.push(format!("{relative} item {index}: {reason}")),
        }
    }
    tally.records = events.len();
    let expected_count = manifest_records(manifest, relative).map(|count| count.to_string());
    tally.check("", "record count", expected_count.as_deref(), Some(&events.len().to_string()));
    let (directory, name) = relative.rsplit_once('/').expect("a file in a folder");
    let derived = corpus(&format!("{directory}/derived_xml/{name}.xml"));
    let by_id: BTreeMap<u64, &WindowsEvent> = events
        .iter()
        .map(|event| (event.record_id.expect("an EventRecordID"), event))
        .collect();
    let mut mapping: BTreeMap<(u32, &'static str), usize> = BTreeMap::new();
    let mut checked = Vec::new();
    for xml in derived.as_deref().map(xml_events).unwrap_or_default() {
        let id = xml.1.record_id.expect("an EventRecordID");
        let place = format!("record {id} (event {})", xml.0.event_id);
        let Some(ours) = by_id.get(&id) else {
            tally.disagreements.push(format!("{relative} {place}: not read by vakt"));
            continue;
        };
        checked.push(id);
        compare_record(&mut tally, &place, &xml, ours);
        let outcome = to_event(ours);
        *mapping.entry((ours.event_id, stream_of(&outcome))).or_default() += 1;
        tally.check_mapping(&place, &xml.0, outcome.as_ref().map_err(String::as_str));
    }
    // Records python-evtx did not render (or the files it has no XML for):
    // the mapping against the values vakt read.
    for event in events.iter().filter(|event| !checked.contains(&event.record_id.unwrap_or(0))) {
        let place = format!("record {} (event {})", event.record_id.unwrap_or(0), event.event_id);
        let outcome = to_event(event);
        *mapping.entry((event.event_id, stream_of(&outcome))).or_default() += 1;
        tally.check_mapping(&place, &own_record(event), outcome.as_ref().map_err(String::as_str));
    }
    let mapping: Vec<String> = mapping
        .iter()
        .map(|((id, stream), count)| format!("{id}→{stream} ×{count}"))
        .collect();
    let with_xml = if derived.is_some() { "python-evtx xml" } else { "no derived xml" };
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
