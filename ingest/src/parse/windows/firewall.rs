//! The Windows Filtering Platform's connection events as firewall events.
//!
//! | event | action |
//! |---|---|
//! | Security 5156 (a connection was permitted) | `allow` |
//! | Security 5157 (a connection was blocked) | `deny` |
//! | Security 5152 (a packet was dropped) | `deny` |
//!
//! The filtering platform writes the local end as `SourceAddress`/`SourcePort`
//! and the remote end as `DestAddress`/`DestPort` whatever the `Direction`:
//! an inbound RDP connection is logged as `Source 10.0.0.1:3389, Dest
//! 10.0.0.5:50123`. vakt's source is the side that sent the first packet,
//! so for inbound events (`%%14592`) the ends are swapped; outbound ones
//! (`%%14593`) are kept. `Protocol` is an IP protocol number: 6 → `TCP`,
//! 17 → `UDP`, 1 → `ICMP`, 58 → `ICMPv6`, others the number. The device is the
//! computer, the rule the `FilterRTID`, and every event is a new connection
//! (the platform logs connections, not packets of established ones).

use vakt_schemas::FirewallEvent;

use super::WindowsEvent;
use super::security::source_name;

/// The `Direction` value of inbound connections.
const INBOUND: &str = "%%14592";

/// Security 5152, 5156 and 5157 as firewall events.
pub fn connection(event: &WindowsEvent) -> Result<FirewallEvent, String> {
    let id = event.event_id;
    let (Some(local_ip), Some(remote_ip)) =
        (event.value("SourceAddress"), event.value("DestAddress"))
    else {
        return Err(format!(
            "windows: expected `SourceAddress` and `DestAddress` in {} event {id}",
            source_name(event)
        ));
    };
    let port = |name: &str| event.value(name).and_then(|port| port.parse::<u16>().ok());
    let (local_port, remote_port) = (port("SourcePort"), port("DestPort"));
    let inbound = event.value("Direction") == Some(INBOUND);
    let ((src_ip, src_port), (dst_ip, dst_port)) = if inbound {
        ((remote_ip, remote_port), (local_ip, local_port))
    } else {
        ((local_ip, local_port), (remote_ip, remote_port))
    };
    Ok(FirewallEvent {
        device: event.computer.clone(),
        action: if id == 5156 { "allow" } else { "deny" }.to_string(),
        src_ip: src_ip.to_string(),
        src_port,
        dst_ip: dst_ip.to_string(),
        dst_port,
        protocol: protocol_name(event.value("Protocol").unwrap_or("")),
        new_connection: true,
        rule: event.value("FilterRTID").map(str::to_string),
        ..FirewallEvent::default()
    })
}

/// The name of an IP protocol number.
pub(crate) fn protocol_name(number: &str) -> String {
    match number {
        "6" => "TCP".to_string(),
        "17" => "UDP".to_string(),
        "1" => "ICMP".to_string(),
        "58" => "ICMPv6".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::parse::windows::{AUDIT_SUCCESS, SECURITY_PROVIDER};

    fn event(event_id: u32, direction: &str, protocol: &str) -> WindowsEvent {
        let data = [
            ("ProcessID", "1234"),
            (
                "Application",
                "\\device\\harddiskvolume2\\windows\\system32\\svchost.exe",
            ),
            ("Direction", direction),
            ("SourceAddress", "10.0.0.1"),
            ("SourcePort", "3389"),
            ("DestAddress", "10.0.0.5"),
            ("DestPort", "50123"),
            ("Protocol", protocol),
            ("FilterRTID", "71234"),
            ("LayerName", "%%14610"),
        ];
        WindowsEvent {
            provider: SECURITY_PROVIDER.to_string(),
            event_id,
            channel: "Security".to_string(),
            computer: "ts1.corp.example".to_string(),
            time: DateTime::<Utc>::UNIX_EPOCH,
            record_id: None,
            keywords: Some(AUDIT_SUCCESS),
            data: data
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }

    #[test]
    fn inbound_connections_are_written_from_the_remote_end() {
        let allowed = connection(&event(5156, "%%14592", "6")).unwrap();
        assert_eq!(allowed.device, "ts1.corp.example");
        assert_eq!(allowed.action, "allow");
        assert_eq!(
            (allowed.src_ip.as_str(), allowed.src_port),
            ("10.0.0.5", Some(50123))
        );
        assert_eq!(
            (allowed.dst_ip.as_str(), allowed.dst_port),
            ("10.0.0.1", Some(3389))
        );
        assert_eq!(allowed.protocol, "TCP");
        assert_eq!(allowed.rule.as_deref(), Some("71234"));
        assert!(allowed.new_connection);
        assert_eq!((allowed.in_iface, allowed.out_iface), (None, None));
    }

    #[test]
    fn outbound_blocks_and_drops_keep_their_ends() {
        let blocked = connection(&event(5157, "%%14593", "17")).unwrap();
        assert_eq!(blocked.action, "deny");
        assert_eq!(
            (blocked.src_ip.as_str(), blocked.src_port),
            ("10.0.0.1", Some(3389))
        );
        assert_eq!(blocked.protocol, "UDP");
        let dropped = connection(&event(5152, "%%14593", "47")).unwrap();
        assert_eq!(
            (dropped.action.as_str(), dropped.protocol.as_str()),
            ("deny", "47")
        );
        assert_eq!(
            connection(&event(5152, "%%14593", "1")).unwrap().protocol,
            "ICMP"
        );
    }

    #[test]
    fn refuses_events_without_addresses() {
        let mut incomplete = event(5156, "%%14592", "6");
        incomplete.data.remove("DestAddress");
        assert_eq!(
            connection(&incomplete).unwrap_err(),
            "windows: expected `SourceAddress` and `DestAddress` in Security event 5156"
        );
    }
}
