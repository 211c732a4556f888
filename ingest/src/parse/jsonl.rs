//! JSON Lines: one event per line, as an object with the stream, the time
//! and the stream's columns by their names (`schemas/src/table.rs`):
//!
//! ```json
//! {"stream":"sessions","time":"2026-03-02T08:14:03Z","server":"ts1","protocol":"ssh","action":"login","user":"ola"}
//! ```
//!
//! * `stream` is `sessions`, `firewall` or `access`; it may be left out when
//!   the source's stream is given;
//! * `time` is RFC 3339 and required;
//! * required columns must be present and not null, optional ones may be
//!   left out or null; ports are integers 0-65535, flags `true` or `false`;
//! * unknown fields are refused, naming them.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Map, Value as Json};
use vakt_schemas::table::{Column, ColumnType, event_columns};
use vakt_schemas::{Event, Stream, Value};

/// A line the JSON reader refused, with the stream it was meant for if known.
#[derive(Debug, PartialEq, Eq)]
pub struct JsonRejection {
    /// What was wrong, lowercase.
    pub reason: String,
    /// The stream the line named or the source was given.
    pub intended: Option<Stream>,
}

/// The streams a JSON line may carry.
const LINE_STREAMS: [Stream; 3] = [Stream::Sessions, Stream::Firewall, Stream::Access];

/// Parses one JSON line; `default_stream` is used when the line names none.
pub fn parse_jsonl(
    line: &str,
    default_stream: Option<Stream>,
) -> Result<(DateTime<Utc>, Event), JsonRejection> {
    let reject = |reason: String, intended: Option<Stream>| JsonRejection { reason, intended };
    let object = match serde_json::from_str::<Json>(line) {
        Ok(Json::Object(object)) => object,
        Ok(_) => {
            return Err(reject(
                "jsonl: expected a json object".to_string(),
                default_stream,
            ));
        }
        Err(error) => {
            return Err(reject(
                format!("jsonl: invalid json: {error}"),
                default_stream,
            ));
        }
    };
    let stream =
        stream_of(&object, default_stream).map_err(|reason| reject(reason, default_stream))?;
    read_event(&object, stream).map_err(|reason| reject(reason, Some(stream)))
}

fn stream_of(object: &Map<String, Json>, default_stream: Option<Stream>) -> Result<Stream, String> {
    let stream = match object.get("stream") {
        None => default_stream.ok_or("jsonl: missing field `stream`")?,
        Some(Json::String(name)) => name.parse::<Stream>().map_err(|_| {
            format!("jsonl: unknown stream `{name}`: expected sessions, firewall or access")
        })?,
        Some(other) => {
            return Err(format!(
                "jsonl: field `stream`: expected a string, found {other}"
            ));
        }
    };
    if !LINE_STREAMS.contains(&stream) {
        return Err(format!(
            "jsonl: stream `{stream}` cannot be ingested from lines: expected sessions, firewall or access"
        ));
    }
    Ok(stream)
}

fn read_event(
    object: &Map<String, Json>,
    stream: Stream,
) -> Result<(DateTime<Utc>, Event), String> {
    let columns = event_columns(stream);
    check_field_names(object, stream, columns)?;
    let time = read_time(object)?;
    let values = columns
        .iter()
        .map(|column| read_value(object.get(column.name), column))
        .collect::<Result<Vec<Value>, String>>()?;
    let event = Event::from_values(stream, &values).map_err(|error| format!("jsonl: {error}"))?;
    Ok((time, event))
}

/// Refuses unknown fields and missing required ones, naming all of them.
fn check_field_names(
    object: &Map<String, Json>,
    stream: Stream,
    columns: &[Column],
) -> Result<(), String> {
    let mut unknown: Vec<&str> = object
        .keys()
        .map(String::as_str)
        .filter(|key| *key != "stream" && *key != "time")
        .filter(|key| !columns.iter().any(|column| column.name == *key))
        .collect();
    unknown.sort_unstable();
    if !unknown.is_empty() {
        return Err(format!(
            "jsonl: unknown {} for stream {stream}",
            name_list("field", &unknown)
        ));
    }
    let present = |name: &str| object.get(name).is_some_and(|value| !value.is_null());
    let missing: Vec<&str> = std::iter::once("time")
        .chain(
            columns
                .iter()
                .filter(|column| !column.nullable)
                .map(|column| column.name),
        )
        .filter(|name| !present(name))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "jsonl: missing required {}",
            name_list("field", &missing)
        ));
    }
    Ok(())
}

/// "field `a`" or "fields `a`, `b`".
fn name_list(noun: &str, names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    let plural = if names.len() == 1 { "" } else { "s" };
    format!("{noun}{plural} {}", quoted.join(", "))
}

fn read_time(object: &Map<String, Json>) -> Result<DateTime<Utc>, String> {
    let text = match object.get("time") {
        Some(Json::String(text)) => text,
        other => {
            return Err(format!(
                "jsonl: field `time`: expected an rfc 3339 string, found {}",
                shown(other)
            ));
        }
    };
    let time = DateTime::parse_from_rfc3339(text)
        .map_err(|_| format!("jsonl: field `time`: expected an rfc 3339 time, found `{text}`"))?;
    Ok(time.with_timezone(&Utc).trunc_subsecs(6))
}

fn read_value(json: Option<&Json>, column: &Column) -> Result<Value, String> {
    let json = match json {
        None | Some(Json::Null) => return Ok(Value::Null),
        Some(json) => json,
    };
    let value = match (column.kind, json) {
        (ColumnType::Utf8, Json::String(text)) => Some(Value::Utf8(text.clone())),
        (ColumnType::UInt16, Json::Number(number)) => number
            .as_u64()
            .and_then(|number| u16::try_from(number).ok())
            .map(Value::UInt16),
        (ColumnType::Boolean, Json::Bool(flag)) => Some(Value::Boolean(*flag)),
        _ => None,
    };
    value.ok_or_else(|| {
        format!(
            "jsonl: field `{}`: expected {}, found {json}",
            column.name,
            expected_of(column.kind)
        )
    })
}

fn expected_of(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Utf8 => "a string",
        ColumnType::UInt16 => "an integer 0-65535",
        ColumnType::Boolean => "true or false",
        _ => "a value this reader does not take",
    }
}

fn shown(json: Option<&Json>) -> String {
    json.map_or_else(|| "nothing".to_string(), Json::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vakt_schemas::{AccessEvent, FirewallEvent, SessionEvent};

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_a_session_line() {
        let line = r#"{"stream":"sessions","time":"2026-03-02T08:14:03.1234567+01:00","server":"ts1","protocol":"rdp","action":"login","user":"ola","src_port":3389,"multi_factor":true,"session_id":null}"#;
        let (time, event) = parse_jsonl(line, None).unwrap();
        assert_eq!(time, utc("2026-03-02T07:14:03.123456Z"));
        let expected = SessionEvent {
            server: "ts1".to_string(),
            protocol: "rdp".to_string(),
            action: "login".to_string(),
            user: Some("ola".to_string()),
            src_port: Some(3389),
            multi_factor: Some(true),
            ..SessionEvent::default()
        };
        assert_eq!(event, Event::Sessions(expected));
    }

    #[test]
    fn the_stream_may_come_from_the_source() {
        let line = r#"{"time":"2026-03-02T08:14:03Z","host":"fs1","operation":"read","path":"/data/a","success":true}"#;
        let (_, event) = parse_jsonl(line, Some(Stream::Access)).unwrap();
        let expected = AccessEvent {
            host: "fs1".to_string(),
            operation: "read".to_string(),
            path: "/data/a".to_string(),
            success: true,
            ..AccessEvent::default()
        };
        assert_eq!(event, Event::Access(expected));
        let missing = parse_jsonl(line, None).unwrap_err();
        assert_eq!(missing.reason, "jsonl: missing field `stream`");
    }

    #[test]
    fn reads_a_firewall_line() {
        let line = r#"{"stream":"firewall","time":"2026-03-02T08:14:03Z","device":"fw1","action":"deny","src_ip":"1.2.3.4","dst_ip":"10.20.0.5","dst_port":22,"protocol":"TCP","new_connection":true}"#;
        let (_, event) = parse_jsonl(line, None).unwrap();
        let Event::Firewall(FirewallEvent {
            dst_port,
            new_connection,
            ..
        }) = event
        else {
            panic!("not a firewall event");
        };
        assert_eq!((dst_port, new_connection), (Some(22), true));
    }

    #[test]
    fn names_unknown_and_missing_fields() {
        let unknown = r#"{"stream":"sessions","time":"2026-03-02T08:14:03Z","server":"a","protocol":"ssh","action":"login","usr":"x","pid":3}"#;
        let rejection = parse_jsonl(unknown, None).unwrap_err();
        assert_eq!(
            rejection.reason,
            "jsonl: unknown fields `pid`, `usr` for stream sessions"
        );
        assert_eq!(rejection.intended, Some(Stream::Sessions));
        let missing = r#"{"stream":"sessions","server":"a","action":null}"#;
        let rejection = parse_jsonl(missing, None).unwrap_err();
        assert_eq!(
            rejection.reason,
            "jsonl: missing required fields `time`, `protocol`, `action`"
        );
    }

    #[test]
    fn refuses_wrong_types_streams_and_times() {
        let base =
            r#""time":"2026-03-02T08:14:03Z","server":"a","protocol":"ssh","action":"login""#;
        let port = parse_jsonl(
            &format!(r#"{{"stream":"sessions",{base},"src_port":70000}}"#),
            None,
        )
        .unwrap_err();
        assert_eq!(
            port.reason,
            "jsonl: field `src_port`: expected an integer 0-65535, found 70000"
        );
        let user =
            parse_jsonl(&format!(r#"{{"stream":"sessions",{base},"user":7}}"#), None).unwrap_err();
        assert_eq!(
            user.reason,
            "jsonl: field `user`: expected a string, found 7"
        );
        let audit = parse_jsonl(&format!(r#"{{"stream":"audit",{base}}}"#), None).unwrap_err();
        assert!(
            audit.reason.contains("stream `audit` cannot be ingested"),
            "{}",
            audit.reason
        );
        let bogus = parse_jsonl(&format!(r#"{{"stream":"logins",{base}}}"#), None).unwrap_err();
        assert!(bogus.reason.starts_with("jsonl: unknown stream `logins`"));
        let time = r#"{"stream":"sessions","time":"yesterday","server":"a","protocol":"ssh","action":"x"}"#;
        let rejection = parse_jsonl(time, None).unwrap_err();
        assert_eq!(
            rejection.reason,
            "jsonl: field `time`: expected an rfc 3339 time, found `yesterday`"
        );
        assert!(
            parse_jsonl("[1,2]", None)
                .unwrap_err()
                .reason
                .contains("expected a json object")
        );
        assert!(
            parse_jsonl("{oops", None)
                .unwrap_err()
                .reason
                .starts_with("jsonl: invalid json")
        );
    }
}
