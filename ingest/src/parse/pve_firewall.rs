//! Proxmox VE firewall log lines (`/var/log/pve-firewall.log`, written by
//! `pvefw-logger`) as firewall events.
//!
//! Each line is `VMID LEVEL CHAIN DD/Mon/YYYY:HH:MM:SS +ZZZZ MESSAGE`:
//!
//! ```text
//! 100 6 tap100i0-IN 14/Mar/2024:12:34:56 +0100 ACCEPT: IN=fwbr100i0 OUT=fwbr100i0 PHYSIN=fwln100i0 PHYSOUT=tap100i0 MAC=... SRC=10.0.0.5 DST=10.0.0.9 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=50000 DPT=22 SEQ=1 ACK=0 WINDOW=64240 SYN
//! 0 6 PVEFW-HOST-IN 14/Mar/2024:12:34:56 +0100 policy DROP: IN=vmbr0 PHYSIN=eno1 MAC=... SRC=192.0.2.7 DST=192.0.2.1 LEN=60 ... PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1
//! 0 5 - 14/Mar/2024:12:34:56 +0100 starting pvefw logger
//! ```
//!
//! VMID 0 is the host itself. A packet line's message is the rule's log
//! prefix (`ACCEPT: `, `DROP: `, `REJECT: `, or `policy DROP: ` for a chain's
//! default policy) followed by netfilter-style fields, read as the netfilter
//! parser reads them (see [`super::netfilter`]). `pvefw-logger` writes `IN=`
//! and `OUT=` only when the packet has such an interface.
//!
//! What maps to what:
//!
//! * `device` is the host given by the caller (the file names none);
//! * `action`: `ACCEPT` is `allow`, `DROP` and `REJECT` are `deny`, anything
//!   else `unknown`;
//! * `rule` is `VMID/CHAIN`, with ` policy` appended when the chain's default
//!   policy decided (`100/tap100i0-IN`, `0/PVEFW-HOST-IN policy`);
//! * `in_iface`/`out_iface` are the bridge ports `PHYSIN=`/`PHYSOUT=` when
//!   given (the VM's `tap`/`veth` device or the host's uplink), else
//!   `IN=`/`OUT=` (the bridge), since the port says which machine is meant;
//! * `new_connection` is true for TCP with `SYN` and without `ACK`, and for
//!   any other IP protocol: Proxmox accepts established and related packets
//!   before its logging rules and policies, so a logged non-TCP packet starts
//!   a flow; ARP packets are never new connections;
//! * the time has its offset and is whole seconds.
//!
//! Status lines of the logger itself (chain `-`, no fields) are refused.

use chrono::{DateTime, Utc};
use vakt_schemas::FirewallEvent;

use super::netfilter::{Fields, normalise_protocol};

/// Whether a line starts like a Proxmox firewall log line:
/// `VMID LEVEL CHAIN DD/Mon/YYYY:HH:MM:SS +ZZZZ`.
pub fn looks_like_pve_firewall(line: &str) -> bool {
    let mut tokens = line.splitn(5, ' ');
    let (Some(vmid), Some(level), Some(chain), Some(stamp)) =
        (tokens.next(), tokens.next(), tokens.next(), tokens.next())
    else {
        return false;
    };
    is_number(vmid)
        && level.len() == 1
        && is_number(level)
        && !chain.is_empty()
        && stamp.len() == 20
        && stamp.as_bytes().get(2) == Some(&b'/')
        && stamp.as_bytes().get(6) == Some(&b'/')
        && stamp.as_bytes().get(11) == Some(&b':')
}

/// Reads one line of `pve-firewall.log` from `host`: the packet's time and
/// the firewall event.
pub fn parse_pve_firewall(
    line: &str,
    host: &str,
) -> Result<(DateTime<Utc>, FirewallEvent), String> {
    let mut tokens = line.trim_end().splitn(6, ' ');
    let (Some(vmid), Some(_level), Some(chain), Some(date), Some(offset)) = (
        tokens.next(),
        tokens.next(),
        tokens.next(),
        tokens.next(),
        tokens.next(),
    ) else {
        return Err(
            "pve-firewall: expected `<vmid> <level> <chain> <dd/Mon/yyyy:hh:mm:ss> <+zzzz>`"
                .to_string(),
        );
    };
    if !is_number(vmid) {
        return Err("pve-firewall: expected a numeric vmid first".to_string());
    }
    let time = DateTime::parse_from_str(&format!("{date} {offset}"), "%d/%b/%Y:%H:%M:%S %z")
        .map_err(|_| "pve-firewall: expected a time like `14/Mar/2024:12:34:56 +0100`".to_string())?
        .with_timezone(&Utc);
    let message = tokens.next().unwrap_or("");
    let is_packet = chain != "-" || message.contains("SRC=");
    let Some((prefix, fields_text)) = message.split_once(": ").filter(|_| is_packet) else {
        return Err("pve-firewall: a logger status line, not a packet".to_string());
    };
    let fields = Fields::parse(fields_text);
    let (Some(src_ip), Some(dst_ip)) = (fields.value("SRC"), fields.value("DST")) else {
        return Err("pve-firewall: expected `SRC=` and `DST=` after the action".to_string());
    };
    let Some(protocol) = fields.value("PROTO").map(normalise_protocol) else {
        return Err("pve-firewall: expected `PROTO=`".to_string());
    };
    let (is_policy, verdict) = match prefix.trim().strip_prefix("policy ") {
        Some(verdict) => (true, verdict.trim()),
        None => (false, prefix.trim()),
    };
    let new_connection = match protocol.as_str() {
        "TCP" => fields.has_flag("SYN") && !fields.has_flag("ACK"),
        "ARP" => false,
        _ => true,
    };
    let port = |key: &str| fields.value(key).and_then(|port| port.parse().ok());
    let interface = |bridge_port: &str, bridge: &str| {
        fields
            .value(bridge_port)
            .or(fields.value(bridge))
            .filter(|name| !name.is_empty())
            .map(str::to_string)
    };
    let policy = if is_policy { " policy" } else { "" };
    let event = FirewallEvent {
        device: host.to_string(),
        action: action_of(verdict).to_string(),
        src_ip: src_ip.to_string(),
        src_port: port("SPT"),
        dst_ip: dst_ip.to_string(),
        dst_port: port("DPT"),
        protocol,
        new_connection,
        rule: Some(format!("{vmid}/{chain}{policy}")),
        in_iface: interface("PHYSIN", "IN"),
        out_iface: interface("PHYSOUT", "OUT"),
        ..FirewallEvent::default()
    };
    Ok((time, event))
}

fn action_of(verdict: &str) -> &'static str {
    match verdict {
        "ACCEPT" => "allow",
        "DROP" | "REJECT" => "deny",
        _ => "unknown",
    }
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn parse(line: &str) -> Result<(DateTime<Utc>, FirewallEvent), String> {
        parse_pve_firewall(line, "pve1")
    }

    const VM_SYN: &str = "101 6 tap101i0-IN 02/Feb/2026:09:10:11 +0100 ACCEPT: IN=fwbr101i0 \
        OUT=fwbr101i0 PHYSIN=fwln101i0 PHYSOUT=tap101i0 MAC=bc:24:11:aa:bb:cc:bc:24:11:dd:ee:ff:08:00 \
        SRC=10.1.2.3 DST=10.1.2.50 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=4711 DF PROTO=TCP SPT=41000 \
        DPT=22 SEQ=123456 ACK=0 WINDOW=64240 SYN ";

    #[test]
    fn reads_an_accepted_vm_syn() {
        assert!(looks_like_pve_firewall(VM_SYN));
        let (time, event) = parse(VM_SYN).unwrap();
        assert_eq!(time, utc("2026-02-02T08:10:11Z"));
        assert_eq!(
            event,
            FirewallEvent {
                device: "pve1".to_string(),
                action: "allow".to_string(),
                src_ip: "10.1.2.3".to_string(),
                src_port: Some(41000),
                dst_ip: "10.1.2.50".to_string(),
                dst_port: Some(22),
                protocol: "TCP".to_string(),
                new_connection: true,
                rule: Some("101/tap101i0-IN".to_string()),
                in_iface: Some("fwln101i0".to_string()),
                out_iface: Some("tap101i0".to_string()),
                ..FirewallEvent::default()
            }
        );
    }

    #[test]
    fn reads_a_host_policy_drop() {
        let line = "0 6 PVEFW-HOST-IN 11/Jan/2026:20:33:05 -0300 policy DROP: IN=vmbr0 PHYSIN=enp3s0 \
            MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.7 DST=192.0.2.1 LEN=60 TOS=0x00 \
            PREC=0x00 TTL=128 ID=9117 PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1";
        let (time, event) = parse(line).unwrap();
        assert_eq!(time, utc("2026-01-11T23:33:05Z"));
        assert_eq!(event.action, "deny");
        assert_eq!(event.rule.as_deref(), Some("0/PVEFW-HOST-IN policy"));
        assert_eq!(
            (event.protocol.as_str(), event.src_port, event.dst_port),
            ("ICMP", None, None)
        );
        assert_eq!(
            (event.in_iface.as_deref(), event.out_iface),
            (Some("enp3s0"), None)
        );
        assert!(event.new_connection);
    }

    #[test]
    fn reads_reject_ipv6_and_out_only_lines() {
        let ack = "105 6 veth105i0-OUT 14/Mar/2024:12:34:56 +0000 REJECT: OUT=vmbr0 SRC=2001:db8::5 \
            DST=2001:db8::1 LEN=40 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=443 DPT=50000 SEQ=1 ACK=2 \
            WINDOW=500 ACK PSH ";
        let (_, event) = parse(ack).unwrap();
        assert_eq!(event.action, "deny");
        assert_eq!(
            (event.in_iface, event.out_iface.as_deref()),
            (None, Some("vmbr0"))
        );
        assert_eq!(event.src_ip, "2001:db8::5");
        assert!(!event.new_connection);
        let icmp6 = "0 6 PVEFW-HOST-IN 14/Mar/2024:12:34:56 +0000 DROP: IN=vmbr0 SRC=fe80::1 DST=ff02::1 \
            LEN=32 TC=0 FLOWLBL=0 HOPLIMIT=255 PROTO=ICMPV6 TYPE=134 CODE=0";
        assert_eq!(parse(icmp6).unwrap().1.protocol, "ICMPv6");
        let arp = "100 6 tap100i0-OUT 14/Mar/2024:12:34:56 +0000 DROP: IN=fwbr100i0 SRC=10.0.0.7 \
            DST=10.0.0.1 PROTO=ARP REQUEST ";
        let (_, event) = parse(arp).unwrap();
        assert_eq!(
            (event.protocol.as_str(), event.new_connection),
            ("ARP", false)
        );
        let udp = "100 6 tap100i0-IN 14/Mar/2024:12:34:56 +0000 LOG: IN=fwbr100i0 SRC=10.0.0.7 \
            DST=10.0.0.1 LEN=60 PROTO=UDP SPT=5353 DPT=53 LEN=40";
        let (_, event) = parse(udp).unwrap();
        assert_eq!(
            (event.action.as_str(), event.dst_port),
            ("unknown", Some(53))
        );
    }

    #[test]
    fn status_lines_and_broken_lines_are_refused() {
        let status = "0 5 - 14/Mar/2024:12:34:56 +0100 starting pvefw logger";
        assert!(looks_like_pve_firewall(status));
        assert_eq!(
            parse(status).unwrap_err(),
            "pve-firewall: a logger status line, not a packet"
        );
        assert_eq!(
            parse("0 3 - 14/Mar/2024:12:34:56 +0100 nlif_catch failed: res = -1").unwrap_err(),
            "pve-firewall: a logger status line, not a packet"
        );
        assert_eq!(
            parse("0 6 X 31/Foo/2024:12:34:56 +0100 DROP: SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP")
                .unwrap_err(),
            "pve-firewall: expected a time like `14/Mar/2024:12:34:56 +0100`"
        );
        assert_eq!(
            parse("x 6 X 14/Mar/2024:12:34:56 +0100 DROP: SRC=1.2.3.4").unwrap_err(),
            "pve-firewall: expected a numeric vmid first"
        );
        assert_eq!(
            parse("0 6 X 14/Mar/2024:12:34:56 +0100 DROP: IN=vmbr0 LEN=20 INVALID=LEN")
                .unwrap_err(),
            "pve-firewall: expected `SRC=` and `DST=` after the action"
        );
        assert_eq!(
            parse("0 6 X 14/Mar/2024:12:34:56 +0100 DROP: SRC=1.2.3.4 DST=5.6.7.8 LEN=20")
                .unwrap_err(),
            "pve-firewall: expected `PROTO=`"
        );
        assert!(
            parse("0 6")
                .unwrap_err()
                .starts_with("pve-firewall: expected `<vmid>")
        );
        assert!(!looks_like_pve_firewall(
            "Mar 14 12:34:56 pve1 kernel: IN=eth0"
        ));
        assert!(!looks_like_pve_firewall(
            "100 6 tap100i0-IN 2024-03-14T12:34:56"
        ));
    }

    #[test]
    fn odd_bytes_are_refused_without_panicking() {
        for line in [
            "",
            "\u{e9}",
            "0 6 \u{1F600} 14/M\u{e4}r/2024:12:34:56 +0100 DROP: SRC=1 DST=2 PROTO=\u{e9}",
            "1 1 x 14/Mar/2024:1\u{e9}:34:56 +0100",
            "0 6 PVEFW-HOST-IN 14/Mar/2024:12:34:56 +0100 DROP: IN=vmbr0 SRC=10.0.0.1 DST=10.0.0.2 PROTO=TCP SPT=99999 DPT=\u{e9}",
            "0 6 PVEFW-HOST-IN 14/Mar/2024:12:34:56 +01",
            "99999999999999999999999 6 c 14/Mar/2024:12:34:56 +0100 DROP: ",
        ] {
            let _ = looks_like_pve_firewall(line);
            let _ = parse(line);
        }
        assert!(!looks_like_pve_firewall(
            "1 1 x 14/M\u{e4}/2024:1:34:56 +0100"
        ));
        assert!(
            parse("0 6 \u{1F600} 14/M\u{e4}r/2024:12:34:56 +0100 DROP: SRC=1 DST=2 PROTO=x")
                .is_err()
        );
        let (_, truncated) = parse(
            "0 6 PVEFW-HOST-IN 14/Mar/2024:12:34:56 +0100 DROP: IN=vmbr0 SRC=10.0.0.1 DST=10.0.0.2 PROTO=TCP SPT=99999 DPT=\u{e9}",
        )
        .unwrap();
        assert_eq!((truncated.src_port, truncated.dst_port), (None, None));
        assert!(parse("0 6 PVEFW-HOST-IN 14/Mar/2024:12:34:56 +01").is_err());
    }
}
