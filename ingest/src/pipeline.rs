//! `vakt ingest`: reads every input line by line, parses, enriches and
//! commits in chunks, recording after each commit how far each input's
//! content was read (`source::identity`), so that an interrupted run
//! followed by the same run again, a rotated or compressed copy of a file,
//! or the same bytes on standard input store every line exactly once.
//!
//! Every line read ends up as a record of its stream, a record of the
//! quarantine stream with the reason, pending (a last line whose newline
//! has not been written yet: it is read once it ends), or skipped with its
//! whole file (a file in which no line is of a format vakt reads):
//! `lines read = stored + quarantined + pending + skipped` holds for every
//! run.
//!
//! With a registry folder (`--registry`, already checked), a snapshot of it
//! is committed first when it changed (`registry.rs`), and its dataset
//! paths fill in the dataset of file accesses; without one, the newest
//! snapshot in the store does (`enrich.rs` says what that column means).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use serde::Serialize;
use vakt_schemas::Stream;
use vakt_schemas::config::{Config, LineSettings};
use vakt_schemas::registry::Registry;

use crate::batch::{Batch, Recognition, describe_change, plural};
use crate::parse::{Format, LineParser, ParseContext};
use crate::registry::{CheckedRegistry, RegistrySummary, record_snapshot};
use crate::source::{
    InputFile, InputKind, LineReader, Resume, expand_inputs, inspect, resume, spool_stdin,
};
use vakt_store::snapshot::newest_snapshot;
use vakt_store::{ReadError, StoreWriter, WriteError};

/// The path that means standard input.
pub const STDIN: &str = "-";
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
    /// The `source` of standard input's records (`-` when not given).
    pub stdin_name: Option<String>,
    /// Nothing is written to the files any more: a last line without a
    /// newline is a whole line, not pending.
    pub finished: bool,
    /// Programs to take or skip, user names, the host of lines naming
    /// none, Samba's audit prefix.
    pub settings: LineSettings,
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
            stdin_name: None,
            finished: false,
            settings: config.ingest.line_settings(),
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
    /// Last lines without their newline yet (one at most per input): read
    /// once they end.
    pub lines_pending: u64,
    /// Bytes of those lines.
    pub bytes_pending: u64,
    /// Lines not stored: those of files skipped whole because no line of
    /// theirs is of a format vakt reads, those of programs the settings
    /// leave out, and format header lines.
    pub lines_skipped: u64,
    /// Lines skipped one by one (not with their whole file), per reason.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Lines stored as part of a record read from several lines (auditd's
    /// records of one event, a Samba log header and its message, a journald
    /// export entry), besides the one line each such record counts as.
    pub lines_joined: u64,
    /// Records read from a line that held several (an Event Viewer XML
    /// export on one line), besides the first of each such line.
    pub records_sharing_a_line: u64,
    pub files_skipped: u64,
    /// Syslog messages received by `vakt run` (counted in `lines_read`).
    pub messages_received: u64,
    /// UDP datagrams dropped because the receive queue was full.
    pub messages_dropped: u64,
    /// Records stored per stream (quarantine included).
    pub by_stream: BTreeMap<Stream, u64>,
    /// Lines quarantined, per reason.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Lines not read again because an earlier run (or an earlier input of
    /// this run with the same content) stored them already.
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

    /// Whether every line read is accounted for: `lines read + records
    /// sharing a line = stored + quarantined + pending + skipped + joined`.
    pub fn balanced(&self) -> bool {
        self.lines_read + self.records_sharing_a_line
            == self.records_stored
                + self.lines_quarantined
                + self.lines_pending
                + self.lines_skipped
                + self.lines_joined
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

impl IngestError {
    pub(crate) fn read(
        input: &InputFile,
        offset: u64,
    ) -> impl FnOnce(std::io::Error) -> IngestError {
        let path = PathBuf::from(&input.name);
        move |source| IngestError::Read {
            path,
            offset,
            source,
        }
    }
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
        batch: Batch::new(
            writer,
            config,
            options.max_line_bytes,
            summary,
            dataset_registry,
        ),
        options,
        progress: Progress::default(),
    };
    let read_stdin = inputs.iter().any(|path| path.as_os_str() == STDIN);
    let paths: Vec<PathBuf> = inputs
        .iter()
        .filter(|path| path.as_os_str() != STDIN)
        .cloned()
        .collect();
    let (files, problems) = expand_inputs(&paths);
    run.batch.record_problems(problems);
    let mut readable = Vec::new();
    for path in files {
        match inspect(&path) {
            Ok(mut file) => {
                file.finished |= options.finished;
                readable.push(file);
            }
            Err(problem) => run.batch.record_problems(vec![problem]),
        }
    }
    // Standard input is kept in a temporary file (removed when
    // `stdin_spool` is dropped) and then read as a finished file.
    let mut stdin_spool = None;
    if read_stdin {
        let name = options.stdin_name.as_deref().unwrap_or(STDIN);
        match spool_stdin(name) {
            Ok((input, path)) => {
                readable.push(input);
                stdin_spool = Some(path);
            }
            Err(problem) => run.batch.record_problems(vec![problem]),
        }
    }
    run.progress.files_total = readable.len();
    run.progress.bytes_total = readable.iter().map(|file| file.size).sum();
    for file in &readable {
        let context = ParseContext {
            time_zone,
            year: options.year,
            reference_time: file.modified,
            firewall: config.firewall.clone(),
            stream: options.stream,
            settings: options.settings.clone(),
            default_host: host_of_file(&file.name),
        };
        run.read_input(file, context, on_progress)?;
        run.progress.files_done += 1;
        on_progress(&run.progress);
    }
    run.batch.commit()?;
    drop(stdin_spool);
    let access_stored = run.batch.summary.by_stream.contains_key(&Stream::Access);
    if access_stored && run.batch.dataset_registry.is_none() {
        run.batch.summary.notes.push(
            "no valid registry in the store or given with --registry: file accesses got no dataset"
                .to_string(),
        );
    }
    run.batch.summary.seconds = started.elapsed().as_secs_f64();
    Ok(run.batch.summary)
}

/// The registry of the newest snapshot in the store, for filling in
/// datasets when no folder was given.
pub(crate) fn stored_registry(
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
    batch: Batch<'a>,
    options: &'a IngestOptions,
    progress: Progress,
}

impl Run<'_> {
    /// Reads what is new of one input: from where its content was stored
    /// to, or from its start when it is new content.
    fn read_input(
        &mut self,
        file: &InputFile,
        context: ParseContext,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), IngestError> {
        if file.kind == InputKind::Evtx {
            let read = self.batch.take_evtx(file, &context)?;
            self.batch.summary.files_read += u64::from(read.records > 0);
            self.batch.summary.lines_already_stored += read.already_stored;
            self.progress.bytes_done += file.size;
            return Ok(());
        }
        let Some(resume) = resume(file, &self.batch.known).map_err(IngestError::read(file, 0))?
        else {
            // Its content is empty now (a compressed file of nothing).
            self.batch
                .summary
                .notes
                .push(format!("{}: empty, nothing to read", file.name));
            return Ok(());
        };
        if let Some(change) = &resume.change {
            self.batch.summary.notes.push(describe_change(file, change));
        }
        if resume.offset == 0
            && self.options.format == Format::Auto
            && let Recognition::Unrecognised {
                lines,
                first_reason,
            } = self.batch.recognise(file, &context, self.options.format)?
        {
            self.batch.summary.files_skipped += 1;
            self.batch.summary.lines_skipped += lines;
            self.batch.summary.lines_read += lines;
            self.progress.bytes_done += file.size;
            self.batch.summary.notes.push(format!(
                "{}: skipped: none of its {lines} {} is of a format vakt reads (the first: {first_reason}); \
                 --format FORMAT reads it as that format",
                file.name,
                plural(lines, "line", "lines"),
            ));
            return Ok(());
        }
        self.batch.summary.lines_already_stored += resume.lines;
        self.batch.summary.files_read += 1;
        self.progress.current = file.name.clone();
        self.read_lines(file, resume, context, on_progress)
    }

    /// Reads `file`'s lines from where `resume` stands to its end.
    fn read_lines(
        &mut self,
        file: &InputFile,
        resume: Resume,
        context: ParseContext,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> Result<(), IngestError> {
        let Resume {
            key,
            offset,
            lines: stored_lines,
            prefix,
            content,
            ..
        } = resume;
        let mut parser = LineParser::new(context, self.options.format);
        let mut lines = LineReader::new(
            content,
            self.options.max_line_bytes,
            offset,
            stored_lines,
            prefix,
        );
        // Progress in compressed bytes is not known line by line: the
        // file counts as done at its end.
        let plain = file.compression == crate::source::Compression::Plain;
        if plain {
            self.progress.bytes_done += offset.min(file.size);
        }
        let mut last_end = offset;
        let mut noted_offset = offset;
        loop {
            let line = lines
                .next_line_or_last(file.finished)
                .map_err(IngestError::read(file, lines.offset()))?;
            let Some(line) = line else { break };
            self.batch.summary.bytes_read += line.end - last_end;
            if plain {
                self.progress.bytes_done += line.end - last_end;
            }
            last_end = line.end;
            self.batch.take_line(&file.name, &mut parser, &line);
            self.progress.lines += 1;
            if self.progress.lines.is_multiple_of(PROGRESS_EVERY) {
                on_progress(&self.progress);
            }
            if self.batch.pending_records() >= self.options.commit_every {
                // Records of several lines end here rather than be held
                // across a commit (a rare event split in two: nothing lost).
                self.batch.finish_input(&file.name, &mut parser);
                self.batch.note_progress(&key, file, &lines);
                noted_offset = lines.offset();
                self.batch.commit()?;
            }
        }
        self.batch.finish_input(&file.name, &mut parser);
        if let Some(note) = parser
            .year_less_span()
            .and_then(|span| crate::year_warning::year_warning(&file.name, file.modified, span))
        {
            self.batch.summary.notes.push(note);
        }
        if !plain {
            self.progress.bytes_done += file.size;
        }
        let pending = lines.pending_bytes();
        if pending > 0 {
            self.batch.summary.lines_pending += 1;
            self.batch.summary.lines_read += 1;
            self.batch.summary.bytes_pending += pending;
            self.batch.summary.notes.push(format!(
                "{}: its last line has no newline yet ({pending} {}): it is read once it ends \
                 (--finished reads it now if nothing is written to the file any more)",
                file.name,
                plural(pending, "byte", "bytes"),
            ));
        }
        if lines.offset() == offset {
            if offset > 0 && pending == 0 {
                self.batch.summary.notes.push(format!(
                    "{}: already stored ({stored_lines} {})",
                    file.name,
                    plural(stored_lines, "line", "lines"),
                ));
            }
            return Ok(());
        }
        if lines.offset() > noted_offset {
            self.batch.note_progress(&key, file, &lines);
        }
        Ok(())
    }
}

/// The host of lines that name none when no `host` is set: the input's
/// file name without its directory and its rotation and compression
/// suffixes (`/srv/logs/print1/page_log.2.gz` is `page_log`).
pub(crate) fn host_of_file(name: &str) -> String {
    let file_name = std::path::Path::new(name).file_name().map_or_else(
        || name.to_string(),
        |file| file.to_string_lossy().into_owned(),
    );
    let mut host = file_name.as_str();
    for suffix in [".gz", ".xz", ".bz2", ".zst"] {
        host = host.strip_suffix(suffix).unwrap_or(host);
    }
    while let Some((stem, number)) = host.rsplit_once('.')
        && !number.is_empty()
        && number.bytes().all(|byte| byte.is_ascii_digit())
    {
        host = stem;
    }
    host.to_string()
}
