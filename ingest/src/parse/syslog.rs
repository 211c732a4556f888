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
//!   The offset may also be written `+0100` or `+01` (`journalctl -o
//!   short-iso` writes `+0100` in older versions, `+01:00` in newer ones).
//! * `journalctl -o short-full`: `Thu 2024-03-14 12:34:56 CET host prog[pid]: message`.
//!   The zone is `UTC`, `GMT`, `Z`, a numeric offset, or an abbreviation of
//!   the configured zone: it must be one that zone uses at that local time
//!   (so `CET` on a summer date in Europe/Oslo is refused), and it picks the
//!   instant in the repeated hour of a fall-back day.
//! * RFC 5424: `<38>1 2026-03-03T09:12:44.201338+01:00 host app procid msgid [SD] message`
//!   with `-` for absent values and an optional byte-order mark before the message.
//!
//! In the 3164 shapes the host may be missing (`Mar  2 08:14:03 sshd[7]: ...`,
//! as some forwarders write it) and so may the program tag
//! (`Jun 28 04:35:30 router [RULE-1] IN=...`): a missing host or program is
//! the empty string.

use std::fmt;

use chrono::offset::LocalResult;
use chrono::{DateTime, FixedOffset, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::OffsetName;

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

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

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
        let time = parse_iso_time(stamp, clock).map_err(|reason| match reason {
            Some(reason) => SyslogError::Invalid(reason),
            None => SyslogError::NotSyslog,
        })?;
        return Ok((time, rest));
    }
    if let Some(after_weekday) = WEEKDAYS
        .iter()
        .find_map(|weekday| body.strip_prefix(weekday)?.strip_prefix(' '))
        .filter(|rest| rest.as_bytes().first().is_some_and(u8::is_ascii_digit))
    {
        return parse_short_full(after_weekday, clock);
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
///
/// `Err(None)` when the text is no date and time, `Err(Some(reason))` when
/// it is one followed by something that is not an offset.
fn parse_iso_time(stamp: &str, clock: &mut SyslogClock) -> Result<DateTime<Utc>, Option<String>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(stamp) {
        return Ok(clock.offset_instant(time));
    }
    let (date, time_and_offset) = stamp.split_once('T').ok_or(None)?;
    let offset_start = time_and_offset
        .find(|character: char| {
            !(character.is_ascii_digit() || character == ':' || character == '.')
        })
        .unwrap_or(time_and_offset.len());
    let time = time_and_offset.get(..offset_start).ok_or(None)?;
    let offset = time_and_offset.get(offset_start..).ok_or(None)?;
    let local = NaiveDateTime::parse_from_str(&format!("{date}T{time}"), "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|_| None)?;
    if offset.is_empty() {
        return Ok(clock.local_instant(local));
    }
    let offset = parse_offset(offset).ok_or_else(|| {
        Some(format!(
            "syslog: expected a utc offset such as `+01:00`, `+0100` or `Z` after the time, found `{offset}`"
        ))
    })?;
    let time = local_with_offset(local, offset)
        .ok_or_else(|| Some(format!("syslog: timestamp `{stamp}` is out of range")))?;
    Ok(clock.offset_instant(time))
}

/// `Z`, `+HH`, `+HHMM` or `+HH:MM` (or `-`).
fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text == "Z" || text == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match text.split_at_checked(1)? {
        ("+", digits) => (1, digits),
        ("-", digits) => (-1, digits),
        _ => return None,
    };
    let (hours, minutes) = match digits.len() {
        2 => (digits, "00"),
        4 => digits.split_at_checked(2)?,
        5 => digits.split_once(':')?,
        _ => return None,
    };
    let hours = parse_digits(hours, 2, 2).filter(|hours| *hours <= 23)?;
    let minutes = parse_digits(minutes, 2, 2).filter(|minutes| *minutes <= 59)?;
    let seconds = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    FixedOffset::east_opt(sign * seconds)
}

fn local_with_offset(local: NaiveDateTime, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    offset.from_local_datetime(&local).single()
}

/// The rest of a `journalctl -o short-full` line after the weekday:
/// `2024-03-14 12:34:56[.ffffff] ZONE host prog[pid]: message`.
fn parse_short_full<'a>(
    text: &'a str,
    clock: &mut SyslogClock,
) -> Result<(DateTime<Utc>, &'a str), SyslogError> {
    let mut parts = text.splitn(4, ' ');
    let (Some(date), Some(time), Some(zone)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SyslogError::Invalid(
            "syslog: expected `Day YYYY-MM-DD HH:MM:SS ZONE` (journalctl short-full)".to_string(),
        ));
    };
    let rest = parts.next().unwrap_or("");
    let Ok(local) =
        NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S%.f")
    else {
        return Err(SyslogError::Invalid(format!(
            "syslog: expected `YYYY-MM-DD HH:MM:SS` after the weekday (journalctl short-full), found `{date} {time}`"
        )));
    };
    let time = zoned_instant(local, zone, clock).map_err(SyslogError::Invalid)?;
    Ok((time, rest))
}

/// The instant of a local time followed by a zone name or offset.
fn zoned_instant(
    local: NaiveDateTime,
    zone: &str,
    clock: &mut SyslogClock,
) -> Result<DateTime<Utc>, String> {
    let out_of_range = || format!("syslog: time `{local}` is out of range");
    let fixed = match zone {
        "UTC" | "GMT" | "UT" | "Z" => FixedOffset::east_opt(0),
        _ if zone.starts_with(['+', '-']) => parse_offset(zone),
        _ => None,
    };
    if let Some(offset) = fixed {
        let time = local_with_offset(local, offset).ok_or_else(out_of_range)?;
        return Ok(clock.offset_instant(time));
    }
    let time_zone = clock.time_zone();
    let candidates: Vec<_> = match time_zone.offset_from_local_datetime(&local) {
        LocalResult::Single(offset) => vec![offset],
        LocalResult::Ambiguous(earlier, later) => vec![earlier, later],
        LocalResult::None => Vec::new(),
    };
    let used: Vec<&str> = candidates
        .iter()
        .filter_map(|offset| offset.abbreviation())
        .collect();
    let matching: Vec<_> = candidates
        .iter()
        .filter(|offset| offset.abbreviation() == Some(zone))
        .collect();
    match matching.as_slice() {
        [offset] => {
            let time = local_with_offset(local, offset.fix()).ok_or_else(out_of_range)?;
            Ok(clock.offset_instant(time))
        }
        [_, _] => Ok(clock.local_instant(local)),
        _ if used.is_empty() => Err(format!(
            "syslog: zone `{zone}` is not UTC, GMT or an offset, and {local} does not exist in the configured zone {time_zone}"
        )),
        _ => Err(format!(
            "syslog: zone `{zone}` is not UTC, GMT, an offset or what the configured zone {time_zone} uses at {local} (`{}`)",
            used.join("` or `")
        )),
    }
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
    let time =
        parse_iso_time(stamp, clock).map_err(|reason| {
            SyslogError::Invalid(reason.unwrap_or_else(|| {
                format!("syslog: expected an rfc 3339 timestamp, found `{stamp}`")
            }))
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
#[path = "syslog_tests.rs"]
mod tests;
