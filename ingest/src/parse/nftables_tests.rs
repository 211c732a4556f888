//! nftables `log` statements write kernel lines in the netfilter `LOG`
//! shape, so [`super::netfilter`] reads them: these tests hold it to the
//! shapes nftables produces (prefixes with and without a trailing space,
//! `inet` tables, IPv6, `log flags`, bridge and ARP families).

use vakt_schemas::FirewallEvent;
use vakt_schemas::config::FirewallConfig;

use super::netfilter::{is_netfilter_message, parse_netfilter};

fn parse(message: &str) -> Result<FirewallEvent, String> {
    parse_netfilter("gw1", message, &FirewallConfig::default())
}

#[test]
fn inet_table_drop_with_prefix() {
    let message = "[ 8123.445566] nft drop: IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 \
        SRC=198.51.100.23 DST=192.0.2.10 LEN=44 TOS=0x00 PREC=0x00 TTL=52 ID=54321 PROTO=TCP \
        SPT=48123 DPT=3389 WINDOW=1024 RES=0x00 SYN URGP=0 ";
    assert!(is_netfilter_message(message));
    let event = parse(message).unwrap();
    assert_eq!(event.rule.as_deref(), Some("nft drop:"));
    assert_eq!(event.action, "deny");
    assert_eq!(
        (event.src_ip.as_str(), event.src_port, event.dst_port),
        ("198.51.100.23", Some(48123), Some(3389))
    );
    assert_eq!(event.protocol, "TCP");
    assert!(event.new_connection);
    assert_eq!(
        (event.in_iface.as_deref(), event.out_iface),
        (Some("eth0"), None)
    );
}

#[test]
fn ipv6_with_log_flags_all() {
    let message = "inet-in-accept IN=enp1s0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:86:dd \
        SRC=2001:db8:1::23 DST=2001:db8:2::10 LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=123456 PROTO=TCP \
        SPT=51000 DPT=443 SEQ=2961342391 ACK=0 WINDOW=64800 RES=0x00 SYN URGP=0 \
        OPT (020405A00402080A9A3B1C2D0000000001030307) UID=0 GID=0 ";
    let event = parse(message).unwrap();
    assert_eq!(event.action, "allow");
    assert_eq!(
        (event.src_ip.as_str(), event.dst_ip.as_str()),
        ("2001:db8:1::23", "2001:db8:2::10")
    );
    assert!(event.new_connection);
    let icmp6 = "nft-v6 IN=eth0 OUT= SRC=fe80::1 DST=ff02::1 LEN=72 TC=0 HOPLIMIT=255 FLOWLBL=0 \
        PROTO=ICMPv6 TYPE=134 CODE=0 ";
    let event = parse(icmp6).unwrap();
    assert_eq!((event.protocol.as_str(), event.src_port), ("ICMPv6", None));
}

#[test]
fn forwarded_udp_and_bridge_family() {
    let forward = "fwd: IN=wg0 OUT=eth1 SRC=10.8.0.2 DST=10.1.0.53 LEN=71 TOS=0x00 PREC=0x00 \
        TTL=63 ID=30211 DF PROTO=UDP SPT=53211 DPT=53 LEN=51 MARK=0x1 ";
    let event = parse(forward).unwrap();
    assert_eq!(
        (event.in_iface.as_deref(), event.out_iface.as_deref()),
        (Some("wg0"), Some("eth1"))
    );
    assert_eq!((event.protocol.as_str(), event.dst_port), ("UDP", Some(53)));
    assert!(!event.new_connection);
    let bridge = "br-log IN=br0 OUT=br0 PHYSIN=veth1 PHYSOUT=veth2 MAC=aa:bb:cc:dd:ee:01:aa:bb:cc:dd:ee:02:08:00 \
        SRC=10.0.0.2 DST=10.0.0.3 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=ICMP TYPE=8 CODE=0 ID=7 SEQ=1 ";
    let event = parse(bridge).unwrap();
    assert_eq!(event.in_iface.as_deref(), Some("br0"));
    assert_eq!(event.protocol, "ICMP");
}

#[test]
fn prefix_without_trailing_space_is_glued_to_in() {
    let message = "[  412.001122] nft-rejectIN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 \
        SRC=203.0.113.5 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=0 DF PROTO=TCP SPT=40000 \
        DPT=25 WINDOW=29200 RES=0x00 SYN URGP=0 ";
    assert!(is_netfilter_message(message));
    let event = parse(message).unwrap();
    assert_eq!(event.rule.as_deref(), Some("nft-reject"));
    assert_eq!(event.action, "deny");
    assert_eq!(event.in_iface.as_deref(), Some("eth0"));
    assert!(!is_netfilter_message("LOGIN=ola"));
    assert!(!is_netfilter_message("PLUGIN=x LIST=y"));
}

#[test]
fn arp_family_lines() {
    let message = "arp-in: IN=eth0 OUT= ARP HTYPE=1 PTYPE=0x0800 OPCODE=1 MACSRC=52:54:00:aa:bb:cc \
        IPSRC=192.0.2.77 MACDST=00:00:00:00:00:00 IPDST=192.0.2.1";
    let event = parse(message).unwrap();
    assert_eq!(
        (
            event.src_ip.as_str(),
            event.dst_ip.as_str(),
            event.protocol.as_str()
        ),
        ("192.0.2.77", "192.0.2.1", "ARP")
    );
    assert_eq!((event.src_port, event.dst_port), (None, None));
    assert!(!event.new_connection);
    let with_ether = "arp-in: IN=eth0 OUT= MACSRC=52:54:00:aa:bb:cc MACDST=ff:ff:ff:ff:ff:ff MACPROTO=0806 \
        ARP HTYPE=1 PTYPE=0x0800 OPCODE=1 MACSRC=52:54:00:aa:bb:cc IPSRC=192.0.2.77 \
        MACDST=00:00:00:00:00:00 IPDST=192.0.2.1";
    assert_eq!(parse(with_ether).unwrap().src_ip, "192.0.2.77");
    let short = "arp-in: IN=eth0 OUT= ARP HTYPE=6 PTYPE=0x0800 OPCODE=1";
    assert_eq!(
        parse(short).unwrap_err(),
        "netfilter: expected `SRC=` and `DST=`"
    );
}

#[test]
fn odd_bytes_are_refused_without_panicking() {
    for message in [
        "nft \u{e9}IN=",
        "\u{e9}IN=\u{1F600} OUT=",
        "IN=eth0 OUT= SRC=\u{e9} DST=",
        "IN=",
        "[\u{e9}] IN=eth0",
    ] {
        let _ = is_netfilter_message(message);
        let _ = parse(message);
    }
    assert!(parse("nft \u{e9}IN=").is_err());
    assert!(parse("IN=").is_err());
}
