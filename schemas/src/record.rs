//! A record as it is stored: the envelope every stream shares, the typed
//! event, and the canonical encoding that the Merkle leaf hashes
//! (FORMAT.md, "Canonical record").

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::merkle::{Hash, leaf_hash};
use crate::stream::Stream;
use crate::table::{ENVELOPE_COLUMNS, NONCE_LEN, canonical_columns};
use crate::value::{Cells, ShapeError, Value};

/// Version byte that starts every canonical record.
pub const CANONICAL_VERSION: u8 = 1;

/// What every record of every stream carries besides its event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Position in the stream, from 0, without gaps.
    pub seq: u64,
    /// When the event happened (UTC, microsecond precision).
    pub time: DateTime<Utc>,
    /// When vakt stored it; never goes backwards within a stream.
    pub ingest_time: DateTime<Utc>,
    /// Where the line came from (a file path or a configured source name).
    pub source: String,
    /// The original line, as read (lossy UTF-8 for quarantined bytes).
    pub raw: String,
    /// Bytes no one outside the store can guess that make equal lines hash
    /// differently: random in format 2, derived from the store's nonce key
    /// and `seq` in format 3 (`nonce.rs`).
    #[serde(with = "hex::serde")]
    pub nonce: [u8; NONCE_LEN],
}

/// One stored record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub envelope: Envelope,
    pub event: Event,
}

impl Record {
    pub fn stream(&self) -> Stream {
        self.event.stream()
    }

    /// The record's cells in the order of [`canonical_columns`].
    pub fn values(&self) -> Vec<Value> {
        let envelope = &self.envelope;
        let mut values = vec![
            Value::UInt64(envelope.seq),
            Value::Timestamp(envelope.time.timestamp_micros()),
            Value::Timestamp(envelope.ingest_time.timestamp_micros()),
            Value::Utf8(envelope.source.clone()),
            Value::Utf8(envelope.raw.clone()),
            Value::Binary(envelope.nonce.to_vec()),
        ];
        values.extend(self.event.values());
        values
    }

    /// Rebuilds a record of `stream` from the cells of [`canonical_columns`].
    pub fn from_values(stream: Stream, values: &[Value]) -> Result<Record, ShapeError> {
        let envelope_len = ENVELOPE_COLUMNS.len();
        if values.len() < envelope_len {
            return Err(ShapeError {
                column: "seq",
                expected: "the envelope columns",
                found: Value::Null,
            });
        }
        let mut cells = Cells::new(&ENVELOPE_COLUMNS, &values[..envelope_len]);
        let envelope = Envelope {
            seq: cells.u64()?,
            time: micros_to_time("time", cells.timestamp()?)?,
            ingest_time: micros_to_time("ingest_time", cells.timestamp()?)?,
            source: cells.utf8()?,
            raw: cells.utf8()?,
            nonce: cells.fixed::<NONCE_LEN>()?,
        };
        let event = Event::from_values(stream, &values[envelope_len..])?;
        Ok(Record { envelope, event })
    }

    /// The canonical encoding of the record.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        encode_canonical(self.stream(), &self.values())
    }

    /// The RFC 6962 leaf hash of the canonical encoding.
    pub fn leaf_hash(&self) -> Result<Hash, EncodeError> {
        Ok(leaf_hash(&self.canonical_bytes()?))
    }
}

fn micros_to_time(column: &'static str, micros: i64) -> Result<DateTime<Utc>, ShapeError> {
    DateTime::from_timestamp_micros(micros).ok_or(ShapeError {
        column,
        expected: "a timestamp chrono can represent",
        found: Value::Timestamp(micros),
    })
}

/// A row that cannot be encoded because a cell does not fit its column.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    #[error("{stream} record has {found} cells, its table has {expected} canonical columns")]
    CellCount {
        stream: Stream,
        expected: usize,
        found: usize,
    },
    #[error("{stream} column `{column}` cannot hold {value:?}")]
    Misfit {
        stream: Stream,
        column: &'static str,
        value: Value,
    },
    #[error(
        "{stream} column `{column}` holds {len} bytes of text, more than the 4 GiB a length prefix can say"
    )]
    TooLong {
        stream: Stream,
        column: &'static str,
        len: usize,
    },
}

/// Encodes the cells of [`canonical_columns`] of `stream` canonically:
///
/// ```text
/// record = version (u8 = 1) || stream tag (u8) || cell count (u16 BE) || cell*
/// cell   = 0x00                     (null)
///        | 0x01 || value            (present)
/// value  = Utf8: u32 BE byte length || bytes;  UInt16: 2 bytes BE;
///          UInt64, Int64, Timestamp: 8 bytes BE (two's complement);
///          Boolean: 0x00 or 0x01;  FixedBinary(n): the n bytes
/// ```
pub fn encode_canonical(stream: Stream, values: &[Value]) -> Result<Vec<u8>, EncodeError> {
    let columns = canonical_columns(stream);
    if values.len() != columns.len() {
        return Err(EncodeError::CellCount {
            stream,
            expected: columns.len(),
            found: values.len(),
        });
    }
    let mut out = Vec::with_capacity(256);
    out.push(CANONICAL_VERSION);
    out.push(stream.tag());
    out.extend_from_slice(&(columns.len() as u16).to_be_bytes());
    for (column, value) in columns.iter().zip(values) {
        if !value.fits(column) {
            return Err(EncodeError::Misfit {
                stream,
                column: column.name,
                value: value.clone(),
            });
        }
        // `fits` has checked that each value has its column's type.
        match value {
            Value::Null => out.push(0),
            Value::Utf8(text) => {
                let len = u32::try_from(text.len()).map_err(|_| EncodeError::TooLong {
                    stream,
                    column: column.name,
                    len: text.len(),
                })?;
                out.push(1);
                out.extend_from_slice(&len.to_be_bytes());
                out.extend_from_slice(text.as_bytes());
            }
            Value::UInt16(number) => push_present(&mut out, &number.to_be_bytes()),
            Value::UInt64(number) => push_present(&mut out, &number.to_be_bytes()),
            Value::Int64(number) => push_present(&mut out, &number.to_be_bytes()),
            Value::Timestamp(micros) => push_present(&mut out, &micros.to_be_bytes()),
            Value::Boolean(flag) => push_present(&mut out, &[u8::from(*flag)]),
            Value::Binary(bytes) => push_present(&mut out, bytes),
        }
    }
    Ok(out)
}

fn push_present(out: &mut Vec<u8>, value: &[u8]) {
    out.push(1);
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{RegistryEvent, SessionEvent};

    fn registry_record() -> Record {
        Record {
            envelope: Envelope {
                seq: 0,
                time: DateTime::from_timestamp(0, 0).unwrap(),
                ingest_time: DateTime::from_timestamp(0, 0).unwrap(),
                source: "s".into(),
                raw: "r".into(),
                nonce: [0; NONCE_LEN],
            },
            event: Event::Registry(RegistryEvent {
                file: "f".into(),
                digest: "d".into(),
                content: "c".into(),
            }),
        }
    }

    /// The worked example of FORMAT.md §3, byte for byte.
    #[test]
    fn the_format_example_encodes_as_documented() {
        let expected = "01 04 0009 \
            01 0000000000000000 01 0000000000000000 01 0000000000000000 \
            01 00000001 73 01 00000001 72 01 00000000000000000000000000000000 \
            01 00000001 66 01 00000001 64 01 00000001 63";
        let expected = hex::decode(expected.replace(' ', "")).unwrap();
        assert_eq!(registry_record().canonical_bytes().unwrap(), expected);
    }

    #[test]
    fn nulls_and_values_are_told_apart_and_every_field_counts() {
        let base = Record {
            event: Event::Sessions(SessionEvent {
                server: "ts1".into(),
                protocol: "ssh".into(),
                action: "login".into(),
                ..SessionEvent::default()
            }),
            ..registry_record()
        };
        let mut empty_user = base.clone();
        if let Event::Sessions(session) = &mut empty_user.event {
            session.user = Some(String::new());
        }
        assert_ne!(base.leaf_hash().unwrap(), empty_user.leaf_hash().unwrap());
        let mut later = base.clone();
        later.envelope.time = DateTime::from_timestamp(0, 1000).unwrap();
        assert_ne!(base.leaf_hash().unwrap(), later.leaf_hash().unwrap());
        let values = base.values();
        assert_eq!(
            Record::from_values(Stream::Sessions, &values).unwrap(),
            base
        );
    }

    #[test]
    fn a_null_where_the_table_forbids_one_is_refused() {
        let mut values = registry_record().values();
        values[3] = Value::Null;
        assert!(matches!(
            encode_canonical(Stream::Registry, &values),
            Err(EncodeError::Misfit {
                column: "source",
                ..
            })
        ));
        assert!(encode_canonical(Stream::Sessions, &values).is_err());
    }
}
