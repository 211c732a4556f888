//! The index's schema: one document per record of an indexed stream.
//!
//! | field | kind | holds |
//! |---|---|---|
//! | `stream` | keyword, fast | the record's stream |
//! | `seq` | u64, fast | its sequence number |
//! | `time` | date (µs), fast | when the event happened |
//! | `raw` | words, with positions | the original line (the default field) |
//! | `user` | keyword | the user |
//! | `host` | keyword | `server` (sessions), `device` (firewall), `host` (access) |
//! | `src_ip`, `dst_ip`, `client_ip` | keyword | the addresses of those columns |
//! | `ip` | (none) | every address of the record: `query.rs` searches `src_ip`, `dst_ip` and `client_ip` |
//! | `action` | keyword | `action` (sessions, firewall), `operation` (access) |
//! | `path`, `target` | path | the file (and the target of a rename or copy) |
//! | `dataset`, `area` | keyword | the dataset and storage area of a file |
//! | `zone` | keyword | every zone of the record (server, source, destination) |
//! | `src_zone`, `dst_zone` | keyword | the source and destination zones |
//! | `protocol` | keyword | the protocol (ssh, tcp, udp, ...) |
//!
//! Nothing is stored in tantivy's row store: `stream` and `seq` are fast
//! (columnar) fields, enough to find the record, whose full row is read from
//! the store's Parquet segments. `seq` and `time` are not in the inverted
//! index: nearly every value is a term of one document, which made them most
//! of the term dictionary; range queries on them read the fast fields, and
//! `query.rs` turns `seq:N` into the range `[N TO N]`.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions,
};

use crate::analysis::Analyzer;

/// Version of this schema and document mapping; an index of another version
/// is rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

pub const STREAM: &str = "stream";
pub const SEQ: &str = "seq";
pub const TIME: &str = "time";
pub const RAW: &str = "raw";

/// The name a query may use for every address of a record: no field of
/// its own (that would index each address twice), but the fields it
/// stands for.
pub const IP: &str = "ip";
pub const IP_FIELDS: [&str; 3] = ["src_ip", "dst_ip", "client_ip"];

/// Every text field and its analyzer, in schema order.
pub const TEXT_FIELDS: [(&str, Analyzer); 15] = [
    (RAW, Analyzer::Words),
    ("user", Analyzer::Keyword),
    ("host", Analyzer::Keyword),
    ("src_ip", Analyzer::Keyword),
    ("dst_ip", Analyzer::Keyword),
    ("client_ip", Analyzer::Keyword),
    ("action", Analyzer::Keyword),
    ("path", Analyzer::Path),
    ("target", Analyzer::Path),
    ("dataset", Analyzer::Keyword),
    ("area", Analyzer::Keyword),
    ("zone", Analyzer::Keyword),
    ("src_zone", Analyzer::Keyword),
    ("dst_zone", Analyzer::Keyword),
    ("protocol", Analyzer::Keyword),
];

/// The analyzer of a text field (including `stream`, and `ip`, which is
/// analyzed as the fields it stands for), by name.
pub fn analyzer_of(field: &str) -> Option<Analyzer> {
    if field == STREAM || field == IP {
        return Some(Analyzer::Keyword);
    }
    TEXT_FIELDS
        .iter()
        .find(|(name, _)| *name == field)
        .map(|(_, analyzer)| *analyzer)
}

/// The schema's field handles.
#[derive(Clone, Debug)]
pub struct Fields {
    pub stream: Field,
    pub seq: Field,
    pub time: Field,
    pub raw: Field,
    schema: Schema,
}

impl Fields {
    /// The handles of `schema`'s fields, if it is this version's schema.
    pub fn of(schema: &Schema) -> Option<Fields> {
        if *schema != build_schema() {
            return None;
        }
        Some(Fields {
            stream: schema.get_field(STREAM).ok()?,
            seq: schema.get_field(SEQ).ok()?,
            time: schema.get_field(TIME).ok()?,
            raw: schema.get_field(RAW).ok()?,
            schema: schema.clone(),
        })
    }

    /// A text field by name.
    pub fn text(&self, name: &str) -> Option<Field> {
        self.schema.get_field(name).ok()
    }

    pub fn schema(&self) -> &Schema {
        &self.schema
    }
}

fn text_options(analyzer: Analyzer) -> TextOptions {
    let record = match analyzer {
        Analyzer::Words => IndexRecordOption::WithFreqsAndPositions,
        Analyzer::Keyword | Analyzer::Path => IndexRecordOption::Basic,
    };
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer.tokenizer_name())
            .set_index_option(record)
            .set_fieldnorms(false),
    )
}

/// The schema of this version.
pub fn build_schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_text_field(STREAM, text_options(Analyzer::Keyword).set_fast("raw"));
    builder.add_u64_field(SEQ, NumericOptions::default().set_fast());
    builder.add_date_field(
        TIME,
        DateOptions::default()
            .set_fast()
            .set_precision(DateTimePrecision::Microseconds),
    );
    for (name, analyzer) in TEXT_FIELDS {
        builder.add_text_field(name, text_options(analyzer));
    }
    builder.build()
}
