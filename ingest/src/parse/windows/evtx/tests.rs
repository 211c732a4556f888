use std::collections::BTreeMap;
use std::path::PathBuf;

use vakt_schemas::Event;

use super::*;
use crate::parse::windows::security::to_event;

/// The bytes of a corpus file, or `None` (saying so) when the corpora are absent.
fn corpus(path: &str) -> Option<Vec<u8>> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora")
        .join(path);
    match std::fs::read(&full) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            println!("skipped: {} not found", full.display());
            None
        }
    }
}

/// Every record of a corpus file, which must all be readable.
fn events(path: &str) -> Option<Vec<(WindowsEvent, String)>> {
    let bytes = corpus(path)?;
    let items = evtx_events(bytes).unwrap();
    Some(items.map(|item| item.unwrap()).collect())
}

fn by_record(events: &[(WindowsEvent, String)], record_id: u64) -> &WindowsEvent {
    let found = events
        .iter()
        .find(|(event, _)| event.record_id == Some(record_id));
    &found.unwrap().0
}

/// How many events map to each stream, or to each refusal reason.
fn outcomes(events: &[(WindowsEvent, String)]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for (event, _) in events {
        let key = match to_event(event) {
            Ok(mapped) => mapped.stream().to_string(),
            Err(reason) => reason,
        };
        *counts.entry(key).or_default() += 1;
    }
    counts
}

#[test]
fn rdp_tunneling_logons() {
    let Some(events) = events("session/evtx/sbousseaden_DE_RDP_Tunneling_4624.evtx") else {
        return;
    };
    assert_eq!(events.len(), 18);
    let (first, raw) = &events[0];
    assert_eq!(first.record_id, Some(5278));
    assert_eq!(first.computer, "PC02.example.corp");
    assert_eq!(first.time.to_rfc3339(), "2019-02-13T15:14:52.409734+00:00");
    assert!(raw.starts_with("{\"Event\":{") && !raw.contains('\n'));
    let Ok(Event::Sessions(service)) = to_event(first) else {
        panic!("expected a session");
    };
    assert_eq!(
        (service.action.as_str(), service.protocol.as_str()),
        ("logon", "windows")
    );
    assert_eq!(service.user.as_deref(), Some("NT AUTHORITY\\SYSTEM"));
    assert_eq!(service.session_id.as_deref(), Some("0x3e7"));
    assert_eq!(service.auth_methods.as_deref(), Some("Negotiate"));

    let Ok(Event::Sessions(rdp)) = to_event(by_record(&events, 5315)) else {
        panic!("expected a session");
    };
    assert_eq!(
        (rdp.action.as_str(), rdp.protocol.as_str()),
        ("login", "rdp")
    );
    assert_eq!(rdp.user.as_deref(), Some("PC02\\IEUser"));
    assert_eq!(
        (rdp.src_ip.as_deref(), rdp.src_port),
        (Some("127.0.0.1"), Some(49164))
    );
    assert_eq!(rdp.session_id.as_deref(), Some("0x45120"));
    let actions = events
        .iter()
        .filter_map(|(event, _)| match to_event(event) {
            Ok(Event::Sessions(session)) => Some(session.action),
            _ => None,
        });
    let logins = actions.filter(|action| action == "login").count();
    assert_eq!(logins, 3);
}

#[test]
fn rdp_hijack_session_changes() {
    let Some(events) = events("session/evtx/mdecrevoisier_4778_4779_RDP_hijack.evtx") else {
        return;
    };
    assert_eq!(events.len(), 14);
    let counts = outcomes(&events);
    assert_eq!(counts.get("sessions"), Some(&2));
    assert_eq!(
        counts.get("windows: Security event 4688 is not read"),
        Some(&12)
    );
    let Ok(Event::Sessions(reconnect)) = to_event(by_record(&events, 1829819)) else {
        panic!("expected a session");
    };
    assert_eq!(reconnect.action, "reconnect");
    assert_eq!(reconnect.server, "fs01.offsec.lan");
    assert_eq!(reconnect.user.as_deref(), Some("OFFSEC\\admmarsid"));
    assert_eq!(reconnect.session_id.as_deref(), Some("0x6a423"));
    assert_eq!(reconnect.src_ip.as_deref(), Some("10.23.23.9"));
}

#[test]
fn filtering_platform_connections() {
    let Some(events) = events("firewall/evtx/sbousseaden_DE_RDP_Tunnel_5156_WFP.evtx") else {
        return;
    };
    assert_eq!(events.len(), 101);
    let counts = outcomes(&events);
    assert_eq!(counts.get("firewall"), Some(&63));
    assert_eq!(
        counts.get("windows: Security event 5158 is not read"),
        Some(&9)
    );
    let Ok(Event::Firewall(inbound)) = to_event(by_record(&events, 227728)) else {
        panic!("expected a firewall event");
    };
    assert_eq!(inbound.device, "PC01.example.corp");
    assert_eq!(
        (inbound.src_ip.as_str(), inbound.src_port),
        ("127.0.0.1", Some(49271))
    );
    assert_eq!(
        (inbound.dst_ip.as_str(), inbound.dst_port),
        ("127.0.0.2", Some(3389))
    );
    assert_eq!(
        (inbound.action.as_str(), inbound.protocol.as_str()),
        ("allow", "TCP")
    );
    assert_eq!(inbound.rule.as_deref(), Some("0"));
}

#[test]
fn registry_object_access_is_refused() {
    let Some(events) = events("access/evtx/sbousseaden_DE_1102_4663_x110.evtx") else {
        return;
    };
    assert_eq!(events.len(), 112);
    let counts = outcomes(&events);
    let key = "windows: Security event 4663 on a `Key` object is not read (only files)";
    assert_eq!(counts.get(key), Some(&110));
    assert_eq!(counts.get("firewall"), Some(&1));
    let cleared = by_record(&events, 452811);
    assert_eq!(cleared.value("SubjectUserName"), Some("user01"));
}

#[test]
fn share_file_access() {
    let Some(events) = events("access/evtx/sbousseaden_LM_5145_Remote_FileCopy.evtx") else {
        return;
    };
    assert_eq!(events.len(), 869);
    let Ok(Event::Access(root)) = to_event(&events[0].0) else {
        panic!("expected an access event");
    };
    assert_eq!(root.host, "PC01.example.corp");
    assert_eq!(root.user.as_deref(), Some("EXAMPLE\\Administrator"));
    assert_eq!(
        (root.operation.as_str(), root.path.as_str()),
        ("other", "C:\\")
    );
    assert_eq!(root.share.as_deref(), Some("\\\\*\\C$"));
    assert_eq!(root.client_ip.as_deref(), Some("10.0.2.15"));
    assert!(root.success);
    let counts = outcomes(&events);
    assert_eq!(counts.values().sum::<usize>(), 869);
    println!("{counts:?}");
}

#[test]
fn print_service_admin_events_are_not_read() {
    let Some(events) = events("access/evtx/mdecrevoisier_PrintService_316_300_301_823_848.evtx")
    else {
        return;
    };
    assert_eq!(events.len(), 11);
    let counts = outcomes(&events);
    let not_read = "windows: Microsoft-Windows-PrintService event 823 is not read";
    assert_eq!(counts.get(not_read), Some(&5));
    assert!(counts.keys().all(|reason| reason.ends_with("is not read")));
}

#[test]
fn a_large_security_log_reads_whole() {
    let Some(events) = events("session/evtx/omerbenamram_security.evtx") else {
        return;
    };
    assert_eq!(events.len(), 2261);
    assert_eq!(events[0].0.event_id, 4608);
}

#[test]
fn refuses_what_is_not_evtx() {
    assert!(!is_evtx(b"ElfChnk\0"));
    assert!(is_evtx(b"ElfFile\0rest"));
    let Err(reason) = evtx_events(b"<Event/>".to_vec()) else {
        panic!("expected an error");
    };
    assert_eq!(reason, "evtx: expected a file starting with `ElfFile`");
    let Err(reason) = evtx_events(b"ElfFile\0".to_vec()) else {
        panic!("expected an error");
    };
    assert!(
        reason.starts_with("evtx: unreadable file header"),
        "{reason}"
    );
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let Some(bytes) = corpus("session/evtx/sbousseaden_DE_RDP_Tunneling_4624.evtx") else {
        return;
    };
    for (step, value) in [(997, 0xff), (211, 0x00), (4099, 0x41), (53, 0x0f)] {
        let mut damaged = bytes.clone();
        for index in (4096..damaged.len()).step_by(step) {
            damaged[index] = value;
        }
        let Ok(items) = evtx_events(damaged) else {
            continue;
        };
        let read = items.count();
        assert!(read <= 18 + 18, "{read}");
    }
    let truncated = bytes[..4096 + 30_000].to_vec();
    let items: Vec<_> = evtx_events(truncated).unwrap().collect();
    assert!(items.len() <= 18);
}

#[test]
fn reads_from_a_file_as_from_memory() {
    let path = "session/evtx/mdecrevoisier_4778_4779_RDP_hijack.evtx";
    let Some(bytes) = corpus(path) else {
        return;
    };
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora")
        .join(path);
    let from_file: Vec<_> = evtx_events_from_reader(std::fs::File::open(full).unwrap())
        .unwrap()
        .collect();
    let from_memory: Vec<_> = evtx_events(bytes).unwrap().collect();
    assert_eq!(from_file, from_memory);
    let Err(reason) = evtx_events_from_reader(Cursor::new(b"Elf".to_vec())) else {
        panic!("expected an error");
    };
    assert_eq!(reason, "evtx: expected a file starting with `ElfFile`");
}
