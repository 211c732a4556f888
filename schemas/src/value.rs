//! One cell of a table, typed, and the readers typed events use to take
//! their fields back out of a row.

use crate::table::{Column, ColumnType};

/// One cell of a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Utf8(String),
    UInt16(u16),
    UInt64(u64),
    Int64(i64),
    Boolean(bool),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
    Binary(Vec<u8>),
}

impl Value {
    /// Whether the value may stand in the column (type and nullability).
    pub fn fits(&self, column: &Column) -> bool {
        match (self, column.kind) {
            (Value::Null, _) => column.nullable,
            (Value::Utf8(_), ColumnType::Utf8)
            | (Value::UInt16(_), ColumnType::UInt16)
            | (Value::UInt64(_), ColumnType::UInt64)
            | (Value::Int64(_), ColumnType::Int64)
            | (Value::Boolean(_), ColumnType::Boolean)
            | (Value::Timestamp(_), ColumnType::Timestamp) => true,
            (Value::Binary(bytes), ColumnType::FixedBinary(len)) => bytes.len() == len,
            _ => false,
        }
    }

    pub fn opt_utf8(value: Option<&str>) -> Value {
        value.map_or(Value::Null, |text| Value::Utf8(text.to_string()))
    }

    pub fn opt_u16(value: Option<u16>) -> Value {
        value.map_or(Value::Null, Value::UInt16)
    }

    pub fn opt_i64(value: Option<i64>) -> Value {
        value.map_or(Value::Null, Value::Int64)
    }

    pub fn opt_bool(value: Option<bool>) -> Value {
        value.map_or(Value::Null, Value::Boolean)
    }
}

/// A row's cells did not have the shape its stream's columns require.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("column `{column}`: expected {expected}, found {found:?}")]
pub struct ShapeError {
    pub column: &'static str,
    pub expected: &'static str,
    pub found: Value,
}

/// Takes a row's cells one at a time, in column order, checking each one's type.
pub struct Cells<'a> {
    columns: std::slice::Iter<'a, Column>,
    values: std::slice::Iter<'a, Value>,
}

impl<'a> Cells<'a> {
    pub fn new(columns: &'a [Column], values: &'a [Value]) -> Self {
        Cells {
            columns: columns.iter(),
            values: values.iter(),
        }
    }

    fn next(&mut self, expected: &'static str) -> Result<(&'static str, &'a Value), ShapeError> {
        match (self.columns.next(), self.values.next()) {
            (Some(column), Some(value)) => Ok((column.name, value)),
            (Some(column), None) => Err(ShapeError {
                column: column.name,
                expected,
                found: Value::Null,
            }),
            (None, _) => Err(ShapeError {
                column: "(past the last column)",
                expected,
                found: Value::Null,
            }),
        }
    }

    pub fn utf8(&mut self) -> Result<String, ShapeError> {
        match self.next("text")? {
            (_, Value::Utf8(text)) => Ok(text.clone()),
            (column, other) => Err(mismatch(column, "text", other)),
        }
    }

    pub fn opt_utf8(&mut self) -> Result<Option<String>, ShapeError> {
        match self.next("text or null")? {
            (_, Value::Null) => Ok(None),
            (_, Value::Utf8(text)) => Ok(Some(text.clone())),
            (column, other) => Err(mismatch(column, "text or null", other)),
        }
    }

    pub fn opt_u16(&mut self) -> Result<Option<u16>, ShapeError> {
        match self.next("u16 or null")? {
            (_, Value::Null) => Ok(None),
            (_, Value::UInt16(number)) => Ok(Some(*number)),
            (column, other) => Err(mismatch(column, "u16 or null", other)),
        }
    }

    pub fn u64(&mut self) -> Result<u64, ShapeError> {
        match self.next("u64")? {
            (_, Value::UInt64(number)) => Ok(*number),
            (column, other) => Err(mismatch(column, "u64", other)),
        }
    }

    pub fn opt_i64(&mut self) -> Result<Option<i64>, ShapeError> {
        match self.next("i64 or null")? {
            (_, Value::Null) => Ok(None),
            (_, Value::Int64(number)) => Ok(Some(*number)),
            (column, other) => Err(mismatch(column, "i64 or null", other)),
        }
    }

    pub fn boolean(&mut self) -> Result<bool, ShapeError> {
        match self.next("boolean")? {
            (_, Value::Boolean(flag)) => Ok(*flag),
            (column, other) => Err(mismatch(column, "boolean", other)),
        }
    }

    pub fn opt_bool(&mut self) -> Result<Option<bool>, ShapeError> {
        match self.next("boolean or null")? {
            (_, Value::Null) => Ok(None),
            (_, Value::Boolean(flag)) => Ok(Some(*flag)),
            (column, other) => Err(mismatch(column, "boolean or null", other)),
        }
    }

    pub fn timestamp(&mut self) -> Result<i64, ShapeError> {
        match self.next("timestamp")? {
            (_, Value::Timestamp(micros)) => Ok(*micros),
            (column, other) => Err(mismatch(column, "timestamp", other)),
        }
    }

    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N], ShapeError> {
        match self.next("fixed-length bytes")? {
            (column, Value::Binary(bytes)) => bytes
                .as_slice()
                .try_into()
                .map_err(|_| mismatch(column, "fixed-length bytes", &Value::Binary(bytes.clone()))),
            (column, other) => Err(mismatch(column, "fixed-length bytes", other)),
        }
    }
}

fn mismatch(column: &'static str, expected: &'static str, found: &Value) -> ShapeError {
    ShapeError {
        column,
        expected,
        found: found.clone(),
    }
}
