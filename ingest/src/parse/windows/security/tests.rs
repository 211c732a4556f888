use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vakt_schemas::{Event, SessionEvent};

use super::*;
use crate::parse::windows::AUDIT_SUCCESS;

fn event(provider: &str, event_id: u32, data: &[(&str, &str)]) -> WindowsEvent {
    WindowsEvent {
        provider: provider.to_string(),
        event_id,
        channel: "Security".to_string(),
        computer: "ts1.corp.example".to_string(),
        time: DateTime::<Utc>::UNIX_EPOCH,
        record_id: Some(1),
        keywords: Some(AUDIT_SUCCESS),
        data: data
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn session(event: &WindowsEvent) -> SessionEvent {
    match to_event(event).unwrap() {
        Event::Sessions(session) => session,
        other => panic!("expected a session event, found {other:?}"),
    }
}

fn logon(logon_type: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("SubjectUserName", "TS1$"),
        ("TargetUserName", "alice"),
        ("TargetDomainName", "CORP"),
        ("TargetLogonId", "0x00000000005D2B1A"),
        ("LogonType", logon_type),
        ("LogonProcessName", "User32 "),
        ("AuthenticationPackageName", "Negotiate"),
        ("IpAddress", "10.0.0.5"),
        ("IpPort", "50123"),
    ]
}

#[test]
fn an_rdp_logon_is_a_login() {
    let login = session(&event(SECURITY_PROVIDER, 4624, &logon("10")));
    assert_eq!(
        login,
        SessionEvent {
            server: "ts1.corp.example".to_string(),
            user: Some("CORP\\alice".to_string()),
            src_ip: Some("10.0.0.5".to_string()),
            src_port: Some(50123),
            protocol: "rdp".to_string(),
            action: "login".to_string(),
            session_id: Some("0x5d2b1a".to_string()),
            auth_methods: Some("Negotiate".to_string()),
            multi_factor: None,
            ..SessionEvent::default()
        }
    );
}

#[test]
fn logon_types_give_action_and_protocol() {
    let cases = [
        ("2", "login", "console"),
        ("11", "login", "console"),
        ("7", "unlock", "windows"),
        ("3", "logon", "windows"),
        ("5", "logon", "windows"),
        ("x", "logon", "windows"),
    ];
    for (logon_type, action, protocol) in cases {
        let event = session(&event(SECURITY_PROVIDER, 4624, &logon(logon_type)));
        assert_eq!(
            (event.action.as_str(), event.protocol.as_str()),
            (action, protocol)
        );
    }
    let failed = session(&event(SECURITY_PROVIDER, 4625, &logon("10")));
    assert_eq!(
        (failed.action.as_str(), failed.protocol.as_str()),
        ("failed", "rdp")
    );
    let failed = session(&event(SECURITY_PROVIDER, 4625, &logon("8")));
    assert_eq!(
        (failed.action.as_str(), failed.protocol.as_str()),
        ("failed", "windows")
    );
}

#[test]
fn a_failed_logon_as_crowdsec_shows_it() {
    let data = [
        ("SubjectUserName", "EXCHANGE-1$"),
        ("TargetUserName", "testuser@mydomain.test"),
        ("TargetDomainName", "EXCHANGE-1"),
        ("Status", "0xc000006d"),
        ("LogonType", "8"),
        ("LogonProcessName", "Advapi"),
        ("AuthenticationPackageName", "Negotiate"),
        ("IpAddress", "192.168.9.212"),
        ("IpPort", "1628"),
    ];
    let failed = session(&event(SECURITY_PROVIDER, 4625, &data));
    assert_eq!(failed.user.as_deref(), Some("testuser@mydomain.test"));
    assert_eq!(failed.session_id, None);
    assert_eq!(failed.src_port, Some(1628));
}

#[test]
fn local_and_missing_addresses() {
    let mut data = logon("5");
    data.retain(|(name, _)| !name.starts_with("Ip") && *name != "AuthenticationPackageName");
    data.extend([
        ("IpAddress", "-"),
        ("IpPort", "-"),
        ("TargetDomainName", "-"),
    ]);
    let service = session(&event(SECURITY_PROVIDER, 4624, &data));
    assert_eq!((service.src_ip, service.src_port), (None, None));
    assert_eq!(service.auth_methods.as_deref(), Some("User32"));
    assert_eq!(service.user.as_deref(), Some("alice"));
    let mut data = logon("3");
    data.retain(|(name, _)| !name.starts_with("Ip"));
    data.extend([("IpAddress", "::1"), ("IpPort", "0")]);
    let local = session(&event(SECURITY_PROVIDER, 4624, &data));
    assert_eq!(
        (local.src_ip.as_deref(), local.src_port),
        (Some("::1"), Some(0))
    );
}

#[test]
fn logoffs_and_session_changes() {
    let logoff = [
        ("TargetUserName", "alice"),
        ("TargetDomainName", "CORP"),
        ("TargetLogonId", "0x5d2b1a"),
        ("LogonType", "10"),
    ];
    let out = session(&event(SECURITY_PROVIDER, 4634, &logoff));
    assert_eq!(
        (out.action.as_str(), out.protocol.as_str()),
        ("logout", "rdp")
    );
    assert_eq!(out.session_id.as_deref(), Some("0x5d2b1a"));
    let initiated = session(&event(SECURITY_PROVIDER, 4647, &logoff[..3]));
    assert_eq!(
        (initiated.action.as_str(), initiated.protocol.as_str()),
        ("logout", "windows")
    );

    let change = [
        ("AccountName", "alice"),
        ("AccountDomain", "CORP"),
        ("LogonID", "0x5D2B1A"),
        ("SessionName", "RDP-Tcp#8"),
        ("ClientName", "JUMP01"),
        ("ClientAddress", "10.0.0.9"),
    ];
    let reconnect = session(&event(SECURITY_PROVIDER, 4778, &change));
    assert_eq!(reconnect.action, "reconnect");
    assert_eq!(reconnect.protocol, "rdp");
    assert_eq!(reconnect.user.as_deref(), Some("CORP\\alice"));
    assert_eq!(reconnect.session_id.as_deref(), Some("0x5d2b1a"));
    assert_eq!(reconnect.src_ip.as_deref(), Some("10.0.0.9"));
    let mut console = change.to_vec();
    console[3] = ("SessionName", "Console");
    console[5] = ("ClientAddress", "Unknown");
    let disconnect = session(&event(SECURITY_PROVIDER, 4779, &console));
    assert_eq!(
        (disconnect.action.as_str(), disconnect.protocol.as_str()),
        ("disconnect", "console")
    );
    assert_eq!(disconnect.src_ip, None);
}

#[test]
fn terminal_services_events() {
    let data = [
        ("User", "CORP\\alice"),
        ("SessionID", "3"),
        ("Address", "10.0.0.5"),
    ];
    let cases = [
        (21, "open"),
        (23, "logout"),
        (24, "disconnect"),
        (25, "reconnect"),
    ];
    for (id, action) in cases {
        let event = session(&event(LOCAL_SESSION_MANAGER, id, &data));
        assert_eq!(event.action, action);
        assert_eq!(event.protocol, "rdp");
        assert_eq!(event.user.as_deref(), Some("CORP\\alice"));
        assert_eq!(event.session_id.as_deref(), Some("3"));
        assert_eq!(event.src_ip.as_deref(), Some("10.0.0.5"));
    }
    let local = [
        ("User", "CORP\\alice"),
        ("SessionID", "1"),
        ("Address", "LOCAL"),
    ];
    let console = session(&event(LOCAL_SESSION_MANAGER, 21, &local));
    assert_eq!(
        (console.protocol.as_str(), console.src_ip),
        ("console", None)
    );
    let nla = [
        ("Param1", "alice"),
        ("Param2", "CORP"),
        ("Param3", "10.0.0.5"),
    ];
    let partial = session(&event(REMOTE_CONNECTION_MANAGER, 1149, &nla));
    assert_eq!(
        (partial.action.as_str(), partial.protocol.as_str()),
        ("partial", "rdp")
    );
    assert_eq!(partial.user.as_deref(), Some("CORP\\alice"));
    assert_eq!(partial.src_ip.as_deref(), Some("10.0.0.5"));
}

#[test]
fn other_events_are_not_read() {
    let reason = to_event(&event(SECURITY_PROVIDER, 4672, &[])).unwrap_err();
    assert_eq!(reason, "windows: Security event 4672 is not read");
    let reason = to_event(&event(LOCAL_SESSION_MANAGER, 22, &[])).unwrap_err();
    assert_eq!(
        reason,
        "windows: Microsoft-Windows-TerminalServices-LocalSessionManager event 22 is not read"
    );
    let reason = to_event(&event(PRINT_SERVICE, 300, &[])).unwrap_err();
    assert_eq!(
        reason,
        "windows: Microsoft-Windows-PrintService event 300 is not read"
    );
}

#[test]
fn every_stream_is_reached() {
    let file = [("ObjectName", "C:\\x"), ("AccessMask", "0x2")];
    assert!(matches!(
        to_event(&event(SECURITY_PROVIDER, 4663, &file)),
        Ok(Event::Access(_))
    ));
    let packet = [("SourceAddress", "10.0.0.1"), ("DestAddress", "10.0.0.2")];
    assert!(matches!(
        to_event(&event(SECURITY_PROVIDER, 5152, &packet)),
        Ok(Event::Firewall(_))
    ));
    let print = [("Param2", "a.txt")];
    assert!(matches!(
        to_event(&event(PRINT_SERVICE, 307, &print)),
        Ok(Event::Access(_))
    ));
}

#[test]
fn helpers_normalise_ids_and_addresses() {
    assert_eq!(logon_id("0x00000000000003E7"), "0x3e7");
    assert_eq!(logon_id("weird"), "weird");
    assert_eq!(address("::ffff:10.1.2.3").as_deref(), Some("10.1.2.3"));
    assert_eq!(address("fe80::1").as_deref(), Some("fe80::1"));
    assert_eq!(address("LOCAL"), None);
    assert_eq!(
        qualified_user(Some("CORP"), Some("CORP\\bob")).as_deref(),
        Some("CORP\\bob")
    );
}
