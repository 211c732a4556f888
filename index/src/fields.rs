//! The index's schema: one document per *block*, a run of at most
//! [`BLOCK_RECORDS`] consecutive records of one stream from one segment of
//! one UTC day (`document.rs` cuts them).
//!
//! | field | kind | holds |
//! |---|---|---|
//! | `stream` | keyword, fast | the block's stream |
//! | `first_seq` | u64, fast | the sequence number of its first record |
//! | `count` | u64, fast | how many records it holds (seqs `first_seq ..first_seq + count`) |
//! | `time_min`, `time_max` | date (µs), fast | the earliest and latest event time among them |
//! | `raw` | words | the original lines (the default field) |
//! | `user` | keyword | the user |
//! | `host` | keyword | `server` (sessions), `device` (firewall), `host` (access) |
//! | `src_ip`, `dst_ip`, `client_ip` | keyword | the addresses of those columns |
//! | `action` | keyword | `action` (sessions, firewall), `operation` (access) |
//! | `path`, `target` | path | the file (and the target of a rename or copy) |
//! | `dataset`, `area` | keyword | the dataset and storage area of a file |
//! | `zone` | keyword | every zone of the record (server, source, destination) |
//! | `src_zone`, `dst_zone` | keyword | the source and destination zones |
//! | `protocol` | keyword | the protocol (ssh, tcp, udp, ...) |
//!
//! A term's frequency in a block is the number of its records that have
//! the term (a record gives each of its terms once), so a block says
//! exactly how many of its records have a term, but not which, and not
//! where in a line: there are no positions. `raw` only says which words
//! some record of the block has ([`counts_records`]). A search takes the blocks
//! that may hold matches from here and judges the records themselves
//! (`search.rs`). The query names `seq`, `time` and `ip` have no field:
//! `seq` and `time` are checked against each block's range, `ip` stands for
//! `src_ip`, `dst_ip` and `client_ip` (`query.rs`). Nothing is stored in
//! tantivy's row store.

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions,
};

use crate::analysis::{Analyzer, KEYWORD, TERMS};

/// Version of this schema and document mapping; an index of another version
/// is rebuilt.
pub const SCHEMA_VERSION: u32 = 4;

/// At most this many records make one document (block).
pub const BLOCK_RECORDS: usize = 128;

pub const STREAM: &str = "stream";
pub const SEQ: &str = "seq";
pub const TIME: &str = "time";
pub const FIRST_SEQ: &str = "first_seq";
pub const COUNT: &str = "count";
pub const TIME_MIN: &str = "time_min";
pub const TIME_MAX: &str = "time_max";
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
    pub first_seq: Field,
    pub count: Field,
    pub time_min: Field,
    pub time_max: Field,
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
            first_seq: schema.get_field(FIRST_SEQ).ok()?,
            count: schema.get_field(COUNT).ok()?,
            time_min: schema.get_field(TIME_MIN).ok()?,
            time_max: schema.get_field(TIME_MAX).ok()?,
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

/// Whether a block counts, for each term of `field`, the records that have
/// it (every field but `raw`), or only says that some record has it
/// (`raw`: its words are most of the terms, and counting them would make
/// indexing several times slower).
pub fn counts_records(field: &str) -> bool {
    field != RAW
}

fn text_options(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record)
            .set_fieldnorms(false),
    )
}

/// The schema of this version.
pub fn build_schema() -> Schema {
    let mut builder = Schema::builder();
    builder.add_text_field(
        STREAM,
        text_options(KEYWORD, IndexRecordOption::Basic).set_fast("raw"),
    );
    builder.add_u64_field(FIRST_SEQ, NumericOptions::default().set_fast());
    builder.add_u64_field(COUNT, NumericOptions::default().set_fast());
    for name in [TIME_MIN, TIME_MAX] {
        builder.add_date_field(
            name,
            DateOptions::default()
                .set_fast()
                .set_precision(DateTimePrecision::Microseconds),
        );
    }
    // Blocks come analyzed (`document.rs`), each field by its analyzer.
    for (name, _) in TEXT_FIELDS {
        let record = if counts_records(name) {
            IndexRecordOption::WithFreqs
        } else {
            IndexRecordOption::Basic
        };
        builder.add_text_field(name, text_options(TERMS, record));
    }
    builder.build()
}
