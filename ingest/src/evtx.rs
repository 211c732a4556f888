//! Windows `.evtx` files into records: each event record is one record of
//! its stream (or of the quarantine, with the reason), its `raw` the record
//! rendered as JSON.
//!
//! An `.evtx` file is read whole, as a finished file. Its progress is kept
//! per log, not per content: under the key `evtx:CHANNEL@COMPUTER` (of its
//! first record), `offset` is the highest `EventRecordID` stored and `lines`
//! the records stored. So a later copy of the same log (grown, or archived
//! by Windows as `Archive-Security-….evtx`) is read only for the records
//! after those stored. A log whose highest number is below the stored one
//! was cleared since (its numbers restarted): it is read whole.

use std::io::{Cursor, Read};

use chrono::{SubsecRound, Utc};
use vakt_schemas::head::SourceProgress;

use crate::batch::Batch;
use crate::parse::windows::evtx::evtx_events_from_reader;
use crate::parse::windows::security::to_event;
use crate::parse::{LineParser, ParseContext};
use crate::pipeline::IngestError;
use crate::source::{InputFile, InputProblem, Line};

/// What reading one `.evtx` file did.
#[derive(Debug, Default)]
pub(crate) struct EvtxRead {
    /// Records read (stored or quarantined) in this run.
    pub(crate) records: u64,
    /// Records passed over because they were stored before.
    pub(crate) already_stored: u64,
}

impl Batch<'_> {
    /// Reads the records of `file`, an `.evtx` file, that were not stored
    /// before into pending records, with the log's progress.
    pub(crate) fn take_evtx(
        &mut self,
        file: &InputFile,
        context: &ParseContext,
    ) -> Result<EvtxRead, IngestError> {
        let mut bytes = Vec::new();
        file.open()
            .and_then(|mut content| content.read_to_end(&mut bytes))
            .map_err(IngestError::read(file, 0))?;
        let Some(log_key) = log_key(&bytes) else {
            self.record_problems(vec![InputProblem::Unreadable {
                path: file.path.clone(),
                source: std::io::Error::other("not a readable windows event log (.evtx)"),
            }]);
            return Ok(EvtxRead::default());
        };
        let stored = self.known.get(&log_key).cloned();
        let stored_up_to = stored.as_ref().map_or(0, |progress| progress.offset);
        let mut read = self.take_records(file, context, &bytes, stored_up_to)?;
        if read.records == 0 && read.highest < stored_up_to && read.highest > 0 {
            // Every number is below what was stored: the log was cleared.
            self.summary.notes.push(format!(
                "{}: the log {log_key} numbers its records only up to {}, below the {stored_up_to} \
                 stored of it before: it was cleared since, and is read whole",
                file.name, read.highest
            ));
            read = self.take_records(file, context, &bytes, 0)?;
        }
        if read.records == 0 && read.already_stored > 0 {
            self.summary.notes.push(format!(
                "{}: already stored ({} records of {log_key})",
                file.name, read.already_stored
            ));
        }
        let previous_records = stored.as_ref().map_or(0, |progress| progress.lines);
        let progress = SourceProgress {
            path: file.name.clone(),
            offset: read.highest.max(stored_up_to),
            lines: previous_records + read.records,
            updated: Utc::now().trunc_subsecs(0),
            prefix_sha256: None,
            device: file.device,
            inode: file.inode,
        };
        if read.records > 0 {
            self.note_source(&log_key, progress);
        }
        Ok(EvtxRead {
            records: read.records,
            already_stored: read.already_stored,
        })
    }

    /// Takes the records numbered above `stored_up_to`.
    fn take_records(
        &mut self,
        file: &InputFile,
        context: &ParseContext,
        bytes: &[u8],
        stored_up_to: u64,
    ) -> Result<RecordsRead, IngestError> {
        let mut read = RecordsRead::default();
        let events =
            evtx_events_from_reader(Cursor::new(bytes)).map_err(|reason| IngestError::Read {
                path: file.path.clone(),
                offset: 0,
                source: std::io::Error::other(reason),
            })?;
        // The parser only writes user names as the settings say and keeps
        // the source's stream.
        let parser = LineParser::new(context.clone(), crate::parse::Format::Evtx);
        for (index, item) in events.enumerate() {
            let number = item
                .as_ref()
                .ok()
                .and_then(|(event, _)| event.record_id)
                .unwrap_or(0);
            read.highest = read.highest.max(number);
            if number != 0 && number <= stored_up_to {
                read.already_stored += 1;
                continue;
            }
            read.records += 1;
            self.summary.lines_read += 1;
            let (outcome, raw) = match item {
                Ok((event, raw)) => {
                    let outcome = to_event(&event).map(|vakt_event| (event.time, vakt_event));
                    (parser.outcome_of(outcome), raw)
                }
                Err(reason) => (parser.outcome_of(Err(reason)), String::new()),
            };
            let line = Line {
                number: if number != 0 {
                    number
                } else {
                    index as u64 + 1
                },
                offset: 0,
                end: 0,
                length: raw.len() as u64,
                bytes: raw.into_bytes(),
                truncated_sha256: None,
            };
            self.take_outcome(&file.name, &line, outcome);
        }
        Ok(read)
    }
}

/// Records taken and the highest record number seen.
#[derive(Debug, Default)]
struct RecordsRead {
    records: u64,
    already_stored: u64,
    highest: u64,
}

/// The key of the log an `.evtx` file holds: `evtx:CHANNEL@COMPUTER` of
/// its first readable record; `None` when no record can be read.
fn log_key(bytes: &[u8]) -> Option<String> {
    let mut events = evtx_events_from_reader(Cursor::new(bytes)).ok()?;
    let (event, _) = events.find_map(Result::ok)?;
    Some(format!("evtx:{}@{}", event.channel, event.computer))
}
