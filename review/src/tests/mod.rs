//! Every check of CHECKS.md on a small store, with the edges of its time
//! windows. Events are written as JSON Lines and ingested as a user would;
//! the registry is given directly. This module holds the fixtures.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value as Json, json};
use tempfile::TempDir;
use vakt_ingest::parse::Format;
use vakt_ingest::{IngestOptions, ingest};
use vakt_schemas::config::Config;
use vakt_schemas::registry::Registry;
use vakt_store::StoreReader;
use vakt_store::{StoreWriter, init_store};

use super::*;

mod activity;
mod decisions;
mod registry;
mod windows;

const CONFIG: &str = r#"
institute = "Test"
[zones]
internal = ["10.10.0.0/16"]
secure = ["10.20.0.0/24"]
hosts = { ts1 = "secure", fs1 = "secure", prt1 = "secure" }
[[zones.exceptions]]
name = "web"
destination = ["10.10.0.25/32"]
ports = [443]
protocol = "tcp"
approved_by = "it"
[secure_zone]
terminal_servers = { ts1 = "10.20.0.10" }
transfer_hosts = ["10.10.0.40/32"]
[areas]
system = ["/system"]
program = ["/program"]
data = ["/data"]
project = ["/prosjekt"]
user = ["/home"]
"#;

const PEOPLE: &str = r#"
[[person]]
user = "kari"
name = "Kari"
kind = "employee"
declaration_signed = 2024-01-01
[[person]]
user = "ola"
name = "Ola"
kind = "employee"
declaration_signed = 2024-01-01
end = 2025-06-30
[[person]]
user = "drift"
name = "Drift"
kind = "operations"
declaration_signed = 2024-01-01
[[person]]
user = "eva"
name = "Eva"
kind = "external"
supervisor = "kari"
declaration_signed = 2025-03-01
[[person]]
user = "nils"
name = "Nils"
kind = "student"
"#;

const DATASETS: &str = r#"
[[dataset]]
id = "hud"
name = "Hud"
sensitivity = "S"
identifiability = 3
class = "B"
zone = "secure"
area = "data"
paths = ["/data/hud"]
owner = "kari"
project = "p1"
[[dataset]]
id = "old"
name = "Old"
sensitivity = "I"
identifiability = 3
class = "C"
zone = "secure"
area = "data"
paths = ["/data/old"]
owner = "kari"
delete_by = 2025-10-26
"#;

const GRANTS: &str = r#"
[[grant]]
id = "k-zone"
user = "kari"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "k-hud"
user = "kari"
scope = "dataset:hud"
granted_by = "dir"
approved_by = "dir"
verified_by = "sec"
from = 2025-01-01
until = 2025-06-01T12:00:00
[[grant]]
id = "k-old"
user = "kari"
scope = "dataset:old"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "o-zone"
user = "ola"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-06-30
[[grant]]
id = "d-zone"
user = "drift"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
[[grant]]
id = "e-zone"
user = "eva"
scope = "secure-zone"
granted_by = "dir"
from = 2025-01-01
until = 2025-12-31
"#;

/// A registry from the standard texts with some files replaced.
fn registry(replace: &[(&str, &str)]) -> Registry {
    let mut texts: BTreeMap<String, String> = [
        ("datasets.toml", DATASETS),
        ("people.toml", PEOPLE),
        ("authorizations.toml", GRANTS),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.to_string()))
    .collect();
    for (name, text) in replace {
        texts.insert(name.to_string(), text.to_string());
    }
    Registry::parse(&texts).unwrap()
}

fn login(time: &str, user: &str) -> Json {
    json!({"stream": "sessions", "time": time, "server": "ts1", "protocol": "ssh", "action": "login",
           "user": user, "src_ip": "10.10.1.5", "multi_factor": true, "auth_methods": "publickey,keyboard-interactive"})
}

fn access(time: &str, user: &str, operation: &str, path: &str) -> Json {
    json!({"stream": "access", "time": time, "host": "fs1", "user": user, "operation": operation,
           "path": path, "success": true})
}

fn packet(time: &str, src: &str, dst: &str, port: u16) -> Json {
    json!({"stream": "firewall", "time": time, "device": "fw", "action": "allow", "src_ip": src,
           "dst_ip": dst, "dst_port": port, "protocol": "TCP", "new_connection": true})
}

/// A store holding the events.
fn store(events: &[Json]) -> (TempDir, StoreReader, Config) {
    let dir = TempDir::new().unwrap();
    let root = dir.path().join("store");
    init_store(&root).unwrap();
    let input = dir.path().join("events.jsonl");
    let lines: Vec<String> = events.iter().map(Json::to_string).collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let config = Config::parse(CONFIG).unwrap();
    let mut writer = StoreWriter::open(&root).unwrap();
    let options = IngestOptions {
        format: Format::Jsonl,
        ..IngestOptions::from_config(&config)
    };
    let summary = ingest(&mut writer, &config, &[input], &options, &mut |_| {}).unwrap();
    assert_eq!(summary.lines_quarantined, 0, "{summary:?}");
    drop(writer);
    let reader = StoreReader::open(Path::new(&root)).unwrap();
    (dir, reader, config)
}

/// The review of 2025 as seen on 2026-02-01, without verification.
fn review_2025(reader: &StoreReader, config: &Config, registry: Registry) -> Review {
    let options = ReviewOptions {
        year: 2025,
        now: "2026-02-01T00:00:00Z".parse().unwrap(),
        verify: false,
    };
    review_against(reader, config, &History::single(registry), &options).unwrap()
}

/// (check, subject) of every finding of the given checks.
fn found(review: &Review, checks: &[Check]) -> Vec<(String, String)> {
    let ids: Vec<&str> = checks.iter().map(|check| check.id()).collect();
    let mut found: Vec<(String, String)> = review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .filter(|finding| ids.contains(&finding.check))
        .map(|finding| (finding.check.to_string(), finding.subject.clone()))
        .collect();
    found.sort();
    found
}

fn finding<'a>(review: &'a Review, check: Check, subject: &str) -> &'a Finding {
    review
        .areas
        .iter()
        .flat_map(|area| &area.findings)
        .find(|finding| finding.check == check.id() && finding.subject == subject)
        .unwrap_or_else(|| panic!("no {} finding for {subject}", check.id()))
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    pairs.sort();
    pairs
}

fn seqs(finding: &Finding, stream: vakt_schemas::Stream) -> Vec<u64> {
    finding
        .evidence
        .records
        .get(&stream)
        .map(|records| records.seqs.clone())
        .unwrap_or_default()
}

/// The tables of CHECKS.md and the code name the same checks, in the same
/// order, with the same clause and severity.
#[test]
fn checks_md_and_the_code_agree_on_every_check() {
    let text = include_str!("../../CHECKS.md");
    let rows: Vec<(String, String, String)> = text
        .lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| line.split('|').map(str::trim).collect::<Vec<_>>())
        .filter(|cells| cells.len() >= 6)
        .filter(|cells| ["high", "medium", "low"].contains(&cells[3]))
        .map(|cells| {
            (
                cells[1].trim_matches('`').to_string(),
                cells[2].to_string(),
                cells[3].to_string(),
            )
        })
        .collect();
    let code: Vec<(String, String, String)> = Check::ALL
        .iter()
        .map(|check| {
            let severity = serde_json::to_value(check.severity()).unwrap();
            (
                check.id().to_string(),
                check.clause().to_string(),
                severity.as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(rows, code);
}
