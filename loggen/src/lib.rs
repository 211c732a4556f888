//! `vakt-loggen` has one job: write a deterministic, realistic year of an
//! institute's security logs, of any size, in the formats vakt parses, for
//! tests and benchmarks.
//!
//! [`generate`] writes `<out>/<host>/<YYYY-MM>.log` per host and local month,
//! as a central rsyslog server would file them, plus a `vakt.toml` for the
//! generated institute. The lines are
//!
//! * OpenSSH `sshd` on the terminal servers `ts1`-`ts3` and the file servers
//!   `fs1`/`fs2` (sessions: login, session opened, logout; failures, brute
//!   force and banner grabs from the internet against `ts1`);
//! * netfilter `LOG` lines of the firewalls `fw-ext` (internet/office),
//!   `fw-sec` (office/secure zone), `fw-dmz` and `fw-lab`;
//! * Samba `vfs_full_audit` (`smbd_audit: user|ip|machine|share|op|ok|...`)
//!   on the file servers, for file access done from a terminal server while
//!   that user's SSH session is open.
//!
//! Most hosts write rsyslog's high-precision ISO 8601 timestamps
//! (`2025-03-02T08:14:03.123456+01:00 ts1 sshd[23810]: ...`), which carry the
//! year; `ts3`, `fs2` and `fw-lab` write RFC 5424. Local time is the
//! configured zone (Europe/Oslo by default) with its daylight-saving changes.
//!
//! The mix is about 10 % session lines, 55 % firewall lines and 35 % file
//! access; the total is exactly the number of events asked for. The same
//! configuration and seed give byte-identical output. Two needles, each
//! written exactly once, let a benchmark time a full-text search: an
//! unknown user name tried against `ts1` and a file name read under the
//! `data` share (see [`Summary::needles`]).

mod clock;
mod day;
mod emit;
mod institute;
mod plan;
mod registry;

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::clock::{Clock, US, utc_text};
use crate::day::{DayGenerator, Needles};
use crate::emit::Emitter;
use crate::institute::{HOSTS, Institute, Style};
use crate::plan::Plan;

/// What to generate.
#[derive(Clone, Debug)]
pub struct GeneratorConfig {
    /// Lines in total, over all files.
    pub events: u64,
    pub seed: u64,
    /// First local day of the span.
    pub start: NaiveDate,
    /// Number of days.
    pub days: u32,
    /// People at the institute.
    pub users: usize,
    /// Local time of the institute.
    pub time_zone: Tz,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        GeneratorConfig {
            events: 1_000_000,
            seed: 1,
            start: NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date"),
            days: 365,
            users: 400,
            time_zone: chrono_tz::Europe::Oslo,
        }
    }
}

/// Why generating failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Invalid(String),
    #[error("{} is not empty: generate into a new or empty folder", .0.display())]
    NotEmpty(PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Lines per stream (as vakt will store them).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct StreamLines {
    pub sessions: u64,
    pub firewall: u64,
    pub access: u64,
}

/// One written file.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileSummary {
    /// Relative to the output folder, `/`-separated.
    pub path: String,
    pub host: String,
    pub lines: u64,
    pub bytes: u64,
}

/// A host of the generated institute.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct HostSummary {
    pub name: String,
    pub address: String,
    pub zone: String,
    /// `iso8601-syslog` or `rfc5424`.
    pub format: String,
    pub lines: u64,
}

/// A string written exactly once in the whole output.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Needle {
    /// `user` (an unknown user name tried against ts1) or `file` (a file read under /data).
    pub kind: String,
    pub text: String,
    pub stream: String,
    /// The file it is in.
    pub file: String,
    /// When, in UTC.
    pub time: String,
}

/// Values for spot-check and incident queries that the data is sure to hold.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Probes {
    /// The busiest person (works every weekday of the span).
    pub user: String,
    /// That person's workstation.
    pub user_address: String,
    /// A weekday (local date) in the span, and its bounds in UTC.
    pub day: String,
    pub day_start_utc: String,
    pub day_end_utc: String,
    /// The week (Monday to Monday, local) around `day`, in UTC.
    pub week_start_utc: String,
    pub week_end_utc: String,
    /// The month of `day` (local, cut to the span), in UTC.
    pub month: String,
    pub month_start_utc: String,
    pub month_end_utc: String,
    /// The most active scanner on the internet.
    pub address: String,
    /// A dataset the busiest person uses (folder under the `data` share).
    pub dataset: String,
    pub dataset_path_prefix: String,
    /// The whole span in UTC.
    pub span_start_utc: String,
    pub span_end_utc: String,
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub events: u64,
    pub seed: u64,
    pub start: String,
    pub days: u32,
    pub time_zone: String,
    pub out_dir: String,
    pub lines: StreamLines,
    pub bytes: u64,
    pub files: Vec<FileSummary>,
    pub users: usize,
    pub projects: usize,
    pub datasets: usize,
    pub hosts: Vec<HostSummary>,
    pub needles: Vec<Needle>,
    pub probes: Probes,
    /// The configuration of the generated institute, in the output folder.
    pub config: String,
    pub seconds: f64,
}

/// The folder of `out_dir` holding the registry files (`vakt ingest --registry`).
pub const REGISTRY_DIR: &str = "registry";

/// Writes the logs, `vakt.toml` and the registry into `out_dir` (new or empty).
pub fn generate(config: &GeneratorConfig, out_dir: &Path) -> Result<Summary, GenerateError> {
    let started = Instant::now();
    if config.days == 0 {
        return Err(GenerateError::Invalid(
            "the span needs at least one day".into(),
        ));
    }
    if config.users == 0 || config.users > 50_000 {
        return Err(GenerateError::Invalid(
            "users must be between 1 and 50000".into(),
        ));
    }
    prepare(out_dir)?;
    let clock = Clock::new(config.time_zone, config.start, config.days);
    let mut rng = StdRng::seed_from_u64(config.seed);
    let inst = Institute::new(&mut rng, config.users);
    let plan = Plan::new(&clock, config.events);
    let tag = rng.r#gen::<u32>();
    let probe_day = probe_day(&clock);
    let needles = Needles {
        day: probe_day,
        user: format!("svc-arkiv-{:06x}", tag & 0xff_ffff),
        file: format!(
            "{}/leveranse/uttrekk_{:08x}.sav",
            inst.datasets[inst.projects[inst.users[0].projects[0]].datasets[0]].name,
            tag.rotate_left(13)
        ),
        user_at: None,
        file_at: None,
    };
    // Firewalls were booted some weeks before the span.
    let boot = (0..HOSTS.len())
        .map(|_| clock.day_start(0) - rng.gen_range(3 * 86_400..200 * 86_400) * US)
        .collect();
    let emitter = Emitter::new(clock.clone(), boot);
    let day_rng = StdRng::seed_from_u64(rng.r#gen());
    let mut generator = DayGenerator::new(
        day_rng,
        &clock,
        &inst,
        emitter,
        config.seed,
        config.events,
        needles,
    );
    let mut output = Output::new(out_dir);
    for day in 0..clock.days() {
        generator.day(day, &plan);
        let date = clock.date(day);
        output.write_day(&date, &generator.emit)?;
        generator.close_day();
    }
    let files = output.finish()?;
    let config_path = out_dir.join("vakt.toml");
    fs::write(&config_path, institute_config(config)).map_err(io_error(&config_path))?;
    let registry_dir = out_dir.join(REGISTRY_DIR);
    fs::create_dir_all(&registry_dir).map_err(io_error(&registry_dir))?;
    for (name, text) in registry::registry_files(&inst, config.start, config.days) {
        let path = registry_dir.join(name);
        fs::write(&path, text).map_err(io_error(&path))?;
    }

    let file_of = |at: Option<(usize, i64)>| {
        at.map(|(host, time)| {
            let month = clock.local_naive(time).format("%Y-%m");
            (format!("{}/{month}.log", HOSTS[host].name), utc_text(time))
        })
    };
    let mut needles = Vec::new();
    if let Some((file, time)) = file_of(generator.needles.user_at) {
        needles.push(Needle {
            kind: "user".into(),
            text: generator.needles.user.clone(),
            stream: "sessions".into(),
            file,
            time,
        });
    }
    if let Some((file, time)) = file_of(generator.needles.file_at) {
        let text = generator
            .needles
            .file
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        needles.push(Needle {
            kind: "file".into(),
            text,
            stream: "access".into(),
            file,
            time,
        });
    }
    let [sessions, firewall, access] = generator.done;
    let hosts = HOSTS
        .iter()
        .map(|host| HostSummary {
            name: host.name.to_string(),
            address: host.ip.to_string(),
            zone: host.zone.to_string(),
            format: match host.style {
                Style::Iso => "iso8601-syslog",
                Style::Rfc5424 => "rfc5424",
            }
            .to_string(),
            lines: files
                .iter()
                .filter(|file| file.host == host.name)
                .map(|file| file.lines)
                .sum(),
        })
        .collect();
    Ok(Summary {
        events: config.events,
        seed: config.seed,
        start: config.start.to_string(),
        days: config.days,
        time_zone: config.time_zone.name().to_string(),
        out_dir: out_dir.display().to_string(),
        lines: StreamLines {
            sessions,
            firewall,
            access,
        },
        bytes: files.iter().map(|file| file.bytes).sum(),
        files,
        users: inst.users.len(),
        projects: inst.projects.len(),
        datasets: inst.datasets.len(),
        hosts,
        needles,
        probes: probes(&clock, &inst, probe_day),
        config: config_path.display().to_string(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A Tuesday about 40 % into the span (or the span's middle day if it is short).
fn probe_day(clock: &Clock) -> usize {
    let days = clock.days();
    let first = days * 2 / 5;
    (first..days)
        .find(|&day| clock.weekday(day) == 1)
        .unwrap_or(days / 2)
}

fn probes(clock: &Clock, inst: &Institute, day: usize) -> Probes {
    let days = clock.days();
    let date = clock.date(day);
    let week_start = day.saturating_sub(clock.weekday(day) as usize);
    let week_end = (week_start + 7).min(days);
    let month_start = day + 1 - date.day() as usize;
    let month_start = month_start.min(day);
    let month_end = (day..days)
        .find(|&other| clock.date(other).month() != date.month())
        .unwrap_or(days);
    let person = &inst.users[0];
    let dataset = &inst.datasets[inst.projects[person.projects[0]].datasets[0]].name;
    let top_scanner = inst.scanners[0].ip;
    Probes {
        user: person.name.clone(),
        user_address: person.ip.to_string(),
        day: date.to_string(),
        day_start_utc: utc_text(clock.day_start(day)),
        day_end_utc: utc_text(clock.day_start(day + 1)),
        week_start_utc: utc_text(clock.day_start(week_start)),
        week_end_utc: utc_text(clock.day_start(week_end)),
        month: date.format("%Y-%m").to_string(),
        month_start_utc: utc_text(clock.day_start(month_start)),
        month_end_utc: utc_text(clock.day_start(month_end)),
        address: top_scanner.to_string(),
        dataset: dataset.clone(),
        dataset_path_prefix: format!("/data/{dataset}/"),
        span_start_utc: utc_text(clock.day_start(0)),
        span_end_utc: utc_text(clock.day_start(days)),
    }
}

fn prepare(out_dir: &Path) -> Result<(), GenerateError> {
    if out_dir.exists() {
        let mut entries = fs::read_dir(out_dir).map_err(io_error(out_dir))?;
        if entries.next().is_some() {
            return Err(GenerateError::NotEmpty(out_dir.to_path_buf()));
        }
    }
    fs::create_dir_all(out_dir).map_err(io_error(out_dir))
}

/// Appends each day's sorted lines to the file of its host and month.
struct Output {
    dir: PathBuf,
    /// Per host: the open file's index in `files` and its writer.
    open: Vec<Option<(usize, BufWriter<File>)>>,
    files: Vec<FileSummary>,
}

impl Output {
    fn new(dir: &Path) -> Output {
        Output {
            dir: dir.to_path_buf(),
            open: (0..HOSTS.len()).map(|_| None).collect(),
            files: Vec::new(),
        }
    }

    fn write_day(&mut self, date: &NaiveDate, emit: &Emitter) -> Result<(), GenerateError> {
        let month = date.format("%Y-%m").to_string();
        for (host, lines) in emit.hosts.iter().enumerate() {
            if lines.records.is_empty() {
                continue;
            }
            let relative = format!("{}/{month}.log", HOSTS[host].name);
            let current = self.open[host]
                .as_ref()
                .is_some_and(|(index, _)| self.files[*index].path == relative);
            if !current {
                if let Some((index, mut writer)) = self.open[host].take() {
                    let path = self.dir.join(&self.files[index].path);
                    writer.flush().map_err(io_error(&path))?;
                }
                let path = self.dir.join(&relative);
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(io_error(parent))?;
                }
                let file = File::create(&path).map_err(io_error(&path))?;
                self.files.push(FileSummary {
                    path: relative.clone(),
                    host: HOSTS[host].name.to_string(),
                    lines: 0,
                    bytes: 0,
                });
                self.open[host] = Some((
                    self.files.len() - 1,
                    BufWriter::with_capacity(1 << 20, file),
                ));
            }
            let (index, writer) = self.open[host].as_mut().expect("opened above");
            let summary = &mut self.files[*index];
            for record in &lines.records {
                let start = record.start as usize;
                let line = &lines.arena[start..start + record.len as usize];
                writer
                    .write_all(line)
                    .and_then(|()| writer.write_all(b"\n"))
                    .map_err(io_error(&self.dir.join(&summary.path)))?;
                summary.lines += 1;
                summary.bytes += line.len() as u64 + 1;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<FileSummary>, GenerateError> {
        for (index, mut writer) in self.open.iter_mut().filter_map(Option::take) {
            let path = self.dir.join(&self.files[index].path);
            writer.flush().map_err(io_error(&path))?;
        }
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(self.files)
    }
}

/// `vakt.toml` of the generated institute (schema: `vakt_schemas::config`).
pub fn institute_config(config: &GeneratorConfig) -> String {
    let list = |nets: &[&str]| {
        nets.iter()
            .map(|net| format!("\"{net}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "# vakt configuration of the institute generated by `vakt generate` (seed {seed}).\n\
         institute = \"Generated institute (seed {seed})\"\n\
         timezone = \"{zone}\"\n\n\
         [store]\n\
         path = \"vakt-data\"\n\
         retention_days = 365\n\n\
         [zones]\n\
         # Office, DMZ and lab networks; everything not listed is external.\n\
         internal = [{internal}]\n\
         # Terminal, file and print servers holding the confidential datasets.\n\
         secure = [{secure}]\n\n\
         [zones.hosts]\n",
        seed = config.seed,
        zone = config.time_zone.name(),
        internal = list(&institute::INTERNAL_NETS),
        secure = list(&institute::SECURE_NETS),
    );
    for host in HOSTS {
        text.push_str(&format!("{} = \"{}\"\n", host.name, host.zone));
    }
    text.push_str(
        "\n# Storage areas of the secure zone, by path prefix.\n\
         # Samba paths are stored as /<share>/<path inside the share>.\n\
         [areas]\n\
         system = [\"/system\"]\n\
         program = [\"/program\"]\n\
         data = [\"/data\"]\n\
         project = [\"/prosjekt\"]\n\
         user = [\"/home\"]\n",
    );
    text
}
