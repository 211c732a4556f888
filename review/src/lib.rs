//! The director's yearly security review (instruction 5.6): computes every
//! check of `CHECKS.md` over one year of a store, against the registry as
//! it stood at each event's time, and returns the findings with their
//! evidence, a verdict per area, the year's spot checks and the store's
//! integrity. Reads the store only through `vakt-query`; renders nothing
//! but JSON and Markdown (the PDF is `vakt-report`'s job).

mod assessable;
mod checks;
mod context;
mod draft;
pub mod finding;
mod history;
pub mod language;
mod markdown;
mod measures;
pub mod period;
mod rows;
mod statements;
pub mod witnessing;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use vakt_query::spotcheck;
use vakt_query::sql::{SessionOptions, SqlSession};
use vakt_schemas::Stream;
use vakt_schemas::config::Config;
use vakt_store::reader::{ReadError, StoreReader};

pub use assessable::NotAssessable;
pub use finding::{Area, Check, Evidence, Finding, RecordEvidence, Severity};
pub use history::{History, Snapshot};
pub use language::Language;
pub use markdown::markdown;
pub use measures::MeasureRow;
pub use period::Period;

use assessable::Inputs;
use checks::sessions::MultiFactorBasis;
use context::Context;
use draft::Drafts;

/// Why a review could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("the year {0} has not begun or cannot be reviewed")]
    Year(i32),
    #[error("the configured time zone: {0}")]
    Config(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("cannot open the store for queries: {0}")]
    Session(String),
    #[error("a review query failed: {detail}\nquery: {sql}")]
    Query { sql: String, detail: String },
    #[error("cannot read the spot checks from the audit stream: {0}")]
    SpotChecks(String),
}

/// How a review is run.
#[derive(Clone, Debug)]
pub struct ReviewOptions {
    pub year: i32,
    /// The review's own time (the cutoff of a year not yet over).
    pub now: DateTime<Utc>,
    /// Run `vakt verify` on the store as part of the review.
    pub verify: bool,
}

/// The whole review. Its JSON form is documented in CHECKS.md and stable.
#[derive(Debug, Serialize)]
pub struct Review {
    pub vakt_version: &'static str,
    pub institute: String,
    /// When the review was made (the document's date).
    pub made: DateTime<Utc>,
    pub period: Period,
    pub registry: RegistrySummary,
    pub areas: Vec<AreaReview>,
    pub spot_checks: SpotChecks,
    /// Per finding, in the findings' order, the measure `measures.toml`
    /// records for it (in the newest registry snapshot, since measures are
    /// decided after the year), or none yet.
    pub measures: Vec<MeasureRow>,
    /// Measures of `measures.toml` that name no finding of this review
    /// (a mistyped subject, or a finding of another year).
    pub measures_unmatched: Vec<vakt_schemas::registry::Measure>,
    pub integrity: Integrity,
    /// Findings per severity over all areas.
    pub totals: BTreeMap<Severity, usize>,
}

/// What registry history the review judged against.
#[derive(Debug, Serialize)]
pub struct RegistrySummary {
    pub snapshots: usize,
    pub first_recorded: Option<DateTime<Utc>>,
    pub last_recorded: Option<DateTime<Utc>>,
    pub datasets: usize,
    pub people: usize,
    pub grants: usize,
    pub deletions: usize,
    /// Snapshots that could not be read: (first sequence number, problem).
    pub unreadable: Vec<(u64, String)>,
    /// The files of the snapshot in force at the cutoff, each with the
    /// SHA-256 of its bytes as recorded (an auditor compares them with the
    /// files the institute keeps).
    pub files: BTreeMap<String, String>,
}

/// One area (a)-(d) of 5.6.b.
#[derive(Debug, Serialize)]
pub struct AreaReview {
    pub area: Area,
    pub title: &'static str,
    /// `failed` (a high finding), `deviations` (findings of medium or low
    /// severity only), `not_assessable` (no finding, but a check lacked
    /// what it reads) or `passed`.
    pub verdict: &'static str,
    /// Why checks of the area could not be assessed (each reason once).
    pub not_assessable: Vec<NotAssessable>,
    pub counts: BTreeMap<Severity, usize>,
    pub checks: Vec<CheckSummary>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Serialize)]
pub struct CheckSummary {
    pub check: &'static str,
    pub clause: &'static str,
    pub severity: Severity,
    pub verifies: &'static str,
    pub findings: usize,
    /// For `single_factor`: where the verdict on each login came from (the
    /// log, the terminal server's configured policy, or neither).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_factor: Option<MultiFactorBasis>,
    /// Why the check could not be assessed; `null` when it was.
    pub not_assessable: Option<NotAssessable>,
}

/// The spot checks drawn in the year (3.3.l).
#[derive(Debug, Default, Serialize)]
pub struct SpotChecks {
    pub draws: usize,
    pub items_drawn: usize,
    pub items_checked: usize,
    pub findings: Vec<SpotCheckFinding>,
    pub by_draw: Vec<DrawSummary>,
}

#[derive(Debug, Serialize)]
pub struct DrawSummary {
    pub draw: u64,
    pub drawn_at: DateTime<Utc>,
    pub drawn_by: String,
    pub stream: String,
    pub items: usize,
    pub checked: usize,
    pub findings: usize,
}

#[derive(Debug, Serialize)]
pub struct SpotCheckFinding {
    pub draw: u64,
    pub stream: String,
    pub item: u64,
    pub finding: String,
}

/// The store's own state: verification, records, retention.
#[derive(Debug, Serialize)]
pub struct Integrity {
    /// `None` when the review was run without verification.
    pub verified: Option<bool>,
    pub problems: Vec<String>,
    pub key_fingerprint: Option<String>,
    pub streams: Vec<StreamState>,
    /// How the witnesses vouched over the period; `None` when no witness
    /// is configured.
    pub witnessing: Option<witnessing::Witnessing>,
}

#[derive(Debug, Serialize)]
pub struct StreamState {
    pub stream: Stream,
    pub records: u64,
    pub root: String,
    pub oldest: Option<DateTime<Utc>>,
    pub newest: Option<DateTime<Utc>>,
    /// The newest signed checkpoint, as a note.
    pub checkpoint: Option<String>,
    /// The newest checkpoint a configured witness cosigned by the period's
    /// end, with the cosignatures.
    pub cosigned: Option<witnessing::Cosigned>,
}

/// Runs the review of one year.
pub fn review(
    store: &StoreReader,
    config: &Config,
    options: &ReviewOptions,
) -> Result<Review, ReviewError> {
    let history = History::load(store)?;
    review_against(store, config, &history, options)
}

/// Runs the review of one year against a given registry history instead of
/// the store's own (the store's is [`History::load`]).
pub fn review_against(
    store: &StoreReader,
    config: &Config,
    history: &History,
    options: &ReviewOptions,
) -> Result<Review, ReviewError> {
    let zone = config
        .time_zone()
        .map_err(|error| ReviewError::Config(error.to_string()))?;
    let period =
        Period::new(options.year, zone, options.now).ok_or(ReviewError::Year(options.year))?;
    let session = SqlSession::open(
        store,
        &SessionOptions {
            time_zone: zone,
            threads: None,
        },
    )
    .map_err(|error| ReviewError::Session(error.to_string()))?;
    let context = Context::new(config, period, history);

    let mut drafts = Drafts::default();
    // Readers refuse segments that are not the files their manifest lines
    // list, so a store that does not verify is judged by that alone: no
    // finding is computed from records that cannot be trusted.
    let mut integrity = integrity(store, options.verify, &mut drafts)?;
    let cutoff = period.end.min(options.now);
    integrity.witnessing = witnessing::check(store, config, period.start, cutoff, &mut drafts);
    for stream in &mut integrity.streams {
        stream.cosigned = witnessing::year_end(store, config, stream.stream, cutoff);
    }
    checks::registry::check(&context, &mut drafts);
    let mut multi_factor = None;
    let mut inputs = Inputs {
        registry: !history.snapshots.is_empty(),
        secure_zone: !config.zones.secure.is_empty(),
        internal_zone: !config.zones.internal.is_empty(),
        verified: integrity.verified,
        ..Inputs::default()
    };
    if integrity.verified != Some(false) {
        let basis = checks::sessions::check(&context, &session, &mut drafts)?;
        inputs.sessions = basis.logins();
        multi_factor = Some(basis);
        inputs.accesses = checks::access::check(&context, &session, &mut drafts)?;
        inputs.firewall = checks::firewall::check(&context, &session, &mut drafts)?;
        let activity = checks::logging::activity(&context, &session)?;
        checks::logging::check(&context, &activity, &mut drafts);
    }
    let findings = drafts.finish();

    let registry = context.registry();
    let registry = RegistrySummary {
        snapshots: history.snapshots.len(),
        first_recorded: history.snapshots.first().map(|snapshot| snapshot.recorded),
        last_recorded: history.snapshots.last().map(|snapshot| snapshot.recorded),
        datasets: registry.datasets.len(),
        people: registry.people.len(),
        grants: registry.grants.len(),
        deletions: registry.deletions.len(),
        unreadable: history.unreadable.clone(),
        files: history
            .at(period.cutoff)
            .map(|snapshot| snapshot.digests.clone())
            .unwrap_or_default(),
    };
    let areas = areas(findings, multi_factor.as_ref(), &inputs);
    let (measures, measures_unmatched) = measures::of_findings(&areas, history);
    let mut totals: BTreeMap<Severity, usize> = BTreeMap::new();
    for area in &areas {
        for (severity, count) in &area.counts {
            *totals.entry(*severity).or_default() += count;
        }
    }
    Ok(Review {
        vakt_version: env!("CARGO_PKG_VERSION"),
        institute: config.institute.clone(),
        made: options.now,
        period,
        registry,
        areas,
        spot_checks: spot_checks(store, &period)?,
        measures,
        measures_unmatched,
        integrity,
        totals,
    })
}

fn areas(
    findings: Vec<Finding>,
    multi_factor: Option<&MultiFactorBasis>,
    inputs: &Inputs,
) -> Vec<AreaReview> {
    Area::ALL
        .into_iter()
        .map(|area| {
            let findings: Vec<Finding> = findings
                .iter()
                .filter(|finding| finding.area == area)
                .cloned()
                .collect();
            let mut counts: BTreeMap<Severity, usize> =
                [Severity::High, Severity::Medium, Severity::Low]
                    .into_iter()
                    .map(|severity| (severity, 0))
                    .collect();
            for finding in &findings {
                *counts.entry(finding.severity).or_default() += 1;
            }
            let mut not_assessable: Vec<NotAssessable> = Check::ALL
                .into_iter()
                .filter(|check| check.area() == area)
                .filter_map(|check| inputs.missing_for(check))
                .collect();
            not_assessable.sort();
            not_assessable.dedup();
            let verdict = if counts[&Severity::High] > 0 {
                "failed"
            } else if !findings.is_empty() {
                "deviations"
            } else if !not_assessable.is_empty() {
                "not_assessable"
            } else {
                "passed"
            };
            let checks = Check::ALL
                .into_iter()
                .filter(|check| check.area() == area)
                .map(|check| CheckSummary {
                    check: check.id(),
                    clause: check.clause(),
                    severity: check.severity(),
                    verifies: check.describe(),
                    findings: findings
                        .iter()
                        .filter(|finding| finding.check == check.id())
                        .count(),
                    multi_factor: multi_factor
                        .filter(|_| check == Check::SingleFactor)
                        .cloned(),
                    not_assessable: inputs.missing_for(check),
                })
                .collect();
            AreaReview {
                area,
                title: area.title(),
                verdict,
                not_assessable,
                counts,
                checks,
                findings,
            }
        })
        .collect()
}

/// The oldest and newest record time of a stream.
type TimeSpan = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn integrity(
    store: &StoreReader,
    verify: bool,
    drafts: &mut Drafts,
) -> Result<Integrity, ReviewError> {
    let mut state = Integrity {
        verified: None,
        problems: Vec::new(),
        key_fingerprint: None,
        streams: Vec::new(),
        witnessing: None,
    };
    let mut times: BTreeMap<Stream, TimeSpan> = BTreeMap::new();
    if verify {
        let report = vakt_store::verify(store, None);
        state.verified = Some(report.ok);
        state.key_fingerprint = Some(report.key_fingerprint.clone());
        state.problems = report
            .problems
            .iter()
            .map(|problem| match problem.stream {
                Some(stream) => format!("{stream}: {}", problem.message),
                None => problem.message.clone(),
            })
            .collect();
        for stream in &report.streams {
            times.insert(stream.stream, (stream.first_time, stream.last_time));
        }
        if !report.ok {
            let draft = drafts.entry(
                Check::StoreVerification,
                "store".to_string(),
                statements::store_verification,
            );
            for problem in &state.problems {
                draft.note(problem.clone());
            }
        }
    }
    for stream in Stream::ALL {
        let head = store.head().stream(stream);
        let (oldest, newest) = times.get(&stream).copied().unwrap_or((None, None));
        state.streams.push(StreamState {
            stream,
            records: head.map_or(0, |head| head.tree_size),
            root: head.map_or_else(String::new, |head| head.root.clone()),
            oldest,
            newest,
            checkpoint: store.latest_checkpoint(stream)?,
            cosigned: None,
        });
    }
    Ok(state)
}

fn spot_checks(store: &StoreReader, period: &Period) -> Result<SpotChecks, ReviewError> {
    let draws =
        spotcheck::draws(store).map_err(|error| ReviewError::SpotChecks(error.to_string()))?;
    let mut summary = SpotChecks::default();
    // A draw made in the year, or made later over records of the year
    // only (its window lies within the year: a check of December's
    // records made in January counts for December's year).
    let of_the_year = |status: &&spotcheck::DrawStatus| {
        let made_in_year = status.drawn_at >= period.start && status.drawn_at < period.end;
        let request = &status.draw.request;
        let window_in_year = request.from.is_some_and(|from| from >= period.start)
            && request.to.is_some_and(|to| to <= period.end);
        made_in_year || window_in_year
    };
    for status in draws.iter().filter(of_the_year) {
        let stream = status.draw.request.stream.name().to_string();
        summary.draws += 1;
        summary.items_drawn += status.draw.items.len();
        summary.items_checked += status.checked();
        for outcome in status.findings() {
            summary.findings.push(SpotCheckFinding {
                draw: status.id,
                stream: stream.clone(),
                item: outcome.item,
                finding: outcome.finding.clone().unwrap_or_default(),
            });
        }
        summary.by_draw.push(DrawSummary {
            draw: status.id,
            drawn_at: status.drawn_at,
            drawn_by: status.drawn_by.clone(),
            stream,
            items: status.draw.items.len(),
            checked: status.checked(),
            findings: status.findings().count(),
        });
    }
    Ok(summary)
}

#[cfg(test)]
mod tests;
