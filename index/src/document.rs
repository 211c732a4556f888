//! Records as the index sees them: the text values of a record (see
//! `fields.rs` for what goes where), the terms they give, and the blocks
//! records are gathered into, one document each.

use std::ops::Range;

use rustc_hash::FxHashMap;
use tantivy::{DateTime, TantivyDocument};
use vakt_schemas::{Event, Record, Stream};

use crate::analysis::{TermList, each_term};
use crate::fields::{BLOCK_RECORDS, Fields, TEXT_FIELDS, counts_records};

/// The streams the index covers. `registry` (whole files) and `audit`
/// (vakt's own use) are not indexed.
pub const INDEXED_STREAMS: [Stream; 4] = [
    Stream::Sessions,
    Stream::Firewall,
    Stream::Access,
    Stream::Quarantine,
];

/// Whether records of `stream` are indexed.
pub fn is_indexed(stream: Stream) -> bool {
    INDEXED_STREAMS.contains(&stream)
}

/// The text values of a record, by field name (a field may get several, as
/// `ip` and `zone` do); empty for a stream that is not indexed.
pub fn text_values<'r>(record: &'r Record) -> Vec<(&'static str, &'r str)> {
    let mut values: Vec<(&'static str, &'r str)> = Vec::with_capacity(16);
    if !is_indexed(record.stream()) {
        return values;
    }
    values.push(("raw", &record.envelope.raw));
    let mut push = |field: &'static str, value: Option<&'r str>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            values.push((field, value));
        }
    };
    match &record.event {
        Event::Sessions(event) => {
            push("host", Some(&event.server));
            push("user", event.user.as_deref());
            push("src_ip", event.src_ip.as_deref());
            push("action", Some(&event.action));
            push("protocol", Some(&event.protocol));
            push("zone", event.server_zone.as_deref());
            push("zone", event.src_zone.as_deref());
            push("src_zone", event.src_zone.as_deref());
        }
        Event::Firewall(event) => {
            push("host", Some(&event.device));
            push("src_ip", Some(&event.src_ip));
            push("dst_ip", Some(&event.dst_ip));
            push("action", Some(&event.action));
            push("protocol", Some(&event.protocol));
            push("zone", event.src_zone.as_deref());
            push("zone", event.dst_zone.as_deref());
            push("src_zone", event.src_zone.as_deref());
            push("dst_zone", event.dst_zone.as_deref());
        }
        Event::Access(event) => {
            push("host", Some(&event.host));
            push("user", event.user.as_deref());
            push("client_ip", event.client_ip.as_deref());
            push("action", Some(&event.operation));
            push("path", Some(&event.path));
            push("target", event.target.as_deref());
            push("dataset", event.dataset.as_deref());
            push("area", event.area.as_deref());
        }
        Event::Quarantine(_) | Event::Registry(_) | Event::Audit(_) => {}
    }
    values
}

/// Calls `on_term` with each distinct (text field, term) of `record`,
/// the field given by its place in [`TEXT_FIELDS`], and the position of
/// the term's first occurrence (positions count in `raw` only).
pub fn each_record_term(record: &Record, on_term: &mut dyn FnMut(usize, usize, &str)) {
    for (name, value) in text_values(record) {
        let Some(field) = TEXT_FIELDS.iter().position(|(field, _)| *field == name) else {
            continue;
        };
        let analyzer = TEXT_FIELDS[field].1;
        each_term(analyzer, value, &mut |position, term| {
            on_term(field, position, term)
        });
    }
}

/// Where `records` (consecutive records of one stream, in sequence order)
/// are cut into blocks: after [`BLOCK_RECORDS`] records, and where the UTC
/// day of the event time changes (a segment holds one day of one commit,
/// so a block never spans two segments and a prune removes whole blocks).
pub fn block_ranges(records: &[Record]) -> Vec<Range<usize>> {
    let mut ranges = Vec::with_capacity(records.len() / BLOCK_RECORDS + 1);
    let mut start = 0;
    for (position, record) in records.iter().enumerate() {
        let full = position - start == BLOCK_RECORDS;
        let new_day = position > start
            && record.envelope.time.date_naive()
                != records[position - 1].envelope.time.date_naive();
        if full || new_day {
            ranges.push(start..position);
            start = position;
        }
    }
    if start < records.len() {
        ranges.push(start..records.len());
    }
    ranges
}

/// What one block holds: its records' identity and times, and for each text
/// field how many of its records have each term.
#[derive(Clone, Debug)]
pub struct Block {
    pub stream: Stream,
    pub first_seq: u64,
    pub count: u64,
    pub time_min_micros: i64,
    pub time_max_micros: i64,
    /// Per text field (in [`TEXT_FIELDS`] order): (term, records with it).
    pub terms: Vec<Vec<(String, u32)>>,
}

/// A block being gathered, record by record, in any order.
#[derive(Clone, Debug)]
pub struct BlockBuilder {
    stream: Stream,
    first_seq: u64,
    records: u64,
    time_min: i64,
    time_max: i64,
    /// Per text field: term -> (records with it, the last record counted).
    terms: Vec<FxHashMap<String, (u32, u64)>>,
}

impl BlockBuilder {
    /// An empty block of `stream` starting at `first_seq`.
    pub fn new(stream: Stream, first_seq: u64) -> BlockBuilder {
        BlockBuilder {
            stream,
            first_seq,
            records: 0,
            time_min: i64::MAX,
            time_max: i64::MIN,
            terms: vec![FxHashMap::default(); TEXT_FIELDS.len()],
        }
    }

    /// Records added so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Adds `record` (each record once).
    pub fn add(&mut self, record: &Record) {
        let seq = record.envelope.seq;
        let micros = record.envelope.time.timestamp_micros();
        self.time_min = self.time_min.min(micros);
        self.time_max = self.time_max.max(micros);
        self.records += 1;
        let terms = &mut self.terms;
        each_record_term(
            record,
            &mut |field, _, term| match terms[field].get_mut(term) {
                Some((count, last)) => {
                    if *last != seq {
                        *count += 1;
                        *last = seq;
                    }
                }
                None => {
                    terms[field].insert(term.to_string(), (1, seq));
                }
            },
        );
    }

    /// The block of the records added, which it claims are the `count`
    /// from its first seq on.
    pub fn finish(self, count: u64) -> Block {
        Block {
            stream: self.stream,
            first_seq: self.first_seq,
            count,
            time_min_micros: self.time_min,
            time_max_micros: self.time_max,
            terms: self
                .terms
                .into_iter()
                .map(|field| {
                    field
                        .into_iter()
                        .map(|(term, (count, _))| (term, count))
                        .collect()
                })
                .collect(),
        }
    }
}

impl Block {
    /// The block of `records` (consecutive records of one stream, at least
    /// one).
    pub fn of(records: &[Record]) -> Option<Block> {
        let first = records.first()?;
        let mut builder = BlockBuilder::new(first.stream(), first.envelope.seq);
        for record in records {
            builder.add(record);
        }
        Some(builder.finish(records.len() as u64))
    }

    /// The tantivy document of the block: each term repeated once per
    /// record that has it, so that its frequency counts records (once in
    /// `raw`, [`counts_records`]).
    pub fn document(&self, fields: &Fields) -> TantivyDocument {
        let mut document = TantivyDocument::new();
        document.add_text(fields.stream, self.stream.name());
        document.add_u64(fields.first_seq, self.first_seq);
        document.add_u64(fields.count, self.count);
        document.add_date(
            fields.time_min,
            DateTime::from_timestamp_micros(self.time_min_micros),
        );
        document.add_date(
            fields.time_max,
            DateTime::from_timestamp_micros(self.time_max_micros),
        );
        for ((name, _), terms) in TEXT_FIELDS.iter().zip(&self.terms) {
            if terms.is_empty() {
                continue;
            }
            let Some(field) = fields.text(name) else {
                continue;
            };
            let mut list = TermList::with_capacity(
                terms
                    .iter()
                    .map(|(term, count)| (term.len() + 1) * *count as usize)
                    .sum(),
            );
            let counted = counts_records(name);
            for (term, count) in terms {
                let times = if counted { *count } else { 1 };
                for _ in 0..times {
                    list.push(term);
                }
            }
            document.add_text(field, list.into_text());
        }
        document
    }
}
