//! `vakt run`'s reading: the configured sources followed as they grow and
//! rotate, committed on a size or time threshold.
//!
//! Each look (every `poll_interval`) lists the files each source's path
//! pattern matches. A file is known by its device and inode while it is
//! open, so a rename (`auth.log` to `auth.log.1`) keeps reading the same
//! open file. A file not open yet is matched against the stored contents
//! (`source::identity`), so a rotated or compressed copy of content already
//! stored adds only what is new, and a file that shrank or no longer starts
//! as it did (copy-truncate, rewritten in place) is read from its start as
//! new content. A file no longer matched by its source's pattern is read
//! until it has not grown for `rotated_grace`, then closed; its last line
//! without a newline is then read as a line. Lines still being written are
//! never read half: they wait for their newline.
//!
//! The progress of every open file is committed with its records, so a run
//! killed at any moment and started again stores every line exactly once.
//!
//! Syslog messages from the `[[listen]]` addresses (`crate::receiver`) are
//! read into records between looks, as they arrive (`received`).

mod received;
mod run;
mod status;

pub use self::run::{Between, Flow, follow};

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vakt_schemas::Stream;
use vakt_schemas::config::{Config, RunConfig, SourceConfig};

use crate::batch::{Batch, Recognition, describe_change, plural};
use crate::parse::{Format, LineParser, ParseContext};
use crate::pipeline::{IngestError, IngestSummary};
use crate::receiver::Listener;
use crate::source::{InputFile, InputKind, LineReader, inspect, resume};

use self::received::ListenerState;

/// How `vakt run` times its looks and commits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowOptions {
    pub poll_interval: Duration,
    pub commit_interval: Duration,
    pub commit_records: usize,
    pub rotated_grace: Duration,
    pub max_line_bytes: usize,
}

impl FollowOptions {
    pub fn from_config(config: &Config) -> FollowOptions {
        let run: &RunConfig = &config.run;
        FollowOptions {
            poll_interval: Duration::from_millis(run.poll_interval_ms.max(10)),
            commit_interval: Duration::from_millis(run.commit_interval_ms),
            commit_records: run.commit_records.max(1),
            rotated_grace: Duration::from_secs(run.rotated_grace_seconds),
            max_line_bytes: config.ingest.max_line_bytes.max(1),
        }
    }
}

/// A `[[source]]` that cannot be followed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("[[source]] `{name}`: {detail}")]
    Invalid { name: String, detail: String },
    #[error(
        "no [[source]] and no [[listen]] in the configuration: nothing to follow or receive; \
         add a [[source]] per log, e.g. name = \"auth\", path = \"/var/log/auth.log*\", or a \
         [[listen]] address for syslog"
    )]
    None,
}

/// A configured source, checked.
#[derive(Clone, Debug)]
pub struct FollowedSource {
    pub name: String,
    pub pattern: String,
    pub format: Format,
    pub stream: Option<Stream>,
    /// The source's line settings (over `[ingest]`'s when read).
    pub settings: vakt_schemas::config::LineSettings,
}

impl FollowedSource {
    /// The sources of `config`, each checked (format name, pattern).
    pub fn from_config(config: &Config) -> Result<Vec<FollowedSource>, SourceError> {
        if config.sources.is_empty() && config.listeners.is_empty() {
            return Err(SourceError::None);
        }
        config.sources.iter().map(FollowedSource::checked).collect()
    }

    fn checked(source: &SourceConfig) -> Result<FollowedSource, SourceError> {
        let invalid = |detail: String| SourceError::Invalid {
            name: source.name.clone(),
            detail,
        };
        let format = source
            .format
            .parse::<Format>()
            .map_err(|error| invalid(error.to_string()))?;
        glob::Pattern::new(&source.path)
            .map_err(|error| invalid(format!("path `{}`: {error}", source.path)))?;
        if !Path::new(&source.path).is_absolute() {
            return Err(invalid(format!(
                "path `{}` is relative: give the absolute path, as `vakt run` may start in any folder",
                source.path
            )));
        }
        Ok(FollowedSource {
            name: source.name.clone(),
            pattern: source.path.clone(),
            format,
            stream: source.stream,
            settings: source.line_settings(&Default::default()),
        })
    }

    /// The regular files the pattern matches now, sorted.
    fn files(&self) -> Vec<PathBuf> {
        let Ok(paths) = glob::glob(&self.pattern) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = paths.flatten().filter(|path| path.is_file()).collect();
        files.sort();
        files
    }
}

/// Device and inode: a file while it is open.
type FileId = (u64, u64);

/// A file's size and modification time, to tell whether it changed.
type Settled = (u64, Option<std::time::SystemTime>);

fn settled_state(metadata: &fs::Metadata) -> Settled {
    (metadata.len(), metadata.modified().ok())
}

/// A file being followed.
struct OpenFile {
    /// Its source's index.
    source: usize,
    input: InputFile,
    key: String,
    lines: LineReader<Box<dyn BufRead + Send>>,
    parser: LineParser,
    /// The offset whose progress was last handed to the batch.
    noted_offset: u64,
    /// When the file was last seen growing (or first seen unmatched).
    last_growth: Instant,
    /// Its size at the last look.
    last_size: u64,
    /// Since when no path of its source's pattern leads to it.
    unmatched_since: Option<Instant>,
}

/// Follows sources into a store until told to stop.
pub struct Follower<'a> {
    batch: Batch<'a>,
    sources: Vec<FollowedSource>,
    options: FollowOptions,
    context: ParseContext,
    open: BTreeMap<FileId, OpenFile>,
    /// Files not to open again while their size stays what it was then:
    /// those skipped as of no known format, and compressed files read
    /// whole (a rotated file compressed is not read twice, but decompressing
    /// it at every look to find that out would cost a pass each time).
    settled: BTreeMap<FileId, Settled>,
    /// Problems already reported, so that a file is not reported at every look.
    reported: BTreeSet<String>,
    /// The `[[listen]]` addresses' parsers, by listener index.
    listeners: Vec<ListenerState>,
    last_commit: Instant,
    /// When the oldest record not committed yet was read.
    oldest_uncommitted: Option<Instant>,
}

impl<'a> Follower<'a> {
    pub fn new(
        writer: &'a mut vakt_store::StoreWriter,
        config: &'a Config,
        sources: Vec<FollowedSource>,
        listeners: &[Listener],
        options: FollowOptions,
        now: Instant,
    ) -> Result<Follower<'a>, IngestError> {
        let time_zone = config.time_zone()?;
        let mut summary = IngestSummary::default();
        let dataset_registry = crate::pipeline::stored_registry(writer, &mut summary)?;
        let context = ParseContext {
            time_zone,
            year: config.ingest.syslog_year,
            reference_time: chrono::Utc::now(),
            firewall: config.firewall.clone(),
            stream: None,
            settings: config.ingest.line_settings(),
            default_host: String::new(),
        };
        let listeners = listeners
            .iter()
            .map(|listener| ListenerState::new(listener, &context))
            .collect();
        Ok(Follower {
            batch: Batch::new(
                writer,
                config,
                options.max_line_bytes,
                summary,
                dataset_registry,
            ),
            sources,
            options,
            context,
            open: BTreeMap::new(),
            settled: BTreeMap::new(),
            reported: BTreeSet::new(),
            listeners,
            last_commit: now,
            oldest_uncommitted: None,
        })
    }

    /// What has been done so far.
    pub fn summary(&self) -> &IngestSummary {
        &self.batch.summary
    }

    /// A note or problem (prefixed `problem: `) for the run's log.
    pub fn report(&mut self, message: String) {
        match message.strip_prefix("problem: ") {
            Some(problem) => self.batch.summary.problems.push(problem.to_string()),
            None => {
                let note = message.strip_prefix("note: ").unwrap_or(&message);
                self.batch.summary.notes.push(note.to_string());
            }
        }
    }

    /// The store writer, to read what it committed (its head) or write its
    /// status.
    pub fn writer(&mut self) -> &mut vakt_store::StoreWriter {
        self.batch.writer
    }

    /// The store writer after committing everything read, for work that
    /// commits on its own (a prune).
    pub fn committed_writer(
        &mut self,
        now: Instant,
    ) -> Result<&mut vakt_store::StoreWriter, IngestError> {
        self.commit(now)?;
        Ok(self.batch.writer)
    }

    /// Notes and problems since the last call, for the log.
    pub fn take_messages(&mut self) -> Vec<String> {
        let summary = &mut self.batch.summary;
        let mut messages: Vec<String> = summary
            .problems
            .drain(..)
            .map(|problem| format!("problem: {problem}"))
            .collect();
        messages.extend(summary.notes.drain(..).map(|note| format!("note: {note}")));
        messages
    }

    /// One look at every source: files opened, closed, and read to their
    /// current end.
    pub fn poll(&mut self, now: Instant) -> Result<(), IngestError> {
        let mut seen = BTreeSet::new();
        for index in 0..self.sources.len() {
            for path in self.sources[index].files() {
                let Ok(metadata) = fs::metadata(&path) else {
                    continue;
                };
                let id = file_id(&metadata);
                seen.insert(id);
                if let Some(open) = self.open.get_mut(&id) {
                    open.unmatched_since = None;
                    let read_to = open.lines.offset() + open.lines.pending_bytes();
                    if open.input.compression == crate::source::Compression::Plain
                        && metadata.len() < read_to
                    {
                        // Shrunk under us: truncated in place. What was
                        // read of it is noted; the rest is new content.
                        self.close(id, false);
                    } else {
                        continue;
                    }
                }
                if self.settled.get(&id) == Some(&settled_state(&metadata)) {
                    continue;
                }
                self.open_file(index, &path, id, now)?;
            }
        }
        let ids: Vec<FileId> = self.open.keys().copied().collect();
        for id in ids {
            self.read_open(id, now)?;
            let Some(open) = self.open.get_mut(&id) else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            let since = *open.unmatched_since.get_or_insert(now);
            let quiet = now.duration_since(open.last_growth.max(since));
            if quiet >= self.options.rotated_grace {
                self.close(id, true);
            }
        }
        self.note_waiting(now);
        Ok(())
    }

    /// Commits when records have waited `commit_interval` or
    /// `commit_records` of them wait; whether it committed.
    pub fn commit_if_due(&mut self, now: Instant) -> Result<bool, IngestError> {
        if self.batch.is_empty() && !self.has_unnoted_progress() {
            self.last_commit = now;
            return Ok(false);
        }
        let due = self.batch.pending_records() >= self.options.commit_records
            || now.duration_since(self.last_commit) >= self.options.commit_interval;
        if !due {
            return Ok(false);
        }
        self.commit(now)?;
        Ok(true)
    }

    /// Commits everything read, with every open file's progress.
    pub fn commit(&mut self, now: Instant) -> Result<(), IngestError> {
        self.note_all();
        self.batch.commit()?;
        self.last_commit = now;
        self.oldest_uncommitted = None;
        Ok(())
    }

    /// Notes when records started waiting for a commit, for the lag.
    fn note_waiting(&mut self, now: Instant) {
        if self.batch.pending_records() > 0 && self.oldest_uncommitted.is_none() {
            self.oldest_uncommitted = Some(now);
        }
    }

    fn has_unnoted_progress(&self) -> bool {
        self.open
            .values()
            .any(|open| open.lines.offset() > open.noted_offset)
    }

    /// Hands every open file's progress to the batch.
    fn note_all(&mut self) {
        for open in self.open.values_mut() {
            if open.lines.offset() > open.noted_offset {
                self.batch
                    .note_progress(&open.key, &open.input, &open.lines);
                open.noted_offset = open.lines.offset();
            }
        }
    }

    fn open_file(
        &mut self,
        source: usize,
        path: &Path,
        id: FileId,
        now: Instant,
    ) -> Result<(), IngestError> {
        let input = match inspect(path) {
            Ok(input) => input,
            Err(problem) => {
                if !problem.is_benign() && self.reported.insert(problem.to_string()) {
                    self.batch.summary.problems.push(problem.to_string());
                }
                return Ok(());
            }
        };
        // What open files have read must be known before another file is
        // matched against it: a copy of their content is not new.
        self.note_all();
        if input.kind == InputKind::Evtx {
            // Read whole each time it changes: its log's progress says
            // which records are new.
            let followed = &self.sources[source];
            let mut context = self.context.clone();
            context.stream = followed.stream;
            context.settings = followed.settings.over(&context.settings);
            context.default_host = crate::pipeline::host_of_file(&input.name);
            let read = self.batch.take_evtx(&input, &context)?;
            self.batch.summary.files_read += u64::from(read.records > 0);
            if let Ok(metadata) = fs::metadata(path) {
                self.settled.insert(id, settled_state(&metadata));
            }
            return Ok(());
        }
        let Some(resume) =
            resume(&input, &self.batch.known).map_err(IngestError::read(&input, 0))?
        else {
            return Ok(());
        };
        if let Some(change) = &resume.change {
            self.batch
                .summary
                .notes
                .push(describe_change(&input, change));
        }
        let followed = &self.sources[source];
        let mut context = self.context.clone();
        context.stream = followed.stream;
        context.reference_time = input.modified;
        context.settings = followed.settings.over(&context.settings);
        context.default_host = crate::pipeline::host_of_file(&input.name);
        if resume.offset == 0
            && followed.format == Format::Auto
            && let Recognition::Unrecognised {
                lines,
                first_reason,
            } = self.batch.recognise(&input, &context, followed.format)?
        {
            if let Ok(metadata) = fs::metadata(path) {
                self.settled.insert(id, settled_state(&metadata));
            }
            self.batch.summary.notes.push(format!(
                "{}: skipped for now: none of its {lines} {} is of a format vakt reads (the \
                 first: {first_reason}); set `format` of source `{}` to read it as that format",
                input.name,
                plural(lines, "line", "lines"),
                followed.name,
            ));
            return Ok(());
        }
        self.settled.remove(&id);
        self.batch.summary.lines_already_stored += resume.lines;
        self.batch.summary.files_read += 1;
        let parser = LineParser::new(context, followed.format);
        let lines = LineReader::new(
            resume.content,
            self.options.max_line_bytes,
            resume.offset,
            resume.lines,
            resume.prefix,
        );
        self.open.insert(
            id,
            OpenFile {
                source,
                last_size: input.size,
                input,
                key: resume.key,
                noted_offset: resume.offset,
                lines,
                parser,
                last_growth: now,
                unmatched_since: None,
            },
        );
        Ok(())
    }

    /// Reads an open file to its current end.
    fn read_open(&mut self, id: FileId, now: Instant) -> Result<(), IngestError> {
        let Some(open) = self.open.get_mut(&id) else {
            return Ok(());
        };
        loop {
            let line = open
                .lines
                .next_line()
                .map_err(IngestError::read(&open.input, open.lines.offset()))?;
            let Some(line) = line else { break };
            self.batch.summary.bytes_read += line.end - line.offset;
            self.batch
                .take_line(&open.input.name, &mut open.parser, &line);
            if self.batch.pending_records() >= self.options.commit_records {
                self.batch.finish_input(&open.input.name, &mut open.parser);
                // Progress noted at the commit, by `note_all`.
                let key = open.key.clone();
                self.batch.note_progress(&key, &open.input, &open.lines);
                open.noted_offset = open.lines.offset();
                self.batch.commit()?;
                self.last_commit = now;
            }
        }
        // What is held ends with what the file holds now.
        self.batch.finish_input(&open.input.name, &mut open.parser);
        if let Ok(metadata) = fs::metadata(&open.input.path)
            && metadata.len() != open.last_size
        {
            open.last_size = metadata.len();
            open.last_growth = now;
        }
        // A compressed file is whole: read, it is done.
        if open.input.finished {
            let state = fs::metadata(&open.input.path).map(|metadata| settled_state(&metadata));
            self.close(id, true);
            if let Ok(state) = state {
                self.settled.insert(id, state);
            }
        }
        Ok(())
    }

    /// Stops following a file: its progress noted, and its last line
    /// without a newline read as a line when `finished`.
    fn close(&mut self, id: FileId, finished: bool) {
        let Some(mut open) = self.open.remove(&id) else {
            return;
        };
        if finished && let Some(line) = open.lines.finish() {
            self.batch
                .take_line(&open.input.name, &mut open.parser, &line);
        }
        self.batch.finish_input(&open.input.name, &mut open.parser);
        if open.lines.offset() > open.noted_offset {
            self.batch
                .note_progress(&open.key, &open.input, &open.lines);
        }
    }

    /// Lines waiting for their newline, and their bytes, over the open files.
    pub fn pending_lines(&self) -> (u64, u64) {
        self.open
            .values()
            .filter(|open| open.lines.pending_bytes() > 0)
            .fold((0, 0), |(lines, bytes), open| {
                (lines + 1, bytes + open.lines.pending_bytes())
            })
    }

    /// Commits what was read and returns what the run did.
    pub fn finish(mut self, now: Instant) -> Result<IngestSummary, IngestError> {
        self.commit(now)?;
        let (lines, bytes) = self.pending_lines();
        let mut summary = self.batch.summary;
        summary.lines_pending = lines;
        summary.bytes_pending = bytes;
        summary.lines_read += lines;
        Ok(summary)
    }
}

#[cfg(unix)]
fn file_id(metadata: &fs::Metadata) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn file_id(metadata: &fs::Metadata) -> FileId {
    (0, metadata.len())
}
