//! `.evtx` files, the binary event logs Windows writes, read with the `evtx` crate.
//!
//! A file is a 4 KiB header starting with `ElfFile\0` and 64 KiB chunks of
//! records in binary XML. Each record is rendered as the `evtx` crate's JSON
//! (`{"Event":{"System":{...},"EventData":{...}}}`, see [`super::json`]) and
//! read into a [`WindowsEvent`]; the compact JSON is kept as the record's raw
//! text. Chunks are read one at a time, so memory stays at about one chunk's
//! records. A chunk or record that cannot be read gives an `Err` item with
//! the reason and the rest of the file is still read.

use std::collections::VecDeque;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::sync::Arc;

use evtx::{EvtxParser, IntoIterChunks, ParserSettings};
use serde_json::Value as Json;

use super::WindowsEvent;
use super::json::event_from_evtx_json;

/// The magic bytes an EVTX file starts with.
pub const EVTX_MAGIC: &[u8; 8] = b"ElfFile\0";

/// One record of an EVTX file: the event and its record as compact JSON,
/// or why the record (or its chunk) could not be read.
pub type EvtxItem = Result<(WindowsEvent, String), String>;

/// Whether the first bytes of a file are the EVTX magic `ElfFile\0`.
pub fn is_evtx(head: &[u8]) -> bool {
    head.starts_with(EVTX_MAGIC)
}

/// Reads the records of an EVTX file held in memory, in record order
/// (oldest chunk first).
///
/// `Err` when the bytes are not an EVTX file.
pub fn evtx_events(bytes: Vec<u8>) -> Result<EvtxEvents<Cursor<Vec<u8>>>, String> {
    evtx_events_from_reader(Cursor::new(bytes))
}

/// Reads the records of an EVTX file from a reader (a `File`), one chunk
/// at a time, in record order (oldest chunk first).
///
/// `Err` when the reader does not hold an EVTX file.
pub fn evtx_events_from_reader<R: Read + Seek>(mut reader: R) -> Result<EvtxEvents<R>, String> {
    let mut head = [0u8; 8];
    let read_head = reader
        .seek(SeekFrom::Start(0))
        .and_then(|_| reader.read_exact(&mut head))
        .and_then(|()| reader.seek(SeekFrom::Start(0)));
    if read_head.is_err() || !is_evtx(&head) {
        return Err("evtx: expected a file starting with `ElfFile`".to_string());
    }
    let settings = ParserSettings::new()
        .indent(false)
        .separate_json_attributes(false);
    let parser = EvtxParser::from_read_seek(reader)
        .map_err(|error| format!("evtx: unreadable file header: {error}"))?
        .with_configuration(settings.clone());
    Ok(EvtxEvents {
        chunks: parser.into_chunks(),
        settings: Arc::new(settings),
        pending: VecDeque::new(),
    })
}

/// The records of an EVTX file, one chunk read ahead at most.
pub struct EvtxEvents<R: Read + Seek> {
    chunks: IntoIterChunks<R>,
    settings: Arc<ParserSettings>,
    pending: VecDeque<EvtxItem>,
}

impl<R: Read + Seek> Iterator for EvtxEvents<R> {
    type Item = EvtxItem;

    fn next(&mut self) -> Option<EvtxItem> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            let chunk = self.chunks.next()?;
            self.read_chunk(chunk);
        }
    }
}

impl<R: Read + Seek> EvtxEvents<R> {
    fn read_chunk(&mut self, chunk: evtx::err::Result<evtx::EvtxChunkData>) {
        let mut chunk_data = match chunk {
            Ok(chunk_data) => chunk_data,
            Err(error) => {
                self.pending
                    .push_back(Err(format!("evtx: unreadable chunk: {error}")));
                return;
            }
        };
        let number = chunk_data.number;
        let mut chunk = match chunk_data.parse(Arc::clone(&self.settings)) {
            Ok(chunk) => chunk,
            Err(error) => {
                let number = number.map_or(String::new(), |number| format!(" {number}"));
                self.pending
                    .push_back(Err(format!("evtx: unreadable chunk{number}: {error}")));
                return;
            }
        };
        for record in chunk.iter() {
            let item = record
                .and_then(|record| record.into_json())
                .map_err(|error| format!("evtx: unreadable record: {error}"))
                .and_then(|record| event_of_record(&record.data));
            self.pending.push_back(item);
        }
    }
}

/// The event of one record rendered as JSON, and the record as compact JSON.
fn event_of_record(json: &str) -> EvtxItem {
    let value: Json = serde_json::from_str(json)
        .map_err(|error| format!("evtx: record rendered as invalid json: {error}"))?;
    let event = value
        .get("Event")
        .and_then(Json::as_object)
        .ok_or("evtx: expected an `Event` element in the record")?;
    let windows_event = event_from_evtx_json(event)?;
    let raw = serde_json::to_string(&value)
        .map_err(|error| format!("evtx: record not serialisable: {error}"))?;
    Ok((windows_event, raw))
}

#[cfg(test)]
mod tests;
