//! Records to Arrow record batches and back, column by column, so that the
//! typed columns of a Parquet segment are what verification re-derives the
//! canonical records from.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, FixedSizeBinaryBuilder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder, UInt16Builder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType, UInt16Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::ArrowError;

use crate::merkle::Hash;
use crate::record::Record;
use crate::stream::Stream;
use crate::table::{Column, ColumnType, HASH_LEN, all_columns, arrow_schema, arrow_type};
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
    #[error("{count} records but {hashes} leaf hashes")]
    HashCount { count: usize, hashes: usize },
    #[error("the file's columns are not those of the {stream} table: {detail}")]
    Schema { stream: Stream, detail: String },
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
}

/// One row as read from a segment: the canonical cells, and the leaf hash the
/// file claims for them (which verification does not trust).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRow {
    pub values: Vec<Value>,
    pub stored_leaf_hash: Vec<u8>,
}

/// Builds the record batch of `records`, all of `stream`, with their leaf hashes.
pub fn records_to_batch(
    stream: Stream,
    records: &[Record],
    leaf_hashes: &[Hash],
) -> Result<RecordBatch, BatchError> {
    if records.len() != leaf_hashes.len() {
        return Err(BatchError::HashCount {
            count: records.len(),
            hashes: leaf_hashes.len(),
        });
    }
    let columns = all_columns(stream);
    let canonical_len = columns.len() - 1;
    let rows: Vec<Vec<Value>> = records.iter().map(Record::values).collect();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().take(canonical_len).enumerate() {
        let cells = rows
            .iter()
            .map(|row| row.get(index).unwrap_or(&Value::Null));
        let seqs = records.iter().map(|record| record.envelope.seq);
        arrays.push(build_array(stream, column, cells.zip(seqs))?);
    }
    let mut hashes = FixedSizeBinaryBuilder::with_capacity(leaf_hashes.len(), HASH_LEN as i32);
    for hash in leaf_hashes {
        hashes.append_value(hash)?;
    }
    arrays.push(Arc::new(hashes.finish()));
    Ok(RecordBatch::try_new(arrow_schema(stream), arrays)?)
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

/// Reads every row of a batch of `stream` back into cells. The batch's columns
/// must be exactly the table's, by name, type and order.
pub fn batch_to_rows(stream: Stream, batch: &RecordBatch) -> Result<Vec<StoredRow>, BatchError> {
    check_schema(stream, batch)?;
    let columns = all_columns(stream);
    let row_count = batch.num_rows();
    let canonical_len = columns.len() - 1;
    let mut rows: Vec<StoredRow> = (0..row_count)
        .map(|_| StoredRow {
            values: Vec::with_capacity(canonical_len),
            stored_leaf_hash: Vec::new(),
        })
        .collect();
    for (index, column) in columns.iter().enumerate() {
        let array = batch.column(index);
        for (row_index, row) in rows.iter_mut().enumerate() {
            let value = read_cell(array.as_ref(), column.kind, row_index);
            if index == canonical_len {
                if let Value::Binary(bytes) = value {
                    row.stored_leaf_hash = bytes;
                }
            } else {
                row.values.push(value);
            }
        }
    }
    Ok(rows)
}

/// Whether a batch's columns are exactly the table's, by name, type and order.
pub(crate) fn check_schema(stream: Stream, batch: &RecordBatch) -> Result<(), BatchError> {
    let columns = all_columns(stream);
    let schema = batch.schema();
    if schema.fields().len() != columns.len() {
        return Err(BatchError::Schema {
            stream,
            detail: format!(
                "{} columns where the table has {}",
                schema.fields().len(),
                columns.len()
            ),
        });
    }
    for (field, column) in schema.fields().iter().zip(&columns) {
        if field.name() != column.name || field.data_type() != &arrow_type(column.kind) {
            return Err(BatchError::Schema {
                stream,
                detail: format!(
                    "column `{}` of type {} where `{}` of type {} belongs",
                    field.name(),
                    field.data_type(),
                    column.name,
                    arrow_type(column.kind)
                ),
            });
        }
    }
    Ok(())
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
