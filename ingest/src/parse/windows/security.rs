//! The Windows events vakt reads, as session, access and firewall events.
//!
//! Sessions (`server` = computer, `multi_factor` unknown: the log does not say):
//!
//! | event | action | protocol |
//! |---|---|---|
//! | Security 4624, `LogonType` 10 (RemoteInteractive) | `login` | `rdp` |
//! | Security 4624, `LogonType` 2 (Interactive), 11 (CachedInteractive) | `login` | `console` |
//! | Security 4624, `LogonType` 7 (Unlock) | `unlock` | `windows` |
//! | Security 4624, any other type (3 network, 4 batch, 5 service, 8, 9, 12, 13) | `logon` | `windows` |
//! | Security 4625 | `failed` | by `LogonType` as for 4624 |
//! | Security 4634, 4647 | `logout` | by `LogonType` (4647 has none: `windows`) |
//! | Security 4778 / 4779 | `reconnect` / `disconnect` | `rdp` (`console` for session `Console`) |
//! | LocalSessionManager 21 (session logon) | `open` | `rdp` (`console` for address `LOCAL`) |
//! | LocalSessionManager 23 / 24 / 25 | `logout` / `disconnect` / `reconnect` | as for 21 |
//! | RemoteConnectionManager 1149 (network level authentication) | `partial` | `rdp` |
//!
//! One RDP logon writes both 4624 type 10 and LocalSessionManager 21: 4624
//! is the `login` (the Security log is the audited log, the one most often
//! collected, and it gives the logon id, port and authentication package)
//! and 21 is `open`, so a logon is counted once. 1149 says the credentials
//! passed network level authentication before the logon: `partial`.
//!
//! The user is `DOMAIN\name` when a domain is given (not `-`), else the name;
//! a user principal name (`alice@corp.example`) is kept alone. Machine
//! accounts (`PC01$`) and `ANONYMOUS LOGON` are kept as logged; `-` is no
//! user. `session_id` is the logon id (`TargetLogonId`, `LogonID`) written
//! as `0x` and lowercase hex without leading zeros, or the TerminalServices
//! `SessionID`. `auth_methods` is the `AuthenticationPackageName`, else the
//! `LogonProcessName`. Addresses are kept as logged, except that `-`,
//! `LOCAL` and `Unknown` are no address and IPv4-mapped IPv6 is written as IPv4.
//!
//! File access and printing are read in [`super::access`], the filtering
//! platform's connection events in [`super::firewall`].

use std::net::IpAddr;

use vakt_schemas::{Event, SessionEvent};

use super::{
    LOCAL_SESSION_MANAGER, PRINT_SERVICE, REMOTE_CONNECTION_MANAGER, SECURITY_PROVIDER,
    WindowsEvent, access, firewall,
};

/// The vakt event of a Windows event, or why vakt does not read it.
pub fn to_event(event: &WindowsEvent) -> Result<Event, String> {
    let id = event.event_id;
    if event.is_from(SECURITY_PROVIDER) {
        match id {
            4624 | 4625 | 4634 | 4647 | 4778 | 4779 => {
                return Ok(Event::Sessions(security_session(event)));
            }
            4663 | 5140 | 5145 => return access::file_access(event).map(Event::Access),
            5152 | 5156 | 5157 => return firewall::connection(event).map(Event::Firewall),
            _ => {}
        }
    }
    if event.is_from(LOCAL_SESSION_MANAGER) && matches!(id, 21 | 23 | 24 | 25) {
        return Ok(Event::Sessions(terminal_session(event)));
    }
    if event.is_from(REMOTE_CONNECTION_MANAGER) && id == 1149 {
        return Ok(Event::Sessions(network_level_authentication(event)));
    }
    if event.is_from(PRINT_SERVICE) && id == 307 {
        return access::printed(event).map(Event::Access);
    }
    Err(format!(
        "windows: {} event {id} is not read",
        source_name(event)
    ))
}

/// How an event's source is named in reasons: `Security` for the audit events.
pub(crate) fn source_name(event: &WindowsEvent) -> &str {
    if event.is_from(SECURITY_PROVIDER) {
        return "Security";
    }
    if event.provider.is_empty() {
        return &event.channel;
    }
    &event.provider
}

fn security_session(event: &WindowsEvent) -> SessionEvent {
    let logon_type = event
        .value("LogonType")
        .and_then(|text| text.parse::<u32>().ok());
    let (action, protocol) = match event.event_id {
        4624 => match logon_type {
            Some(10) => ("login", "rdp"),
            Some(2 | 11) => ("login", "console"),
            Some(7) => ("unlock", "windows"),
            _ => ("logon", "windows"),
        },
        4625 => ("failed", protocol_of_logon_type(logon_type)),
        4778 | 4779 => {
            let action = if event.event_id == 4778 {
                "reconnect"
            } else {
                "disconnect"
            };
            let is_console = event
                .value("SessionName")
                .is_some_and(|name| name.eq_ignore_ascii_case("Console"));
            (action, if is_console { "console" } else { "rdp" })
        }
        _ => ("logout", protocol_of_logon_type(logon_type)),
    };
    let mut session = SessionEvent {
        server: event.computer.clone(),
        protocol: protocol.to_string(),
        action: action.to_string(),
        ..SessionEvent::default()
    };
    if matches!(event.event_id, 4778 | 4779) {
        session.user = qualified_user(event.value("AccountDomain"), event.value("AccountName"));
        session.session_id = event.value("LogonID").map(logon_id);
        session.src_ip = event.value("ClientAddress").and_then(address);
        return session;
    }
    session.user = qualified_user(
        event.value("TargetDomainName"),
        event.value("TargetUserName"),
    );
    session.session_id = event.value("TargetLogonId").map(logon_id);
    session.src_ip = event.value("IpAddress").and_then(address);
    session.src_port = event.value("IpPort").and_then(|port| port.parse().ok());
    session.auth_methods = event
        .value("AuthenticationPackageName")
        .or_else(|| event.value("LogonProcessName"))
        .map(str::to_string);
    session
}

fn protocol_of_logon_type(logon_type: Option<u32>) -> &'static str {
    match logon_type {
        Some(10) => "rdp",
        Some(2 | 11) => "console",
        _ => "windows",
    }
}

/// LocalSessionManager 21 (logon), 23 (logoff), 24 (disconnect), 25 (reconnect).
fn terminal_session(event: &WindowsEvent) -> SessionEvent {
    let action = match event.event_id {
        21 => "open",
        23 => "logout",
        24 => "disconnect",
        _ => "reconnect",
    };
    let is_local = event
        .value("Address")
        .is_some_and(|address| address.eq_ignore_ascii_case("LOCAL"));
    SessionEvent {
        server: event.computer.clone(),
        user: event.value("User").map(str::to_string),
        src_ip: event.value("Address").and_then(address),
        protocol: if is_local { "console" } else { "rdp" }.to_string(),
        action: action.to_string(),
        session_id: event.value("SessionID").map(str::to_string),
        ..SessionEvent::default()
    }
}

/// RemoteConnectionManager 1149: `Param1` user, `Param2` domain, `Param3` address.
fn network_level_authentication(event: &WindowsEvent) -> SessionEvent {
    SessionEvent {
        server: event.computer.clone(),
        user: qualified_user(event.value("Param2"), event.value("Param1")),
        src_ip: event.value("Param3").and_then(address),
        protocol: "rdp".to_string(),
        action: "partial".to_string(),
        ..SessionEvent::default()
    }
}

/// `DOMAIN\name`, or the name alone without a domain or for a user principal name.
pub(crate) fn qualified_user(domain: Option<&str>, name: Option<&str>) -> Option<String> {
    let name = name?;
    match domain {
        Some(domain) if !name.contains('@') && !name.contains('\\') => {
            Some(format!("{domain}\\{name}"))
        }
        _ => Some(name.to_string()),
    }
}

/// A logon id as `0x` and lowercase hex without leading zeros (`0x00000000000003E7` → `0x3e7`).
pub(crate) fn logon_id(text: &str) -> String {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    match hex {
        Some(value) => format!("{value:#x}"),
        None => text.to_string(),
    }
}

/// An address as logged, IPv4-mapped IPv6 as IPv4; `LOCAL` and `Unknown` are none.
pub(crate) fn address(text: &str) -> Option<String> {
    if text.eq_ignore_ascii_case("LOCAL") || text.eq_ignore_ascii_case("Unknown") {
        return None;
    }
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => Some(v4.to_string()),
            None => Some(text.to_string()),
        },
        _ => Some(text.to_string()),
    }
}

#[cfg(test)]
mod tests;
