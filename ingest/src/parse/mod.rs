//! One parser per log format, and the choice between them.
//!
//! A [`LineParser`] reads the lines of one input, in order, into events of
//! the `sessions`, `firewall` and `access` streams, or rejects a line with a
//! short lowercase reason saying what was expected (the line then goes to
//! quarantine). Each format is a module of its own with the same shape: a
//! cheap test of whether a line (or a syslog message) is of the format, and
//! a function reading it into an event or a reason. With [`Format::Auto`]
//! each line picks its own parser by its shape ([`framed`]):
//!
//! * a JSON object: a Windows event ([`windows::json`]), a `journalctl -o
//!   json` entry ([`journald`]), Samba's `auth_json_audit` ([`samba_log`]),
//!   else vakt's own JSON Lines ([`jsonl`]);
//! * `<Event …>`: Windows events as XML ([`windows::xml`]);
//! * `type=… msg=audit(…)`: an auditd record ([`auditd`]), held with the
//!   other records of its event;
//! * `[YYYY/MM/DD HH:MM:SS…, N] file(function)`: a Samba log header
//!   ([`samba_log`]), held with the message lines after it;
//! * `__CURSOR=…`, `__REALTIME_TIMESTAMP=…`: a `journalctl -o export` entry
//!   ([`journald`]), held to the empty line after it;
//! * `VMID LEVEL CHAIN DD/Mon/YYYY:…`: Proxmox ([`pve_firewall`]);
//! * `PRINTER USER JOB [DD/Mon/YYYY:…]`: CUPS `page_log` ([`cups`]);
//! * `#Fields: date time action …` and its lines: Windows Firewall ([`pfirewall`]);
//! * otherwise a syslog line ([`syslog`]), whose program and message pick
//!   the parser: `sshd*` ([`sshd`]); sudo, su, systemd-logind, login,
//!   polkit, account tools and `pam_unix` messages of any program
//!   ([`linux_auth`]); `kernel` (or no tag) with `IN=` ([`netfilter`]);
//!   `filterlog` ([`filterlog`]); `smbd_audit` or `smbd` with `|`
//!   ([`samba`]); Samba's authentication audit and share connections
//!   ([`samba_log`]); any other program is rejected as having no parser.
//!
//! The settings of the input ([`LineSettings`]) skip the programs left out
//! (counted, not stored) and write user names short when asked. An explicit
//! format reads every line with that parser. `.evtx` files are not lines:
//! `crate::evtx` reads their records with [`windows::evtx`].

mod audit_events;
pub mod auditd;
pub mod clock;
pub mod cups;
pub mod filterlog;
mod format;
mod framed;
mod group;
pub mod journald;
pub mod jsonl;
pub mod linux_auth;
pub mod netfilter;
#[cfg(test)]
mod nftables_tests;
pub mod pfirewall;
pub mod pve_firewall;
pub mod samba;
pub mod samba_log;
pub mod sshd;
pub mod syslog;
pub mod windows;

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use vakt_schemas::config::{FirewallConfig, LineSettings, UserNames};
use vakt_schemas::{Event, Stream};

pub use self::format::{Format, UnknownFormat};

use self::audit_events::AuditEvents;
use self::clock::SyslogClock;
use self::filterlog::{is_filterlog_program, parse_filterlog};
use self::group::Group;
use self::linux_auth::{is_auth_message, parse_auth};
use self::netfilter::{is_netfilter_message, parse_netfilter};
use self::pfirewall::PfirewallParser;
use self::samba::{is_samba_program, parse_samba};
use self::sshd::{SshdParser, is_sshd_program};
use self::syslog::{SyslogError, SyslogLine, parse_syslog};

/// What a parser needs to know about its input besides the lines.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseContext {
    /// Zone of syslog timestamps without an offset.
    pub time_zone: chrono_tz::Tz,
    /// Year of the first RFC 3164 line, if known (see [`clock`]).
    pub year: Option<i32>,
    /// The file's modification time (now for stdin), for the year when `year` is unknown.
    pub reference_time: DateTime<Utc>,
    /// How netfilter prefixes tell allow from deny.
    pub firewall: FirewallConfig,
    /// The stream the user gave for the input: events of other streams are rejected.
    pub stream: Option<Stream>,
    /// Programs to take, user names, the host of lines naming none, Samba's prefix.
    pub settings: LineSettings,
    /// The host of lines that name none when `settings.host` is unset
    /// (the input's file name).
    pub default_host: String,
}

impl ParseContext {
    /// The defaults: Europe/Oslo, year inferred from `reference_time`,
    /// the default firewall words, any stream, every program.
    pub fn new(reference_time: DateTime<Utc>) -> ParseContext {
        ParseContext {
            time_zone: chrono_tz::Europe::Oslo,
            year: None,
            reference_time,
            firewall: FirewallConfig::default(),
            stream: None,
            settings: LineSettings::default(),
            default_host: String::new(),
        }
    }

    /// The host of lines that name none.
    pub fn host(&self) -> &str {
        self.settings.host.as_deref().unwrap_or(&self.default_host)
    }
}

/// The outcome of one line.
// One value per line, moved once into the pending batch: boxing the event
// would cost an allocation per line for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A line (or the lines of `span`) read as an event.
    Event {
        /// When it happened (whole microseconds, UTC).
        time: DateTime<Utc>,
        /// What happened.
        event: Event,
        /// The lines it was read from, when more than the line just given.
        span: Option<Span>,
    },
    /// A line (or the lines of `span`) no parser accepted.
    Rejected {
        /// Why, lowercase and short, saying what was expected.
        reason: String,
        /// The stream the line was meant for, if known.
        intended: Option<Stream>,
        /// The lines it was read from, when more than the line just given.
        span: Option<Span>,
    },
    /// The line is kept for a record of several lines that has not ended
    /// (auditd's records of one event, a Samba log header and its message,
    /// a `journalctl -o export` entry): it comes out with that record.
    Held,
    /// The line is not stored: the source's settings leave its program out,
    /// or it is a header line of its format (`#Fields:`). Counted per reason.
    Skipped {
        /// Why, e.g. ``program `CRON` (skip_programs)``.
        reason: String,
    },
}

/// The lines one record was read from, when it spans several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Number of the first line (1-based; 0 when the lines were given without numbers).
    pub number: u64,
    /// Byte offset of the first line.
    pub offset: u64,
    /// How many lines the record was read from.
    pub lines: u64,
    /// The lines, joined by `\n`.
    pub raw: String,
}

/// Why a line was rejected, before the source's stream fills in `intended`.
struct Rejection {
    reason: String,
    intended: Option<Stream>,
}

fn reject(reason: impl Into<String>, intended: Option<Stream>) -> Rejection {
    Rejection {
        reason: reason.into(),
        intended,
    }
}

type Outcome = Result<(DateTime<Utc>, Event), Rejection>;

/// Where a line stands in its input, for records of several lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineAt {
    /// 1-based line number (0 when unknown).
    pub number: u64,
    /// Byte offset of the line's first byte.
    pub offset: u64,
}

/// The parsers of syslog messages, chosen by program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SyslogFormat {
    Sshd,
    Auth,
    Netfilter,
    Filterlog,
    Samba,
    SambaLog,
}

impl SyslogFormat {
    fn stream(self) -> Stream {
        match self {
            SyslogFormat::Sshd | SyslogFormat::Auth | SyslogFormat::SambaLog => Stream::Sessions,
            SyslogFormat::Netfilter | SyslogFormat::Filterlog => Stream::Firewall,
            SyslogFormat::Samba => Stream::Access,
        }
    }
}

/// Parses the lines of one input in order, keeping the state that spans
/// lines: the syslog year and previous instant, sshd's open connections,
/// and the lines of a record not yet ended.
#[derive(Debug)]
pub struct LineParser {
    context: ParseContext,
    format: Format,
    clock: SyslogClock,
    sshd: SshdParser,
    /// `pfirewall.log`'s field order, from its `#Fields:` header.
    pfirewall: PfirewallParser,
    /// The lines held for a record that has not ended.
    group: Option<Group>,
    /// auditd events whose records are still arriving.
    audit: AuditEvents,
    /// Records of several lines that ended with the last line given (or
    /// before it), waiting for [`LineParser::take_completed`].
    completed: VecDeque<Parsed>,
    /// Records of the last line after its first, waiting for
    /// [`LineParser::take_more`].
    more: VecDeque<Parsed>,
}

impl LineParser {
    /// Lines from now on are dated around `reference_time` when their year
    /// is not known (see [`SyslogClock::set_reference_time`]).
    pub fn set_reference_time(&mut self, reference_time: DateTime<Utc>) {
        self.context.reference_time = reference_time;
        self.clock.set_reference_time(reference_time);
    }

    /// The instants the input's year-less timestamps were given.
    pub fn year_less_span(&self) -> Option<clock::YearLessSpan> {
        self.clock.year_less_span()
    }

    /// A parser for one input read in `format`.
    pub fn new(context: ParseContext, format: Format) -> LineParser {
        let clock = SyslogClock::new(context.time_zone, context.year, context.reference_time);
        LineParser {
            context,
            format,
            clock,
            sshd: SshdParser::new(),
            pfirewall: PfirewallParser::new(),
            group: None,
            audit: AuditEvents::default(),
            completed: VecDeque::new(),
            more: VecDeque::new(),
        }
    }

    /// Parses one line, given without its line ending (the line's place
    /// unknown: see [`LineParser::parse_at`]).
    pub fn parse(&mut self, line: &str) -> Parsed {
        self.parse_at(line, LineAt::default())
    }

    /// Parses one line, given without its line ending, that stands `at`
    /// in its input. When the line ends a record of several lines without
    /// being part of it, that record is kept for [`LineParser::take_completed`];
    /// when the line holds several records, those after the first are kept
    /// for [`LineParser::take_more`].
    pub fn parse_at(&mut self, line: &str, at: LineAt) -> Parsed {
        if let Some(parsed) = self.extend_group(line) {
            return parsed;
        }
        self.read_line(line, at)
    }

    /// The outcome of an event read elsewhere (a record of an `.evtx`
    /// file), or why it was not read: user names written as the settings
    /// say, the source's stream kept.
    pub fn outcome_of(&self, read: Result<(DateTime<Utc>, Event), String>) -> Parsed {
        self.finish_outcome(read.map_err(|reason| reject(reason, None)), None)
    }

    /// The next record of several lines that ended with the last line
    /// given, without the line's own outcome (which comes after them):
    /// call until `None`.
    pub fn take_completed(&mut self) -> Option<Parsed> {
        self.completed.pop_front()
    }

    /// The next record the last line held after its first: they come
    /// after the line's own outcome.
    pub fn take_more(&mut self) -> Option<Parsed> {
        self.more.pop_front()
    }

    /// Whether lines are held for a record that has not ended.
    pub fn is_holding(&self) -> bool {
        self.group.is_some() || !self.audit.is_empty()
    }

    /// The end of the input (or a commit, or a line that cannot be read):
    /// the records held come out as they stand, one per call, oldest
    /// first: call until `None`.
    pub fn finish(&mut self) -> Option<Parsed> {
        self.complete_audit_events();
        if let Some(group) = self.group.take() {
            let parsed = self.read_group(group);
            self.completed.push_back(parsed);
        }
        self.completed.pop_front()
    }

    /// The outcome of a syslog line, or `Err` with the reason the line is
    /// skipped: the settings leave its program out.
    fn parse_syslog_line(&mut self, line: &str) -> Result<Outcome, String> {
        let header = match parse_syslog(line, &mut self.clock) {
            Ok(header) => header,
            Err(SyslogError::NotSyslog) => {
                return Ok(Err(reject(self.not_syslog_reason(), self.format.stream())));
            }
            Err(SyslogError::Invalid(reason)) => {
                return Ok(Err(reject(reason, self.format.stream())));
            }
        };
        if let Err(setting) = self.context.settings.takes_program(&header.program) {
            return Err(format!("program `{}` ({setting})", header.program));
        }
        Ok(self.read_message(&header))
    }

    /// Reads a syslog message (or a journald entry's) with its program's parser.
    fn read_message(&mut self, header: &SyslogLine) -> Outcome {
        let format = match self.format {
            Format::Sshd => expect_program(SyslogFormat::Sshd, header)?,
            Format::Auth => expect_program(SyslogFormat::Auth, header)?,
            Format::Netfilter => SyslogFormat::Netfilter,
            Format::Filterlog => expect_program(SyslogFormat::Filterlog, header)?,
            Format::Samba => expect_program(SyslogFormat::Samba, header)?,
            Format::SambaLog => expect_program(SyslogFormat::SambaLog, header)?,
            _ => detect(header)?,
        };
        let mut time = header.time;
        let event = match format {
            SyslogFormat::Sshd => self.sshd.parse(header).map(Event::Sessions),
            SyslogFormat::Auth => parse_auth(header).map(|auth| Event::Sessions(auth.event)),
            SyslogFormat::Netfilter => {
                parse_netfilter(&header.host, header.message, &self.context.firewall)
                    .map(Event::Firewall)
            }
            SyslogFormat::Filterlog => {
                parse_filterlog(&header.host, header.message).map(Event::Firewall)
            }
            SyslogFormat::Samba => {
                parse_samba(header, self.context.settings.samba_prefix.as_deref())
                    .map(Event::Access)
            }
            SyslogFormat::SambaLog => {
                if let Some(logged) = samba_log::message_time(header.message) {
                    time = logged;
                }
                samba_log::parse_samba_message(&header.host, header.message).map(samba_event)
            }
        };
        let event = event.map_err(|reason| reject(reason, Some(format.stream())))?;
        Ok((time, event))
    }

    fn not_syslog_reason(&self) -> &'static str {
        match self.format {
            Format::Auto => "not a syslog line (RFC 3164 or 5424) nor JSON",
            _ => "not a syslog line (RFC 3164 or 5424)",
        }
    }

    /// Writes user names as the settings say, rejects events of another
    /// stream than the source's, and fills in the source's stream as the
    /// one a rejected line was meant for.
    fn finish_outcome(&self, outcome: Outcome, span: Option<Span>) -> Parsed {
        let wanted = self.context.stream;
        match outcome {
            Ok((_, event)) if wanted.is_some_and(|wanted| wanted != event.stream()) => {
                Parsed::Rejected {
                    reason: format!(
                        "expected a {} event (the source's stream), found a {} event",
                        wanted.map_or("", Stream::name),
                        event.stream()
                    ),
                    intended: Some(event.stream()),
                    span,
                }
            }
            Ok((time, mut event)) => {
                if let Some(user_names) = self.context.settings.user_names {
                    rename_user(&mut event, user_names);
                }
                Parsed::Event { time, event, span }
            }
            Err(rejection) => Parsed::Rejected {
                reason: rejection.reason,
                intended: rejection.intended.or(wanted),
                span,
            },
        }
    }
}

/// Writes the event's user name as `user_names` says.
fn rename_user(event: &mut Event, user_names: UserNames) {
    let user = match event {
        Event::Sessions(session) => &mut session.user,
        Event::Access(access) => &mut access.user,
        _ => return,
    };
    if let Some(name) = user {
        *name = user_names.apply(name);
    }
}

/// The parser for a syslog line in automatic mode.
fn detect(header: &SyslogLine) -> Result<SyslogFormat, Rejection> {
    let program = header.program.as_str();
    let message = header.message;
    if is_sshd_program(program) {
        return Ok(SyslogFormat::Sshd);
    }
    if is_auth_message(program, message) {
        return Ok(SyslogFormat::Auth);
    }
    if (program == "kernel" || program.is_empty()) && is_netfilter_message(message) {
        return Ok(SyslogFormat::Netfilter);
    }
    if is_filterlog_program(program) {
        return Ok(SyslogFormat::Filterlog);
    }
    if is_samba_program(program) && message.contains('|') {
        return Ok(SyslogFormat::Samba);
    }
    if samba_log::is_samba_message(message) {
        return Ok(SyslogFormat::SambaLog);
    }
    let reason = match program {
        "" => "no parser for syslog line without a program tag".to_string(),
        "kernel" => "no parser for kernel message without `IN=` (netfilter)".to_string(),
        _ if is_samba_program(program) => format!(
            "no parser for `{program}` message: expected `vfs_full_audit` `|` fields, an \
             authentication audit or a share connection"
        ),
        _ => format!("no parser for syslog program `{program}`"),
    };
    Err(reject(reason, None))
}

/// Checks that an explicitly formatted line comes from the expected program.
fn expect_program(format: SyslogFormat, header: &SyslogLine) -> Result<SyslogFormat, Rejection> {
    let program = header.program.as_str();
    let (matches, name, expected) = match format {
        SyslogFormat::Sshd => (is_sshd_program(program), "sshd", "sshd"),
        SyslogFormat::Auth => (
            is_auth_message(program, header.message),
            "auth",
            "sudo`, `su`, `systemd-logind`, `login` or a `pam_unix` message from `any",
        ),
        SyslogFormat::Samba => (is_samba_program(program), "samba", "smbd_audit"),
        SyslogFormat::SambaLog => (
            samba_log::is_samba_message(header.message),
            "samba-log",
            "smbd` with an authentication audit or share connection from `any",
        ),
        SyslogFormat::Filterlog => (is_filterlog_program(program), "filterlog", "filterlog"),
        SyslogFormat::Netfilter => (true, "netfilter", "kernel"),
    };
    if matches {
        return Ok(format);
    }
    let reason = format!("{name}: expected program `{expected}`, found `{program}`");
    Err(reject(reason, Some(format.stream())))
}

/// The vakt event of a Samba log message.
fn samba_event(event: samba_log::SambaEvent) -> Event {
    match event {
        samba_log::SambaEvent::Session(session) => Event::Sessions(session),
        samba_log::SambaEvent::Access(access) => Event::Access(access),
    }
}

#[cfg(test)]
mod tests;
