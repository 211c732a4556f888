//! The Windows Firewall log `pfirewall.log` as firewall events.
//!
//! A W3C-like file: `#` header lines, then one space-separated line per
//! packet or connection in the order of `#Fields`:
//!
//! ```text
//! #Version: 1.5
//! #Software: Microsoft Windows Firewall
//! #Time Format: Local
//! #Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path
//! 2024-03-14 12:34:56 DROP TCP 10.0.0.5 10.0.0.1 50000 3389 52 S 1 0 64240 - - - RECEIVE
//! ```
//!
//! * the fields are read by the names of the last `#Fields` line (the order
//!   above until one is seen); `-` is no value;
//! * `date time` is local time in the given zone (`#Time Format: UTC`
//!   switches to UTC);
//! * `DROP` → `deny`; `ALLOW`, `OPEN` and `OPEN-INBOUND` → `allow`, as a new
//!   connection; `CLOSE` (the end of an allowed connection) → `allow`, not a
//!   new connection; a dropped or allowed TCP packet with `S` and without
//!   `A` in `tcpflags` is a new connection; other actions → `unknown`;
//! * `INFO-EVENTS-LOST` is refused, saying how many events the firewall
//!   lost (`info`), so that the loss reaches quarantine;
//! * the device is the host given by the caller; there is no rule name, and
//!   no interface name (`path` `SEND`/`RECEIVE` only says the direction, which
//!   the addresses already give), so `in_iface` and `out_iface` stay empty.

use chrono::{DateTime, NaiveDateTime, SubsecRound, TimeZone, Utc};
use vakt_schemas::FirewallEvent;

/// The fields of a `pfirewall.log` line until a `#Fields` line says otherwise.
pub const DEFAULT_FIELDS: [&str; 17] = [
    "date", "time", "action", "protocol", "src-ip", "dst-ip", "src-port", "dst-port", "size",
    "tcpflags", "tcpsyn", "tcpack", "tcpwin", "icmptype", "icmpcode", "info", "path",
];

/// The most fields a `#Fields` line may name.
const MAX_FIELDS: usize = 64;

/// The actions of `pfirewall.log` lines.
const ACTIONS: [&str; 6] = [
    "DROP",
    "ALLOW",
    "OPEN",
    "CLOSE",
    "OPEN-INBOUND",
    "INFO-EVENTS-LOST",
];

/// Reads `pfirewall.log` lines, keeping the field order and time format of the headers.
#[derive(Clone, Debug)]
pub struct PfirewallParser {
    fields: Vec<String>,
    utc: bool,
}

impl Default for PfirewallParser {
    fn default() -> Self {
        PfirewallParser::new()
    }
}

/// Whether a line looks like a `pfirewall.log` header or record line.
pub fn looks_like_pfirewall(line: &str) -> bool {
    let line = line.trim();
    // The W3C header lines Windows Firewall writes; `#Time Format:` and
    // `#Fields:` change how the lines after them read.
    if [
        "#Version: 1.5",
        "#Software: Microsoft Windows Firewall",
        "#Time Format:",
        "#Fields: date time action",
    ]
    .iter()
    .any(|header| line.starts_with(header))
    {
        return true;
    }
    let mut words = line.split_whitespace();
    let (Some(date), Some(time), Some(action)) = (words.next(), words.next(), words.next()) else {
        return false;
    };
    let is_date = date.len() == 10
        && date
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'-');
    let is_time = time.len() == 8
        && time
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b':');
    is_date && is_time && ACTIONS.contains(&action)
}

impl PfirewallParser {
    /// A parser expecting the default fields in local time.
    pub fn new() -> PfirewallParser {
        PfirewallParser {
            fields: DEFAULT_FIELDS.iter().map(|name| name.to_string()).collect(),
            utc: false,
        }
    }

    /// Reads one line: `Ok(None)` for a header or blank line, else the time and the
    /// event of a record logged by `host`, local times read in `time_zone`.
    pub fn parse(
        &mut self,
        line: &str,
        host: &str,
        time_zone: chrono_tz::Tz,
    ) -> Result<Option<(DateTime<Utc>, FirewallEvent)>, String> {
        let line = line.trim();
        if line.is_empty() {
            return Ok(None);
        }
        if let Some(header) = line.strip_prefix('#') {
            self.read_header(header)?;
            return Ok(None);
        }
        let values: Vec<&str> = line.split_whitespace().collect();
        if values.len() < self.fields.len() {
            return Err(format!(
                "pfirewall: expected {} space-separated fields, found {}",
                self.fields.len(),
                values.len()
            ));
        }
        let field = |name: &str| {
            self.fields
                .iter()
                .position(|field| field == name)
                .and_then(|index| values.get(index).copied())
                .filter(|value| *value != "-")
        };
        let time = self.time_of(field("date"), field("time"), time_zone)?;
        let action = field("action").ok_or("pfirewall: expected an `action`")?;
        if action == "INFO-EVENTS-LOST" {
            return Err(format!(
                "pfirewall: the firewall lost {} events (INFO-EVENTS-LOST)",
                field("info").unwrap_or("an unknown number of")
            ));
        }
        let (Some(src_ip), Some(dst_ip)) = (field("src-ip"), field("dst-ip")) else {
            return Err("pfirewall: expected `src-ip` and `dst-ip`".to_string());
        };
        let protocol = field("protocol").unwrap_or("").to_ascii_uppercase();
        let flags = field("tcpflags").unwrap_or("");
        let opens_tcp = protocol == "TCP" && flags.contains('S') && !flags.contains('A');
        let (verdict, opens) = match action {
            "DROP" => ("deny", opens_tcp),
            "ALLOW" => ("allow", opens_tcp),
            "OPEN" | "OPEN-INBOUND" => ("allow", true),
            "CLOSE" => ("allow", false),
            _ => ("unknown", opens_tcp),
        };
        let port = |name: &str| field(name).and_then(|port| port.parse::<u16>().ok());
        let event = FirewallEvent {
            device: host.to_string(),
            action: verdict.to_string(),
            src_ip: src_ip.to_string(),
            src_port: port("src-port"),
            dst_ip: dst_ip.to_string(),
            dst_port: port("dst-port"),
            protocol,
            new_connection: opens,
            ..FirewallEvent::default()
        };
        Ok(Some((time, event)))
    }

    fn read_header(&mut self, header: &str) -> Result<(), String> {
        let Some((name, value)) = header.split_once(':') else {
            return Ok(());
        };
        match name.trim() {
            "Fields" => {
                let fields: Vec<String> = value.split_whitespace().map(str::to_string).collect();
                if fields.is_empty() || fields.len() > MAX_FIELDS {
                    return Err(format!(
                        "pfirewall: expected 1 to {MAX_FIELDS} names in `#Fields`"
                    ));
                }
                self.fields = fields;
            }
            "Time Format" => self.utc = value.trim().eq_ignore_ascii_case("UTC"),
            _ => {}
        }
        Ok(())
    }

    fn time_of(
        &self,
        date: Option<&str>,
        time: Option<&str>,
        time_zone: chrono_tz::Tz,
    ) -> Result<DateTime<Utc>, String> {
        let (Some(date), Some(time)) = (date, time) else {
            return Err("pfirewall: expected `date` and `time`".to_string());
        };
        let naive =
            NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S%.f")
                .map_err(|_| {
                    format!("pfirewall: expected `YYYY-MM-DD hh:mm:ss`, found `{date} {time}`")
                })?;
        if self.utc {
            return Ok(naive.and_utc().trunc_subsecs(6));
        }
        let local = time_zone
            .from_local_datetime(&naive)
            .earliest()
            .ok_or_else(|| format!("pfirewall: `{date} {time}` does not exist in {time_zone}"))?;
        Ok(local.with_timezone(&Utc).trunc_subsecs(6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OSLO: chrono_tz::Tz = chrono_tz::Europe::Oslo;

    fn parse(
        parser: &mut PfirewallParser,
        line: &str,
    ) -> Result<Option<(DateTime<Utc>, FirewallEvent)>, String> {
        parser.parse(line, "ts1", OSLO)
    }

    #[test]
    fn reads_a_dropped_syn_after_the_headers() {
        let mut parser = PfirewallParser::new();
        for header in [
            "#Version: 1.5",
            "#Software: Microsoft Windows Firewall",
            "#Time Format: Local",
            "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path",
            "",
        ] {
            assert_eq!(parse(&mut parser, header), Ok(None), "{header}");
        }
        let line = "2024-03-14 12:34:56 DROP TCP 10.0.0.5 10.0.0.1 50000 3389 52 S 1 0 64240 - - - RECEIVE";
        let (time, event) = parse(&mut parser, line).unwrap().unwrap();
        assert_eq!(time.to_rfc3339(), "2024-03-14T11:34:56+00:00");
        assert_eq!(event.device, "ts1");
        assert_eq!(event.action, "deny");
        assert_eq!(
            (event.src_ip.as_str(), event.src_port),
            ("10.0.0.5", Some(50000))
        );
        assert_eq!(
            (event.dst_ip.as_str(), event.dst_port),
            ("10.0.0.1", Some(3389))
        );
        assert_eq!(event.protocol, "TCP");
        assert!(event.new_connection);
        assert_eq!(
            (event.rule, event.in_iface, event.out_iface),
            (None, None, None)
        );
    }

    #[test]
    fn open_close_and_ack_lines() {
        let mut parser = PfirewallParser::new();
        let open = "2024-03-14 12:35:00 OPEN UDP 10.0.0.5 10.0.0.53 51000 53 - - - - - - - - -";
        let (_, event) = parse(&mut parser, open).unwrap().unwrap();
        assert_eq!(
            (event.action.as_str(), event.new_connection),
            ("allow", true)
        );
        assert_eq!(event.protocol, "UDP");
        let close = "2024-03-14 12:35:30 CLOSE UDP 10.0.0.5 10.0.0.53 51000 53 - - - - - - - - -";
        let (_, event) = parse(&mut parser, close).unwrap().unwrap();
        assert_eq!(
            (event.action.as_str(), event.new_connection),
            ("allow", false)
        );
        let inbound =
            "2024-03-14 12:36:00 OPEN-INBOUND TCP 10.0.0.9 10.0.0.1 50001 445 - - - - - - - - -";
        assert!(
            parse(&mut parser, inbound)
                .unwrap()
                .unwrap()
                .1
                .new_connection
        );
        let ack =
            "2024-03-14 12:36:01 DROP TCP 10.0.0.9 10.0.0.1 80 1774 576 AP 1 2 3 - - - RECEIVE";
        let (_, event) = parse(&mut parser, ack).unwrap().unwrap();
        assert_eq!(
            (event.action.as_str(), event.new_connection),
            ("deny", false)
        );
        let icmp = "2024-03-14 12:36:02 DROP ICMP 10.0.0.9 10.0.0.1 - - 60 - - - - 8 0 - RECEIVE";
        let (_, event) = parse(&mut parser, icmp).unwrap().unwrap();
        assert_eq!(
            (event.protocol.as_str(), event.src_port, event.dst_port),
            ("ICMP", None, None)
        );
    }

    #[test]
    fn follows_the_fields_line_and_utc_time() {
        let mut parser = PfirewallParser::new();
        parse(&mut parser, "#Time Format: UTC").unwrap();
        parse(
            &mut parser,
            "#Fields: date time action protocol dst-ip src-ip dst-port src-port",
        )
        .unwrap();
        let line = "2024-07-01 00:00:01 ALLOW TCP 10.0.0.1 10.0.0.5 3389 50000";
        let (time, event) = parse(&mut parser, line).unwrap().unwrap();
        assert_eq!(time.to_rfc3339(), "2024-07-01T00:00:01+00:00");
        assert_eq!(
            (event.src_ip.as_str(), event.dst_port),
            ("10.0.0.5", Some(3389))
        );
    }

    #[test]
    fn refuses_lost_events_and_broken_lines() {
        let mut parser = PfirewallParser::new();
        let lost = "2024-03-14 12:52:26 INFO-EVENTS-LOST - - - - - - - - - - - - 59 -";
        assert_eq!(
            parse(&mut parser, lost).unwrap_err(),
            "pfirewall: the firewall lost 59 events (INFO-EVENTS-LOST)"
        );
        assert_eq!(
            parse(&mut parser, "2024-03-14 12:00:00 DROP TCP").unwrap_err(),
            "pfirewall: expected 17 space-separated fields, found 4"
        );
        let bad_time = "2024-13-14 12:00:00 DROP TCP 1.1.1.1 2.2.2.2 1 2 - - - - - - - - -";
        assert_eq!(
            parse(&mut parser, bad_time).unwrap_err(),
            "pfirewall: expected `YYYY-MM-DD hh:mm:ss`, found `2024-13-14 12:00:00`"
        );
        let gap = "2024-03-31 02:30:00 DROP TCP 1.1.1.1 2.2.2.2 1 2 - - - - - - - - -";
        assert!(
            parse(&mut parser, gap)
                .unwrap_err()
                .contains("does not exist")
        );
        assert_eq!(
            parse(&mut parser, "#Fields:").unwrap_err(),
            "pfirewall: expected 1 to 64 names in `#Fields`"
        );
    }

    #[test]
    fn recognises_its_lines() {
        assert!(looks_like_pfirewall(
            "#Software: Microsoft Windows Firewall"
        ));
        assert!(looks_like_pfirewall(
            "2005-04-11 08:05:57 DROP UDP 1.2.3.4 1.2.3.255 137 137 78 - - - - - - - RECEIVE"
        ));
        assert!(!looks_like_pfirewall("2005-04-11 08:05:57 sshd[1]: hello"));
        assert!(!looks_like_pfirewall("#Version: 1.0"));
        assert!(!looks_like_pfirewall(""));
    }
}
