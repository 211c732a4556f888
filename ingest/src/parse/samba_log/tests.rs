use chrono::NaiveDate;

use super::*;

fn session(message: &str) -> SessionEvent {
    match parse_samba_message("fs1", message).unwrap() {
        SambaEvent::Session(event) => event,
        other => panic!("expected a session, found {other:?}"),
    }
}

fn access(message: &str) -> AccessEvent {
    match parse_samba_message("fs1", message).unwrap() {
        SambaEvent::Access(event) => event,
        other => panic!("expected an access, found {other:?}"),
    }
}

const AUTH_OK: &str = "  Auth: [SMB2,(null)] user [EXAMPLE]\\[bob] at [Fri, 07 Jun 2024 09:15:02.451200 CEST] \
    with [NTLMv2] status [NT_STATUS_OK] workstation [LAPTOP7] remote host [ipv4:192.0.2.44:51234] \
    became [EXAMPLE]\\[bob] [S-1-5-21-11-22-33-1105]. local host [ipv4:192.0.2.10:445] ";

#[test]
fn reads_log_headers_with_and_without_debug_details() {
    let expected = NaiveDate::from_ymd_opt(2024, 6, 7)
        .unwrap()
        .and_hms_micro_opt(9, 15, 2, 451_233)
        .unwrap();
    let plain = "[2024/06/07 09:15:02.451233,  3] ../../auth/auth_log.c:635(log_authentication_event_human_readable)";
    assert_eq!(parse_log_header(plain), Some(expected));
    let detailed = "[2024/06/07 09:15:02.451233,  2, pid=4411, effective(0, 0), real(0, 0), class=auth_audit] ../../x.c:1(f)";
    assert_eq!(parse_log_header(detailed), Some(expected));
    let seconds = parse_log_header("[2012/01/02 03:04:05, 0] smbd/server.c:1(main)").unwrap();
    assert_eq!(seconds.to_string(), "2012-01-02 03:04:05");
    for not_header in [
        "  Auth: [SMB2,(null)]",
        "[2024/06/07 09:15:02.451233] x",
        "[2024/13/07 09:15:02,  3] x",
        "[2024/06/07 09:15:02, x] y",
        "[",
        "",
    ] {
        assert_eq!(parse_log_header(not_header), None, "{not_header}");
    }
}

#[test]
fn successful_authentication_is_a_logon() {
    assert!(is_samba_message(AUTH_OK));
    let event = session(AUTH_OK);
    assert_eq!(
        event,
        SessionEvent {
            server: "fs1".to_string(),
            user: Some("EXAMPLE\\bob".to_string()),
            src_ip: Some("192.0.2.44".to_string()),
            src_port: Some(51234),
            protocol: "smb".to_string(),
            action: "logon".to_string(),
            auth_methods: Some("NTLMv2".to_string()),
            ..SessionEvent::default()
        }
    );
    assert_eq!(message_time(AUTH_OK), None);
}

#[test]
fn failed_authentication_with_empty_domain_and_ipv6() {
    let message = "Auth: [SMB,(null)] user []\\[mallory] at [Fri, 07 Jun 2024 09:15:02.451200 CEST] \
        with [NTLMv1] status [NT_STATUS_WRONG_PASSWORD] workstation [X] remote host [ipv6:2001:db8::7:50000] \
        mapped to [EXAMPLE]\\[mallory]. local host [ipv6:2001:db8::1:445]";
    let event = session(message);
    assert_eq!(event.action, "failed");
    assert_eq!(event.user.as_deref(), Some("mallory"));
    assert_eq!(event.src_ip.as_deref(), Some("2001:db8::7"));
    assert_eq!(event.src_port, Some(50000));
    let unknown = message.replace("NT_STATUS_WRONG_PASSWORD", "NT_STATUS_NO_SUCH_USER");
    assert_eq!(session(&unknown).action, "failed");
}

#[test]
fn anonymous_and_kdc_authentications() {
    let anonymous = "Auth: [SMB2,(null)] user [(null)]\\[] at [x] with [No-Password] status [NT_STATUS_OK] \
        workstation [] remote host [ipv4:192.0.2.5:1] became [NT AUTHORITY]\\[ANONYMOUS LOGON] [S-1-5-7]. local host [ipv4:192.0.2.10:445]";
    let event = session(anonymous);
    assert_eq!(event.user.as_deref(), Some("NT AUTHORITY\\ANONYMOUS LOGON"));
    assert_eq!(event.auth_methods.as_deref(), Some("No-Password"));
    let kdc = "Auth: [Kerberos KDC,ENC-TS Pre-authentication] user [(null)]\\[bob@EXAMPLE.ORG] at [x] with [(null)] \
        status [NT_STATUS_OK] workstation [(null)] remote host [ipv4:192.0.2.44:50000] became [EXAMPLE]\\[bob] [S-1-5-21-1]. local host [NULL]";
    let event = session(kdc);
    assert_eq!(event.protocol, "kerberos");
    assert_eq!(event.user.as_deref(), Some("bob@EXAMPLE.ORG"));
    assert_eq!(event.auth_methods, None);
}

#[test]
fn authorizations_are_logons_only_for_kerberos() {
    let ntlm = "  Successful AuthZ: [SMB2,NTLMSSP] user [EXAMPLE]\\[bob] [S-1-5-21-11-22-33-1105] at \
        [Fri, 07 Jun 2024 09:15:02.452000 CEST] Remote host [ipv4:192.0.2.44:51234] local host [ipv4:192.0.2.10:445]";
    assert!(is_samba_message(ntlm));
    let event = session(ntlm);
    assert_eq!(event.action, "other");
    assert_eq!(event.auth_methods.as_deref(), Some("NTLMSSP"));
    assert_eq!(event.user.as_deref(), Some("EXAMPLE\\bob"));
    assert_eq!(event.src_port, Some(51234));
    let kerberos = ntlm.replace("NTLMSSP", "krb5");
    assert_eq!(session(&kerberos).action, "logon");
}

const JSON_AUTH: &str = r#"  {"timestamp": "2024-06-07T09:15:02.451233+0200", "type": "Authentication", "Authentication": {"version": {"major": 1, "minor": 2}, "eventId": 4625, "logonId": "0", "logonType": 3, "status": "NT_STATUS_WRONG_PASSWORD", "localAddress": "ipv4:192.0.2.10:445", "remoteAddress": "ipv4:192.0.2.44:51234", "serviceDescription": "SMB2", "authDescription": null, "clientDomain": "EXAMPLE", "clientAccount": "bob", "workstation": "LAPTOP7", "becameAccount": null, "becameDomain": null, "becameSid": null, "mappedAccount": "bob", "mappedDomain": "EXAMPLE", "netlogonComputer": null, "passwordType": "NTLMv2", "duration": 5120}}"#;

#[test]
fn json_authentication_and_its_timestamp() {
    assert!(is_samba_message(JSON_AUTH));
    let event = session(JSON_AUTH);
    assert_eq!(event.action, "failed");
    assert_eq!(event.user.as_deref(), Some("EXAMPLE\\bob"));
    assert_eq!(event.src_ip.as_deref(), Some("192.0.2.44"));
    assert_eq!(event.auth_methods.as_deref(), Some("NTLMv2"));
    assert_eq!(event.session_id, None);
    let time = message_time(JSON_AUTH).unwrap();
    assert_eq!(time.to_rfc3339(), "2024-06-07T07:15:02.451233+00:00");
    let colon = JSON_AUTH.replace("+0200", "+02:00");
    assert_eq!(message_time(&colon), Some(time));
}

#[test]
fn json_authorization_keeps_the_session_id() {
    let message = r#"{"timestamp": "2024-06-07T09:15:02.452000+0200", "type": "Authorization", "Authorization": {"version": {"major": 1, "minor": 1}, "localAddress": "ipv4:192.0.2.10:445", "remoteAddress": "ipv4:192.0.2.44:51234", "serviceDescription": "SMB2", "authType": "krb5", "domain": "EXAMPLE", "account": "bob", "sid": "S-1-5-21-1", "sessionId": "3b1f6c2e-0000-4a4a-9b9b-0123456789ab", "logonServer": "DC1", "transportProtection": "SMB", "accountFlags": "0x00000010"}}"#;
    let event = session(message);
    assert_eq!(event.action, "logon");
    assert_eq!(
        event.session_id.as_deref(),
        Some("3b1f6c2e-0000-4a4a-9b9b-0123456789ab")
    );
    assert_eq!(event.auth_methods.as_deref(), Some("krb5"));
}

#[test]
fn json_messages_of_other_types_and_broken_json_are_refused() {
    let change = r#"{"timestamp": "2024-06-07T09:15:02.452000+0200", "type": "dsdbChange", "dsdbChange": {}}"#;
    assert!(!is_samba_message(change));
    assert_eq!(
        parse_samba_message("fs1", change).unwrap_err(),
        "samba: JSON `dsdbChange` messages are not read (only Authentication and Authorization)"
    );
    let broken = parse_samba_message("fs1", r#"{"type": "Authentication""#).unwrap_err();
    assert!(
        broken.starts_with("samba: expected a JSON object"),
        "{broken}"
    );
    let no_body = parse_samba_message("fs1", r#"{"type": "Authentication"}"#).unwrap_err();
    assert_eq!(
        no_body,
        "samba: expected an object `Authentication` in the JSON message"
    );
}

#[test]
fn share_connections_are_access_events() {
    let connect = "  LAPTOP7 (ipv4:192.0.2.44:51234) signed connect to service Project Files initially as user bob (uid=1105, gid=100) (pid 4411)";
    assert!(is_samba_message(connect));
    assert_eq!(
        access(connect),
        AccessEvent {
            host: "fs1".to_string(),
            user: Some("bob".to_string()),
            operation: "connect".to_string(),
            path: "/Project Files".to_string(),
            success: true,
            client_ip: Some("192.0.2.44".to_string()),
            client_name: Some("LAPTOP7".to_string()),
            share: Some("Project Files".to_string()),
            session: Some("4411".to_string()),
            ..AccessEvent::default()
        }
    );
    let closed = "  LAPTOP7 (ipv4:192.0.2.44:51234) closed connection to service Project Files";
    assert!(is_samba_message(closed));
    let event = access(closed);
    assert_eq!(event.operation, "disconnect");
    assert_eq!(event.path, "/Project Files");
    assert_eq!(event.user, None);
    let old = access(
        "ws2 (192.0.2.9) connect to service IPC$ initially as user nobody (uid=65534, gid=65534) (pid 77)",
    );
    assert_eq!(old.client_ip.as_deref(), Some("192.0.2.9"));
    assert_eq!(old.share.as_deref(), Some("IPC$"));
}

#[test]
fn other_messages_are_refused_with_a_reason() {
    assert!(!is_samba_message("  smbd version 4.19.5 started."));
    let error = parse_samba_message("fs1", "  smbd version 4.19.5 started.").unwrap_err();
    assert!(error.starts_with("samba: expected `Auth:`"), "{error}");
    let cut =
        parse_samba_message("fs1", "Auth: [SMB2,(null)] user [EXAMPLE]\\[bob] at [x]").unwrap_err();
    assert_eq!(
        cut,
        "samba: expected `with [password type]` in the `Auth:` line"
    );
    let no_user =
        parse_samba_message("fs1", "Successful AuthZ: [SMB2,NTLMSSP] nobody").unwrap_err();
    assert!(no_user.contains("user [DOMAIN]"), "{no_user}");
    let connect = parse_samba_message("fs1", "ws (addr connect to service x").unwrap_err();
    assert!(
        connect.starts_with("samba: expected `machine (address)"),
        "{connect}"
    );
    for odd in [
        "Auth:",
        "Auth: [",
        "Auth: [é,ü] user [",
        "{",
        "x (y) connect to service ",
        "(é) closed connection to service ",
    ] {
        let _ = parse_samba_message("fs1", odd);
    }
}
