//! What a run has read and not yet committed: the records, the progress of
//! each input's content that goes with them, and the summary. `vakt
//! ingest` (`pipeline.rs`) and `vakt run` (`follow.rs`) read their inputs
//! differently and share this: every line read becomes a pending record of
//! its stream or of the quarantine, and a commit stores the records with
//! the progress that accounts for them.

use std::collections::BTreeMap;
use std::io::BufRead;

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use vakt_schemas::config::Config;
use vakt_schemas::head::SourceProgress;
use vakt_schemas::registry::Registry;
use vakt_schemas::{Event, QuarantineEvent, Stream};
use vakt_store::{PendingRecord, StoreWriter};

use crate::enrich::{enrich, fill_dataset};
use crate::parse::{Format, LineAt, LineParser, ParseContext, Parsed, Span};
use crate::pipeline::{IngestError, IngestSummary};
use crate::source::{Change, InputFile, InputProblem, Line, LineReader};

/// Records read and not yet committed, and what the run did so far.
pub(crate) struct Batch<'a> {
    pub(crate) writer: &'a mut StoreWriter,
    config: &'a Config,
    /// Longer lines go to quarantine.
    max_line_bytes: usize,
    pub(crate) summary: IngestSummary,
    pending: Vec<PendingRecord>,
    /// Every content's progress: `HEAD`'s, updated as this run reads.
    pub(crate) known: BTreeMap<String, SourceProgress>,
    /// Progress to commit with the pending records.
    changed: BTreeMap<String, SourceProgress>,
    /// The registry whose dataset paths fill in the dataset of accesses.
    pub(crate) dataset_registry: Option<Registry>,
    /// When this run last committed.
    pub(crate) last_commit_at: Option<DateTime<Utc>>,
}

/// Whether a file holds anything vakt reads.
pub(crate) enum Recognition {
    /// A line of it is an event, or meant for one of vakt's streams.
    Recognised,
    /// None of its lines is: how many there are, and why the first was
    /// not read.
    Unrecognised { lines: u64, first_reason: String },
}

impl<'a> Batch<'a> {
    pub(crate) fn new(
        writer: &'a mut StoreWriter,
        config: &'a Config,
        max_line_bytes: usize,
        summary: IngestSummary,
        dataset_registry: Option<Registry>,
    ) -> Batch<'a> {
        let known = writer.head().sources.clone();
        Batch {
            writer,
            config,
            max_line_bytes,
            summary,
            pending: Vec::new(),
            known,
            changed: BTreeMap::new(),
            dataset_registry,
            last_commit_at: None,
        }
    }

    /// Records waiting for a commit.
    pub(crate) fn pending_records(&self) -> usize {
        self.pending.len()
    }

    /// Whether anything waits for a commit.
    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty() && self.changed.is_empty()
    }

    pub(crate) fn record_problems(&mut self, problems: Vec<InputProblem>) {
        for problem in problems {
            if problem.is_benign() {
                self.summary.notes.push(problem.to_string());
            } else {
                self.summary.problems.push(problem.to_string());
            }
        }
    }

    /// Records how far `file`'s content stands, to commit with its records.
    pub(crate) fn note_progress<R: BufRead>(
        &mut self,
        key: &str,
        file: &InputFile,
        lines: &LineReader<R>,
    ) {
        let progress = SourceProgress {
            path: file.name.clone(),
            offset: lines.offset(),
            lines: lines.lines(),
            updated: Utc::now().trunc_subsecs(0),
            prefix_sha256: Some(lines.prefix_sha256()),
            device: file.device,
            inode: file.inode,
        };
        self.note_source(key, progress);
    }

    /// Records `progress` of the content or log under `key`, to commit
    /// with its records.
    pub(crate) fn note_source(&mut self, key: &str, progress: SourceProgress) {
        self.known.insert(key.to_string(), progress.clone());
        self.changed.insert(key.to_string(), progress);
    }

    /// Reads a new file until a line of it is of a format vakt reads (an
    /// event, or a line meant for one of its streams), or to its end.
    pub(crate) fn recognise(
        &self,
        file: &InputFile,
        context: &ParseContext,
        format: Format,
    ) -> Result<Recognition, IngestError> {
        let content = file.open().map_err(IngestError::read(file, 0))?;
        let mut parser = LineParser::new(context.clone(), format);
        let mut lines = LineReader::from_start(content, self.max_line_bytes);
        let mut first_reason = None;
        loop {
            let line = lines
                .next_line_or_last(file.finished)
                .map_err(IngestError::read(file, lines.offset()))?;
            let Some(line) = line else { break };
            match std::str::from_utf8(&line.bytes) {
                Ok(text) if !line.is_truncated() && !text.trim().is_empty() => {
                    match parser.parse(text) {
                        Parsed::Event { .. }
                        | Parsed::Held
                        | Parsed::Skipped { .. }
                        | Parsed::Rejected {
                            intended: Some(_), ..
                        } => return Ok(Recognition::Recognised),
                        Parsed::Rejected { reason, .. } => {
                            first_reason.get_or_insert(reason);
                        }
                    }
                }
                // Blank, cut or not UTF-8: says nothing of the format.
                _ => {}
            }
        }
        let pending = u64::from(lines.pending_bytes() > 0);
        if lines.lines() == 0 {
            // Nothing but a line still being written: it is pending, and
            // judged once it ends.
            return Ok(Recognition::Recognised);
        }
        Ok(Recognition::Unrecognised {
            lines: lines.lines() + pending,
            first_reason: first_reason.unwrap_or_else(|| "no line with text".to_string()),
        })
    }

    /// Turns one line into a pending record of its stream or of the
    /// quarantine (or holds it for a record of several lines, or skips it
    /// as the source's settings say).
    pub(crate) fn take_line(&mut self, source_name: &str, parser: &mut LineParser, line: &Line) {
        self.summary.lines_read += 1;
        let text = match std::str::from_utf8(&line.bytes) {
            _ if line.is_truncated() => Err(format!(
                "line longer than the limit of {} bytes (ingest.max_line_bytes)",
                self.max_line_bytes
            )),
            Err(_) => Err("invalid utf-8".to_string()),
            // A blank line may end a record of several lines.
            Ok(text) if text.trim().is_empty() && !parser.is_holding() => {
                Err("blank line".to_string())
            }
            Ok(text) => Ok(text),
        };
        let at = LineAt {
            number: line.number,
            offset: line.offset,
        };
        let outcome = match text {
            Ok(text) => parser.parse_at(text, at),
            Err(reason) => {
                // The line is not read: what was held ends before it.
                while let Some(held) = parser.finish() {
                    self.take_outcome(source_name, line, held);
                }
                Parsed::Rejected {
                    reason,
                    intended: None,
                    span: None,
                }
            }
        };
        while let Some(completed) = parser.take_completed() {
            self.take_outcome(source_name, line, completed);
        }
        self.take_outcome(source_name, line, outcome);
        while let Some(more) = parser.take_more() {
            self.take_outcome(source_name, line, more);
        }
    }

    /// Takes out what `parser` holds at the end of an input (or before a
    /// commit), as it stands.
    pub(crate) fn finish_input(&mut self, source_name: &str, parser: &mut LineParser) {
        while let Some(held) = parser.finish() {
            let nowhere = Line {
                number: 0,
                offset: 0,
                end: 0,
                bytes: Vec::new(),
                length: 0,
                truncated_sha256: None,
            };
            self.take_outcome(source_name, &nowhere, held);
            while let Some(more) = parser.take_more() {
                self.take_outcome(source_name, &nowhere, more);
            }
        }
    }

    /// Adds one outcome of `line` (or of the lines of its span) to the batch.
    pub(crate) fn take_outcome(&mut self, source_name: &str, line: &Line, outcome: Parsed) {
        match outcome {
            Parsed::Event {
                time,
                mut event,
                span,
            } => {
                enrich(self.config, &mut event);
                if let Some(registry) = &self.dataset_registry
                    && fill_dataset(registry, &mut event)
                {
                    self.summary.datasets.filled += 1;
                }
                self.summary.records_stored += 1;
                *self.summary.by_stream.entry(event.stream()).or_default() += 1;
                let raw = match span {
                    Some(span) => {
                        self.count_span(&span);
                        span.raw
                    }
                    None => String::from_utf8_lossy(&line.bytes).into_owned(),
                };
                self.pending.push(PendingRecord {
                    time,
                    source: source_name.to_string(),
                    raw,
                    event,
                });
            }
            Parsed::Rejected {
                reason,
                intended,
                span,
            } => {
                self.summary.lines_quarantined += 1;
                *self
                    .summary
                    .by_stream
                    .entry(Stream::Quarantine)
                    .or_default() += 1;
                *self
                    .summary
                    .quarantined_by_reason
                    .entry(reason.clone())
                    .or_default() += 1;
                let record = match span {
                    Some(span) => {
                        self.count_span(&span);
                        quarantine_span(source_name, span, reason, intended, Utc::now())
                    }
                    None => quarantine(source_name, line, reason, intended, Utc::now()),
                };
                self.pending.push(record);
            }
            Parsed::Held => {}
            Parsed::Skipped { reason } => {
                self.summary.lines_skipped += 1;
                *self.summary.skipped_by_reason.entry(reason).or_default() += 1;
            }
        }
    }

    /// Counts the lines of a record read from several lines, or the
    /// record as one more of a line that held several (`lines` 0).
    fn count_span(&mut self, span: &Span) {
        match span.lines {
            0 => self.summary.records_sharing_a_line += 1,
            lines => self.summary.lines_joined += lines - 1,
        }
    }

    pub(crate) fn commit(&mut self) -> Result<(), IngestError> {
        if self.pending.is_empty() && self.changed.is_empty() {
            return Ok(());
        }
        let records = std::mem::take(&mut self.pending);
        let sources = std::mem::take(&mut self.changed);
        self.writer.commit(records, sources)?;
        self.summary.commits += 1;
        self.last_commit_at = Some(Utc::now().trunc_subsecs(0));
        Ok(())
    }
}

/// The summary's line for a file found changed since it was last read.
pub(crate) fn describe_change(file: &InputFile, change: &Change) -> String {
    match change {
        Change::ChangedInPlace {
            previous_offset, ..
        } => format!(
            "{}: no longer holds the {previous_offset} bytes stored of it before (truncated, \
             copy-truncated or rewritten in place): its content is read from the start as new",
            file.name
        ),
        Change::SameFirstLine { previous_key } => format!(
            "{}: starts with the same line as an input read before ({previous_key}) but differs \
             from it: read from the start as another input",
            file.name
        ),
    }
}

pub(crate) fn plural(count: u64, one: &'static str, many: &'static str) -> &'static str {
    if count == 1 { one } else { many }
}

fn quarantine(
    source_name: &str,
    line: &Line,
    reason: String,
    intended: Option<Stream>,
    now: DateTime<Utc>,
) -> PendingRecord {
    let raw = String::from_utf8_lossy(&line.bytes).into_owned();
    let place = QuarantineEvent {
        line: line.number,
        offset: line.offset,
        raw_length: line.length,
        raw_sha256: line.sha256_hex(),
        ..QuarantineEvent::default()
    };
    quarantine_record(source_name, raw, place, reason, intended, now)
}

/// The quarantine record of a record of several lines that no parser
/// accepted: it stands at the first line, and its length and hash are
/// those of the lines joined by `\n`.
fn quarantine_span(
    source_name: &str,
    span: Span,
    reason: String,
    intended: Option<Stream>,
    now: DateTime<Utc>,
) -> PendingRecord {
    let place = QuarantineEvent {
        line: span.number,
        offset: span.offset,
        raw_length: span.raw.len() as u64,
        raw_sha256: hex::encode(Sha256::digest(span.raw.as_bytes())),
        ..QuarantineEvent::default()
    };
    quarantine_record(source_name, span.raw, place, reason, intended, now)
}

/// The quarantine record of `raw` standing at `place` (its line, offset,
/// length and hash), with the reason.
fn quarantine_record(
    source_name: &str,
    raw: String,
    place: QuarantineEvent,
    reason: String,
    intended: Option<Stream>,
    now: DateTime<Utc>,
) -> PendingRecord {
    PendingRecord {
        time: now.trunc_subsecs(6),
        source: source_name.to_string(),
        raw,
        event: Event::Quarantine(QuarantineEvent {
            reason,
            intended_stream: intended.map(|stream| stream.name().to_string()),
            ..place
        }),
    }
}
