//! Windows event logs, from every shape they are exported in, as one model.
//!
//! A Windows event is a provider, an event id, the channel it was written to,
//! the computer, the time it was created and its data. The shapes read into
//! a [`WindowsEvent`]:
//!
//! * XML ([`xml`]): `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
//!   <System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4624</EventID>
//!   ...</System><EventData><Data Name="TargetUserName">alice</Data>...</EventData></Event>`,
//!   as written by Event Viewer's "Save as XML", `wevtutil qe /f:xml` and
//!   `Get-WinEvent | % ToXml()`;
//! * JSON ([`json`]): winlogbeat / Elastic Agent documents, NXLog `to_json()`
//!   lines, `Get-WinEvent | ConvertTo-Json -Compress` objects and the JSON
//!   the `evtx` crate renders;
//! * `.evtx` files ([`evtx`]), read record by record.
//!
//! `data` holds the named `EventData/Data` items and the leaves of
//! `UserData` by element name (`User`, `SessionID`, `Address` for the
//! TerminalServices events, `Param1`.. for RemoteConnectionManager and
//! PrintService). Unnamed `Data` items are named by the known field order of
//! the event (see [`positional_names`]) and otherwise by their position,
//! `0`, `1`, ...
//!
//! [`security::to_event`] maps the events vakt reads to session, access and
//! firewall events.

pub mod access;
pub mod evtx;
pub mod firewall;
pub mod json;
pub mod security;
pub mod xml;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

/// The provider of the Security log's audit events.
pub const SECURITY_PROVIDER: &str = "Microsoft-Windows-Security-Auditing";
/// The provider of the RDP session events (`.../Operational` 21-25).
pub const LOCAL_SESSION_MANAGER: &str = "Microsoft-Windows-TerminalServices-LocalSessionManager";
/// The provider of the RDP network-level authentication event 1149.
pub const REMOTE_CONNECTION_MANAGER: &str =
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager";
/// The provider of the print spooler's events (307: a document was printed).
pub const PRINT_SERVICE: &str = "Microsoft-Windows-PrintService";

/// The keyword bit of a successful audit (`Audit Success`).
pub const AUDIT_SUCCESS: u64 = 0x0020_0000_0000_0000;
/// The keyword bit of a failed audit (`Audit Failure`).
pub const AUDIT_FAILURE: u64 = 0x0010_0000_0000_0000;

/// One Windows event, whatever shape it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowsEvent {
    /// `System/Provider/@Name`, e.g. `Microsoft-Windows-Security-Auditing`.
    pub provider: String,
    /// `System/EventID`.
    pub event_id: u32,
    /// `System/Channel`, e.g. `Security` (may be `ForwardedEvents` after forwarding).
    pub channel: String,
    /// `System/Computer`, the computer that wrote the event.
    pub computer: String,
    /// `System/TimeCreated/@SystemTime`, truncated to whole microseconds.
    pub time: DateTime<Utc>,
    /// `System/EventRecordID`.
    pub record_id: Option<u64>,
    /// `System/Keywords` as a bit mask (see [`AUDIT_SUCCESS`], [`AUDIT_FAILURE`]).
    pub keywords: Option<u64>,
    /// The event's data items by name (see the module documentation).
    pub data: BTreeMap<String, String>,
}

impl WindowsEvent {
    /// The data item `name`, trimmed, if present and neither empty nor `-`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.data
            .get(name)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty() && *value != "-")
    }

    /// Whether the event is a failed audit (its keywords say `Audit Failure`).
    pub fn is_audit_failure(&self) -> bool {
        self.keywords
            .is_some_and(|keywords| keywords & AUDIT_FAILURE != 0)
    }

    /// The provider compared without regard to ASCII case.
    pub fn is_from(&self, provider: &str) -> bool {
        self.provider.eq_ignore_ascii_case(provider)
    }
}

/// Reads `System/TimeCreated/@SystemTime`: RFC 3339 with up to 9 fractional
/// digits (`2024-03-14T12:34:56.1234567Z`), also with a space for the `T`
/// (`2019-02-13 15:14:52.409735+00:00`); without an offset it is UTC.
pub fn parse_system_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(time) = DateTime::parse_from_rfc3339(&with_t) {
        return Some(time.with_timezone(&Utc).trunc_subsecs(6));
    }
    let naive = NaiveDateTime::parse_from_str(&with_t, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(naive.and_utc().trunc_subsecs(6))
}

/// Reads `System/Keywords`: hexadecimal with `0x` or a decimal integer,
/// signed ones (NXLog, PowerShell) taken as their 64 bits.
pub fn parse_keywords(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    text.parse::<u64>()
        .ok()
        .or_else(|| text.parse::<i64>().ok().map(|signed| signed as u64))
}

/// The field names of an event's data in order, for shapes that give the
/// data by position (unnamed `Data` items, `Get-WinEvent` `Properties`).
/// Empty for the events vakt does not read.
pub fn positional_names(provider: &str, event_id: u32) -> &'static [&'static str] {
    const LOGON: &[&str] = &[
        "SubjectUserSid",
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectLogonId",
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonId",
        "LogonType",
        "LogonProcessName",
        "AuthenticationPackageName",
        "WorkstationName",
        "LogonGuid",
        "TransmittedServices",
        "LmPackageName",
        "KeyLength",
        "ProcessId",
        "ProcessName",
        "IpAddress",
        "IpPort",
        "ImpersonationLevel",
        "RestrictedAdminMode",
        "TargetOutboundUserName",
        "TargetOutboundDomainName",
        "VirtualAccount",
        "TargetLinkedLogonId",
        "ElevatedToken",
    ];
    const FAILED_LOGON: &[&str] = &[
        "SubjectUserSid",
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectLogonId",
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "Status",
        "FailureReason",
        "SubStatus",
        "LogonType",
        "LogonProcessName",
        "AuthenticationPackageName",
        "WorkstationName",
        "TransmittedServices",
        "LmPackageName",
        "KeyLength",
        "ProcessId",
        "ProcessName",
        "IpAddress",
        "IpPort",
    ];
    const LOGOFF: &[&str] = &[
        "TargetUserSid",
        "TargetUserName",
        "TargetDomainName",
        "TargetLogonId",
        "LogonType",
    ];
    const SESSION_CHANGE: &[&str] = &[
        "AccountName",
        "AccountDomain",
        "LogonID",
        "SessionName",
        "ClientName",
        "ClientAddress",
    ];
    const OBJECT_ACCESS: &[&str] = &[
        "SubjectUserSid",
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectLogonId",
        "ObjectServer",
        "ObjectType",
        "ObjectName",
        "HandleId",
        "AccessList",
        "AccessMask",
        "ProcessId",
        "ProcessName",
        "ResourceAttributes",
    ];
    const SHARE_ACCESS: &[&str] = &[
        "SubjectUserSid",
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectLogonId",
        "ObjectType",
        "IpAddress",
        "IpPort",
        "ShareName",
        "ShareLocalPath",
        "AccessMask",
        "AccessList",
    ];
    const SHARE_FILE_ACCESS: &[&str] = &[
        "SubjectUserSid",
        "SubjectUserName",
        "SubjectDomainName",
        "SubjectLogonId",
        "ObjectType",
        "IpAddress",
        "IpPort",
        "ShareName",
        "ShareLocalPath",
        "RelativeTargetName",
        "AccessMask",
        "AccessList",
        "AccessReason",
    ];
    const CONNECTION: &[&str] = &[
        "ProcessID",
        "Application",
        "Direction",
        "SourceAddress",
        "SourcePort",
        "DestAddress",
        "DestPort",
        "Protocol",
        "FilterRTID",
        "LayerName",
        "LayerRTID",
        "RemoteUserID",
        "RemoteMachineID",
    ];
    const TS_SESSION: &[&str] = &["User", "SessionID", "Address"];
    const PARAMS: &[&str] = &[
        "Param1", "Param2", "Param3", "Param4", "Param5", "Param6", "Param7", "Param8",
    ];
    let is = |name: &str| provider.eq_ignore_ascii_case(name);
    match event_id {
        4624 if is(SECURITY_PROVIDER) => LOGON,
        4625 if is(SECURITY_PROVIDER) => FAILED_LOGON,
        4634 | 4647 if is(SECURITY_PROVIDER) => LOGOFF,
        4778 | 4779 if is(SECURITY_PROVIDER) => SESSION_CHANGE,
        4663 if is(SECURITY_PROVIDER) => OBJECT_ACCESS,
        5140 if is(SECURITY_PROVIDER) => SHARE_ACCESS,
        5145 if is(SECURITY_PROVIDER) => SHARE_FILE_ACCESS,
        5152 | 5156 | 5157 if is(SECURITY_PROVIDER) => CONNECTION,
        21 | 23 | 24 | 25 if is(LOCAL_SESSION_MANAGER) => TS_SESSION,
        1149 if is(REMOTE_CONNECTION_MANAGER) => PARAMS,
        307 if is(PRINT_SERVICE) => PARAMS,
        _ => &[],
    }
}

/// The name of the data item at `index` for an event given by position.
pub fn positional_name(names: &[&str], index: usize) -> String {
    match names.get(index) {
        Some(name) => (*name).to_string(),
        None => index.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_times_of_every_exporter_are_read_to_the_microsecond() {
        let expected = "2024-03-14T12:34:56.123456Z";
        for text in [
            "2024-03-14T12:34:56.1234567Z",
            "2024-03-14 12:34:56.123456+00:00",
            "2024-03-14T13:34:56.1234569+01:00",
            "2024-03-14T12:34:56.123456",
        ] {
            let time = parse_system_time(text).unwrap();
            assert_eq!(
                time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                expected
            );
        }
        assert_eq!(parse_system_time("yesterday"), None);
        assert_eq!(parse_system_time(""), None);
    }

    #[test]
    fn keywords_are_hex_or_signed_decimal() {
        assert_eq!(
            parse_keywords("0x8020000000000000"),
            Some(0x8020000000000000)
        );
        assert_eq!(
            parse_keywords("-9214364837600034816"),
            Some(0x8020000000000000)
        );
        assert_eq!(parse_keywords("0xzz"), None);
    }

    #[test]
    fn positional_names_fall_back_to_the_index() {
        let names = positional_names(SECURITY_PROVIDER, 4634);
        assert_eq!(positional_name(names, 1), "TargetUserName");
        assert_eq!(positional_name(names, 7), "7");
        assert!(positional_names(SECURITY_PROVIDER, 4672).is_empty());
    }
}
