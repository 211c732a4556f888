//! One line of `audit.log`: a record of an audit event.
//!
//! `[node=HOST ]type=KIND msg=audit(SECONDS.MILLIS:SERIAL): key=value ...`,
//! optionally followed by the ENRICHED part (`log_format = ENRICHED`): a
//! group separator (byte 0x1d, or a space once a forwarder has replaced it)
//! and `KEY=value` fields with uppercase keys (`AUID="alice"`,
//! `SYSCALL=open`). The kernel's own spelling as the journal or `dmesg` show it
//! (`audit: type=1300 audit(...): ...`) is read too, with the numeric type of
//! the common records turned into its name.
//!
//! Values are `"quoted"`, `'quoted'` (the `msg='...'` of user-space records),
//! or bare. auditd writes a string as hex when it holds a space, a quote or a
//! control character: the string fields (`name`, `cwd`, `proctitle`, `exe`,
//! `comm`, `key`, ... and the arguments of `EXECVE` records) are decoded when
//! bare and made of an even number of hex digits (lossily, as UTF-8). The NULs
//! between the arguments of `proctitle` become spaces, the `\x01` between
//! several `key`s a comma. Words without `=` (the `avc:  denied  { read }`
//! of AVC records) are skipped.

use chrono::{DateTime, Utc};

/// Field names whose bare values are hex-encoded strings.
const STRING_FIELDS: [&str; 21] = [
    "name",
    "cwd",
    "proctitle",
    "comm",
    "exe",
    "path",
    "key",
    "acct",
    "data",
    "cmd",
    "dir",
    "file",
    "watch",
    "ocomm",
    "old",
    "new",
    "grp",
    "new_group",
    "root_dir",
    "vm",
    "sw",
];

/// One audit record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// The `node=` name, when the line has one.
    pub node: Option<String>,
    /// The record type (`SYSCALL`, `PATH`, `EOE`, ...).
    pub kind: String,
    /// When the event happened (the `msg=audit(...)` stamp, millisecond resolution).
    pub time: DateTime<Utc>,
    /// The event's serial number, shared by all records of one event.
    pub serial: u64,
    /// The fields after the header, in line order, with decoded values;
    /// ENRICHED fields keep their uppercase keys.
    pub fields: Vec<(String, String)>,
}

impl AuditRecord {
    /// The value of the first field named `key` (case-sensitive).
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// Whether a line looks like an audit record (cheap; not a full check).
pub fn looks_like_audit(line: &str) -> bool {
    let start = line.trim_start();
    let header_start = start.starts_with("type=")
        || start.starts_with("node=")
        || start.starts_with("audit: type=");
    header_start && line.contains("audit(")
}

/// Parses one line of `audit.log`.
pub fn parse_audit_record(line: &str) -> Result<AuditRecord, String> {
    let rest = line.trim_start();
    let rest = rest.strip_prefix("audit: ").unwrap_or(rest);
    let (node, rest) = match rest.strip_prefix("node=") {
        Some(after) => {
            let (node, rest) = after.split_once(' ').unwrap_or((after, ""));
            (Some(node.to_string()), rest.trim_start())
        }
        None => (None, rest),
    };
    let Some(rest) = rest.strip_prefix("type=") else {
        return Err("auditd: expected `type=` at the start of the record".to_string());
    };
    let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if kind.is_empty() {
        return Err("auditd: expected a record type after `type=`".to_string());
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("msg=").unwrap_or(rest);
    let Some(rest) = rest.strip_prefix("audit(") else {
        return Err(
            "auditd: expected `msg=audit(SECONDS.MILLIS:SERIAL):` after the type".to_string(),
        );
    };
    let Some((stamp, fields_text)) = rest.split_once("):") else {
        return Err("auditd: expected `):` after the audit stamp".to_string());
    };
    let (time, serial) = parse_stamp(stamp)?;
    let kind = kind_name(kind);
    let fields = parse_fields(fields_text, &kind);
    Ok(AuditRecord {
        node,
        kind,
        time,
        serial,
        fields,
    })
}

/// `SECONDS.MILLIS:SERIAL` as an instant and a serial number.
fn parse_stamp(stamp: &str) -> Result<(DateTime<Utc>, u64), String> {
    let invalid =
        || format!("auditd: expected `SECONDS.MILLIS:SERIAL` in audit(...), found `{stamp}`");
    let (time, serial) = stamp.split_once(':').ok_or_else(invalid)?;
    let (seconds, fraction) = time.split_once('.').unwrap_or((time, ""));
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    let fraction_ok = fraction.is_empty() || (digits(fraction) && fraction.len() <= 9);
    if !digits(seconds) || !digits(serial) || !fraction_ok {
        return Err(invalid());
    }
    let seconds: i64 = seconds.parse().map_err(|_| invalid())?;
    let serial: u64 = serial.parse().map_err(|_| invalid())?;
    let nanos = format!("{fraction:0<9}");
    let nanos: u32 = nanos.parse().map_err(|_| invalid())?;
    let time = DateTime::from_timestamp(seconds, nanos - nanos % 1000).ok_or_else(invalid)?;
    Ok((time, serial))
}

/// The name of a record type given as a number (kernel spelling), else the type as written.
fn kind_name(kind: &str) -> String {
    let name = match kind {
        "1300" => "SYSCALL",
        "1302" => "PATH",
        "1307" => "CWD",
        "1309" => "EXECVE",
        "1320" => "EOE",
        "1327" => "PROCTITLE",
        "1400" => "AVC",
        _ => kind,
    };
    name.to_string()
}

/// The `key=value` fields of a record body, decoded.
fn parse_fields(text: &str, kind: &str) -> Vec<(String, String)> {
    let is_separator = |character: char| character == ' ' || character == '\u{1d}';
    let mut fields = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(is_separator);
        if rest.is_empty() {
            break;
        }
        let token_end = rest.find(|character: char| is_separator(character) || character == '=');
        let Some(equals) =
            token_end.filter(|&index| rest.get(index..).is_some_and(|tail| tail.starts_with('=')))
        else {
            let word_end = rest.find(is_separator).unwrap_or(rest.len());
            rest = rest.get(word_end..).unwrap_or("");
            continue;
        };
        let key = rest.get(..equals).unwrap_or("");
        let after = rest.get(equals + 1..).unwrap_or("");
        let (raw, quoted, remainder) = read_value(after, is_separator);
        rest = remainder;
        if key.is_empty() {
            continue;
        }
        let value = if quoted {
            raw.to_string()
        } else {
            decode_bare(key, raw, kind)
        };
        fields.push((key.to_string(), value));
    }
    fields
}

/// A value at the start of `text`: (value without quotes, whether it was quoted, rest).
fn read_value(text: &str, is_separator: impl Fn(char) -> bool) -> (&str, bool, &str) {
    for quote in ['"', '\''] {
        if let Some(inner) = text.strip_prefix(quote) {
            return match inner.split_once(quote) {
                Some((value, rest)) => (value, true, rest),
                None => (inner, true, ""),
            };
        }
    }
    let end = text.find(is_separator).unwrap_or(text.len());
    (
        text.get(..end).unwrap_or(""),
        false,
        text.get(end..).unwrap_or(""),
    )
}

/// A bare value, hex-decoded when the field holds a string.
fn decode_bare(key: &str, raw: &str, kind: &str) -> String {
    let is_string = STRING_FIELDS.contains(&key) || (kind == "EXECVE" && is_execve_argument(key));
    if !is_string {
        return raw.to_string();
    }
    let Some(bytes) = hex_bytes(raw) else {
        return raw.to_string();
    };
    let text = String::from_utf8_lossy(&bytes);
    match key {
        "proctitle" => text.trim_end_matches('\0').replace('\0', " "),
        "key" => text.replace('\u{1}', ","),
        _ => text.into_owned(),
    }
}

/// `a0`, `a12`, or a piece of a long argument `a1[0]` (not `argc`, not `a1_len`).
pub(super) fn is_execve_argument(key: &str) -> bool {
    let Some(rest) = key.strip_prefix('a') else {
        return false;
    };
    let digits_end = rest
        .find(|character: char| !character.is_ascii_digit())
        .unwrap_or(rest.len());
    let (digits, tail) = rest.split_at(digits_end);
    if digits.is_empty() {
        return false;
    }
    tail.is_empty()
        || tail
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .is_some_and(|index| {
                !index.is_empty() && index.bytes().all(|byte| byte.is_ascii_digit())
            })
}

/// The bytes of an even-length run of hex digits.
fn hex_bytes(raw: &str) -> Option<Vec<u8>> {
    if raw.is_empty()
        || !raw.len().is_multiple_of(2)
        || !raw.bytes().all(|byte| byte.is_ascii_hexdigit())
    {
        return None;
    }
    hex::decode(raw).ok()
}
