//! Fills in what a log line does not say but the configuration or the
//! registry knows: the zone of every address and host, the area of every
//! path (configuration), the dataset of every path (the registry's data
//! overview). Fields a source already set (e.g. in JSON Lines) are kept.
//!
//! The `dataset` column of `access` reflects the registry at hand when the
//! event was ingested (the folder given with `--registry`, else the newest
//! snapshot in the store), not the registry as it stood when the access
//! happened. It serves finding accesses (`vakt timeline --dataset`); the
//! review judges every access against the registry at event time, from the
//! snapshots in the `registry` stream, and does not trust this column.

use std::net::IpAddr;

use vakt_schemas::Event;
use vakt_schemas::config::Config;
use vakt_schemas::registry::Registry;

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

/// Sets the dataset of a file access from the registry's dataset paths (the
/// dataset with the longest prefix holding the accessed path) when the
/// event has none; returns whether it did. See the module documentation
/// for what the column means.
pub fn fill_dataset(registry: &Registry, event: &mut Event) -> bool {
    let Event::Access(access) = event else {
        return false;
    };
    if access.dataset.is_some() {
        return false;
    }
    access.dataset = registry
        .dataset_of_path(&access.path)
        .map(|dataset| dataset.id.clone());
    access.dataset.is_some()
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

    fn two_datasets() -> Registry {
        let dataset = |id: &str, path: &str| {
            format!(
                "[[dataset]]\nid = \"{id}\"\nname = \"{id}\"\nsensitivity = \"S\"\n\
                 identifiability = 3\nclass = \"B\"\nzone = \"secure\"\narea = \"data\"\n\
                 paths = [\"{path}\"]\n"
            )
        };
        let datasets = format!(
            "{}\n{}",
            dataset("hudreg", "/data/hudreg"),
            dataset("hudreg-2024", "/data/hudreg/2024")
        );
        let texts = [("datasets.toml".to_string(), datasets)]
            .into_iter()
            .collect();
        Registry::parse(&texts).unwrap()
    }

    fn access(path: &str, dataset: Option<&str>) -> Event {
        Event::Access(AccessEvent {
            path: path.into(),
            dataset: dataset.map(str::to_string),
            ..AccessEvent::default()
        })
    }

    fn dataset_of(event: &Event) -> Option<&str> {
        match event {
            Event::Access(access) => access.dataset.as_deref(),
            _ => None,
        }
    }

    #[test]
    fn the_dataset_with_the_longest_matching_path_is_filled_in() {
        let registry = two_datasets();
        let mut inner = access("/data/hudreg/2024/a.csv", None);
        assert!(fill_dataset(&registry, &mut inner));
        assert_eq!(dataset_of(&inner), Some("hudreg-2024"));
        let mut outer = access("/data/hudreg/2023/a.csv", None);
        assert!(fill_dataset(&registry, &mut outer));
        assert_eq!(dataset_of(&outer), Some("hudreg"));
    }

    #[test]
    fn a_dataset_the_source_gave_or_no_matching_path_leaves_it_alone() {
        let registry = two_datasets();
        let mut declared = access("/data/hudreg/a.csv", Some("declared"));
        assert!(!fill_dataset(&registry, &mut declared));
        assert_eq!(dataset_of(&declared), Some("declared"));
        let mut elsewhere = access("/data/hudregister/a.csv", None);
        assert!(!fill_dataset(&registry, &mut elsewhere));
        assert_eq!(dataset_of(&elsewhere), None);
        let mut session = Event::Sessions(SessionEvent::default());
        assert!(!fill_dataset(&registry, &mut session));
    }
}
