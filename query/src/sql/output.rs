//! Query results for people (an aligned table, times in the institute's
//! zone) and for scripts (JSON, CSV; times in RFC 3339, UTC).

use std::io::{self, Write};
use std::sync::Arc;

use chrono::DateTime;
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit, TimestampMicrosecondType};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

use super::QueryResult;

/// Instants for scripts: RFC 3339 in UTC (after [`in_zone`] to UTC).
const RFC3339_UTC: &str = "%Y-%m-%dT%H:%M:%S%.fZ";
/// Times without a zone (e.g. from `to_local_time`), for scripts.
const RFC3339_LOCAL: &str = "%Y-%m-%dT%H:%M:%S%.f";
/// Instants for people, in the configured zone, with its abbreviation.
const PERSON_TZ: &str = "%Y-%m-%d %H:%M:%S %Z";
const PERSON_LOCAL: &str = "%Y-%m-%d %H:%M:%S";

fn arrow_to_io(error: ArrowError) -> io::Error {
    match error {
        ArrowError::IoError(_, error) => error,
        other => io::Error::other(other),
    }
}

/// The batch with every zoned timestamp column shown in `zone` (the
/// instants stay the same; only the zone they are displayed in changes).
fn in_zone(batch: &RecordBatch, zone: &str) -> Result<RecordBatch, ArrowError> {
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(batch.num_columns());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        match field.data_type() {
            DataType::Timestamp(unit, Some(_)) => {
                let zoned = DataType::Timestamp(*unit, Some(zone.into()));
                columns.push(cast(column, &zoned)?);
                fields.push(field.as_ref().clone().with_data_type(zoned));
            }
            _ => {
                columns.push(Arc::clone(column));
                fields.push(field.as_ref().clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// The printable text of every value of a column. Instants are shown in
/// `time_zone` with the zone's abbreviation (`CET`, `CEST`), which Arrow's
/// own formatting cannot do (it prints the offset).
fn person_cells(
    column: &ArrayRef,
    options: &FormatOptions<'_>,
    time_zone: Tz,
) -> Result<Vec<String>, ArrowError> {
    if let DataType::Timestamp(_, Some(_)) = column.data_type() {
        let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let micros = cast(column, &utc)?;
        let micros = micros.as_primitive::<TimestampMicrosecondType>();
        return Ok(micros
            .iter()
            .map(|value| {
                value
                    .and_then(DateTime::from_timestamp_micros)
                    .map(|time| time.with_timezone(&time_zone).format(PERSON_TZ).to_string())
                    .unwrap_or_default()
            })
            .collect());
    }
    let formatter = ArrayFormatter::try_new(column.as_ref(), options)?;
    Ok((0..column.len())
        .map(|row| printable(&formatter.value(row).to_string()))
        .collect())
}

fn is_numeric(field: &Field) -> bool {
    let kind = field.data_type();
    kind.is_numeric() || matches!(kind, DataType::Decimal128(..) | DataType::Decimal256(..))
}

/// Control characters (a log line may carry terminal escapes) shown as
/// escapes, so that printing a value cannot drive the terminal. Line
/// breaks stay: a cell with several lines (a query plan) is shown as such.
fn printable(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\n' => shown.push('\n'),
            '\t' => shown.push_str("    "),
            c if c.is_control() => shown.extend(c.escape_default()),
            c => shown.push(c),
        }
    }
    shown
}

/// The result as an aligned table for a person: one header line, a rule,
/// the rows, and the number of rows. Times are shown in `time_zone` as
/// `YYYY-MM-DD HH:MM:SS` and the zone's abbreviation; nulls are empty.
pub fn write_table(out: &mut dyn Write, result: &QueryResult, time_zone: Tz) -> io::Result<()> {
    let fields = result.schema.fields();
    let headers: Vec<String> = fields.iter().map(|field| printable(field.name())).collect();
    let right: Vec<bool> = fields.iter().map(|field| is_numeric(field)).collect();
    let options = FormatOptions::new()
        .with_display_error(true)
        .with_null("")
        .with_timestamp_format(Some(PERSON_LOCAL));
    let mut rows: Vec<Vec<Vec<String>>> = Vec::with_capacity(result.rows);
    for batch in &result.batches {
        let columns = batch
            .columns()
            .iter()
            .map(|column| person_cells(column, &options, time_zone))
            .collect::<Result<Vec<_>, _>>()
            .map_err(arrow_to_io)?;
        for row in 0..batch.num_rows() {
            rows.push(
                columns
                    .iter()
                    .map(|cells| cells[row].lines().map(str::to_string).collect())
                    .collect(),
            );
        }
    }
    let width = |text: &str| text.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|header| width(header)).collect();
    for row in &rows {
        for (column, lines) in row.iter().enumerate() {
            for line in lines {
                widths[column] = widths[column].max(width(line));
            }
        }
    }
    let write_line = |out: &mut dyn Write, cells: &[&str]| -> io::Result<()> {
        let mut line = String::new();
        for (column, cell) in cells.iter().enumerate() {
            if column > 0 {
                line.push_str(" |");
            }
            let pad = " ".repeat(widths[column] - width(cell));
            line.push(' ');
            if right[column] {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        writeln!(out, "{}", line.trim_end())
    };
    if !headers.is_empty() {
        let names: Vec<&str> = headers.iter().map(String::as_str).collect();
        write_line(out, &names)?;
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(width + 2)).collect();
        writeln!(out, "{}", rule.join("+"))?;
    }
    for row in &rows {
        let height = row.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for index in 0..height {
            let cells: Vec<&str> = row
                .iter()
                .map(|lines| lines.get(index).map_or("", String::as_str))
                .collect();
            write_line(out, &cells)?;
        }
    }
    let count = result.rows;
    writeln!(out, "({count} {})", if count == 1 { "row" } else { "rows" })
}

/// The result as one JSON array of objects, one per row, whose members are
/// the column names (nulls included). Times are RFC 3339 strings in UTC,
/// binary values lowercase hex.
pub fn write_json(out: &mut dyn Write, result: &QueryResult) -> io::Result<()> {
    let mut writer = datafusion::arrow::json::WriterBuilder::new()
        .with_explicit_nulls(true)
        .with_timestamp_tz_format(RFC3339_UTC.to_string())
        .with_timestamp_format(RFC3339_LOCAL.to_string())
        .build::<_, datafusion::arrow::json::writer::JsonArray>(&mut *out);
    for batch in &result.batches {
        let batch = in_zone(batch, "UTC").map_err(arrow_to_io)?;
        writer.write(&batch).map_err(arrow_to_io)?;
    }
    writer.finish().map_err(arrow_to_io)?;
    drop(writer);
    writeln!(out)
}

/// The result as CSV with a header line; times as in [`write_json`], nulls
/// as empty fields.
pub fn write_csv(out: &mut dyn Write, result: &QueryResult) -> io::Result<()> {
    let mut writer = datafusion::arrow::csv::WriterBuilder::new()
        .with_header(true)
        .with_timestamp_tz_format(RFC3339_UTC.to_string())
        .with_timestamp_format(RFC3339_LOCAL.to_string())
        .build(&mut *out);
    if result.batches.is_empty() {
        let empty = RecordBatch::new_empty(Arc::clone(&result.schema));
        writer.write(&empty).map_err(arrow_to_io)?;
    }
    for batch in &result.batches {
        let batch = in_zone(batch, "UTC").map_err(arrow_to_io)?;
        writer.write(&batch).map_err(arrow_to_io)?;
    }
    writer.into_inner().flush()
}
