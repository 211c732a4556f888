//! One parser per log format, and the choice between them.
//!
//! A [`LineParser`] reads the lines of one input, in order, into events of
//! the `sessions`, `firewall` and `access` streams, or rejects a line with a
//! short lowercase reason saying what was expected (the line then goes to
//! quarantine). With [`Format::Auto`] each line picks its own parser:
//!
//! * a line starting with `{` is JSON Lines ([`jsonl`]);
//! * otherwise the syslog header is read ([`syslog`]) and the program tag
//!   decides: `sshd`, `sshd-session`, `sshd-auth` ([`sshd`]); `kernel` (or no
//!   tag) with `IN=` ([`netfilter`]); `smbd_audit` or `smbd` with `|` ([`samba`]);
//! * a syslog line of any other program is rejected as having no parser.
//!
//! An explicit format reads every line with that parser.

pub mod clock;
pub mod jsonl;
pub mod netfilter;
pub mod samba;
pub mod sshd;
pub mod syslog;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use vakt_schemas::config::FirewallConfig;
use vakt_schemas::{Event, Stream};

use self::clock::SyslogClock;
use self::jsonl::parse_jsonl;
use self::netfilter::{is_netfilter_message, parse_netfilter};
use self::samba::{is_samba_program, parse_samba};
use self::sshd::{SshdParser, is_sshd_program};
use self::syslog::{SyslogError, SyslogLine, parse_syslog};

/// The log format of an input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// Each line picks its parser (JSON, or syslog by program).
    #[default]
    Auto,
    /// OpenSSH server messages in syslog.
    Sshd,
    /// Linux netfilter `LOG` lines (iptables, nftables, ufw) in syslog.
    Netfilter,
    /// Samba `vfs_full_audit` lines in syslog.
    Samba,
    /// One JSON object per line.
    Jsonl,
}

impl Format {
    /// The names `FromStr` accepts (besides the alias `iptables`), for `--help`.
    pub const ALL_NAMES: [&'static str; 5] = ["auto", "sshd", "netfilter", "samba", "jsonl"];

    /// The format's name on the command line and in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Sshd => "sshd",
            Format::Netfilter => "netfilter",
            Format::Samba => "samba",
            Format::Jsonl => "jsonl",
        }
    }

    /// The stream this format's lines go to, if there is a single one.
    pub fn stream(self) -> Option<Stream> {
        match self {
            Format::Sshd => Some(Stream::Sessions),
            Format::Netfilter => Some(Stream::Firewall),
            Format::Samba => Some(Stream::Access),
            Format::Auto | Format::Jsonl => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A format name that is not one of [`Format::ALL_NAMES`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown log format `{0}`: expected one of auto, sshd, netfilter (or iptables), samba, jsonl"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "auto" => Ok(Format::Auto),
            "sshd" => Ok(Format::Sshd),
            "netfilter" | "iptables" => Ok(Format::Netfilter),
            "samba" => Ok(Format::Samba),
            "jsonl" => Ok(Format::Jsonl),
            _ => Err(UnknownFormat(name.to_string())),
        }
    }
}

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
}

impl ParseContext {
    /// The defaults: Europe/Oslo, year inferred from `reference_time`,
    /// the default firewall words, any stream.
    pub fn new(reference_time: DateTime<Utc>) -> ParseContext {
        ParseContext {
            time_zone: chrono_tz::Europe::Oslo,
            year: None,
            reference_time,
            firewall: FirewallConfig::default(),
            stream: None,
        }
    }
}

/// The outcome of one line.
// One value per line, moved once into the pending batch: boxing the event
// would cost an allocation per line for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A line read as an event.
    Event {
        /// When it happened (whole microseconds, UTC).
        time: DateTime<Utc>,
        /// What happened.
        event: Event,
    },
    /// A line no parser accepted.
    Rejected {
        /// Why, lowercase and short, saying what was expected.
        reason: String,
        /// The stream the line was meant for, if known.
        intended: Option<Stream>,
    },
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

/// The parsers of the syslog-based formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SyslogFormat {
    Sshd,
    Netfilter,
    Samba,
}

impl SyslogFormat {
    fn stream(self) -> Stream {
        match self {
            SyslogFormat::Sshd => Stream::Sessions,
            SyslogFormat::Netfilter => Stream::Firewall,
            SyslogFormat::Samba => Stream::Access,
        }
    }
}

/// Parses the lines of one input in order, keeping the state that spans
/// lines: the syslog year and previous instant, and sshd's open connections.
#[derive(Debug)]
pub struct LineParser {
    context: ParseContext,
    format: Format,
    clock: SyslogClock,
    sshd: SshdParser,
}

impl LineParser {
    /// Lines from now on are dated around `reference_time` when their year
    /// is not known (see [`SyslogClock::set_reference_time`]).
    pub fn set_reference_time(&mut self, reference_time: DateTime<Utc>) {
        self.context.reference_time = reference_time;
        self.clock.set_reference_time(reference_time);
    }

    /// A parser for one input read in `format`.
    pub fn new(context: ParseContext, format: Format) -> LineParser {
        let clock = SyslogClock::new(context.time_zone, context.year, context.reference_time);
        LineParser {
            context,
            format,
            clock,
            sshd: SshdParser::new(),
        }
    }

    /// Parses one line, given without its line ending.
    pub fn parse(&mut self, line: &str) -> Parsed {
        let is_json = match self.format {
            Format::Jsonl => true,
            Format::Auto => line.trim_start().starts_with('{'),
            _ => false,
        };
        let outcome = if is_json {
            parse_jsonl(line, self.context.stream)
                .map_err(|rejection| reject(rejection.reason, rejection.intended))
        } else {
            self.parse_syslog_line(line)
        };
        self.keep_stream(outcome)
    }

    fn parse_syslog_line(&mut self, line: &str) -> Outcome {
        let header = match parse_syslog(line, &mut self.clock) {
            Ok(header) => header,
            Err(SyslogError::NotSyslog) => {
                return Err(reject(self.not_syslog_reason(), self.format.stream()));
            }
            Err(SyslogError::Invalid(reason)) => return Err(reject(reason, self.format.stream())),
        };
        let format = match self.format {
            Format::Sshd => expect_program(SyslogFormat::Sshd, &header)?,
            Format::Netfilter => SyslogFormat::Netfilter,
            Format::Samba => expect_program(SyslogFormat::Samba, &header)?,
            Format::Auto | Format::Jsonl => detect(&header)?,
        };
        let event = match format {
            SyslogFormat::Sshd => self.sshd.parse(&header).map(Event::Sessions),
            SyslogFormat::Netfilter => {
                parse_netfilter(&header.host, header.message, &self.context.firewall)
                    .map(Event::Firewall)
            }
            SyslogFormat::Samba => parse_samba(&header).map(Event::Access),
        };
        let event = event.map_err(|reason| reject(reason, Some(format.stream())))?;
        Ok((header.time, event))
    }

    fn not_syslog_reason(&self) -> &'static str {
        match self.format {
            Format::Auto => "not a syslog line (RFC 3164 or 5424) nor JSON",
            _ => "not a syslog line (RFC 3164 or 5424)",
        }
    }

    /// Rejects events of another stream than the source's, and fills in the
    /// source's stream as the one a rejected line was meant for.
    fn keep_stream(&self, outcome: Outcome) -> Parsed {
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
                }
            }
            Ok((time, event)) => Parsed::Event { time, event },
            Err(rejection) => Parsed::Rejected {
                reason: rejection.reason,
                intended: rejection.intended.or(wanted),
            },
        }
    }
}

/// The parser for a syslog line in automatic mode.
fn detect(header: &SyslogLine) -> Result<SyslogFormat, Rejection> {
    let program = header.program.as_str();
    if is_sshd_program(program) {
        return Ok(SyslogFormat::Sshd);
    }
    if (program == "kernel" || program.is_empty()) && is_netfilter_message(header.message) {
        return Ok(SyslogFormat::Netfilter);
    }
    if is_samba_program(program) && header.message.contains('|') {
        return Ok(SyslogFormat::Samba);
    }
    let reason = match program {
        "" => "no parser for syslog line without a program tag".to_string(),
        "kernel" => "no parser for kernel message without `IN=` (netfilter)".to_string(),
        _ if is_samba_program(program) => {
            format!("no parser for `{program}` message without `|` fields")
        }
        _ => format!("no parser for syslog program `{program}`"),
    };
    Err(reject(reason, None))
}

/// Checks that an explicitly formatted line comes from the expected program.
fn expect_program(format: SyslogFormat, header: &SyslogLine) -> Result<SyslogFormat, Rejection> {
    let (matches, name, expected) = match format {
        SyslogFormat::Sshd => (is_sshd_program(&header.program), "sshd", "sshd"),
        SyslogFormat::Samba => (is_samba_program(&header.program), "samba", "smbd_audit"),
        SyslogFormat::Netfilter => (true, "netfilter", "kernel"),
    };
    if matches {
        return Ok(format);
    }
    let reason = format!(
        "{name}: expected program `{expected}`, found `{}`",
        header.program
    );
    Err(reject(reason, Some(format.stream())))
}

#[cfg(test)]
mod tests;
