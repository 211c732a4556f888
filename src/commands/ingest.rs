//! `vakt ingest`

use std::path::PathBuf;

use clap::Args;
use indicatif::ProgressBar;
use vakt_ingest::parse::Format;
use vakt_ingest::pipeline::DatasetSource;
use vakt_ingest::{IngestOptions, IngestSummary, Progress, RegistryFolder, ingest};
use vakt_schemas::Stream;
use vakt_store::StoreWriter;

use crate::Outcome;
use crate::settings::{GlobalArgs, OutputFormat};

/// Read log files into the store.
///
/// Each PATH is a file, a directory (every file below it) or `-` for
/// standard input. Compressed files (gzip, xz, bzip2, zstd, as logrotate
/// leaves them: auth.log.2.gz) are read decompressed. The format of each
/// line is recognised from its content unless --format says it: syslog
/// from sshd, sudo, su, systemd-logind, login, pam_unix, the kernel's
/// netfilter LOG lines, filterlog and Samba; journald JSON and export;
/// audit.log; Samba's log.smbd; CUPS page_log; Proxmox pve-firewall.log;
/// Windows pfirewall.log; Windows events as .evtx files or as XML or JSON
/// exports; JSON Lines of vakt's tables (ingest/FORMATS.md says what each
/// becomes). Lines no parser accepts are kept in
/// the quarantine stream with the reason; a file none of whose lines is of
/// a format vakt reads (dpkg.log, apt's logs) is skipped whole, with one
/// line saying so.
///
/// Nothing is stored twice: the progress of each file's content is
/// committed with its records and recognised by the hash of what was
/// stored of it, whatever the file is called now, so the same ingest run
/// again, a rotated file (auth.log.1, auth.log.2.gz) or the same bytes on
/// standard input store only what is new. A last line without its newline
/// (still being written) is left pending until it ends, unless --finished.
/// A file truncated or rewritten in place is read from its start, and the
/// summary says so.
///
/// The summary accounts for every line read: lines read = stored +
/// quarantined + pending + skipped + joined (lines stored as part of a
/// record read from several, such as auditd's records of one event). `--output json` prints it as one
/// object (fields in the README, "Ingest summary").
///
/// With --registry DIR, the registry folder is checked first (as `vakt
/// registry check DIR` does); with any problem nothing at all is stored,
/// not the logs either. When it is valid and differs from the newest
/// registry snapshot in the store, a new snapshot of it is stored. Its
/// dataset paths (else those of the newest snapshot in the store) fill in
/// the dataset of file accesses, as the registry stands at ingest time.
///
/// Exit 0 when anything could be read, 1 when nothing could, 2 when the
/// store could not be opened or the registry has a problem.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files, directories, or `-` for standard input.
    #[arg(required_unless_present = "registry", value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The registry folder (datasets.toml, people.toml, authorizations.toml,
    /// deletions.toml): stored as a snapshot when it changed.
    #[arg(long, value_name = "DIR")]
    registry: Option<PathBuf>,
    /// Accept only events of this stream; other lines go to quarantine.
    #[arg(long)]
    stream: Option<Stream>,
    /// The lines' format: auto, sshd, auth, netfilter (iptables, nftables),
    /// filterlog, pve-firewall, pfirewall, samba, samba-log, auditd, cups,
    /// journald, windows, evtx or jsonl.
    /// `--format json` is accepted as a shorthand for `--output json`, as for
    /// vakt's other commands.
    #[arg(long = "format", default_value = "auto", value_name = "FORMAT", value_parser = parse_format_arg)]
    input_format: FormatArg,
    /// Year of the first line of syslog files without years (RFC 3164)
    /// [default: inferred from each file's modification time].
    #[arg(long)]
    year: Option<i32>,
    /// The name standard input's records carry as their `source` [default: -].
    #[arg(long = "source", value_name = "NAME")]
    source_name: Option<String>,
    /// Nothing is written to the files any more: a last line without a
    /// newline is read as a line instead of waiting for its newline.
    /// (Compressed files and standard input are always finished.)
    #[arg(long)]
    finished: bool,
    /// The host of lines that name none (CUPS page_log, pve-firewall.log,
    /// pfirewall.log, log.smbd) [default: ingest.host, else the file's name].
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// Take syslog lines of this program only (repeat for more) [default:
    /// ingest.programs, else all]. Others are counted as skipped.
    #[arg(long = "program", value_name = "NAME")]
    programs: Vec<String>,
    /// Skip syslog lines of this program (repeat for more) [default:
    /// ingest.skip_programs]; counted as skipped, not stored.
    #[arg(long = "skip-program", value_name = "NAME")]
    skip_programs: Vec<String>,
    /// Store user names without their domain or realm (`CORP\alice`,
    /// `alice@REALM` → `alice`) [default: ingest.user_names].
    #[arg(long)]
    short_user_names: bool,
    /// Records buffered before each commit [default: ingest.commit_every, 500000].
    #[arg(long, value_name = "N")]
    commit_every: Option<usize>,
    /// The summary at the end: text for a person, json for scripts.
    #[arg(
        long = "output",
        value_enum,
        default_value_t,
        value_name = "FORMAT",
        alias = "summary"
    )]
    output: OutputFormat,
}

pub fn run(global: &GlobalArgs, args: IngestArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    // Checked before the store is opened: a registry with a problem stops
    // the whole command before anything is written.
    let registry = match &args.registry {
        Some(dir) => Some(RegistryFolder::read(dir)?.check()?),
        None => None,
    };
    let store_dir = global.store_dir(&config);
    let mut writer = StoreWriter::open(&store_dir)?;
    let reader = writer.reader();
    let committed = vakt_store::fulltext::tree_sizes(reader.head());
    match vakt_store::fulltext::coverage(&reader)? {
        None if committed.values().any(|size| *size > 0) => {
            eprintln!("note: building the full-text index from the store first");
        }
        Some(covered)
            if committed
                .iter()
                .any(|(stream, size)| covered.get(stream).copied().unwrap_or(0) < *size) =>
        {
            eprintln!("note: bringing the full-text index up to date with the store first");
        }
        _ => {}
    }
    let index_bar = crate::commands::index::progress_bar();
    writer.maintain_index(&mut crate::commands::index::on_progress(&index_bar))?;
    index_bar.finish_and_clear();
    let mut options = IngestOptions::from_config(&config);
    let output = match args.input_format {
        FormatArg::Log(format) => {
            options.format = format;
            args.output
        }
        FormatArg::JsonSummary => OutputFormat::Json,
    };
    options.stream = args.stream;
    options.stdin_name = args.source_name;
    options.finished = args.finished;
    options.registry = registry;
    options.year = args.year.or(options.year);
    if args.host.is_some() {
        options.settings.host = args.host;
    }
    if !args.programs.is_empty() {
        options.settings.programs = Some(args.programs);
    }
    if !args.skip_programs.is_empty() {
        options.settings.skip_programs = Some(args.skip_programs);
    }
    if args.short_user_names {
        options.settings.user_names = Some(vakt_schemas::config::UserNames::Short);
    }
    if let Some(commit_every) = args.commit_every {
        options.commit_every = commit_every.max(1);
    }
    let bar = progress_bar();
    let mut on_progress = |progress: &Progress| {
        bar.set_length(progress.bytes_total.max(1));
        bar.set_position(progress.bytes_done);
        bar.set_message(format!(
            "file {}/{} · {} lines",
            (progress.files_done + 1).min(progress.files_total.max(1)),
            progress.files_total,
            progress.lines
        ));
    };
    let summary = ingest(
        &mut writer,
        &config,
        &args.paths,
        &options,
        &mut on_progress,
    )?;
    bar.finish_and_clear();
    match output {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
        OutputFormat::Text => print_summary(&summary),
    }
    if summary.nothing_done() {
        return Ok(Outcome::Problems);
    }
    Ok(Outcome::Success)
}

/// What `--format` said: a log format, or `json` for the summary.
#[derive(Debug, Clone, Copy)]
enum FormatArg {
    Log(Format),
    JsonSummary,
}

fn parse_format_arg(text: &str) -> Result<FormatArg, String> {
    if text == "json" {
        return Ok(FormatArg::JsonSummary);
    }
    text.parse::<Format>()
        .map(FormatArg::Log)
        .map_err(|error| format!("{error}; for a JSON summary use --output json"))
}

/// A progress bar on a terminal, nothing when piped.
fn progress_bar() -> ProgressBar {
    crate::progress::bar("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} {msg}")
}

pub fn print_summary(summary: &IngestSummary) {
    for note in &summary.notes {
        eprintln!("note: {note}");
    }
    for problem in &summary.problems {
        eprintln!("problem: {problem}");
    }
    let streams: Vec<String> = summary
        .by_stream
        .iter()
        .filter(|(stream, _)| **stream != Stream::Quarantine)
        .map(|(stream, count)| format!("{stream} {count}"))
        .collect();
    let megabytes = summary.bytes_read as f64 / 1e6;
    let seconds = summary.seconds.max(1e-9);
    println!(
        "read {} lines ({megabytes:.1} MB) from {} files: {} records stored ({}), {} quarantined, \
         {} pending, {} skipped ({} files), {} joined{}; lines read = stored + quarantined + \
         pending + skipped + joined: {}; {} commits in {:.2} s ({:.0} lines/s, {:.1} MB/s)",
        summary.lines_read,
        summary.files_read,
        summary.records_stored,
        if streams.is_empty() {
            "none".to_string()
        } else {
            streams.join(", ")
        },
        summary.lines_quarantined,
        summary.lines_pending,
        summary.lines_skipped,
        summary.files_skipped,
        summary.lines_joined,
        match summary.records_sharing_a_line {
            0 => String::new(),
            more => format!(" (and {more} records read from a line that held several)"),
        },
        if summary.balanced() { "yes" } else { "NO" },
        summary.commits,
        summary.seconds,
        summary.lines_read as f64 / seconds,
        megabytes / seconds,
    );
    if summary.lines_already_stored > 0 {
        println!(
            "{} lines stored before were not read again",
            summary.lines_already_stored
        );
    }
    print_reasons(summary);
    if let Some(registry) = &summary.registry {
        for file in &registry.absent {
            eprintln!("note: registry: {file} is absent: it counts as empty");
        }
        println!("{registry}");
    }
    let datasets = &summary.datasets;
    if !summary.by_stream.contains_key(&Stream::Access) {
        return;
    }
    match datasets.from {
        DatasetSource::Folder => println!(
            "datasets: {} file accesses got theirs from the registry folder",
            datasets.filled
        ),
        DatasetSource::Snapshot => println!(
            "datasets: {} file accesses got theirs from the newest registry snapshot in the store (commit {})",
            datasets.filled,
            datasets.snapshot_txn.unwrap_or_default()
        ),
        DatasetSource::None => {}
    }
}

/// Quarantined and skipped lines per reason, the most frequent first (at
/// most ten of each).
fn print_reasons(summary: &IngestSummary) {
    const SHOWN: usize = 10;
    let mut skipped: Vec<(&String, &u64)> = summary.skipped_by_reason.iter().collect();
    skipped.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    for (reason, count) in skipped.iter().take(SHOWN) {
        println!("  skipped     {count:>9}  {reason}");
    }
    let mut reasons: Vec<(&String, &u64)> = summary.quarantined_by_reason.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    for (reason, count) in reasons.iter().take(SHOWN) {
        println!("  quarantined {count:>9}  {reason}");
    }
    if reasons.len() > SHOWN {
        let others: u64 = reasons.iter().skip(SHOWN).map(|(_, count)| **count).sum();
        println!(
            "  quarantined {others:>9}  for {} other reasons (--output json lists them all)",
            reasons.len() - SHOWN
        );
    }
}
