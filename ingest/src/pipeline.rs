//! `vakt ingest`: reads every input line by line, parses, enriches and
//! commits in chunks, recording after each commit how far each input was
//! read, so that an interrupted run followed by the same run again stores
//! every line exactly once.
//!
//! Every line read ends up either as a record of its stream or as a record
//! of the quarantine stream with the reason: `lines read = records stored +
//! lines quarantined` holds for every run.
//!
//! With a registry folder (`--registry`, already checked), a snapshot of it
//! is committed first when it changed (`registry.rs`), and its dataset
//! paths fill in the dataset of file accesses; without one, the newest
//! snapshot in the store does (`enrich.rs` says what that column means).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use vakt_schemas::config::Config;
use vakt_schemas::head::SourceProgress;
use vakt_schemas::registry::Registry;
use vakt_schemas::{Event, QuarantineEvent, Stream};

use crate::enrich::{enrich, fill_dataset};
use crate::lines::{Line, LineReader};
use crate::parse::{Format, LineParser, ParseContext, Parsed};
use crate::registry::{CheckedRegistry, RegistrySummary, record_snapshot};
use crate::source::{InputFile, InputProblem, expand_inputs, inspect};
use vakt_store::snapshot::newest_snapshot;
use vakt_store::{PendingRecord, ReadError, StoreWriter, WriteError};

/// The path that means standard input.
pub const STDIN: &str = "-";
/// Read buffer per input.
const READ_BUFFER: usize = 256 * 1024;
/// Lines between two progress reports.
const PROGRESS_EVERY: u64 = 16 * 1024;

/// How to read the inputs.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub format: Format,
    /// Accept only events of this stream; others go to quarantine.
    pub stream: Option<Stream>,
    /// Year of the first line of inputs whose timestamps have none.
    pub year: Option<i32>,
    /// Records buffered before a commit.
    pub commit_every: usize,
    /// Longer lines go to quarantine.
    pub max_line_bytes: usize,
    /// A registry folder to snapshot (when it changed) before the inputs
    /// are read, and whose dataset paths fill in the dataset of accesses.
    pub registry: Option<CheckedRegistry>,
}

impl IngestOptions {
    pub fn from_config(config: &Config) -> IngestOptions {
        IngestOptions {
            format: Format::Auto,
            stream: None,
            year: config.ingest.syslog_year,
            commit_every: config.ingest.commit_every.max(1),
            max_line_bytes: config.ingest.max_line_bytes.max(1),
            registry: None,
        }
    }
}

/// Where a run stands, for a progress bar.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub lines: u64,
    pub current: String,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub files_read: u64,
    pub lines_read: u64,
    pub records_stored: u64,
    pub lines_quarantined: u64,
    /// Records stored per stream (quarantine included).
    pub by_stream: BTreeMap<Stream, u64>,
    /// Lines skipped because an earlier run stored them already.
    pub lines_already_stored: u64,
    pub bytes_read: u64,
    pub commits: u64,
    /// Inputs that could not be read, with the reason.
    pub problems: Vec<String>,
    /// Inputs that had nothing new to read.
    pub notes: Vec<String>,
    /// What the registry folder given did; `None` when none was given.
    pub registry: Option<RegistrySummary>,
    /// Where the dataset of file accesses came from.
    pub datasets: DatasetFill,
    pub seconds: f64,
}

/// Which registry filled in the dataset of file accesses, and how often.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatasetFill {
    pub from: DatasetSource,
    /// The commit of the store's snapshot used, when `from` is `snapshot`.
    pub snapshot_txn: Option<u64>,
    /// Access events that got a dataset from it.
    pub filled: u64,
}

/// Where the dataset paths came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetSource {
    /// The registry folder given for this ingest.
    Folder,
    /// The newest registry snapshot in the store.
    Snapshot,
    /// No registry: datasets stay empty unless the source gave them.
    #[default]
    None,
}

impl IngestSummary {
    /// Whether the run found nothing it could read while something was wrong.
    pub fn nothing_done(&self) -> bool {
        self.files_read == 0 && self.lines_read == 0 && !self.problems.is_empty()
    }
}

/// The run had to stop.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Store(#[from] ReadError),
    #[error("configuration: {0}")]
    Config(#[from] vakt_schemas::config::ConfigError),
    #[error(
        "{path}: read failed at byte {offset}: {source}; what was read before is stored, run again to continue"
    )]
    Read {
        path: PathBuf,
        offset: u64,
        source: std::io::Error,
    },
}

/// Ingests `inputs` (files, directories, or `-` for standard input) into the store.
pub fn ingest(
    writer: &mut StoreWriter,
    config: &Config,
    inputs: &[PathBuf],
    options: &IngestOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let time_zone = config.time_zone()?;
    let mut summary = IngestSummary::default();
    let dataset_registry = match &options.registry {
        Some(registry) => {
            let recorded = record_snapshot(writer, registry)?;
            if recorded.snapshot_written {
                summary.commits += 1;
            }
            summary.registry = Some(recorded);
            summary.datasets.from = DatasetSource::Folder;
            Some(registry.registry().clone())
        }
        None => stored_registry(writer, &mut summary)?,
    };
    let mut run = Run {
        writer,
        config,
        options,
        summary,
        pending: Vec::new(),
        progress_by_source: BTreeMap::new(),
        progress: Progress::default(),
        dataset_registry,
    };
    let read_stdin = inputs.iter().any(|path| path.as_os_str() == STDIN);
    let paths: Vec<PathBuf> = inputs
        .iter()
        .filter(|path| path.as_os_str() != STDIN)
        .cloned()
        .collect();
    let (files, problems) = expand_inputs(&paths);
    run.record_problems(problems);
    let mut readable = Vec::new();
    for path in files {
        match inspect(&path) {
            Ok(file) => readable.push(file),
            Err(problem) => run.record_problems(vec![problem]),
        }
    }
    run.progress.files_total = readable.len() + usize::from(read_stdin);
    run.progress.bytes_total = readable.iter().map(|file| file.size).sum();
    for file in &readable {
        let context = ParseContext {
            time_zone,
            year: options.year,
            reference_time: file.modified,
            firewall: config.firewall.clone(),
            stream: options.stream,
        };
        run.read_file(file, context, on_progress)?;
        run.progress.files_done += 1;
        on_progress(&run.progress);
    }
    if read_stdin {
        let context = ParseContext {
            time_zone,
            year: options.year,
            reference_time: Utc::now(),
            firewall: config.firewall.clone(),
            stream: options.stream,
        };
        let stdin = std::io::stdin().lock();
        run.read_lines(STDIN, None, stdin, 0, 0, context, on_progress)?;
        run.summary.files_read += 1;
        run.progress.files_done += 1;
    }
    run.commit()?;
    let access_stored = run.summary.by_stream.contains_key(&Stream::Access);
    if access_stored && run.dataset_registry.is_none() {
        run.summary.notes.push(
            "no valid registry in the store or given with --registry: file accesses got no dataset"
                .to_string(),
        );
    }
    run.summary.seconds = started.elapsed().as_secs_f64();
    Ok(run.summary)
}

/// The registry of the newest snapshot in the store, for filling in
/// datasets when no folder was given.
fn stored_registry(
    writer: &StoreWriter,
    summary: &mut IngestSummary,
) -> Result<Option<Registry>, IngestError> {
    let Some(snapshot) = newest_snapshot(&writer.reader())? else {
        return Ok(None);
    };
    match snapshot.registry() {
        Ok(registry) => {
            summary.datasets.from = DatasetSource::Snapshot;
            summary.datasets.snapshot_txn = Some(snapshot.txn);
            Ok(Some(registry))
        }
        Err(error) => {
            summary.notes.push(format!(
                "the newest registry snapshot in the store (commit {}) does not pass today's \
                 checks, so file accesses got no dataset: {error}; ingest the registry again \
                 with --registry",
                snapshot.txn
            ));
            Ok(None)
        }
    }
}

struct Run<'a> {
    writer: &'a mut StoreWriter,
    config: &'a Config,
    options: &'a IngestOptions,
    summary: IngestSummary,
    pending: Vec<PendingRecord>,
    progress_by_source: BTreeMap<String, SourceProgress>,
    progress: Progress,
    /// The registry whose dataset paths fill in the dataset of accesses.
    dataset_registry: Option<Registry>,
}

impl Run<'_> {
    fn record_problems(&mut self, problems: Vec<InputProblem>) {
        for problem in problems {
            if problem.is_benign() {
                self.summary.notes.push(problem.to_string());
            } else {
                self.summary.problems.push(problem.to_string());
            }
        }
    }

    fn read_file(
        &mut self,
        file: &InputFile,
        context: ParseContext,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), IngestError> {
        let known = self
            .progress_by_source
            .get(&file.fingerprint)
            .or_else(|| self.writer.head().sources.get(&file.fingerprint))
            .cloned();
        let (offset, line_number) = match known {
            Some(seen) if seen.offset == file.size => {
                self.summary.lines_already_stored += seen.lines;
                self.summary.notes.push(format!(
                    "{}: already stored ({} lines)",
                    file.path.display(),
                    seen.lines
                ));
                self.progress.bytes_done += file.size;
                return Ok(());
            }
            Some(seen) if seen.offset < file.size => {
                self.summary.lines_already_stored += seen.lines;
                (seen.offset, seen.lines)
            }
            Some(_) => {
                self.summary.notes.push(format!(
                    "{}: shorter than when last read, so it was truncated or replaced: reading it from the start",
                    file.path.display()
                ));
                (0, 0)
            }
            None => (0, 0),
        };
        self.progress.bytes_done += offset;
        let read_error = |source| IngestError::Read {
            path: file.path.clone(),
            offset,
            source,
        };
        let mut handle = File::open(&file.path).map_err(read_error)?;
        handle.seek(SeekFrom::Start(offset)).map_err(read_error)?;
        let reader = BufReader::with_capacity(READ_BUFFER, handle);
        let source_name = file.path.display().to_string();
        self.summary.files_read += 1;
        self.progress.current = source_name.clone();
        self.read_lines(
            &source_name,
            Some(&file.fingerprint),
            reader,
            offset,
            line_number,
            context,
            on_progress,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn read_lines(
        &mut self,
        source_name: &str,
        fingerprint: Option<&str>,
        reader: impl BufRead,
        offset: u64,
        line_number: u64,
        context: ParseContext,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), IngestError> {
        let mut parser = LineParser::new(context, self.options.format);
        let mut lines = LineReader::new(reader, self.options.max_line_bytes, offset, line_number);
        let mut last_end = offset;
        loop {
            let line = lines.next_line().map_err(|source| IngestError::Read {
                path: PathBuf::from(source_name),
                offset: last_end,
                source,
            })?;
            let Some(line) = line else { break };
            self.summary.bytes_read += line.end - last_end;
            self.progress.bytes_done += line.end - last_end;
            last_end = line.end;
            self.take_line(source_name, &mut parser, &line);
            if let Some(fingerprint) = fingerprint {
                self.progress_by_source.insert(
                    fingerprint.to_string(),
                    SourceProgress {
                        path: source_name.to_string(),
                        offset: line.end,
                        lines: line.number,
                        updated: Utc::now().trunc_subsecs(0),
                    },
                );
            }
            self.progress.lines += 1;
            if self.progress.lines.is_multiple_of(PROGRESS_EVERY) {
                on_progress(&self.progress);
            }
            if self.pending.len() >= self.options.commit_every {
                self.commit()?;
            }
        }
        Ok(())
    }

    /// Turns one line into a pending record of its stream or of the quarantine.
    fn take_line(&mut self, source_name: &str, parser: &mut LineParser, line: &Line) {
        self.summary.lines_read += 1;
        let text = match std::str::from_utf8(&line.bytes) {
            _ if line.is_truncated() => Err(format!(
                "line of {} bytes is longer than the limit of {} bytes (ingest.max_line_bytes)",
                line.length, self.options.max_line_bytes
            )),
            Err(error) => Err(format!(
                "invalid utf-8 at byte {} of the line",
                error.valid_up_to()
            )),
            Ok(text) if text.trim().is_empty() => Err("blank line".to_string()),
            Ok(text) => Ok(text),
        };
        let outcome = match text {
            Ok(text) => parser.parse(text),
            Err(reason) => Parsed::Rejected {
                reason,
                intended: None,
            },
        };
        match outcome {
            Parsed::Event { time, mut event } => {
                enrich(self.config, &mut event);
                if let Some(registry) = &self.dataset_registry
                    && fill_dataset(registry, &mut event)
                {
                    self.summary.datasets.filled += 1;
                }
                self.summary.records_stored += 1;
                *self.summary.by_stream.entry(event.stream()).or_default() += 1;
                self.pending.push(PendingRecord {
                    time,
                    source: source_name.to_string(),
                    raw: String::from_utf8_lossy(&line.bytes).into_owned(),
                    event,
                });
            }
            Parsed::Rejected { reason, intended } => {
                self.summary.lines_quarantined += 1;
                *self
                    .summary
                    .by_stream
                    .entry(Stream::Quarantine)
                    .or_default() += 1;
                self.pending
                    .push(quarantine(source_name, line, reason, intended, Utc::now()));
            }
        }
    }

    fn commit(&mut self) -> Result<(), IngestError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let records = std::mem::take(&mut self.pending);
        let sources = std::mem::take(&mut self.progress_by_source);
        self.writer.commit(records, sources)?;
        self.summary.commits += 1;
        Ok(())
    }
}

fn quarantine(
    source_name: &str,
    line: &Line,
    reason: String,
    intended: Option<Stream>,
    now: DateTime<Utc>,
) -> PendingRecord {
    PendingRecord {
        time: now.trunc_subsecs(6),
        source: source_name.to_string(),
        raw: String::from_utf8_lossy(&line.bytes).into_owned(),
        event: Event::Quarantine(QuarantineEvent {
            line: line.number,
            offset: line.offset,
            reason,
            raw_length: line.length,
            raw_sha256: line.sha256_hex(),
            intended_stream: intended.map(|stream| stream.name().to_string()),
        }),
    }
}
