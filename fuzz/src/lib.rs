//! What the fuzz targets share: turning arbitrary bytes into the inputs
//! the parsers take.

use chrono::{DateTime, Utc};
use vakt_ingest::parse::syslog::SyslogLine;

/// The input as text: the parsers read UTF-8 lines (`vakt ingest`
/// quarantines other bytes before a parser sees them).
pub fn text(data: &[u8]) -> &str {
    match std::str::from_utf8(data) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&data[..error.valid_up_to()]).unwrap_or(""),
    }
}

/// A fixed instant, so that runs repeat.
pub fn reference_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_772_400_000, 0).unwrap_or_default()
}

/// A syslog message of `program` from the input: its first line is the
/// host, its second the pid, the rest the message.
pub fn message<'a>(program: &str, text: &'a str) -> SyslogLine<'a> {
    let mut parts = text.splitn(3, '\n');
    let host = parts.next().unwrap_or("");
    let pid = parts.next().unwrap_or("");
    let message = parts.next().unwrap_or("");
    SyslogLine {
        time: reference_time(),
        host: host.to_string(),
        program: program.to_string(),
        pid: (!pid.is_empty()).then(|| pid.to_string()),
        message,
    }
}
