//! The typed events of each stream: what a parser produces and what a reader
//! gets back, one struct per table (DESIGN.md, "Data model").

use serde::{Deserialize, Serialize};

use crate::stream::Stream;
use crate::table::event_columns;
use crate::value::{Cells, ShapeError, Value};

/// A terminal or SSH session event.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEvent {
    pub server: String,
    pub server_zone: Option<String>,
    pub user: Option<String>,
    pub src_ip: Option<String>,
    pub src_port: Option<u16>,
    pub src_zone: Option<String>,
    pub protocol: String,
    /// `login`, `partial`, `failed`, `open`, `logout`, `disconnect`, `reconnect` or `other`.
    pub action: String,
    pub session_id: Option<String>,
    /// The authentication methods in the order used, comma-separated.
    pub auth_methods: Option<String>,
    pub multi_factor: Option<bool>,
}

/// A packet logged by a firewall.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirewallEvent {
    pub device: String,
    /// `allow`, `deny` or `unknown` (the log prefix said neither).
    pub action: String,
    pub src_ip: String,
    pub src_port: Option<u16>,
    pub src_zone: Option<String>,
    pub dst_ip: String,
    pub dst_port: Option<u16>,
    pub dst_zone: Option<String>,
    pub protocol: String,
    pub new_connection: bool,
    pub rule: Option<String>,
    pub in_iface: Option<String>,
    pub out_iface: Option<String>,
}

/// One use of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEvent {
    pub host: String,
    pub user: Option<String>,
    /// `read`, `write`, `create`, `delete`, `rename`, `copy`, `print`, `list`,
    /// `connect`, `disconnect`, `chmod` or `other`.
    pub operation: String,
    pub path: String,
    pub target: Option<String>,
    pub area: Option<String>,
    pub dataset: Option<String>,
    pub success: bool,
    pub client_ip: Option<String>,
    pub client_name: Option<String>,
    pub share: Option<String>,
    pub session: Option<String>,
}

/// One registry file as it stood at a snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryEvent {
    pub file: String,
    /// SHA-256 of `content`, lowercase hex.
    pub digest: String,
    pub content: String,
}

/// One use of vakt itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The operating-system user who ran the command.
    pub user: String,
    pub command: String,
    pub detail: Option<String>,
    pub rows: Option<i64>,
    pub result: Option<String>,
}

/// An input line that no parser accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineEvent {
    /// 1-based line number in the source.
    pub line: u64,
    /// Byte offset of the line's first byte in the source.
    pub offset: u64,
    pub reason: String,
    /// Length of the original line in bytes (the `raw` column may hold less).
    pub raw_length: u64,
    /// SHA-256 of the original line's bytes, lowercase hex.
    pub raw_sha256: String,
    pub intended_stream: Option<String>,
}

/// An event of any stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stream", rename_all = "lowercase")]
pub enum Event {
    Sessions(SessionEvent),
    Firewall(FirewallEvent),
    Access(AccessEvent),
    Registry(RegistryEvent),
    Audit(AuditEvent),
    Quarantine(QuarantineEvent),
}

impl Event {
    pub fn stream(&self) -> Stream {
        match self {
            Event::Sessions(_) => Stream::Sessions,
            Event::Firewall(_) => Stream::Firewall,
            Event::Access(_) => Stream::Access,
            Event::Registry(_) => Stream::Registry,
            Event::Audit(_) => Stream::Audit,
            Event::Quarantine(_) => Stream::Quarantine,
        }
    }

    /// The event's cells in the order of [`event_columns`].
    pub fn values(&self) -> Vec<Value> {
        match self {
            Event::Sessions(event) => vec![
                Value::Utf8(event.server.clone()),
                Value::opt_utf8(event.server_zone.as_deref()),
                Value::opt_utf8(event.user.as_deref()),
                Value::opt_utf8(event.src_ip.as_deref()),
                Value::opt_u16(event.src_port),
                Value::opt_utf8(event.src_zone.as_deref()),
                Value::Utf8(event.protocol.clone()),
                Value::Utf8(event.action.clone()),
                Value::opt_utf8(event.session_id.as_deref()),
                Value::opt_utf8(event.auth_methods.as_deref()),
                Value::opt_bool(event.multi_factor),
            ],
            Event::Firewall(event) => vec![
                Value::Utf8(event.device.clone()),
                Value::Utf8(event.action.clone()),
                Value::Utf8(event.src_ip.clone()),
                Value::opt_u16(event.src_port),
                Value::opt_utf8(event.src_zone.as_deref()),
                Value::Utf8(event.dst_ip.clone()),
                Value::opt_u16(event.dst_port),
                Value::opt_utf8(event.dst_zone.as_deref()),
                Value::Utf8(event.protocol.clone()),
                Value::Boolean(event.new_connection),
                Value::opt_utf8(event.rule.as_deref()),
                Value::opt_utf8(event.in_iface.as_deref()),
                Value::opt_utf8(event.out_iface.as_deref()),
            ],
            Event::Access(event) => vec![
                Value::Utf8(event.host.clone()),
                Value::opt_utf8(event.user.as_deref()),
                Value::Utf8(event.operation.clone()),
                Value::Utf8(event.path.clone()),
                Value::opt_utf8(event.target.as_deref()),
                Value::opt_utf8(event.area.as_deref()),
                Value::opt_utf8(event.dataset.as_deref()),
                Value::Boolean(event.success),
                Value::opt_utf8(event.client_ip.as_deref()),
                Value::opt_utf8(event.client_name.as_deref()),
                Value::opt_utf8(event.share.as_deref()),
                Value::opt_utf8(event.session.as_deref()),
            ],
            Event::Registry(event) => vec![
                Value::Utf8(event.file.clone()),
                Value::Utf8(event.digest.clone()),
                Value::Utf8(event.content.clone()),
            ],
            Event::Audit(event) => vec![
                Value::Utf8(event.user.clone()),
                Value::Utf8(event.command.clone()),
                Value::opt_utf8(event.detail.as_deref()),
                Value::opt_i64(event.rows),
                Value::opt_utf8(event.result.as_deref()),
            ],
            Event::Quarantine(event) => vec![
                Value::UInt64(event.line),
                Value::UInt64(event.offset),
                Value::Utf8(event.reason.clone()),
                Value::UInt64(event.raw_length),
                Value::Utf8(event.raw_sha256.clone()),
                Value::opt_utf8(event.intended_stream.as_deref()),
            ],
        }
    }

    /// Rebuilds an event of `stream` from its cells, in the order of [`event_columns`].
    pub fn from_values(stream: Stream, values: &[Value]) -> Result<Event, ShapeError> {
        let mut cells = Cells::new(event_columns(stream), values);
        let event = match stream {
            Stream::Sessions => Event::Sessions(SessionEvent {
                server: cells.utf8()?,
                server_zone: cells.opt_utf8()?,
                user: cells.opt_utf8()?,
                src_ip: cells.opt_utf8()?,
                src_port: cells.opt_u16()?,
                src_zone: cells.opt_utf8()?,
                protocol: cells.utf8()?,
                action: cells.utf8()?,
                session_id: cells.opt_utf8()?,
                auth_methods: cells.opt_utf8()?,
                multi_factor: cells.opt_bool()?,
            }),
            Stream::Firewall => Event::Firewall(FirewallEvent {
                device: cells.utf8()?,
                action: cells.utf8()?,
                src_ip: cells.utf8()?,
                src_port: cells.opt_u16()?,
                src_zone: cells.opt_utf8()?,
                dst_ip: cells.utf8()?,
                dst_port: cells.opt_u16()?,
                dst_zone: cells.opt_utf8()?,
                protocol: cells.utf8()?,
                new_connection: cells.boolean()?,
                rule: cells.opt_utf8()?,
                in_iface: cells.opt_utf8()?,
                out_iface: cells.opt_utf8()?,
            }),
            Stream::Access => Event::Access(AccessEvent {
                host: cells.utf8()?,
                user: cells.opt_utf8()?,
                operation: cells.utf8()?,
                path: cells.utf8()?,
                target: cells.opt_utf8()?,
                area: cells.opt_utf8()?,
                dataset: cells.opt_utf8()?,
                success: cells.boolean()?,
                client_ip: cells.opt_utf8()?,
                client_name: cells.opt_utf8()?,
                share: cells.opt_utf8()?,
                session: cells.opt_utf8()?,
            }),
            Stream::Registry => Event::Registry(RegistryEvent {
                file: cells.utf8()?,
                digest: cells.utf8()?,
                content: cells.utf8()?,
            }),
            Stream::Audit => Event::Audit(AuditEvent {
                user: cells.utf8()?,
                command: cells.utf8()?,
                detail: cells.opt_utf8()?,
                rows: cells.opt_i64()?,
                result: cells.opt_utf8()?,
            }),
            Stream::Quarantine => Event::Quarantine(QuarantineEvent {
                line: cells.u64()?,
                offset: cells.u64()?,
                reason: cells.utf8()?,
                raw_length: cells.u64()?,
                raw_sha256: cells.utf8()?,
                intended_stream: cells.opt_utf8()?,
            }),
        };
        Ok(event)
    }
}
