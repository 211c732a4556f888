//! Reading the year's records through DataFusion, column by column.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType, UInt16Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use chrono::{DateTime, Utc};
use vakt_query::sql::SqlSession;

use crate::ReviewError;

/// The rows of one query.
pub struct Rows {
    batches: Vec<RecordBatch>,
}

impl Rows {
    /// Runs `sql` and keeps its batches.
    pub fn query(session: &SqlSession, sql: &str) -> Result<Rows, ReviewError> {
        let result = session.query(sql).map_err(|error| ReviewError::Query {
            sql: sql.to_string(),
            detail: error.to_string(),
        })?;
        Ok(Rows {
            batches: result.batches,
        })
    }

    /// Every row, as an accessor to its columns.
    pub fn each(&self) -> impl Iterator<Item = Row<'_>> {
        self.batches
            .iter()
            .flat_map(|batch| (0..batch.num_rows()).map(move |index| Row { batch, index }))
    }
}

/// One row of a batch.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    batch: &'a RecordBatch,
    index: usize,
}

impl<'a> Row<'a> {
    fn column(&self, name: &str) -> Option<&'a ArrayRef> {
        self.batch.column_by_name(name)
    }

    /// A text column; `None` when null or absent.
    pub fn text(&self, name: &str) -> Option<&'a str> {
        let column = self.column(name)?;
        if column.is_null(self.index) {
            return None;
        }
        if let Some(array) = column.as_string_opt::<i32>() {
            return Some(array.value(self.index));
        }
        column
            .as_string_view_opt()
            .map(|array| array.value(self.index))
    }

    pub fn seq(&self) -> u64 {
        self.u64("seq").unwrap_or(0)
    }

    pub fn u64(&self, name: &str) -> Option<u64> {
        let column = self.column(name)?;
        let array = column.as_primitive_opt::<UInt64Type>()?;
        (!array.is_null(self.index)).then(|| array.value(self.index))
    }

    pub fn i64(&self, name: &str) -> Option<i64> {
        let column = self.column(name)?;
        let array = column.as_primitive_opt::<Int64Type>()?;
        (!array.is_null(self.index)).then(|| array.value(self.index))
    }

    pub fn u16(&self, name: &str) -> Option<u16> {
        let column = self.column(name)?;
        let array = column.as_primitive_opt::<UInt16Type>()?;
        (!array.is_null(self.index)).then(|| array.value(self.index))
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        let column = self.column(name)?;
        let array = column.as_boolean_opt()?;
        (!array.is_null(self.index)).then(|| array.value(self.index))
    }

    /// A timestamp column (`time` unless said otherwise).
    pub fn time_of(&self, name: &str) -> Option<DateTime<Utc>> {
        let column = self.column(name)?;
        let array = column.as_primitive_opt::<TimestampMicrosecondType>()?;
        if array.is_null(self.index) {
            return None;
        }
        DateTime::from_timestamp_micros(array.value(self.index))
    }

    pub fn time(&self) -> DateTime<Utc> {
        self.time_of("time").unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}
