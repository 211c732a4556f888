//! Fills in what a log line does not say but the configuration knows: the
//! zone of every address and host, the area of every path. Fields a source
//! already set (e.g. in JSON Lines) are kept.

use std::net::IpAddr;

use vakt_schemas::Event;
use vakt_schemas::config::Config;

/// Adds zones and areas to an event.
pub fn enrich(config: &Config, event: &mut Event) {
    let zones = &config.zones;
    let zone_of_address = |address: &str| {
        address
            .parse::<IpAddr>()
            .ok()
            .map(|ip| zones.zone_of_ip(ip).to_string())
    };
    match event {
        Event::Sessions(session) => {
            if session.server_zone.is_none() {
                session.server_zone = zones.zone_of_host(&session.server);
            }
            if session.src_zone.is_none() {
                session.src_zone = session.src_ip.as_deref().and_then(zone_of_address);
            }
        }
        Event::Firewall(packet) => {
            if packet.src_zone.is_none() {
                packet.src_zone = zone_of_address(&packet.src_ip);
            }
            if packet.dst_zone.is_none() {
                packet.dst_zone = zone_of_address(&packet.dst_ip);
            }
        }
        Event::Access(access) => {
            if access.area.is_none() {
                access.area = config.area_of(&access.path).map(str::to_string);
            }
        }
        Event::Registry(_) | Event::Audit(_) | Event::Quarantine(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vakt_schemas::{AccessEvent, FirewallEvent, SessionEvent};

    fn institute() -> Config {
        Config::parse(
            r#"
            [zones]
            internal = ["10.10.0.0/16"]
            secure = ["10.20.0.0/24"]
            hosts = { ts1 = "secure" }
            [areas]
            data = ["/data"]
            user = ["/home"]
            "#,
        )
        .unwrap()
    }

    #[test]
    fn sessions_get_the_zone_of_server_and_source() {
        let mut event = Event::Sessions(SessionEvent {
            server: "ts1".into(),
            src_ip: Some("10.10.1.21".into()),
            ..SessionEvent::default()
        });
        enrich(&institute(), &mut event);
        let Event::Sessions(session) = event else {
            unreachable!()
        };
        assert_eq!(session.server_zone.as_deref(), Some("secure"));
        assert_eq!(session.src_zone.as_deref(), Some("internal"));
    }

    #[test]
    fn firewall_zones_and_access_areas_are_filled_but_never_overwritten() {
        let mut packet = Event::Firewall(FirewallEvent {
            src_ip: "81.0.0.1".into(),
            dst_ip: "10.20.0.10".into(),
            dst_zone: Some("declared".into()),
            ..FirewallEvent::default()
        });
        enrich(&institute(), &mut packet);
        let Event::Firewall(packet) = packet else {
            unreachable!()
        };
        assert_eq!(packet.src_zone.as_deref(), Some("external"));
        assert_eq!(packet.dst_zone.as_deref(), Some("declared"));

        let mut access = Event::Access(AccessEvent {
            path: "/home/ola/notes.txt".into(),
            ..AccessEvent::default()
        });
        enrich(&institute(), &mut access);
        let Event::Access(access) = access else {
            unreachable!()
        };
        assert_eq!(access.area.as_deref(), Some("user"));
    }
}
