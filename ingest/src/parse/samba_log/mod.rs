//! Samba's own logs (`log.smbd`, `log.samba`, or smbd's syslog messages):
//! authentication, authorization and share connections.
//!
//! The log files write a header line, then the message on indented lines:
//!
//! ```text
//! [2024/03/14 12:34:56.123456,  3] ../../auth/auth_log.c:635(log_authentication_event_human_readable)
//!   Auth: [SMB2,(null)] user [CORP]\[alice] at [Thu, 14 Mar 2024 12:34:56.123400 CET] with [NTLMv2] status [NT_STATUS_OK] workstation [WS01] remote host [ipv4:10.0.0.5:50123] became [CORP]\[alice] [S-1-5-21-1-2-3-1104]. local host [ipv4:10.0.0.1:445]
//! ```
//!
//! [`parse_log_header`] reads the header's local time (also with the
//! `, pid=..., effective(...), real(...)` that `debug pid`/`debug uid` add);
//! [`parse_samba_message`] reads a message, from the file or from syslog:
//!
//! | message | stream, action/operation |
//! |---|---|
//! | `Auth: [SVC,DESC] user [D]\[U] ... status [S] ... remote host [A] ...` | sessions, `logon` when `S` is `NT_STATUS_OK`, else `failed` |
//! | `{"type": "Authentication", "Authentication": {...}}` (`auth_json_audit`) | the same |
//! | `Successful AuthZ: [SVC,TYPE] user [D]\[U] [SID] at [...] Remote host [A] ...` | sessions, `logon` for Kerberos (`krb5`), else `other` |
//! | `{"type": "Authorization", "Authorization": {...}}` | the same |
//! | `M (A) [signed ]connect to service S initially as user U (uid=.., gid=..) (pid P)` | access `connect`, path `/S` |
//! | `M (A) closed connection to service S` | access `disconnect`, path `/S`, no user |
//!
//! Sessions: server = the host, user = `DOMAIN\account` as logged (just the
//! account when the domain is empty or `(null)`; the account it `became`
//! when the client gave none), src_ip/src_port from the remote address
//! (`ipv4:10.0.0.5:50123`, `ipv6:fd00::5:50123`), auth_methods = the password
//! type (`NTLMv2`, `Kerberos`, ...) or for authorizations the auth type,
//! session_id = the JSON `sessionId` (authorization) or a non-zero `logonId`
//! (authentication). The protocol comes from the service description:
//! `SMB`/`SMB2` `smb`, `LDAP` `ldap`, `Kerberos KDC` `kerberos`, `SamLogon`
//! and `NETLOGON` `netlogon`, `DCE/RPC` `rpc`, others lowercased. SMB logons
//! are `logon`, never `login`: they are not interactive.
//!
//! Authorizations: an NTLM session setup writes both an authentication and
//! an authorization, so counting both would count the logon twice; a
//! Kerberos session setup on a member server writes only the authorization
//! (the ticket was checked by the KDC). Hence only Kerberos authorizations
//! are `logon`; the others are kept as `other`.
//!
//! Connections: M is the client's machine name (client_name), A its address
//! (client_ip), U the Unix user; session = smbd's pid when logged.

mod auth;
mod json;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use vakt_schemas::{AccessEvent, SessionEvent};

pub use self::json::message_time;

/// An event read from a Samba message.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SambaEvent {
    /// An authentication or authorization (sessions stream).
    Session(SessionEvent),
    /// A share connection or disconnection (access stream).
    Access(AccessEvent),
}

/// The local time of a `log.smbd` header line
/// (`[2024/03/14 12:34:56.123456,  3] file.c:12(function)`), or `None` when
/// the line is not such a header.
pub fn parse_log_header(line: &str) -> Option<NaiveDateTime> {
    let inside = line.strip_prefix('[')?.split_once(']')?.0;
    let (stamp, after) = inside.split_once(',')?;
    let level = after.trim_start().split(',').next().unwrap_or("");
    if level.is_empty() || !level.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let time = NaiveDateTime::parse_from_str(stamp, "%Y/%m/%d %H:%M:%S%.f").ok()?;
    Some(time.trunc_subsecs(6))
}

/// Whether a message is one [`parse_samba_message`] reads (cheap; leading
/// spaces allowed).
pub fn is_samba_message(message: &str) -> bool {
    let text = message.trim_start();
    if text.starts_with("Auth:") || text.starts_with("Successful AuthZ:") {
        return true;
    }
    if text.starts_with('{') {
        return ["Authentication", "Authorization"].iter().any(|kind| {
            text.contains(&format!("\"type\": \"{kind}\""))
                || text.contains(&format!("\"type\":\"{kind}\""))
        });
    }
    (text.contains(" connect to service ") && text.contains(" initially as user "))
        || text.contains(" closed connection to service ")
}

/// The event of one Samba message written on `host`.
pub fn parse_samba_message(host: &str, message: &str) -> Result<SambaEvent, String> {
    let text = message.trim();
    if let Some(rest) = text.strip_prefix("Auth:") {
        return auth::authentication(host, rest).map(SambaEvent::Session);
    }
    if let Some(rest) = text.strip_prefix("Successful AuthZ:") {
        return auth::authorization(host, rest).map(SambaEvent::Session);
    }
    if text.starts_with('{') {
        return json::json_event(host, text).map(SambaEvent::Session);
    }
    if text.contains(" closed connection to service ") || text.contains(" connect to service ") {
        return connection(host, text).map(SambaEvent::Access);
    }
    Err("samba: expected `Auth:`, `Successful AuthZ:`, a JSON audit object or a share connect/close message".to_string())
}

/// `M (A) [signed ]connect to service S initially as user U (uid=1, gid=1) (pid P)`
/// or `M (A) closed connection to service S`.
fn connection(host: &str, text: &str) -> Result<AccessEvent, String> {
    let invalid = || {
        "samba: expected `machine (address) connect to service ...` or `... closed connection to service ...`".to_string()
    };
    let (machine, after_machine) = text.split_once('(').ok_or_else(invalid)?;
    let (address, rest) = after_machine.split_once(')').ok_or_else(invalid)?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("signed ").unwrap_or(rest);
    let (client_ip, _) = split_address(address);
    let mut event = AccessEvent {
        host: host.to_string(),
        client_ip,
        client_name: Some(machine.trim().to_string()).filter(|name| !name.is_empty()),
        success: true,
        ..AccessEvent::default()
    };
    if let Some(share) = rest.strip_prefix("closed connection to service ") {
        set_share(&mut event, "disconnect", share.trim());
        return Ok(event);
    }
    let Some(rest) = rest.strip_prefix("connect to service ") else {
        return Err(invalid());
    };
    let Some((share, after_share)) = rest.split_once(" initially as user ") else {
        return Err("samba: expected `initially as user` after the service name".to_string());
    };
    let (user, ids) = after_share.split_once(" (").unwrap_or((after_share, ""));
    set_share(&mut event, "connect", share.trim());
    event.user = Some(user.trim().to_string()).filter(|user| !user.is_empty());
    event.session = ids
        .split_once("(pid ")
        .and_then(|(_, pid)| pid.split_once(')'))
        .map(|(pid, _)| pid.trim().to_string())
        .filter(|pid| !pid.is_empty() && pid.bytes().all(|byte| byte.is_ascii_digit()));
    Ok(event)
}

fn set_share(event: &mut AccessEvent, operation: &str, share: &str) {
    event.operation = operation.to_string();
    event.path = format!("/{share}");
    event.share = Some(share.to_string());
}

/// An address as Samba writes it (`ipv4:10.0.0.5:50123`, `ipv6:fd00::5:445`,
/// or a bare address) as (ip, port); `None` when it holds no IP address.
pub(crate) fn split_address(address: &str) -> (Option<String>, Option<u16>) {
    let address = address.trim();
    let bare = address
        .strip_prefix("ipv4:")
        .or_else(|| address.strip_prefix("ipv6:"))
        .unwrap_or(address);
    if let Some((ip, port)) = bare.rsplit_once(':') {
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        if let (Ok(ip), Ok(port)) = (ip.parse::<std::net::IpAddr>(), port.parse::<u16>()) {
            return (Some(ip.to_string()), Some(port));
        }
    }
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => (Some(ip.to_string()), None),
        Err(_) => (None, None),
    }
}

/// `DOMAIN\account`, or the account alone when the domain is empty or `(null)`.
pub(crate) fn qualified_user(domain: Option<&str>, account: Option<&str>) -> Option<String> {
    let present = |text: &&str| !text.is_empty() && *text != "(null)";
    let account = account.filter(present)?;
    match domain.filter(present) {
        Some(domain) => Some(format!("{domain}\\{account}")),
        None => Some(account.to_string()),
    }
}

/// The protocol word of a service description.
pub(crate) fn protocol_of(service: &str) -> String {
    let service = service.trim();
    let upper = service.to_ascii_uppercase();
    let word = if upper.starts_with("SMB") {
        "smb"
    } else if upper.starts_with("LDAP") {
        "ldap"
    } else if upper.starts_with("KERBEROS") {
        "kerberos"
    } else if upper == "SAMLOGON" || upper.starts_with("NETLOGON") {
        "netlogon"
    } else if upper.starts_with("DCE/RPC") {
        "rpc"
    } else if service.is_empty() || service == "(null)" {
        "smb"
    } else {
        return service
            .chars()
            .map(|character| {
                if character.is_ascii_alphanumeric() {
                    character.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
    };
    word.to_string()
}

/// The action of an authorization with `auth_type`.
pub(crate) fn authorization_action(auth_type: Option<&str>) -> &'static str {
    let kerberos = auth_type.is_some_and(|auth_type| {
        let lower = auth_type.to_ascii_lowercase();
        lower.contains("krb5") || lower.contains("kerberos")
    });
    if kerberos { "logon" } else { "other" }
}

/// Truncates to whole microseconds.
pub(crate) fn to_micros(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(6)
}

#[cfg(test)]
mod tests;
