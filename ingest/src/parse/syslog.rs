//! The syslog header: when, which host, which program, and the message.
//!
//! Accepted shapes, each with an optional leading `<PRI>`:
//!
//! * RFC 3164: `Mar  2 08:14:03 host prog[pid]: message` (also a single
//!   space before a one-digit day, a zero-padded day, and fractional seconds);
//!   the year and the zone come from the [`SyslogClock`] (see its module).
//! * The same with an ISO 8601 timestamp, as rsyslog's high-precision
//!   template writes it: `2026-03-02T08:14:03.123+01:00 host prog[pid]: message`
//!   (without an offset the time is local).
//! * RFC 5424: `<38>1 2026-03-03T09:12:44.201338+01:00 host app procid msgid [SD] message`
//!   with `-` for absent values and an optional byte-order mark before the message.
//!
//! In the 3164 shapes the host may be missing (`Mar  2 08:14:03 sshd[7]: ...`,
//! as some forwarders write it) and so may the program tag
//! (`Jun 28 04:35:30 router [RULE-1] IN=...`): a missing host or program is
//! the empty string.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};

use super::clock::SyslogClock;

/// The parts of a syslog line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyslogLine<'a> {
    /// When the line was written, truncated to microseconds.
    pub time: DateTime<Utc>,
    /// The host that wrote it (empty when the line names none).
    pub host: String,
    /// The program tag without the pid (empty when the line has none).
    pub program: String,
    /// The process id in the tag (`prog[pid]`) or the RFC 5424 PROCID.
    pub pid: Option<String>,
    /// The text after the header.
    pub message: &'a str,
}

/// Why a line could not be read as syslog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyslogError {
    /// The line does not start like any syslog header.
    NotSyslog,
    /// It starts like one but something in the header is wrong.
    Invalid(String),
}

impl fmt::Display for SyslogError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyslogError::NotSyslog => formatter.write_str("not a syslog line (RFC 3164 or 5424)"),
            SyslogError::Invalid(reason) => formatter.write_str(reason),
        }
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses the header of a syslog line, taking the time state from `clock`.
pub fn parse_syslog<'a>(
    line: &'a str,
    clock: &mut SyslogClock,
) -> Result<SyslogLine<'a>, SyslogError> {
    let body = strip_priority(line);
    let has_priority = body.len() < line.len();
    if let Some(rfc5424) = body.strip_prefix("1 ")
        && has_priority
    {
        return parse_rfc5424(rfc5424, clock);
    }
    let (time, rest) = parse_rfc3164_time(body, clock)?;
    Ok(split_host_and_tag(time, rest))
}

/// The line without a leading `<PRI>`.
fn strip_priority(line: &str) -> &str {
    let Some(rest) = line.strip_prefix('<') else {
        return line;
    };
    let Some(end) = rest.find('>') else {
        return line;
    };
    let digits = &rest[..end];
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return line;
    }
    &rest[end + 1..]
}

/// The time at the start of a 3164 body and the text after it.
fn parse_rfc3164_time<'a>(
    body: &'a str,
    clock: &mut SyslogClock,
) -> Result<(DateTime<Utc>, &'a str), SyslogError> {
    if body.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        let (stamp, rest) = body.split_once(' ').ok_or(SyslogError::NotSyslog)?;
        let time = parse_iso_time(stamp, clock).ok_or(SyslogError::NotSyslog)?;
        return Ok((time, rest));
    }
    let month = MONTHS
        .iter()
        .position(|name| body.starts_with(name))
        .ok_or(SyslogError::NotSyslog)?;
    let after_month = body[3..].strip_prefix(' ').ok_or(SyslogError::NotSyslog)?;
    let after_month = after_month.trim_start_matches(' ');
    let (day, after_day) = after_month.split_once(' ').ok_or(SyslogError::NotSyslog)?;
    let (clock_text, rest) = after_day.split_once(' ').unwrap_or((after_day, ""));
    let day: u32 = parse_digits(day, 1, 2).ok_or(SyslogError::NotSyslog)?;
    let time = parse_clock_time(clock_text).ok_or(SyslogError::NotSyslog)?;
    let month = month as u32 + 1;
    let instant = clock
        .year_less_instant(month, day, time)
        .map_err(SyslogError::Invalid)?;
    Ok((instant, rest))
}

/// `HH:MM:SS` with optional fractional seconds.
fn parse_clock_time(text: &str) -> Option<NaiveTime> {
    if text.len() < 8 || text.as_bytes().get(2) != Some(&b':') {
        return None;
    }
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").ok()
}

fn parse_digits(text: &str, min: usize, max: usize) -> Option<u32> {
    let well_formed =
        (min..=max).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_digit());
    if !well_formed {
        return None;
    }
    text.parse().ok()
}

/// An ISO 8601 / RFC 3339 timestamp; local time when it has no offset.
fn parse_iso_time(stamp: &str, clock: &mut SyslogClock) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(stamp) {
        return Some(clock.offset_instant(time));
    }
    let local = NaiveDateTime::parse_from_str(stamp, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(clock.local_instant(local))
}

/// Splits `host tag: message`, where host and tag may each be missing.
fn split_host_and_tag(time: DateTime<Utc>, rest: &str) -> SyslogLine<'_> {
    let (first, after_first) = next_token(rest);
    if let Some((program, pid)) = parse_tag(first) {
        return line_of(time, "", program, pid, after_first);
    }
    let (second, after_second) = next_token(after_first);
    match parse_tag(second) {
        Some((program, pid)) => line_of(time, first, program, pid, after_second),
        None => line_of(time, first, "", None, after_first),
    }
}

fn line_of<'a>(
    time: DateTime<Utc>,
    host: &str,
    program: &str,
    pid: Option<&str>,
    message: &'a str,
) -> SyslogLine<'a> {
    SyslogLine {
        time,
        host: host.to_string(),
        program: program.to_string(),
        pid: pid.map(str::to_string),
        message: message.trim_start_matches(' '),
    }
}

/// The token up to the next space and the text after that space.
fn next_token(text: &str) -> (&str, &str) {
    let text = text.trim_start_matches(' ');
    text.split_once(' ').unwrap_or((text, ""))
}

/// `prog:` or `prog[pid]:` as (program, pid).
fn parse_tag(token: &str) -> Option<(&str, Option<&str>)> {
    let tag = token.strip_suffix(':')?;
    let (program, pid) = match tag.strip_suffix(']') {
        Some(with_pid) => {
            let (program, pid) = with_pid.split_once('[')?;
            (program, Some(pid))
        }
        None => (tag, None),
    };
    let plausible = !program.is_empty()
        && program
            .chars()
            .all(|character| character.is_alphanumeric() || "-_./@".contains(character));
    plausible.then_some((program, pid))
}

/// The fields after `<PRI>1 `.
fn parse_rfc5424<'a>(
    text: &'a str,
    clock: &mut SyslogClock,
) -> Result<SyslogLine<'a>, SyslogError> {
    let mut fields = text.splitn(6, ' ');
    let mut next_field = || fields.next().filter(|field| !field.is_empty());
    let (Some(stamp), Some(host), Some(app), Some(procid), Some(_msgid)) = (
        next_field(),
        next_field(),
        next_field(),
        next_field(),
        next_field(),
    ) else {
        return Err(SyslogError::Invalid(
            "syslog: expected rfc 5424 `timestamp host app procid msgid`".to_string(),
        ));
    };
    let remainder = next_field().unwrap_or("");
    if stamp == "-" {
        return Err(SyslogError::Invalid(
            "syslog: rfc 5424 line without a timestamp".to_string(),
        ));
    }
    let time = parse_iso_time(stamp, clock).ok_or_else(|| {
        SyslogError::Invalid(format!(
            "syslog: expected an rfc 3339 timestamp, found `{stamp}`"
        ))
    })?;
    let message = skip_structured_data(remainder)?;
    let message = message.strip_prefix('\u{feff}').unwrap_or(message);
    Ok(SyslogLine {
        time,
        host: nil_to_empty(host).to_string(),
        program: nil_to_empty(app).to_string(),
        pid: Some(procid).filter(|pid| *pid != "-").map(str::to_string),
        message,
    })
}

fn nil_to_empty(field: &str) -> &str {
    if field == "-" { "" } else { field }
}

/// The message after the STRUCTURED-DATA field (`-` or `[id k="v"]...`).
fn skip_structured_data(text: &str) -> Result<&str, SyslogError> {
    if let Some(rest) = text.strip_prefix('-') {
        return Ok(rest.strip_prefix(' ').unwrap_or(rest));
    }
    if !text.starts_with('[') {
        return Err(SyslogError::Invalid(
            "syslog: expected rfc 5424 structured data or `-`".to_string(),
        ));
    }
    let mut in_quotes = false;
    let mut escaped = false;
    let mut depth_open = false;
    for (index, character) in text.char_indices() {
        match character {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' if depth_open => in_quotes = !in_quotes,
            '[' if !in_quotes => depth_open = true,
            ']' if !in_quotes => {
                depth_open = false;
                let rest = &text[index + 1..];
                if !rest.starts_with('[') {
                    return Ok(rest.strip_prefix(' ').unwrap_or(rest));
                }
            }
            _ => {}
        }
    }
    Err(SyslogError::Invalid(
        "syslog: unterminated rfc 5424 structured data".to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Oslo;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn parse(line: &str) -> Result<SyslogLine<'_>, SyslogError> {
        let mut clock = SyslogClock::new(Oslo, Some(2026), utc("2026-12-01T00:00:00Z"));
        parse_syslog(line, &mut clock)
    }

    #[test]
    fn reads_rfc3164_with_two_spaces_before_the_day() {
        let line = parse("Mar  2 08:14:03 ts1 sshd[4121]: Accepted password for ola").unwrap();
        assert_eq!(line.time, utc("2026-03-02T07:14:03Z"));
        assert_eq!(line.host, "ts1");
        assert_eq!(line.program, "sshd");
        assert_eq!(line.pid.as_deref(), Some("4121"));
        assert_eq!(line.message, "Accepted password for ola");
    }

    #[test]
    fn reads_single_space_and_zero_padded_days_and_priority() {
        let single = parse("Nov 2 15:40:14 workshop sshd[28179]: x").unwrap();
        assert_eq!(single.time, utc("2026-11-02T14:40:14Z"));
        let padded = parse("<86>Aug 03 21:39:20 hostname sshd[69420]: y").unwrap();
        assert_eq!(padded.time, utc("2026-08-03T19:39:20Z"));
        assert_eq!(padded.host, "hostname");
        assert_eq!(padded.message, "y");
    }

    #[test]
    fn reads_tags_without_pid_and_lines_without_host_or_tag() {
        let kernel = parse("Jun  8 14:34:33 fw1 kernel: [ 1.5] IN=eth0").unwrap();
        assert_eq!((kernel.program.as_str(), kernel.pid), ("kernel", None));
        assert_eq!(kernel.message, "[ 1.5] IN=eth0");
        let no_host = parse("Jun  8 14:34:33 sshd-session[77]: Connection closed").unwrap();
        assert_eq!(no_host.host, "");
        assert_eq!(no_host.program, "sshd-session");
        let no_tag = parse("Jun 28 04:35:30 Abc-A1 [RULE-1] IN=abc.123 OUT=").unwrap();
        assert_eq!(no_tag.host, "Abc-A1");
        assert_eq!(no_tag.program, "");
        assert_eq!(no_tag.message, "[RULE-1] IN=abc.123 OUT=");
    }

    #[test]
    fn reads_iso_timestamps_in_the_rfc3164_position() {
        let line =
            parse("2023-11-14T00:20:42.738197+01:00 myserver sshd[1112652]: User root").unwrap();
        assert_eq!(line.time, utc("2023-11-13T23:20:42.738197Z"));
        assert_eq!(line.host, "myserver");
        let local = parse("2026-07-01T12:00:00 myserver sshd[1]: x").unwrap();
        assert_eq!(local.time, utc("2026-07-01T10:00:00Z"));
    }

    #[test]
    fn reads_rfc5424_with_and_without_structured_data() {
        let plain = "<38>1 2026-03-03T09:12:44.201338+01:00 ts1 sshd 4121 - - Accepted publickey";
        let line = parse(plain).unwrap();
        assert_eq!(line.time, utc("2026-03-03T08:12:44.201338Z"));
        assert_eq!((line.host.as_str(), line.program.as_str()), ("ts1", "sshd"));
        assert_eq!(line.pid.as_deref(), Some("4121"));
        assert_eq!(line.message, "Accepted publickey");
        let structured = "<134>1 2026-03-03T08:12:44Z fw1 filterlog - ID7 [meta a=\"x] \\\"y\"][b c=\"1\"] \u{feff}5,,,1";
        let line = parse(structured).unwrap();
        assert_eq!(line.time, utc("2026-03-03T08:12:44Z"));
        assert_eq!(line.pid, None);
        assert_eq!(line.message, "5,,,1");
        let empty = parse("<13>1 2026-03-03T08:12:44Z - - - - -").unwrap();
        assert_eq!(
            (empty.host.as_str(), empty.program.as_str(), empty.message),
            ("", "", "")
        );
    }

    #[test]
    fn refuses_what_is_not_syslog() {
        assert_eq!(parse("hello world"), Err(SyslogError::NotSyslog));
        assert_eq!(
            parse("Mar 2 25:00:00 host x: y"),
            Err(SyslogError::NotSyslog)
        );
        assert_eq!(
            parse("Marty 2 08:00:00 host x: y"),
            Err(SyslogError::NotSyslog)
        );
        assert_eq!(
            parse("2026-13-01T00:00:00Z host x: y"),
            Err(SyslogError::NotSyslog)
        );
        let nil_time = parse("<13>1 - host app - - - msg").unwrap_err();
        assert!(nil_time.to_string().contains("without a timestamp"));
        let bad_day = parse("Feb 30 08:00:00 host x: y").unwrap_err();
        assert!(bad_day.to_string().contains("no day 30"), "{bad_day}");
    }
}
