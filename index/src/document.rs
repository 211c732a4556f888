//! A record as the index sees it: its identity, its time, its raw line and
//! its main fields (see `fields.rs` for what goes where).

use tantivy::{DateTime, TantivyDocument};
use vakt_schemas::{Event, Record, Stream};

use crate::fields::Fields;

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

/// The document of a record, or `None` for a stream that is not indexed.
pub fn document(fields: &Fields, record: &Record) -> Option<TantivyDocument> {
    let stream = record.stream();
    if !is_indexed(stream) {
        return None;
    }
    let mut document = TantivyDocument::new();
    document.add_text(fields.stream, stream.name());
    document.add_u64(fields.seq, record.envelope.seq);
    document.add_date(
        fields.time,
        DateTime::from_timestamp_micros(record.envelope.time.timestamp_micros()),
    );
    for (name, value) in text_values(record) {
        if let Some(field) = fields.text(name) {
            document.add_text(field, value);
        }
    }
    Some(document)
}
