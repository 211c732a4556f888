//! The columns of every stream's table, in the one order that both the
//! Parquet files and the canonical record encoding use.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::stream::Stream;

/// The type of one column, which fixes both its Arrow type and its
/// canonical encoding (FORMAT.md, "Column encodings").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    /// UTF-8 text.
    Utf8,
    /// Unsigned 16-bit integer (ports).
    UInt16,
    /// Unsigned 64-bit integer (sequence numbers, offsets, sizes).
    UInt64,
    /// Signed 64-bit integer (counts that may be absent or negative).
    Int64,
    /// true or false.
    Boolean,
    /// An instant: microseconds since 1970-01-01T00:00:00Z.
    Timestamp,
    /// Bytes of a fixed length.
    FixedBinary(usize),
}

/// One column of a stream's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnType,
    pub nullable: bool,
}

const fn required(name: &'static str, kind: ColumnType) -> Column {
    Column {
        name,
        kind,
        nullable: false,
    }
}

const fn optional(name: &'static str, kind: ColumnType) -> Column {
    Column {
        name,
        kind,
        nullable: true,
    }
}

use ColumnType::{Boolean, FixedBinary, Int64, Timestamp, UInt16, UInt64, Utf8};

/// Length of the nonce every record carries.
pub const NONCE_LEN: usize = 16;
/// Length of a SHA-256 hash.
pub const HASH_LEN: usize = 32;

/// The columns every stream starts with.
pub const ENVELOPE_COLUMNS: [Column; 6] = [
    required("seq", UInt64),
    required("time", Timestamp),
    required("ingest_time", Timestamp),
    required("source", Utf8),
    required("raw", Utf8),
    required(NONCE_COLUMN, FixedBinary(NONCE_LEN)),
];

/// The column a format-2 segment ends with: the RFC 6962 leaf hash of the
/// record's canonical encoding. It was stored for readers' convenience and
/// is never trusted: verification derives it again from the other columns.
/// Format 3 does not store it.
pub const LEAF_HASH_COLUMN: Column = required("leaf_hash", FixedBinary(HASH_LEN));

/// `sessions`: terminal and SSH sessions.
pub const SESSION_COLUMNS: [Column; 11] = [
    required("server", Utf8),
    optional("server_zone", Utf8),
    optional("user", Utf8),
    optional("src_ip", Utf8),
    optional("src_port", UInt16),
    optional("src_zone", Utf8),
    required("protocol", Utf8),
    required("action", Utf8),
    optional("session_id", Utf8),
    optional("auth_methods", Utf8),
    optional("multi_factor", Boolean),
];

/// `firewall`: packets logged at the zone boundaries.
pub const FIREWALL_COLUMNS: [Column; 13] = [
    required("device", Utf8),
    required("action", Utf8),
    required("src_ip", Utf8),
    optional("src_port", UInt16),
    optional("src_zone", Utf8),
    required("dst_ip", Utf8),
    optional("dst_port", UInt16),
    optional("dst_zone", Utf8),
    required("protocol", Utf8),
    required("new_connection", Boolean),
    optional("rule", Utf8),
    optional("in_iface", Utf8),
    optional("out_iface", Utf8),
];

/// `access`: file use in the secure zone's areas.
pub const ACCESS_COLUMNS: [Column; 12] = [
    required("host", Utf8),
    optional("user", Utf8),
    required("operation", Utf8),
    required("path", Utf8),
    optional("target", Utf8),
    optional("area", Utf8),
    optional("dataset", Utf8),
    required("success", Boolean),
    optional("client_ip", Utf8),
    optional("client_name", Utf8),
    optional("share", Utf8),
    optional("session", Utf8),
];

/// `registry`: one row per registry file per snapshot.
pub const REGISTRY_COLUMNS: [Column; 3] = [
    required("file", Utf8),
    required("digest", Utf8),
    required("content", Utf8),
];

/// `audit`: one row per use of vakt.
pub const AUDIT_COLUMNS: [Column; 5] = [
    required("user", Utf8),
    required("command", Utf8),
    optional("detail", Utf8),
    optional("rows", Int64),
    optional("result", Utf8),
];

/// `quarantine`: input that no parser accepted.
pub const QUARANTINE_COLUMNS: [Column; 6] = [
    required("line", UInt64),
    required("offset", UInt64),
    required("reason", Utf8),
    required("raw_length", UInt64),
    required("raw_sha256", Utf8),
    optional("intended_stream", Utf8),
];

/// The columns that belong to one stream only, between the envelope and the
/// leaf hash.
pub fn event_columns(stream: Stream) -> &'static [Column] {
    match stream {
        Stream::Sessions => &SESSION_COLUMNS,
        Stream::Firewall => &FIREWALL_COLUMNS,
        Stream::Access => &ACCESS_COLUMNS,
        Stream::Registry => &REGISTRY_COLUMNS,
        Stream::Audit => &AUDIT_COLUMNS,
        Stream::Quarantine => &QUARANTINE_COLUMNS,
    }
}

/// The columns covered by the canonical encoding: the envelope, then the
/// stream's own columns (everything but the leaf hash).
pub fn canonical_columns(stream: Stream) -> Vec<Column> {
    ENVELOPE_COLUMNS
        .iter()
        .chain(event_columns(stream))
        .copied()
        .collect()
}

/// How a segment file stores a stream's rows (FORMAT.md §5): which of the
/// canonical columns it holds, and whether it adds the leaf hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentLayout {
    /// Format 2: the canonical columns, then `leaf_hash`.
    WithLeafHash,
    /// The canonical columns: records whose nonces were random (format 2)
    /// rewritten by a compaction.
    StoredNonce,
    /// The canonical columns but `nonce`, which the store's nonce key
    /// derives from the stream and `seq` (format 3).
    DerivedNonce,
}

impl SegmentLayout {
    /// The layouts, newest first.
    pub const ALL: [SegmentLayout; 3] = [
        SegmentLayout::DerivedNonce,
        SegmentLayout::StoredNonce,
        SegmentLayout::WithLeafHash,
    ];

    /// The layout whose columns a file's schema has exactly (by name, type
    /// and order), if any.
    pub fn of_schema(stream: Stream, schema: &Schema) -> Option<SegmentLayout> {
        SegmentLayout::ALL.into_iter().find(|layout| {
            let columns = layout_columns(stream, *layout);
            schema.fields().len() == columns.len()
                && schema.fields().iter().zip(&columns).all(|(field, column)| {
                    field.name() == column.name && field.data_type() == &arrow_type(column.kind)
                })
        })
    }
}

/// The columns of a segment file of `stream` in `layout`, in file order.
pub fn layout_columns(stream: Stream, layout: SegmentLayout) -> Vec<Column> {
    let canonical = canonical_columns(stream);
    match layout {
        SegmentLayout::WithLeafHash => {
            let mut columns = canonical;
            columns.push(LEAF_HASH_COLUMN);
            columns
        }
        SegmentLayout::StoredNonce => canonical,
        SegmentLayout::DerivedNonce => canonical
            .into_iter()
            .filter(|column| column.name != NONCE_COLUMN)
            .collect(),
    }
}

/// The name of the envelope's nonce column.
pub const NONCE_COLUMN: &str = "nonce";

/// The Arrow data type a column is stored as.
pub fn arrow_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Utf8 => DataType::Utf8,
        ColumnType::UInt16 => DataType::UInt16,
        ColumnType::UInt64 => DataType::UInt64,
        ColumnType::Int64 => DataType::Int64,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColumnType::FixedBinary(len) => DataType::FixedSizeBinary(len as i32),
    }
}

/// The Arrow schema of a segment file of `stream` in `layout`.
pub fn layout_schema(stream: Stream, layout: SegmentLayout) -> SchemaRef {
    let fields: Vec<Field> = layout_columns(stream, layout)
        .into_iter()
        .map(|column| Field::new(column.name, arrow_type(column.kind), column.nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

/// The columns SQL sees of a stream: every canonical column but the nonce
/// (a random or derived value no question needs), whatever the layout of
/// the files underneath.
pub fn query_schema(stream: Stream) -> SchemaRef {
    layout_schema(stream, SegmentLayout::DerivedNonce)
}
