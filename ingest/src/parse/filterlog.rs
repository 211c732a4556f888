//! pfSense and OPNsense `filterlog` lines (the pf packet filter's log) as
//! firewall events.
//!
//! The syslog program is `filterlog`; the message is the comma-separated
//! "Filter Log Format" of the pfSense documentation:
//!
//! ```text
//! 31,,,1000000201,igb1.12,match,block,in,4,0x0,,63,8841,0,DF,6,tcp,60,10.40.12.50,198.51.100.1,49724,853,0,S,1234567890,,64240,,mss;sackOK;TS;nop;wscale
//! ```
//!
//! * common fields: rule number, sub rule, anchor, tracker, interface,
//!   reason, action, direction, IP version;
//! * IPv4 then: TOS, ECN, TTL, id, offset, flags, protocol id, protocol
//!   text, length, source, destination;
//! * IPv6 then: class, flow label, hop limit, protocol text, protocol id,
//!   length, source, destination;
//! * TCP and UDP then: source port, destination port, data length; TCP adds
//!   flags, sequence, ack, window, urgent pointer, options.
//!
//! What maps to what:
//!
//! * `device` is the syslog host;
//! * `action`: `pass` is `allow`, `block` and `reject` are `deny`, anything
//!   else (`rdr`, `nat`, `binat` on OPNsense) is `unknown`;
//! * `rule` is the tracker (a number on pfSense, a hash on OPNsense), or
//!   the rule number when the tracker is empty;
//! * the interface is `in_iface` when the direction is `in` and `out_iface`
//!   when it is `out`;
//! * `protocol` is the protocol text upper-cased as the netfilter parser does
//!   (`ICMPv6` keeps its spelling, `ipv6-icmp` is written `ICMPv6`), or the
//!   protocol id when the text is empty;
//! * ports are read for TCP, UDP and SCTP only;
//! * `new_connection` is true for a TCP packet with `S` and without `A` in its
//!   flags (as in netfilter, whatever the action), and for any other
//!   protocol when the action is `pass`: pf logs a passed packet only when it
//!   creates state, unless a rule asks to log all packets.
//!
//! Lines with fewer fields than their IP version needs, another IP version,
//! or addresses that are not IP addresses are refused.

use std::net::IpAddr;

use vakt_schemas::FirewallEvent;

use super::netfilter::normalise_protocol;

/// The fields every line has, before the IP-specific ones.
const COMMON_FIELDS: usize = 9;
/// The fields of an IPv4 line up to the destination address.
const IPV4_FIELDS: usize = COMMON_FIELDS + 11;
/// The fields of an IPv6 line up to the destination address.
const IPV6_FIELDS: usize = COMMON_FIELDS + 8;

/// Whether a syslog program tag is pf's `filterlog`.
pub fn is_filterlog_program(program: &str) -> bool {
    program == "filterlog"
}

/// The firewall event of a `filterlog` message logged by `host`.
pub fn parse_filterlog(host: &str, message: &str) -> Result<FirewallEvent, String> {
    let fields: Vec<&str> = message.trim().split(',').collect();
    if fields.len() < COMMON_FIELDS {
        return Err(format!(
            "filterlog: expected at least {COMMON_FIELDS} comma-separated fields"
        ));
    }
    let field = |index: usize| fields.get(index).copied().unwrap_or("");
    let (protocol_text, protocol_id, addresses_at) = match field(8) {
        "4" if fields.len() >= IPV4_FIELDS => (field(16), field(15), 18),
        "6" if fields.len() >= IPV6_FIELDS => (field(12), field(13), 15),
        "4" => {
            return Err(format!(
                "filterlog: expected at least {IPV4_FIELDS} fields in an ipv4 line"
            ));
        }
        "6" => {
            return Err(format!(
                "filterlog: expected at least {IPV6_FIELDS} fields in an ipv6 line"
            ));
        }
        _ => return Err("filterlog: expected ip version 4 or 6 in the 9th field".to_string()),
    };
    let (Some(src_ip), Some(dst_ip)) = (
        ip_address(field(addresses_at)),
        ip_address(field(addresses_at + 1)),
    ) else {
        return Err("filterlog: expected source and destination ip addresses".to_string());
    };
    let protocol = protocol_of(protocol_text, protocol_id);
    let after_addresses = addresses_at + 2;
    let has_ports = matches!(protocol.as_str(), "TCP" | "UDP" | "SCTP");
    let port = |index: usize| {
        has_ports
            .then(|| field(after_addresses + index).parse::<u16>().ok())
            .flatten()
    };
    let action = field(6);
    let new_connection = if protocol == "TCP" {
        let flags = field(after_addresses + 3);
        flags.contains('S') && !flags.contains('A')
    } else {
        action == "pass"
    };
    let interface = Some(field(4))
        .filter(|name| !name.is_empty())
        .map(str::to_string);
    let direction = field(7);
    Ok(FirewallEvent {
        device: host.to_string(),
        action: action_of(action).to_string(),
        src_ip,
        src_port: port(0),
        dst_ip,
        dst_port: port(1),
        protocol,
        new_connection,
        rule: [field(3), field(0)]
            .into_iter()
            .find(|rule| !rule.is_empty())
            .map(str::to_string),
        in_iface: interface.clone().filter(|_| direction == "in"),
        out_iface: interface.filter(|_| direction == "out"),
        ..FirewallEvent::default()
    })
}

fn action_of(action: &str) -> &'static str {
    match action {
        "pass" => "allow",
        "block" | "reject" => "deny",
        _ => "unknown",
    }
}

/// The protocol text as netfilter writes it, or the protocol id.
fn protocol_of(text: &str, id: &str) -> String {
    if text.eq_ignore_ascii_case("ipv6-icmp") {
        return "ICMPv6".to_string();
    }
    if text.is_empty() {
        return id.to_string();
    }
    normalise_protocol(text)
}

fn ip_address(text: &str) -> Option<String> {
    text.parse::<IpAddr>()
        .ok()
        .map(|address| address.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(message: &str) -> Result<FirewallEvent, String> {
        parse_filterlog("fw.example.net", message)
    }

    const TCP_SYN: &str = "5,,,1000000103,igb0.20,match,block,in,4,0x0,,52,23456,0,DF,6,tcp,60,\
        10.20.30.40,192.0.2.10,51515,443,0,S,271828182,,64240,,mss;sackOK;TS;nop;wscale";

    #[test]
    fn reads_a_blocked_ipv4_syn() {
        let event = parse(TCP_SYN).unwrap();
        assert_eq!(
            event,
            FirewallEvent {
                device: "fw.example.net".to_string(),
                action: "deny".to_string(),
                src_ip: "10.20.30.40".to_string(),
                src_port: Some(51515),
                dst_ip: "192.0.2.10".to_string(),
                dst_port: Some(443),
                protocol: "TCP".to_string(),
                new_connection: true,
                rule: Some("1000000103".to_string()),
                in_iface: Some("igb0.20".to_string()),
                ..FirewallEvent::default()
            }
        );
    }

    #[test]
    fn reads_a_passed_outgoing_line_with_an_opnsense_tracker() {
        let message = "77,,,0d6a8e47c0a6bb3b2d4c1a8f3e2f9d10,vtnet1_vlan30,match,pass,out,4,0x0,,63,4242,0,DF,6,tcp,60,\
            192.168.30.1,10.1.1.1,40000,80,0,S,12345,,65535,,mss;sackOK;TS;nop;wscale";
        let event = parse(message).unwrap();
        assert_eq!(event.action, "allow");
        assert_eq!(
            event.rule.as_deref(),
            Some("0d6a8e47c0a6bb3b2d4c1a8f3e2f9d10")
        );
        assert_eq!(
            (event.in_iface, event.out_iface.as_deref()),
            (None, Some("vtnet1_vlan30"))
        );
        assert!(event.new_connection);
    }

    #[test]
    fn reads_ipv6_tcp_and_udp() {
        let tcp = "9,,,1644355000,vtnet0.10,match,reject,in,6,0x00,0x00c01,64,TCP,6,44,\
            fd00:1:2:10::77,fd00:1:2:5::6,60001,22,0,SA,1,2,0,,mss";
        let event = parse(tcp).unwrap();
        assert_eq!(
            (event.src_ip.as_str(), event.src_port),
            ("fd00:1:2:10::77", Some(60001))
        );
        assert_eq!(
            (event.dst_ip.as_str(), event.dst_port),
            ("fd00:1:2:5::6", Some(22))
        );
        assert_eq!(
            (event.action.as_str(), event.protocol.as_str()),
            ("deny", "TCP")
        );
        assert!(!event.new_connection);
        let udp = "6,,,1000000107,em1,match,block,in,6,0x00,0x0a1b2,1,UDP,17,32,\
            fe80::1:2ff:fe03:405,ff02::1:2,546,547,32";
        let event = parse(udp).unwrap();
        assert_eq!(
            (event.protocol.as_str(), event.src_port, event.dst_port),
            ("UDP", Some(546), Some(547))
        );
        assert!(!event.new_connection);
    }

    #[test]
    fn non_tcp_passes_are_new_connections_and_have_no_ports() {
        let udp = "12,,,1000001,lan,match,pass,in,4,0x0,,64,1,0,none,17,udp,72,10.0.0.5,10.0.0.1,5353,53,52";
        let event = parse(udp).unwrap();
        assert!(event.new_connection);
        assert_eq!(event.dst_port, Some(53));
        let icmp = "12,,,1000001,lan,match,pass,in,4,0x0,,64,1,0,none,1,icmp,84,10.0.0.5,10.0.0.1,request,4321,1";
        let event = parse(icmp).unwrap();
        assert_eq!(
            (event.protocol.as_str(), event.src_port, event.dst_port),
            ("ICMP", None, None)
        );
        assert!(event.new_connection);
        let carp = "40,,,1000002,em0,match,block,in,4,0x10,,255,0,0,none,112,carp,56,10.0.0.2,224.0.0.18,advertise,1,1,2,1,0";
        let event = parse(carp).unwrap();
        assert_eq!(event.protocol, "CARP");
        assert!(!event.new_connection);
        let icmp6 =
            "3,,,1000003,em0,match,pass,out,6,0x00,0x00000,255,ipv6-icmp,58,32,fe80::1,ff02::2,";
        assert_eq!(parse(icmp6).unwrap().protocol, "ICMPv6");
        let unnamed = "3,,,,em0,match,nat,out,6,0x00,0x00000,255,,99,32,fe80::1,ff02::2";
        let event = parse(unnamed).unwrap();
        assert_eq!(
            (
                event.protocol.as_str(),
                event.action.as_str(),
                event.rule.as_deref()
            ),
            ("99", "unknown", Some("3"))
        );
    }

    #[test]
    fn short_or_malformed_lines_are_refused() {
        assert_eq!(
            parse("5,,,1000000103,igb0,match,block,in").unwrap_err(),
            "filterlog: expected at least 9 comma-separated fields"
        );
        assert_eq!(
            parse("5,,,1000000103,igb0,match,block,in,4,0x0,,52,1,0,DF,6,tcp,60,10.0.0.1")
                .unwrap_err(),
            "filterlog: expected at least 20 fields in an ipv4 line"
        );
        assert_eq!(
            parse("5,,,1,igb0,match,block,in,6,0x00,0x0,64,TCP,6,44,fd00::1").unwrap_err(),
            "filterlog: expected at least 17 fields in an ipv6 line"
        );
        assert_eq!(
            parse("5,,,1,igb0,match,block,in,5,a,b,c,d,e,f,g,h,i,j,k,l").unwrap_err(),
            "filterlog: expected ip version 4 or 6 in the 9th field"
        );
        let shifted = "5,,,1,igb0,match,block,in,4,0x0,,52,1,0,DF,tcp,60,10.0.0.1,10.0.0.2,1,2,0,S";
        assert_eq!(
            parse(shifted).unwrap_err(),
            "filterlog: expected source and destination ip addresses"
        );
        assert!(is_filterlog_program("filterlog"));
        assert!(!is_filterlog_program("filterdns"));
    }

    #[test]
    fn odd_bytes_are_refused_without_panicking() {
        for message in [
            "",
            ",,,,,,,,",
            "\u{fffd}\u{e9},,,,,,,,4,\u{1F600}",
            "5,,,1,igb\u{e9},match,block,in,4,0x0,,52,1,0,DF,6,tcp,60,10.0.0.\u{e9},10.0.0.2,1,2,0,S",
            "5,,,1,igb0,match,block,in,4,0x0,,52,1,0,DF,6,tcp,60,10.0.0.1,10.0.0.2,99999,\u{e9}",
        ] {
            let _ = parse(message);
        }
        assert!(parse("\u{fffd}\u{e9},,,,,,,,4,\u{1F600}").is_err());
        let truncated = parse(
            "5,,,1,igb0,match,block,in,4,0x0,,52,1,0,DF,6,tcp,60,10.0.0.1,10.0.0.2,99999,\u{e9}",
        )
        .unwrap();
        assert_eq!((truncated.src_port, truncated.dst_port), (None, None));
        assert!(!truncated.new_connection);
    }
}
