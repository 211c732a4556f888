//! `vakt report`

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Args, ValueEnum};
use vakt_report::{Language, Previous, RenderOptions, Rendered};
use vakt_review::{Review, ReviewOptions, review};
use vakt_schemas::config::Config;
use vakt_store::StoreReader;

use crate::Outcome;
use crate::settings::GlobalArgs;
use crate::usage::record_use;

/// The yearly security review as a PDF for the director to sign (5.6.c).
///
/// Runs `vakt review` over the year and lays it out with typst: a cover with
/// the verdict of each area (a)-(d) (passed, deviations, failed, or not
/// assessable with the reason) and of the logs' integrity, a one-page
/// summary with the signature lines ([report] director and prepared_by of
/// vakt.toml), one chapter per area with its checks and findings (with the
/// records and registry entries that prove them), the year's spot checks,
/// the measures for each finding (from the registry's measures.toml, blank
/// to fill in where none is recorded), the logs' integrity and retention
/// with every log source and each stream's newest signed checkpoint
/// printed in full, charts of the year, and an appendix with the method,
/// the registry files' SHA-256, the clauses checked, the vakt version and
/// the SHA-256 of vakt.toml. Bokmål throughout by default, English with
/// `--lang en`.
///
/// `--previous` takes last year's `vakt review --format json` document (or
/// the file `--data` wrote last year): the summary then says what changed,
/// and each stream's consistency with last year's signed checkpoint is
/// proven (the store only grew).
///
/// The same store, configuration and options give the same PDF bytes. The
/// PDF's SHA-256 is recorded in the audit stream before the file is
/// written (atomically). Exit 0 when the PDF was written, whatever the
/// review found; 2 when it could not be made.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ReportArgs {
    /// The calendar year to review.
    #[arg(long)]
    year: i32,
    /// Where to write the PDF.
    #[arg(long, value_name = "FILE.pdf")]
    out: PathBuf,
    /// The document's language: nb (bokmål) or en (English).
    #[arg(long, value_enum, default_value_t = Lang::Nb)]
    lang: Lang,
    /// Last year's review as JSON (`vakt review --format json`, or `--data`'s file).
    #[arg(long, value_name = "FILE")]
    previous: Option<PathBuf>,
    /// Skip verifying the store (faster; the document then says it was not verified).
    #[arg(long)]
    no_verify: bool,
    /// The date printed on the document [default: today, the day the review is made].
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<NaiveDate>,
    /// Also write the JSON the PDF was laid out from, with the review under `review`.
    #[arg(long, value_name = "FILE")]
    data: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Lang {
    /// Norwegian bokmål.
    Nb,
    /// English.
    En,
}

/// What a report run made.
pub struct Report {
    pub review: Review,
    pub rendered: Rendered,
    /// Seconds for the review, the charts' queries and the checkpoints.
    pub seconds_review: f64,
    /// Seconds for laying out and writing the PDF.
    pub seconds_render: f64,
}

/// Everything `vakt report` and `vakt demo` need to make the PDF.
pub struct ReportJob<'a> {
    pub store_dir: &'a Path,
    pub config: &'a Config,
    /// The bytes of vakt.toml, when there is one.
    pub config_bytes: Option<&'a [u8]>,
    pub year: i32,
    pub language: Language,
    pub previous: Option<Previous>,
    pub verify: bool,
    pub date: Option<NaiveDate>,
}

/// Reviews the year, renders the PDF and records its use and the PDF's
/// SHA-256 in the audit stream. Writes nothing else.
pub fn make_report(job: ReportJob<'_>) -> anyhow::Result<Report> {
    let store = StoreReader::open(job.store_dir)?;
    let options = ReviewOptions {
        year: job.year,
        now: Utc::now(),
        verify: job.verify,
    };
    let started = Instant::now();
    let review = review(&store, job.config, &options)?;
    let figures = vakt_report::figures(&store, &review.period)?;
    let anchors = vakt_report::anchors(&store, &review, job.previous.as_ref())?;
    let render_options = RenderOptions {
        language: job.language,
        date: job.date,
        director: job.config.report.director.clone(),
        prepared_by: job.config.report.prepared_by.clone(),
        figures: Some(figures),
        anchors: Some(anchors),
        previous: job.previous,
        config_digest: job.config_bytes.map(vakt_report::sha256_hex),
    };
    let seconds_review = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let rendered = vakt_report::render_document(&review, &render_options)?;
    let seconds_render = started.elapsed().as_secs_f64();
    let findings: usize = review.areas.iter().map(|area| area.findings.len()).sum();
    let verdicts: Vec<String> = review
        .areas
        .iter()
        .map(|area| format!("{}={}", area.area.letter(), area.verdict))
        .collect();
    record_use(
        job.store_dir,
        "report",
        Some(
            serde_json::json!({
                "year": job.year,
                "lang": job.language.code(),
                "verify": job.verify,
                "previous_year": render_options.previous.as_ref().map(|previous| previous.year),
                "findings": findings,
            })
            .to_string(),
        ),
        Some(rendered.pages as u64),
        Some(format!(
            "pdf sha256={} pages={} {}",
            rendered.sha256(),
            rendered.pages,
            verdicts.join(" ")
        )),
    )?;
    Ok(Report {
        review,
        rendered,
        seconds_review,
        seconds_render,
    })
}

pub fn run(global: &GlobalArgs, args: ReportArgs) -> anyhow::Result<Outcome> {
    let config = global.load_config()?;
    let config_bytes = match global.config_file() {
        Some(path) => Some(
            fs::read(&path)
                .with_context(|| format!("cannot read the configuration {}", path.display()))?,
        ),
        None => None,
    };
    let store_dir = global.store_dir(&config);
    let previous = match &args.previous {
        Some(path) => {
            let bytes = fs::read(path)
                .with_context(|| format!("cannot read last year's review {}", path.display()))?;
            Some(
                Previous::from_json(&bytes)
                    .with_context(|| format!("last year's review {}", path.display()))?,
            )
        }
        None => None,
    };
    let language = match args.lang {
        Lang::Nb => Language::Nb,
        Lang::En => Language::En,
    };
    let report = make_report(ReportJob {
        store_dir: &store_dir,
        config: &config,
        config_bytes: config_bytes.as_deref(),
        year: args.year,
        language,
        previous,
        verify: !args.no_verify,
        date: args.date,
    })?;
    write_atomically(&args.out, &report.rendered.pdf)?;
    if let Some(path) = &args.data {
        let document = serde_json::json!({ "review": report.review });
        write_atomically(path, &serde_json::to_vec_pretty(&document)?)?;
    }
    print_written(&args.out, &report);
    Ok(Outcome::Success)
}

/// Tells where the PDF is, its pages and its SHA-256.
pub fn print_written(path: &Path, report: &Report) {
    println!(
        "wrote the review of {} to {}: {} pages, SHA-256 {} (review {:.1} s, PDF {:.1} s)",
        report.review.period.year,
        path.display(),
        report.rendered.pages,
        report.rendered.sha256(),
        report.seconds_review,
        report.seconds_render
    );
}

/// Writes a file through a temporary file beside it, so a reader never
/// sees half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let temporary = parent.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> anyhow::Result<()> {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// `vakt demo`'s last step: the review of the sample year (the year of the
/// newest session, firewall or access record, in the institute's zone) as
/// DIR/review-YEAR.pdf. Prints where it is; does nothing for an empty store.
pub fn write_demo_review(
    dir: &Path,
    store_dir: &Path,
    config: &Config,
    verified: &vakt_store::VerifyReport,
) -> anyhow::Result<Option<PathBuf>> {
    use chrono::Datelike;
    use vakt_schemas::Stream;

    let zone = config.time_zone()?;
    let Some(newest) = verified
        .streams
        .iter()
        .filter(|stream| {
            matches!(
                stream.stream,
                Stream::Sessions | Stream::Firewall | Stream::Access
            )
        })
        .filter_map(|stream| stream.last_time)
        .max()
    else {
        return Ok(None);
    };
    let year = newest.with_timezone(&zone).year();
    let config_bytes = fs::read(dir.join("vakt.toml")).ok();
    let report = make_report(ReportJob {
        store_dir,
        config,
        config_bytes: config_bytes.as_deref(),
        year,
        language: Language::Nb,
        previous: None,
        verify: true,
        date: None,
    })?;
    let path = dir.join(format!("review-{year}.pdf"));
    write_atomically(&path, &report.rendered.pdf)?;
    print_written(&path, &report);
    Ok(Some(path))
}
