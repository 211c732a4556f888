//! Records to Arrow record batches and back, column by column, so that the
//! typed columns of a Parquet segment are what verification re-derives the
//! canonical records from. A segment's batch, whatever its layout
//! ([`SegmentLayout`]), is first brought to the canonical columns
//! ([`canonical_batch`]): a derived nonce is derived, a stored leaf hash
//! set apart.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, FixedSizeBinaryBuilder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt16Builder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType, UInt16Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::ArrowError;

use arrow_array::FixedSizeBinaryArray;

use crate::merkle::Hash;
use crate::nonce::NonceKey;
use crate::record::{EncodeError, Record};
use crate::stream::Stream;
use crate::table::{
    Column, ColumnType, HASH_LEN, NONCE_COLUMN, NONCE_LEN, SegmentLayout, arrow_type,
    canonical_columns, layout_columns, layout_schema,
};
use crate::value::Value;

/// A batch could not be built from records or read back into rows.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{stream} record {seq}: column `{column}` cannot hold {value:?}")]
    Misfit {
        stream: Stream,
        seq: u64,
        column: &'static str,
        value: Value,
    },
    #[error("{stream} record {seq}: {source}")]
    Encode {
        stream: Stream,
        seq: u64,
        source: EncodeError,
    },
    #[error("the file's columns are not those of the {stream} table: {detail}")]
    Schema { stream: Stream, detail: String },
    #[error(
        "the {stream} file derives its nonces from the store's nonce key, and none was given \
         (the store's nonce.key is missing or unreadable)"
    )]
    NoNonceKey { stream: Stream },
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
}

/// One row as read from a segment: the canonical cells, and the leaf hash
/// a format-2 file claims for them (which verification does not trust).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRow {
    pub values: Vec<Value>,
    pub stored_leaf_hash: Option<Hash>,
}

/// Builds the record batch of `records`, all of `stream`, in `layout`. A
/// derived nonce is left out whatever the record holds: the caller gives
/// records whose nonces the store's key derives.
pub fn records_to_batch(
    stream: Stream,
    records: &[Record],
    layout: SegmentLayout,
) -> Result<RecordBatch, BatchError> {
    let canonical = canonical_columns(stream);
    let rows: Vec<Vec<Value>> = records.iter().map(Record::values).collect();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(canonical.len() + 1);
    for (index, column) in canonical.iter().enumerate() {
        if layout == SegmentLayout::DerivedNonce && column.name == NONCE_COLUMN {
            continue;
        }
        let cells = rows
            .iter()
            .map(|row| row.get(index).unwrap_or(&Value::Null));
        let seqs = records.iter().map(|record| record.envelope.seq);
        arrays.push(build_array(stream, column, cells.zip(seqs))?);
    }
    if layout == SegmentLayout::WithLeafHash {
        let mut hashes = FixedSizeBinaryBuilder::with_capacity(records.len(), HASH_LEN as i32);
        for record in records {
            let hash = record.leaf_hash().map_err(|source| BatchError::Encode {
                stream,
                seq: record.envelope.seq,
                source,
            })?;
            hashes.append_value(hash)?;
        }
        arrays.push(Arc::new(hashes.finish()));
    }
    Ok(RecordBatch::try_new(layout_schema(stream, layout), arrays)?)
}

/// A segment's batch brought to the canonical columns.
#[derive(Clone, Debug)]
pub struct CanonicalBatch {
    /// The canonical columns of `stream`, in order.
    pub batch: RecordBatch,
    /// How the file stored them.
    pub layout: SegmentLayout,
    /// The leaf hashes a format-2 file stores, never trusted.
    pub stored_leaf_hashes: Option<FixedSizeBinaryArray>,
}

/// Brings a batch of a `stream` segment, in any layout, to the canonical
/// columns: a derived nonce is computed with `nonce_key` from `seq`, a
/// stored leaf hash is set apart. A batch of no known layout is refused.
pub fn canonical_batch(
    stream: Stream,
    batch: &RecordBatch,
    nonce_key: Option<&NonceKey>,
) -> Result<CanonicalBatch, BatchError> {
    let Some(layout) = SegmentLayout::of_schema(stream, &batch.schema()) else {
        return Err(schema_mismatch(stream, batch, SegmentLayout::DerivedNonce));
    };
    let canonical = layout_schema(stream, SegmentLayout::StoredNonce);
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let mut stored_leaf_hashes = None;
    match layout {
        SegmentLayout::StoredNonce => {}
        SegmentLayout::WithLeafHash => {
            stored_leaf_hashes = columns
                .pop()
                .map(|hashes| hashes.as_fixed_size_binary().clone());
        }
        SegmentLayout::DerivedNonce => {
            let key = nonce_key.ok_or(BatchError::NoNonceKey { stream })?;
            let seqs = batch.column(0).as_primitive::<UInt64Type>();
            let mut nonces = FixedSizeBinaryBuilder::with_capacity(seqs.len(), NONCE_LEN as i32);
            for seq in seqs.values().iter() {
                nonces.append_value(key.nonce(stream, *seq))?;
            }
            let at = canonical
                .fields()
                .iter()
                .position(|field| field.name() == NONCE_COLUMN)
                .unwrap_or(columns.len());
            columns.insert(at, Arc::new(nonces.finish()));
        }
    }
    Ok(CanonicalBatch {
        batch: RecordBatch::try_new(canonical, columns)?,
        layout,
        stored_leaf_hashes,
    })
}

/// Why a batch's columns are not those of `stream` in `layout`: the first
/// column that differs.
fn schema_mismatch(stream: Stream, batch: &RecordBatch, layout: SegmentLayout) -> BatchError {
    let schema = batch.schema();
    let expected = layout_columns(stream, layout);
    let detail = schema
        .fields()
        .iter()
        .zip(&expected)
        .find(|(field, column)| {
            field.name() != column.name || field.data_type() != &arrow_type(column.kind)
        })
        .map_or_else(
            || {
                format!(
                    "{} columns where the table has {}",
                    schema.fields().len(),
                    expected.len()
                )
            },
            |(field, column)| {
                format!(
                    "column `{}` of type {} where `{}` of type {} belongs",
                    field.name(),
                    field.data_type(),
                    column.name,
                    arrow_type(column.kind)
                )
            },
        );
    BatchError::Schema { stream, detail }
}

fn build_array<'a>(
    stream: Stream,
    column: &Column,
    cells: impl Iterator<Item = (&'a Value, u64)>,
) -> Result<ArrayRef, BatchError> {
    let misfit = |seq: u64, value: &Value| BatchError::Misfit {
        stream,
        seq,
        column: column.name,
        value: value.clone(),
    };
    let array: ArrayRef = match column.kind {
        ColumnType::Utf8 => {
            let mut builder = StringBuilder::new();
            for (value, seq) in cells {
                match value {
                    Value::Utf8(text) => builder.append_value(text),
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::UInt16 => {
            let mut builder = UInt16Builder::new();
            for (value, seq) in cells {
                match value {
                    Value::UInt16(number) => builder.append_value(*number),
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::UInt64 => {
            let mut builder = UInt64Builder::new();
            for (value, seq) in cells {
                match value {
                    Value::UInt64(number) => builder.append_value(*number),
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Int64 => {
            let mut builder = Int64Builder::new();
            for (value, seq) in cells {
                match value {
                    Value::Int64(number) => builder.append_value(*number),
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Boolean => {
            let mut builder = BooleanBuilder::new();
            for (value, seq) in cells {
                match value {
                    Value::Boolean(flag) => builder.append_value(*flag),
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::Timestamp => {
            let mut builder = TimestampMicrosecondBuilder::new().with_timezone("UTC");
            for (value, seq) in cells {
                match value {
                    Value::Timestamp(micros) => builder.append_value(*micros),
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
        ColumnType::FixedBinary(len) => {
            let mut builder = FixedSizeBinaryBuilder::new(len as i32);
            for (value, seq) in cells {
                match value {
                    Value::Binary(bytes) if bytes.len() == len => builder.append_value(bytes)?,
                    Value::Null if column.nullable => builder.append_null(),
                    other => return Err(misfit(seq, other)),
                }
            }
            Arc::new(builder.finish())
        }
    };
    Ok(array)
}

/// Reads every row of a segment's batch of `stream`, in any layout, back
/// into canonical cells (`nonce_key` derives the nonces of a file that
/// does not store them).
pub fn batch_to_rows(
    stream: Stream,
    batch: &RecordBatch,
    nonce_key: Option<&NonceKey>,
) -> Result<Vec<StoredRow>, BatchError> {
    let canonical = canonical_batch(stream, batch, nonce_key)?;
    let columns = canonical_columns(stream);
    let row_count = canonical.batch.num_rows();
    let mut rows: Vec<StoredRow> = (0..row_count)
        .map(|row| StoredRow {
            values: Vec::with_capacity(columns.len()),
            stored_leaf_hash: canonical
                .stored_leaf_hashes
                .as_ref()
                .and_then(|hashes| hashes.value(row).try_into().ok()),
        })
        .collect();
    for (index, column) in columns.iter().enumerate() {
        let array = canonical.batch.column(index);
        for (row_index, row) in rows.iter_mut().enumerate() {
            row.values
                .push(read_cell(array.as_ref(), column.kind, row_index));
        }
    }
    Ok(rows)
}

/// Whether a batch's columns are exactly the canonical columns of
/// `stream`, by name, type and order.
pub(crate) fn check_canonical(stream: Stream, batch: &RecordBatch) -> Result<(), BatchError> {
    match SegmentLayout::of_schema(stream, &batch.schema()) {
        Some(SegmentLayout::StoredNonce) => Ok(()),
        _ => Err(schema_mismatch(stream, batch, SegmentLayout::StoredNonce)),
    }
}

fn read_cell(array: &dyn Array, kind: ColumnType, row: usize) -> Value {
    if array.is_null(row) {
        return Value::Null;
    }
    match kind {
        ColumnType::Utf8 => Value::Utf8(array.as_string::<i32>().value(row).to_string()),
        ColumnType::UInt16 => Value::UInt16(array.as_primitive::<UInt16Type>().value(row)),
        ColumnType::UInt64 => Value::UInt64(array.as_primitive::<UInt64Type>().value(row)),
        ColumnType::Int64 => Value::Int64(array.as_primitive::<Int64Type>().value(row)),
        ColumnType::Boolean => Value::Boolean(array.as_boolean().value(row)),
        ColumnType::Timestamp => {
            Value::Timestamp(array.as_primitive::<TimestampMicrosecondType>().value(row))
        }
        ColumnType::FixedBinary(_) => {
            Value::Binary(array.as_fixed_size_binary().value(row).to_vec())
        }
    }
}
