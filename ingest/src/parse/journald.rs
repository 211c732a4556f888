//! systemd journal entries exported by `journalctl -o json` and `-o export`.
//!
//! `-o json` writes one object per line:
//!
//! ```text
//! {"__CURSOR": "s=...", "__REALTIME_TIMESTAMP": "1710419696123456", "_HOSTNAME": "ts1", "SYSLOG_IDENTIFIER": "sshd", "_PID": "4121", "_TRANSPORT": "syslog", "MESSAGE": "Accepted publickey for ola from 10.0.0.5 port 50522 ssh2"}
//! ```
//!
//! `-o export` writes the same fields as `KEY=value` lines, one entry per
//! group of lines, groups separated by an empty line.
//!
//! An entry maps to a [`JournalEntry`], the syslog-like header the
//! line parsers read the message from:
//!
//! * time: `_SOURCE_REALTIME_TIMESTAMP` (when the program logged, which
//!   `journalctl` itself shows) if present, else `__REALTIME_TIMESTAMP`
//!   (when the journal received it); microseconds since the epoch, required;
//! * host: `_HOSTNAME` (empty when absent);
//! * program: `SYSLOG_IDENTIFIER`, else `_COMM`; `kernel` for
//!   `_TRANSPORT=kernel`; empty when none;
//! * pid: `_PID`, else `SYSLOG_PID`;
//! * message: `MESSAGE`, a string, or in JSON an array of bytes when it is
//!   not UTF-8 (decoded lossily); required.
//!
//! A field written more than once is an array of values in JSON: the first
//! counts. `journalctl` writes `null` for values it left out as too large.
//! In export, a binary field (the key alone on its line, then a 64-bit
//! little-endian length and the raw bytes) cannot be read from text lines:
//! its entry is refused, and the lines up to the end of the entry ignored.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

/// The fields of one journal entry that the parsers need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// When the message was logged (whole microseconds).
    pub time: DateTime<Utc>,
    /// The host that logged it (empty when unknown).
    pub host: String,
    /// The program (`SYSLOG_IDENTIFIER`, else `_COMM`; `kernel` for kernel messages).
    pub program: String,
    /// The process id.
    pub pid: Option<String>,
    /// The message text.
    pub message: String,
}

/// Whether a JSON object is a journal entry (it has `__REALTIME_TIMESTAMP`).
pub fn is_journal_json(object: &Map<String, Value>) -> bool {
    object.contains_key("__REALTIME_TIMESTAMP")
}

/// The entry of a `journalctl -o json` object.
pub fn journal_entry(object: &Map<String, Value>) -> Result<JournalEntry, String> {
    let mut fields = Fields::default();
    for key in Fields::KEYS {
        let Some(value) = object.get(key) else {
            continue;
        };
        let text = json_text(value).ok_or_else(|| {
            format!("journald: `{key}` is null (left out by journalctl as too large) or not text")
        })?;
        fields.set(key, text);
    }
    fields.entry()
}

/// A JSON field value as text: a string, bytes, or the first of several values.
fn json_text(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) if !value_is_bytes(value) => items.first().and_then(single_text),
        Value::Number(number) => Some(number.to_string()),
        _ => single_text(value),
    }
}

/// One value: a string, or an array of bytes decoded lossily.
fn single_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Array(items) if value_is_bytes(value) => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(|item| item.as_u64().and_then(|byte| u8::try_from(byte).ok()))
                .collect();
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        _ => None,
    }
}

/// An array of numbers 0-255.
fn value_is_bytes(value: &Value) -> bool {
    value.as_array().is_some_and(|items| {
        items
            .iter()
            .all(|item| item.as_u64().is_some_and(|byte| byte <= 255))
    })
}

/// Whether a line starts an entry of `journalctl -o export`.
pub fn looks_like_export_field(line: &str) -> bool {
    [
        "__CURSOR=",
        "__REALTIME_TIMESTAMP=",
        "__MONOTONIC_TIMESTAMP=",
        "__SEQNUM=",
        "__SEQNUM_ID=",
    ]
    .iter()
    .any(|prefix| line.starts_with(prefix))
}

/// Collects the fields of one `journalctl -o export` entry, line by line.
#[derive(Clone, Debug, Default)]
pub struct ExportEntry {
    fields: Fields,
    /// Why the entry cannot be read, once known.
    broken: Option<String>,
}

impl ExportEntry {
    /// An entry with no fields yet.
    pub fn new() -> ExportEntry {
        ExportEntry::default()
    }

    /// Adds one `KEY=value` line (without its line ending). A binary field
    /// makes the entry unreadable: that line gives the error, the lines after
    /// it are ignored, and [`ExportEntry::finish`] gives the error again.
    pub fn push_field(&mut self, line: &str) -> Result<(), String> {
        if self.broken.is_some() {
            return Ok(());
        }
        let Some((key, value)) = line.split_once('=') else {
            let reason = if is_field_name(line) {
                format!(
                    "journald: binary field `{line}` (written as a length and raw bytes) is not read"
                )
            } else {
                "journald: expected a `KEY=value` line in the export entry".to_string()
            };
            self.broken = Some(reason.clone());
            return Err(reason);
        };
        if !is_field_name(key) {
            return Err(format!(
                "journald: expected a field name of capitals, digits and `_`, found `{}`",
                key.chars().take(40).collect::<String>()
            ));
        }
        if Fields::KEYS.contains(&key) {
            self.fields.set(key, value.to_string());
        }
        Ok(())
    }

    /// The entry, once its empty line (or the end of the input) was reached.
    pub fn finish(self) -> Result<JournalEntry, String> {
        if let Some(reason) = self.broken {
            return Err(reason);
        }
        self.fields.entry()
    }
}

/// `[A-Z0-9_]+`, not starting with a digit (the journal's field names).
fn is_field_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|character: char| character.is_ascii_digit())
        && text
            .bytes()
            .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || byte == b'_')
}

/// The fields read, first value of each.
#[derive(Clone, Debug, Default)]
struct Fields {
    realtime: Option<String>,
    source_realtime: Option<String>,
    hostname: Option<String>,
    identifier: Option<String>,
    command: Option<String>,
    pid: Option<String>,
    syslog_pid: Option<String>,
    transport: Option<String>,
    message: Option<String>,
}

impl Fields {
    const KEYS: [&'static str; 9] = [
        "__REALTIME_TIMESTAMP",
        "_SOURCE_REALTIME_TIMESTAMP",
        "_HOSTNAME",
        "SYSLOG_IDENTIFIER",
        "_COMM",
        "_PID",
        "SYSLOG_PID",
        "_TRANSPORT",
        "MESSAGE",
    ];

    fn set(&mut self, key: &str, value: String) {
        let slot = match key {
            "__REALTIME_TIMESTAMP" => &mut self.realtime,
            "_SOURCE_REALTIME_TIMESTAMP" => &mut self.source_realtime,
            "_HOSTNAME" => &mut self.hostname,
            "SYSLOG_IDENTIFIER" => &mut self.identifier,
            "_COMM" => &mut self.command,
            "_PID" => &mut self.pid,
            "SYSLOG_PID" => &mut self.syslog_pid,
            "_TRANSPORT" => &mut self.transport,
            "MESSAGE" => &mut self.message,
            _ => return,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }

    fn entry(self) -> Result<JournalEntry, String> {
        let Some(realtime) = self.realtime else {
            return Err("journald: expected `__REALTIME_TIMESTAMP`".to_string());
        };
        let received = parse_micros(&realtime).ok_or_else(|| {
            format!("journald: expected microseconds since the epoch in `__REALTIME_TIMESTAMP`, found `{realtime}`")
        })?;
        let time = self
            .source_realtime
            .as_deref()
            .and_then(parse_micros)
            .unwrap_or(received);
        let Some(message) = self.message else {
            return Err("journald: expected a `MESSAGE`".to_string());
        };
        let non_empty = |value: &Option<String>| value.clone().filter(|text| !text.is_empty());
        let program = if self.transport.as_deref() == Some("kernel") {
            "kernel".to_string()
        } else {
            non_empty(&self.identifier)
                .or_else(|| non_empty(&self.command))
                .unwrap_or_default()
        };
        Ok(JournalEntry {
            time,
            host: self.hostname.unwrap_or_default(),
            program,
            pid: non_empty(&self.pid).or_else(|| non_empty(&self.syslog_pid)),
            message,
        })
    }
}

fn parse_micros(text: &str) -> Option<DateTime<Utc>> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp_micros(text.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Map<String, Value> {
        serde_json::from_str(text).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_a_json_entry() {
        let entry = object(
            r#"{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1710419696123456","_HOSTNAME":"ts1","SYSLOG_IDENTIFIER":"sshd","_COMM":"sshd-session","_PID":"4121","SYSLOG_PID":"4120","_TRANSPORT":"syslog","MESSAGE":"Accepted publickey for ola"}"#,
        );
        assert!(is_journal_json(&entry));
        assert_eq!(
            journal_entry(&entry).unwrap(),
            JournalEntry {
                time: utc("2024-03-14T12:34:56.123456Z"),
                host: "ts1".to_string(),
                program: "sshd".to_string(),
                pid: Some("4121".to_string()),
                message: "Accepted publickey for ola".to_string(),
            }
        );
        assert!(!is_journal_json(&object(r#"{"MESSAGE":"x"}"#)));
    }

    #[test]
    fn prefers_the_source_time_and_falls_back_to_comm_and_syslog_pid() {
        let entry = journal_entry(&object(
            r#"{"__REALTIME_TIMESTAMP":"1710419696123456","_SOURCE_REALTIME_TIMESTAMP":"1710419696000001","_COMM":"smbd","SYSLOG_PID":"77","MESSAGE":"x"}"#,
        ))
        .unwrap();
        assert_eq!(entry.time, utc("2024-03-14T12:34:56.000001Z"));
        assert_eq!(entry.program, "smbd");
        assert_eq!(entry.pid.as_deref(), Some("77"));
        assert_eq!(entry.host, "");
    }

    #[test]
    fn kernel_messages_and_byte_arrays() {
        let entry = journal_entry(&object(
            r#"{"__REALTIME_TIMESTAMP":"1","_TRANSPORT":"kernel","SYSLOG_IDENTIFIER":"kernel","MESSAGE":[73,78,61,255,32,79]}"#,
        ))
        .unwrap();
        assert_eq!(entry.program, "kernel");
        assert_eq!(entry.message, "IN=\u{fffd} O");
        let repeated = journal_entry(&object(
            r#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":["first","second"]}"#,
        ))
        .unwrap();
        assert_eq!(repeated.message, "first");
    }

    #[test]
    fn refuses_json_entries_without_time_or_message() {
        let no_message = journal_entry(&object(r#"{"__REALTIME_TIMESTAMP":"1"}"#)).unwrap_err();
        assert_eq!(no_message, "journald: expected a `MESSAGE`");
        let null_message =
            journal_entry(&object(r#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":null}"#)).unwrap_err();
        assert!(null_message.contains("`MESSAGE` is null"), "{null_message}");
        let bad_time =
            journal_entry(&object(r#"{"__REALTIME_TIMESTAMP":"-5","MESSAGE":"x"}"#)).unwrap_err();
        assert!(bad_time.contains("found `-5`"), "{bad_time}");
        let huge = journal_entry(&object(
            r#"{"__REALTIME_TIMESTAMP":"99999999999999999999","MESSAGE":"x"}"#,
        ));
        assert!(huge.is_err());
        let no_time = journal_entry(&object(r#"{"MESSAGE":"x"}"#)).unwrap_err();
        assert_eq!(no_time, "journald: expected `__REALTIME_TIMESTAMP`");
    }

    #[test]
    fn reads_an_export_entry() {
        let lines = [
            "__CURSOR=s=abc;i=1",
            "__REALTIME_TIMESTAMP=1710419696123456",
            "__MONOTONIC_TIMESTAMP=1234",
            "_HOSTNAME=fs1",
            "SYSLOG_IDENTIFIER=smbd",
            "_PID=4411",
            "MESSAGE=  Auth: [SMB2,(null)] user [X]\\[y] a=b",
            "MESSAGE=second",
        ];
        assert!(looks_like_export_field(lines[0]));
        assert!(!looks_like_export_field("MESSAGE=x"));
        let mut entry = ExportEntry::new();
        for line in lines {
            entry.push_field(line).unwrap();
        }
        let entry = entry.finish().unwrap();
        assert_eq!(entry.time, utc("2024-03-14T12:34:56.123456Z"));
        assert_eq!(entry.host, "fs1");
        assert_eq!(entry.program, "smbd");
        assert_eq!(entry.pid.as_deref(), Some("4411"));
        assert_eq!(entry.message, "  Auth: [SMB2,(null)] user [X]\\[y] a=b");
    }

    #[test]
    fn export_entries_with_binary_fields_are_refused() {
        let mut entry = ExportEntry::new();
        entry.push_field("__REALTIME_TIMESTAMP=1").unwrap();
        let error = entry.push_field("MESSAGE").unwrap_err();
        assert_eq!(
            error,
            "journald: binary field `MESSAGE` (written as a length and raw bytes) is not read"
        );
        entry.push_field("\u{7}\0\0\0\0\0\0\0garbage").unwrap();
        assert_eq!(entry.finish().unwrap_err(), error);
        let mut entry = ExportEntry::new();
        let bad_key = entry.push_field("lower=x").unwrap_err();
        assert!(bad_key.contains("found `lower`"), "{bad_key}");
        entry.push_field("MESSAGE=x").unwrap();
        assert_eq!(
            entry.finish().unwrap_err(),
            "journald: expected `__REALTIME_TIMESTAMP`"
        );
        let mut entry = ExportEntry::new();
        assert!(entry.push_field("not a field").is_err());
        assert!(entry.finish().is_err());
    }
}
