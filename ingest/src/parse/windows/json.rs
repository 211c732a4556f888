//! Windows events as JSON objects, in the shapes collectors write.
//!
//! * winlogbeat / Elastic Agent: `{"@timestamp":"2024-03-14T12:34:56.123Z",
//!   "winlog":{"event_id":4624,"provider_name":"Microsoft-Windows-Security-Auditing",
//!   "channel":"Security","computer_name":"ts1","record_id":81234,
//!   "keywords":["Audit Success"],"event_data":{"TargetUserName":"alice",...}},...}`;
//!   `winlog.event_id` may be a string, `event.code` and `host.name` stand in
//!   for a missing event id and computer, `winlog.user_data` gives its leaves;
//! * NXLog `to_json()`: flat, `{"EventTime":"2020-09-04 03:06:25","EventID":4624,
//!   "SourceName":"Microsoft-Windows-Security-Auditing","Channel":"Security",
//!   "Hostname":"dc1","RecordNumber":187204,"Keywords":-9214364837600034816,
//!   "TargetUserName":"alice",...}`: every other top-level scalar is a data item;
//!   `EventTime` without an offset is local time in the given zone;
//! * `Get-WinEvent | ConvertTo-Json -Compress`: `{"Id":4624,"ProviderName":...,
//!   "LogName":"Security","MachineName":"ts1","RecordId":81234,
//!   "TimeCreated":"/Date(1710419696123)/","Keywords":-9214364837600034816,
//!   "Properties":[{"Value":"S-1-5-18"},...]}`: the properties are named by the
//!   event's known field order (see [`super::positional_names`]), else `0`, `1`, ...;
//!   `TimeCreated` may also be ISO 8601;
//! * the `evtx` crate's rendering: `{"Event":{"System":{"Provider":{"#attributes":
//!   {"Name":...}},"EventID":4624,...},"EventData":{"TargetUserName":"alice",...}}}`,
//!   attributes under `#attributes` (or in a sibling `X_attributes`), text
//!   under `#text`; unnamed `Data` items come as `"Data":{"#text":[...]}`.
//!
//! Numbers and booleans among the data become their JSON text, `null` an
//! empty string.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeZone, Utc};
use serde_json::{Map, Value as Json};

use super::{
    AUDIT_FAILURE, AUDIT_SUCCESS, WindowsEvent, parse_keywords, parse_system_time, positional_name,
    positional_names,
};

/// How deep `UserData` objects are walked for leaves.
const MAX_DEPTH: usize = 16;

/// Whether a JSON object is a Windows event in one of the shapes read here.
pub fn looks_like_windows_json(object: &Map<String, Json>) -> bool {
    let evtx = object
        .get("Event")
        .and_then(Json::as_object)
        .is_some_and(|event| event.contains_key("System"));
    let winlogbeat = object.get("winlog").is_some_and(Json::is_object);
    let nxlog = object.contains_key("EventID") && object.contains_key("SourceName");
    let powershell = object.contains_key("Id") && object.contains_key("ProviderName");
    evtx || winlogbeat || nxlog || powershell
}

/// Reads a Windows event from a JSON object; `time_zone` is the zone of
/// NXLog's `EventTime` when it has no offset.
pub fn event_from_json(
    object: &Map<String, Json>,
    time_zone: chrono_tz::Tz,
) -> Result<WindowsEvent, String> {
    if let Some(event) = object.get("Event").and_then(Json::as_object) {
        return event_from_evtx_json(event);
    }
    if let Some(winlog) = object.get("winlog").and_then(Json::as_object) {
        return event_from_winlogbeat(object, winlog);
    }
    if object.contains_key("EventID") && object.contains_key("SourceName") {
        return event_from_nxlog(object, time_zone);
    }
    if object.contains_key("Id") && object.contains_key("ProviderName") {
        return event_from_powershell(object);
    }
    Err(
        "windows json: expected `winlog`, `Event`, NXLog's `EventID` or Get-WinEvent's `Id`"
            .to_string(),
    )
}

/// Reads the `Event` object of the `evtx` crate's JSON rendering.
pub fn event_from_evtx_json(event: &Map<String, Json>) -> Result<WindowsEvent, String> {
    let system = event
        .get("System")
        .and_then(Json::as_object)
        .ok_or("windows json: expected `Event.System`")?;
    let event_id = element_text(system, "EventID")
        .and_then(|text| text.trim().parse::<u32>().ok())
        .ok_or("windows json: expected a numeric `Event.System.EventID`")?;
    let time = attribute(system, "TimeCreated", "SystemTime")
        .and_then(|text| parse_system_time(&text))
        .ok_or("windows json: expected `Event.System.TimeCreated` with `SystemTime`")?;
    let mut windows_event = WindowsEvent {
        provider: attribute(system, "Provider", "Name").unwrap_or_default(),
        event_id,
        channel: element_text(system, "Channel").unwrap_or_default(),
        computer: element_text(system, "Computer").unwrap_or_default(),
        time,
        record_id: element_text(system, "EventRecordID").and_then(|text| text.parse().ok()),
        keywords: element_text(system, "Keywords").and_then(|text| parse_keywords(&text)),
        data: BTreeMap::new(),
    };
    if let Some(event_data) = event.get("EventData").and_then(Json::as_object) {
        read_evtx_event_data(event_data, &mut windows_event);
    }
    if let Some(user_data) = event.get("UserData") {
        add_leaves(user_data, "UserData", &mut windows_event.data);
    }
    Ok(windows_event)
}

fn event_from_winlogbeat(
    object: &Map<String, Json>,
    winlog: &Map<String, Json>,
) -> Result<WindowsEvent, String> {
    let event_code = path(object, &["event", "code"]);
    let event_id = winlog
        .get("event_id")
        .or(event_code)
        .and_then(scalar_text)
        .and_then(|text| text.trim().parse::<u32>().ok())
        .ok_or("windows json: expected a numeric `winlog.event_id` or `event.code`")?;
    let time = object
        .get("@timestamp")
        .and_then(Json::as_str)
        .and_then(parse_system_time)
        .ok_or("windows json: expected `@timestamp` in iso 8601")?;
    let computer = winlog
        .get("computer_name")
        .or(path(object, &["host", "name"]))
        .and_then(scalar_text)
        .unwrap_or_default();
    let keywords = winlog
        .get("keywords")
        .and_then(keywords_from_names)
        .or_else(|| {
            path(object, &["event", "outcome"])
                .and_then(Json::as_str)
                .and_then(keywords_from_outcome)
        });
    let mut event = WindowsEvent {
        provider: text_of(winlog, "provider_name"),
        event_id,
        channel: text_of(winlog, "channel"),
        computer,
        time,
        record_id: winlog
            .get("record_id")
            .and_then(scalar_text)
            .and_then(|text| text.parse().ok()),
        keywords,
        data: BTreeMap::new(),
    };
    if let Some(event_data) = winlog.get("event_data").and_then(Json::as_object) {
        for (name, value) in event_data {
            event.data.insert(name.clone(), value_text(value));
        }
    }
    if let Some(user_data) = winlog.get("user_data") {
        add_leaves(user_data, "user_data", &mut event.data);
    }
    Ok(event)
}

/// The top-level NXLog fields that are not event data.
const NXLOG_SYSTEM_FIELDS: [&str; 7] = [
    "EventID",
    "SourceName",
    "Channel",
    "Hostname",
    "RecordNumber",
    "EventTime",
    "Keywords",
];

fn event_from_nxlog(
    object: &Map<String, Json>,
    time_zone: chrono_tz::Tz,
) -> Result<WindowsEvent, String> {
    let event_id = object
        .get("EventID")
        .and_then(scalar_text)
        .and_then(|text| text.trim().parse::<u32>().ok())
        .ok_or("windows json: expected a numeric `EventID`")?;
    let time = object
        .get("EventTime")
        .and_then(Json::as_str)
        .and_then(|text| local_or_offset_time(text, time_zone))
        .ok_or("windows json: expected `EventTime` as `YYYY-MM-DD hh:mm:ss`")?;
    let keywords = object
        .get("Keywords")
        .and_then(scalar_text)
        .and_then(|text| parse_keywords(&text))
        .or_else(|| match object.get("EventType").and_then(Json::as_str) {
            Some("AUDIT_SUCCESS") => Some(AUDIT_SUCCESS),
            Some("AUDIT_FAILURE") => Some(AUDIT_FAILURE),
            _ => None,
        });
    let mut event = WindowsEvent {
        provider: text_of(object, "SourceName"),
        event_id,
        channel: text_of(object, "Channel"),
        computer: text_of(object, "Hostname"),
        time,
        record_id: object
            .get("RecordNumber")
            .and_then(scalar_text)
            .and_then(|text| text.parse().ok()),
        keywords,
        data: BTreeMap::new(),
    };
    for (name, value) in object {
        let is_scalar = !(value.is_object() || value.is_array());
        if is_scalar && !NXLOG_SYSTEM_FIELDS.contains(&name.as_str()) {
            event.data.insert(name.clone(), value_text(value));
        }
    }
    Ok(event)
}

fn event_from_powershell(object: &Map<String, Json>) -> Result<WindowsEvent, String> {
    let event_id = object
        .get("Id")
        .and_then(scalar_text)
        .and_then(|text| text.trim().parse::<u32>().ok())
        .ok_or("windows json: expected a numeric `Id`")?;
    let time = object
        .get("TimeCreated")
        .and_then(Json::as_str)
        .and_then(powershell_time)
        .ok_or("windows json: expected `TimeCreated` as `/Date(ms)/` or iso 8601")?;
    let provider = text_of(object, "ProviderName");
    let mut event = WindowsEvent {
        event_id,
        channel: text_of(object, "LogName"),
        computer: text_of(object, "MachineName"),
        time,
        record_id: object
            .get("RecordId")
            .and_then(scalar_text)
            .and_then(|text| text.parse().ok()),
        keywords: object
            .get("Keywords")
            .and_then(scalar_text)
            .and_then(|text| parse_keywords(&text)),
        data: BTreeMap::new(),
        provider,
    };
    let names = positional_names(&event.provider, event.event_id);
    let properties = object.get("Properties").and_then(Json::as_array);
    for (index, property) in properties.into_iter().flatten().enumerate() {
        let value = match property.get("Value") {
            Some(value) => powershell_value(value),
            None => powershell_value(property),
        };
        event.data.insert(positional_name(names, index), value);
    }
    Ok(event)
}

/// A property value: a scalar, or the `Value` of a serialised object (a SID).
fn powershell_value(value: &Json) -> String {
    match value {
        Json::Object(object) => object
            .get("Value")
            .or_else(|| object.get("Guid"))
            .map(value_text)
            .unwrap_or_default(),
        _ => value_text(value),
    }
}

/// `/Date(1710419696123)/` (milliseconds since 1970, UTC) or ISO 8601.
fn powershell_time(text: &str) -> Option<DateTime<Utc>> {
    let Some(inner) = text
        .trim()
        .strip_prefix("/Date(")
        .and_then(|rest| rest.strip_suffix(")/"))
    else {
        return parse_system_time(text);
    };
    // `/Date(ms+0100)/` carries the writer's offset after the UTC milliseconds.
    let digits_end = inner
        .char_indices()
        .find(|&(index, character)| index > 0 && !character.is_ascii_digit())
        .map_or(inner.len(), |(index, _)| index);
    let milliseconds = inner.get(..digits_end)?.parse::<i64>().ok()?;
    DateTime::from_timestamp_millis(milliseconds)
}

/// NXLog's `EventTime`: `2020-09-04 03:06:25` in `time_zone`, or with an offset.
fn local_or_offset_time(text: &str, time_zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(&text.replacen(' ', "T", 1)) {
        return Some(time.with_timezone(&Utc).trunc_subsecs(6));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()?;
    let local = time_zone.from_local_datetime(&naive).earliest()?;
    Some(local.with_timezone(&Utc).trunc_subsecs(6))
}

/// winlogbeat's `winlog.keywords`: `["Audit Success"]` or `["Audit Failure"]`.
fn keywords_from_names(names: &Json) -> Option<u64> {
    let names = names.as_array()?;
    let has = |wanted: &str| {
        names.iter().any(|name| {
            name.as_str()
                .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
    };
    if has("Audit Failure") {
        return Some(AUDIT_FAILURE);
    }
    if has("Audit Success") {
        return Some(AUDIT_SUCCESS);
    }
    None
}

fn keywords_from_outcome(outcome: &str) -> Option<u64> {
    match outcome {
        "success" => Some(AUDIT_SUCCESS),
        "failure" => Some(AUDIT_FAILURE),
        _ => None,
    }
}

/// The evtx rendering's `EventData`: named items, and unnamed ones under `Data`.
fn read_evtx_event_data(event_data: &Map<String, Json>, event: &mut WindowsEvent) {
    let names = positional_names(&event.provider, event.event_id);
    for (name, value) in event_data {
        if name == "#attributes" || name.ends_with("_attributes") {
            continue;
        }
        if name != "Data" {
            event.data.insert(name.clone(), value_text(value));
            continue;
        }
        let items = match value.get("#text").unwrap_or(value) {
            Json::Array(items) => items.iter().collect::<Vec<_>>(),
            single => vec![single],
        };
        for (index, item) in items.into_iter().enumerate() {
            event
                .data
                .entry(positional_name(names, index))
                .or_insert_with(|| value_text(item));
        }
    }
}

/// Adds the leaves of nested objects by their key (the first one wins);
/// a `#text` leaf is named by the element that holds it.
fn add_leaves(value: &Json, name: &str, data: &mut BTreeMap<String, String>) {
    let mut stack = vec![(name, value, 0usize)];
    while let Some((name, value, depth)) = stack.pop() {
        let Json::Object(object) = value else {
            data.entry(name.to_string())
                .or_insert_with(|| value_text(value));
            continue;
        };
        if depth >= MAX_DEPTH {
            continue;
        }
        // Pushed in reverse so that leaves are met in document order.
        for (key, child) in object.iter().rev() {
            if key == "#attributes" || key.ends_with("_attributes") || key == "xml_name" {
                continue;
            }
            let child_name = if key == "#text" { name } else { key.as_str() };
            stack.push((child_name, child, depth + 1));
        }
    }
}

/// The text of an element of the evtx rendering: a scalar or its `#text`.
fn element_text(object: &Map<String, Json>, name: &str) -> Option<String> {
    let value = object.get(name)?;
    let value = value.get("#text").unwrap_or(value);
    scalar_text(value)
}

/// An attribute of the evtx rendering: under `#attributes` or `X_attributes`.
fn attribute(object: &Map<String, Json>, element: &str, name: &str) -> Option<String> {
    let inline = object
        .get(element)
        .and_then(|value| value.get("#attributes"))
        .and_then(|attributes| attributes.get(name));
    let separate = object
        .get(&format!("{element}_attributes"))
        .and_then(|attributes| attributes.get(name));
    inline.or(separate).and_then(scalar_text)
}

fn path<'a>(object: &'a Map<String, Json>, keys: &[&str]) -> Option<&'a Json> {
    let (first, rest) = keys.split_first()?;
    let mut value = object.get(*first)?;
    for key in rest {
        value = value.get(*key)?;
    }
    Some(value)
}

fn text_of(object: &Map<String, Json>, key: &str) -> String {
    object.get(key).and_then(scalar_text).unwrap_or_default()
}

/// A string or number as text.
fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::String(text) => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// Any value as text: scalars as their text, `null` empty, arrays of
/// scalars joined by newlines (as Windows renders lists), objects by their `#text`.
fn value_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        Json::Number(number) => number.to_string(),
        Json::Bool(flag) => flag.to_string(),
        Json::Null => String::new(),
        Json::Array(items) => items
            .iter()
            .filter(|item| !(item.is_object() || item.is_array()))
            .map(value_text)
            .collect::<Vec<_>>()
            .join("\n"),
        Json::Object(object) => object.get("#text").map(value_text).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
