//! One line per corpus sample: what vakt makes of it in automatic mode.
//! `cargo test -p vakt-ingest --test corpora table -- --nocapture` prints
//! the table of the closing note; the field-by-field comparisons
//! with each sample's ground truth are the other tests of this binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vakt_ingest::parse::windows::evtx::{evtx_events, is_evtx};
use vakt_ingest::parse::windows::security::to_event;
use vakt_ingest::parse::{Format, LineAt, LineParser, ParseContext, Parsed};

use super::{CORPORA, reference_time};

/// What one sample gave.
#[derive(Default)]
struct Counts {
    read: u64,
    stored: BTreeMap<&'static str, u64>,
    quarantined: u64,
    skipped: u64,
    joined: u64,
    shared: u64,
    reasons: BTreeMap<String, u64>,
}

impl Counts {
    fn take(&mut self, outcome: Parsed) {
        match outcome {
            Parsed::Event { event, span, .. } => {
                *self.stored.entry(event.stream().name()).or_default() += 1;
                self.count_span(span.as_ref().map(|span| span.lines));
            }
            Parsed::Rejected { reason, span, .. } => {
                self.quarantined += 1;
                *self.reasons.entry(reason).or_default() += 1;
                self.count_span(span.as_ref().map(|span| span.lines));
            }
            Parsed::Held => {}
            Parsed::Skipped { .. } => self.skipped += 1,
        }
    }

    fn count_span(&mut self, lines: Option<u64>) {
        match lines {
            Some(0) => self.shared += 1,
            Some(lines) => self.joined += lines - 1,
            None => {}
        }
    }
}

fn samples(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let ground_truth = name.ends_with("-expected.json")
            || name.ends_with(".assert")
            || name.ends_with(".yaml")
            || name.ends_with(".ref")
            || name.ends_with(".csv")
            || name.ends_with(".md")
            || name.starts_with("LICENSE")
            || name == "derived_xml";
        if ground_truth {
            continue;
        }
        if path.is_dir() {
            samples(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn read_sample(bytes: &[u8]) -> Counts {
    let mut counts = Counts::default();
    if is_evtx(bytes) {
        let Ok(events) = evtx_events(bytes.to_vec()) else {
            return counts;
        };
        let parser = LineParser::new(ParseContext::new(reference_time()), Format::Evtx);
        for item in events {
            counts.read += 1;
            let outcome = item.and_then(|(event, _)| Ok((event.time, to_event(&event)?)));
            counts.take(parser.outcome_of(outcome));
        }
        return counts;
    }
    if bytes.contains(&0) {
        // Binary utmp/wtmp: not a format vakt reads (`vakt ingest` says so).
        return counts;
    }
    let text = String::from_utf8_lossy(bytes);
    let mut parser = LineParser::new(ParseContext::new(reference_time()), Format::Auto);
    for (index, line) in text.lines().enumerate() {
        counts.read += 1;
        if line.trim().is_empty() && !parser.is_holding() {
            counts.quarantined += 1;
            *counts.reasons.entry("blank line".to_string()).or_default() += 1;
            continue;
        }
        let at = LineAt {
            number: index as u64 + 1,
            offset: 0,
        };
        let outcome = parser.parse_at(line, at);
        while let Some(completed) = parser.take_completed() {
            counts.take(completed);
        }
        counts.take(outcome);
        while let Some(more) = parser.take_more() {
            counts.take(more);
        }
    }
    while let Some(held) = parser.finish() {
        counts.take(held);
    }
    counts
}

#[test]
fn table_of_every_sample() {
    let root = PathBuf::from(CORPORA);
    if !root.is_dir() {
        println!("skipped: ../shared/corpora not found");
        return;
    }
    let mut files = Vec::new();
    samples(&root, &mut files);
    println!("| sample | read | stored | quarantined | skipped | joined | quarantined for |");
    println!("|---|---:|---|---:|---:|---:|---|");
    for path in &files {
        let bytes = std::fs::read(path).unwrap_or_default();
        let counts = read_sample(&bytes);
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        if counts.read == 0 {
            println!("| {name} | binary, not read | | | | | |");
            continue;
        }
        let stored: u64 = counts.stored.values().sum();
        // Every line is accounted for.
        assert_eq!(
            counts.read + counts.shared,
            stored + counts.quarantined + counts.skipped + counts.joined,
            "{name}"
        );
        let streams: Vec<String> = counts
            .stored
            .iter()
            .map(|(stream, count)| format!("{stream} {count}"))
            .collect();
        let mut reasons: Vec<(&String, &u64)> = counts.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let reasons: Vec<String> = reasons
            .iter()
            .take(4)
            .map(|(reason, count)| format!("{count}× {}", reason.replace('|', "\\|")))
            .collect();
        println!(
            "| {name} | {} | {} | {} | {} | {} | {} |",
            counts.read,
            if streams.is_empty() {
                "0".to_string()
            } else {
                streams.join(", ")
            },
            counts.quarantined,
            counts.skipped,
            counts.joined,
            reasons.join("; ")
        );
    }
}
