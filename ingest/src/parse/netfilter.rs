//! Linux netfilter `LOG` lines (iptables, nftables `log`, ufw) as firewall events.
//!
//! The kernel message is `[ uptime] <prefix>IN=eth0 OUT= MAC=... SRC=a DST=b ...
//! PROTO=TCP SPT=1 DPT=2 ... SYN URGP=0`:
//!
//! * the optional `[ 1234.567890]` uptime is skipped;
//! * the log prefix is the text before `IN=`, trimmed, without the brackets
//!   ufw puts around it (`[UFW BLOCK]`); an empty prefix is no rule; a
//!   prefix written without a trailing space is glued to `IN=` (`DROPIN=eth0
//!   OUT=`) and is read as well;
//! * the action comes from the prefix: any configured deny word
//!   (case-insensitive substring) makes it `deny`, else any allow word
//!   `allow`, else `unknown` (ufw's `BLOCK`, `ALLOW` and `AUDIT` fall out of
//!   the default words);
//! * the packet opens a new connection when it is TCP with `SYN` and without
//!   `ACK` among the flags (the bare words after `PROTO=`), or when the prefix
//!   contains the word `NEW` (as in `state NEW`; case-sensitive);
//! * the protocol is upper-cased, except that `ICMPv6` keeps its usual spelling;
//! * for repeated keys (`LEN=`, `ID=`) the first occurrence counts.
//!
//! ARP packets (nftables `arp` tables, arptables) have no `SRC=`, `DST=` or
//! `PROTO=`: their `IPSRC=` and `IPDST=` are the addresses and the protocol
//! is `ARP`. Other lines without `IN=`, `SRC=`, `DST=` or `PROTO=` are refused.

use vakt_schemas::FirewallEvent;
use vakt_schemas::config::FirewallConfig;

/// Whether a kernel message looks like a netfilter log line.
pub fn is_netfilter_message(message: &str) -> bool {
    find_fields_start(message).is_some()
}

/// The firewall event of a netfilter message logged by `device`.
pub fn parse_netfilter(
    device: &str,
    message: &str,
    firewall: &FirewallConfig,
) -> Result<FirewallEvent, String> {
    let message = skip_uptime(message);
    let Some(fields_start) = find_fields_start(message) else {
        return Err("netfilter: expected `IN=`".to_string());
    };
    let rule = rule_of(&message[..fields_start]);
    let fields = Fields::parse(&message[fields_start..]);
    let (src_ip, dst_ip, protocol) = addresses_and_protocol(&fields)?;
    let tcp_opens = protocol == "TCP" && fields.has_flag("SYN") && !fields.has_flag("ACK");
    let prefix_says_new = rule.as_deref().is_some_and(prefix_says_new);
    Ok(FirewallEvent {
        device: device.to_string(),
        action: action_of(rule.as_deref(), firewall).to_string(),
        src_ip: src_ip.to_string(),
        src_port: fields.value("SPT").and_then(|port| port.parse().ok()),
        dst_ip: dst_ip.to_string(),
        dst_port: fields.value("DPT").and_then(|port| port.parse().ok()),
        protocol,
        new_connection: tcp_opens || prefix_says_new,
        rule,
        in_iface: fields
            .value("IN")
            .filter(|name| !name.is_empty())
            .map(str::to_string),
        out_iface: fields
            .value("OUT")
            .filter(|name| !name.is_empty())
            .map(str::to_string),
        ..FirewallEvent::default()
    })
}

/// The addresses and protocol of an IP packet (`SRC=`, `DST=`, `PROTO=`)
/// or of an ARP packet (`ARP ... IPSRC=`, `IPDST=`, which have no `PROTO=`).
fn addresses_and_protocol<'a>(fields: &Fields<'a>) -> Result<(&'a str, &'a str, String), String> {
    if let (Some(src_ip), Some(dst_ip)) = (fields.value("SRC"), fields.value("DST")) {
        let Some(protocol) = fields.value("PROTO").map(normalise_protocol) else {
            return Err("netfilter: expected `PROTO=`".to_string());
        };
        return Ok((src_ip, dst_ip, protocol));
    }
    if let (Some(src_ip), Some(dst_ip)) = (fields.value("IPSRC"), fields.value("IPDST")) {
        return Ok((src_ip, dst_ip, "ARP".to_string()));
    }
    Err("netfilter: expected `SRC=` and `DST=`".to_string())
}

/// The message without a leading `[ 1234.567890]` kernel uptime.
fn skip_uptime(message: &str) -> &str {
    let Some(rest) = message.strip_prefix('[') else {
        return message;
    };
    let Some((uptime, after)) = rest.split_once(']') else {
        return message;
    };
    let is_uptime = uptime
        .trim()
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'.');
    if is_uptime && !uptime.trim().is_empty() {
        return after.trim_start();
    }
    message
}

/// Where `IN=` starts: as a word of its own, or glued to a log prefix
/// without a trailing space (`--log-prefix DROP` gives `DROPIN=eth0 OUT=`),
/// which the kernel always follows with ` OUT=`.
fn find_fields_start(message: &str) -> Option<usize> {
    message
        .match_indices("IN=")
        .map(|(index, _)| index)
        .find(|&index| {
            index == 0
                || message[..index].ends_with([' ', ':', ']'])
                || message[index + 3..]
                    .split_once(' ')
                    .is_some_and(|(_, rest)| rest.starts_with("OUT="))
        })
}

/// The log prefix as a rule name: trimmed, without surrounding brackets.
fn rule_of(prefix: &str) -> Option<String> {
    let prefix = prefix.trim();
    let prefix = match prefix
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
    {
        Some(inner) => inner.trim(),
        None => prefix,
    };
    Some(prefix.to_string()).filter(|rule| !rule.is_empty())
}

fn action_of(rule: Option<&str>, firewall: &FirewallConfig) -> &'static str {
    let Some(rule) = rule else {
        return "unknown";
    };
    let rule = rule.to_lowercase();
    let says = |words: &[String]| {
        words
            .iter()
            .any(|word| !word.is_empty() && rule.contains(&word.to_lowercase()))
    };
    if says(&firewall.deny_words) {
        return "deny";
    }
    if says(&firewall.allow_words) {
        return "allow";
    }
    "unknown"
}

fn prefix_says_new(rule: &str) -> bool {
    rule.split(|character: char| !character.is_ascii_alphanumeric())
        .any(|word| word == "NEW")
}

/// The protocol upper-cased, `ICMPv6` keeping its usual spelling.
pub(crate) fn normalise_protocol(protocol: &str) -> String {
    let upper = protocol.to_ascii_uppercase();
    if upper == "ICMPV6" {
        return "ICMPv6".to_string();
    }
    upper
}

/// The `KEY=value` fields and bare flags after `IN=`.
pub(crate) struct Fields<'a> {
    pairs: Vec<(&'a str, &'a str)>,
    /// Bare words after `PROTO=`: the TCP flags.
    flags: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    /// Splits the text from `IN=` on into fields and flags.
    pub(crate) fn parse(text: &'a str) -> Fields<'a> {
        let mut fields = Fields {
            pairs: Vec::new(),
            flags: Vec::new(),
        };
        let mut after_protocol = false;
        for token in text.split_whitespace() {
            match token.split_once('=') {
                Some((key, value)) => {
                    after_protocol |= key == "PROTO";
                    fields.pairs.push((key, value));
                }
                None if after_protocol => fields.flags.push(token),
                None => {}
            }
        }
        fields
    }

    /// The first value of `key`.
    pub(crate) fn value(&self, key: &str) -> Option<&'a str> {
        self.pairs
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| *value)
    }

    /// Whether `flag` is among the bare words after `PROTO=`.
    pub(crate) fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(message: &str) -> Result<FirewallEvent, String> {
        parse_netfilter("fw1", message, &FirewallConfig::default())
    }

    const SYN: &str = "IN=eth0 OUT= MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=195.54.160.107 \
        DST=10.20.0.5 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 DF PROTO=TCP SPT=8080 DPT=22 \
        WINDOW=1024 RES=0x00 SYN URGP=0";

    #[test]
    fn reads_a_dropped_syn_with_uptime_and_prefix() {
        let event = parse(&format!("[50028442.088484] IPTABLES-DROP: {SYN}")).unwrap();
        assert_eq!(event.device, "fw1");
        assert_eq!(event.rule.as_deref(), Some("IPTABLES-DROP:"));
        assert_eq!(event.action, "deny");
        assert_eq!(
            (event.src_ip.as_str(), event.src_port),
            ("195.54.160.107", Some(8080))
        );
        assert_eq!(
            (event.dst_ip.as_str(), event.dst_port),
            ("10.20.0.5", Some(22))
        );
        assert_eq!(event.protocol, "TCP");
        assert!(event.new_connection);
        assert_eq!(event.in_iface.as_deref(), Some("eth0"));
        assert_eq!(event.out_iface, None);
    }

    #[test]
    fn without_prefix_the_action_is_unknown() {
        let event = parse(&format!("[  203.842973] {SYN}")).unwrap();
        assert_eq!(event.rule, None);
        assert_eq!(event.action, "unknown");
    }

    #[test]
    fn ack_packets_do_not_open_connections() {
        let message = "FWD-ACCEPT IN=eth1 OUT=eth0 SRC=10.20.0.5 DST=10.10.0.2 LEN=52 PROTO=TCP \
            SPT=22 DPT=50522 WINDOW=501 RES=0x00 ACK SYN URGP=0";
        let event = parse(message).unwrap();
        assert_eq!(event.action, "allow");
        assert!(!event.new_connection);
        assert_eq!(event.out_iface.as_deref(), Some("eth0"));
    }

    #[test]
    fn the_word_new_in_the_prefix_marks_a_new_connection() {
        let udp =
            "IN=eth0 OUT= SRC=10.10.0.7 DST=10.20.0.2 LEN=56 PROTO=UDP SPT=49007 DPT=53 LEN=36";
        assert!(
            parse(&format!("ACCEPT state NEW: {udp}"))
                .unwrap()
                .new_connection
        );
        assert!(parse(&format!("IPT-NEW {udp}")).unwrap().new_connection);
        assert!(!parse(&format!("RENEWAL {udp}")).unwrap().new_connection);
        assert!(!parse(&format!("state new {udp}")).unwrap().new_connection);
        let event = parse(&format!("ACCEPT state NEW: {udp}")).unwrap();
        assert_eq!((event.protocol.as_str(), event.dst_port), ("UDP", Some(53)));
    }

    #[test]
    fn ufw_prefixes_give_the_action() {
        let block = parse(&format!("[1041652.548288] [UFW BLOCK] {SYN}")).unwrap();
        assert_eq!(
            (block.rule.as_deref(), block.action.as_str()),
            (Some("UFW BLOCK"), "deny")
        );
        let allow = parse(&format!("[UFW ALLOW] {SYN}")).unwrap();
        assert_eq!(allow.action, "allow");
        let audit = parse(&format!("[UFW AUDIT] {SYN}")).unwrap();
        assert_eq!(audit.action, "unknown");
    }

    #[test]
    fn configured_words_decide_deny_before_allow() {
        let firewall = FirewallConfig {
            allow_words: vec!["ok".to_string()],
            deny_words: vec!["nope".to_string()],
        };
        let event = parse_netfilter("fw1", &format!("OK-BUT-NOPE {SYN}"), &firewall).unwrap();
        assert_eq!(event.action, "deny");
        let event = parse_netfilter("fw1", &format!("ok-in {SYN}"), &firewall).unwrap();
        assert_eq!(event.action, "allow");
    }

    #[test]
    fn icmp_and_ipv6_packets_have_no_ports() {
        let icmp = "IN=abc.123 OUT=abc.123 SRC=10.251.1.1 DST=10.251.1.2 LEN=84 TTL=63 ID=6789 \
            PROTO=ICMP TYPE=8 CODE=0 ID=98765 SEQ=30123 MARK=0";
        let event = parse(icmp).unwrap();
        assert_eq!(
            (event.protocol.as_str(), event.src_port, event.dst_port),
            ("ICMP", None, None)
        );
        let icmp6 =
            "DROP IN=eth0 OUT= SRC=2001:db8::1 DST=2001:db8::2 LEN=64 PROTO=ICMPv6 TYPE=128 CODE=0";
        let event = parse(icmp6).unwrap();
        assert_eq!(
            (event.protocol.as_str(), event.src_ip.as_str()),
            ("ICMPv6", "2001:db8::1")
        );
        let numeric = parse("IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 PROTO=47").unwrap();
        assert_eq!(numeric.protocol, "47");
    }

    #[test]
    fn incomplete_lines_are_refused() {
        let no_in = parse("[1.0] XX=enp1s0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP").unwrap_err();
        assert_eq!(no_in, "netfilter: expected `IN=`");
        let no_dst = parse("IN=eth0 OUT= SRC=1.2.3.4 PROTO=TCP").unwrap_err();
        assert_eq!(no_dst, "netfilter: expected `SRC=` and `DST=`");
        let no_proto = parse("IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8").unwrap_err();
        assert_eq!(no_proto, "netfilter: expected `PROTO=`");
        assert!(!is_netfilter_message("LOGIN=ola"));
        assert!(is_netfilter_message("[UFW BLOCK] IN=eth0 OUT="));
    }
}
