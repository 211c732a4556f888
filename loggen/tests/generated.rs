//! The generated logs: exact size, determinism, and every line accepted by
//! vakt's own parsers into the stream the generator meant.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{DateTime, Utc};
use vakt_ingest::parse::{Format, LineParser, ParseContext, Parsed};
use vakt_loggen::{GeneratorConfig, generate};
use vakt_schemas::config::Config;

fn config(events: u64, seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        events,
        seed,
        users: 120,
        ..GeneratorConfig::default()
    }
}

/// Every file below `dir` (relative path, bytes), sorted.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let first = generate(&config(30_000, 7), dirs[0].path()).unwrap();
    let second = generate(&config(30_000, 7), dirs[1].path()).unwrap();
    generate(&config(30_000, 8), dirs[2].path()).unwrap();
    assert_eq!(first.files, second.files);
    let (a, b, c) = (
        tree(dirs[0].path()),
        tree(dirs[1].path()),
        tree(dirs[2].path()),
    );
    assert_eq!(a.len(), b.len());
    assert!(a == b, "same seed must give byte-identical files");
    assert!(a != c, "another seed gives other logs");
}

#[test]
fn exact_count_mix_and_every_line_parses() {
    let dir = tempfile::tempdir().unwrap();
    let events = 60_000;
    let summary = generate(&config(events, 3), dir.path()).unwrap();
    let lines = &summary.lines;
    assert_eq!(lines.sessions + lines.firewall + lines.access, events);
    let share = |count: u64| count as f64 / events as f64;
    assert!((0.08..0.12).contains(&share(lines.sessions)), "{lines:?}");
    assert!((0.50..0.60).contains(&share(lines.firewall)), "{lines:?}");
    assert!((0.31..0.38).contains(&share(lines.access)), "{lines:?}");
    assert_eq!(summary.needles.len(), 2, "{:?}", summary.needles);

    let config_text = fs::read_to_string(dir.path().join("vakt.toml")).unwrap();
    let vakt_config = Config::parse(&config_text).expect("vakt.toml is valid");
    assert_eq!(vakt_config.area_of("/data/x/y.csv"), Some("data"));

    let mut counted = [0u64; 3];
    let mut total = 0;
    let mut needle_hits = vec![0; summary.needles.len()];
    for file in &summary.files {
        let text = fs::read_to_string(dir.path().join(&file.path)).unwrap();
        let context = ParseContext {
            time_zone: vakt_config.time_zone().unwrap(),
            year: None,
            reference_time: DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
            firewall: vakt_config.firewall.clone(),
            ..ParseContext::new(DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap())
        };
        let mut parser = LineParser::new(context, Format::Auto);
        let mut previous = None;
        for line in text.lines() {
            total += 1;
            for (index, needle) in summary.needles.iter().enumerate() {
                if line.contains(&needle.text) {
                    needle_hits[index] += 1;
                }
            }
            match parser.parse(line) {
                Parsed::Event { time, event, .. } => {
                    let slot = match event.stream().name() {
                        "sessions" => 0,
                        "firewall" => 1,
                        "access" => 2,
                        other => panic!("unexpected stream {other}: {line}"),
                    };
                    counted[slot] += 1;
                    assert!(
                        previous <= Some(time),
                        "out of order in {}: {line}",
                        file.path
                    );
                    previous = Some(time);
                }
                Parsed::Rejected { reason, .. } => panic!("rejected ({reason}): {line}"),
                other => panic!("a generated line is one record: {other:?}: {line}"),
            }
        }
    }
    assert_eq!(total, events);
    assert_eq!(counted, [lines.sessions, lines.firewall, lines.access]);
    assert_eq!(
        needle_hits,
        vec![1; summary.needles.len()],
        "{:?}",
        summary.needles
    );
}

#[test]
fn tiny_and_short_runs_still_hit_the_count() {
    for (events, days) in [(0, 3), (1, 1), (17, 2), (500, 10), (5_000, 400)] {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(events, 1);
        config.days = days;
        let summary = generate(&config, dir.path()).unwrap();
        let written: u64 = summary.files.iter().map(|file| file.lines).sum();
        assert_eq!(written, events, "{events} events over {days} days");
    }
}

#[test]
fn refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("keep.txt"), "x").unwrap();
    assert!(generate(&config(10, 1), dir.path()).is_err());
}
