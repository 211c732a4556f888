//! Connections the firewalls let through across zone boundaries (3.2.e,
//! 3.3.c, 3.3.d).

use std::net::IpAddr;

use vakt_query::sql::SqlSession;
use vakt_schemas::Stream;
use vakt_schemas::config::{EXTERNAL, INTERNAL, SECURE};

use crate::ReviewError;
use crate::context::Context;
use crate::draft::Drafts;
use crate::finding::Check;
use crate::rows::Rows;
use crate::statements;

/// Checks every allowed new connection of the year that crosses into or
/// out of the secure zone, or from external into internal; returns how
/// many firewall records the year has.
pub fn check(
    context: &Context,
    session: &SqlSession,
    drafts: &mut Drafts,
) -> Result<usize, ReviewError> {
    let counted = Rows::query(
        session,
        &format!(
            "SELECT count(*) AS records FROM firewall WHERE {}",
            context.period.sql_condition()
        ),
    )?;
    let records = counted
        .each()
        .next()
        .and_then(|row| row.i64("records"))
        .unwrap_or(0);
    let sql = format!(
        "SELECT seq, time, src_ip, src_zone, dst_ip, dst_port, dst_zone, protocol FROM firewall \
         WHERE action = 'allow' AND new_connection AND {} AND ( \
           (dst_zone = 'secure' AND coalesce(src_zone, '') <> 'secure') \
           OR (src_zone = 'secure' AND coalesce(dst_zone, '') <> 'secure') \
           OR (src_zone = 'external' AND dst_zone = 'internal'))",
        context.period.sql_condition()
    );
    let rows = Rows::query(session, &sql)?;
    let config = context.config;
    let terminal_addresses: Vec<IpAddr> = config
        .secure_zone
        .terminal_servers
        .values()
        .copied()
        .collect();
    for row in rows.each() {
        let (seq, time) = (row.seq(), row.time());
        let src_zone = row.text("src_zone").unwrap_or(EXTERNAL);
        let dst_zone = row.text("dst_zone").unwrap_or(EXTERNAL);
        let protocol = row.text("protocol").unwrap_or("?").to_ascii_lowercase();
        let port = row.u16("dst_port");
        let dst_text = row.text("dst_ip").unwrap_or("?");
        let (Some(source), Some(destination)) = (
            row.text("src_ip")
                .and_then(|text| text.parse::<IpAddr>().ok()),
            dst_text.parse::<IpAddr>().ok(),
        ) else {
            continue;
        };
        let to = match port {
            Some(port) => format!("to={dst_text}:{port}/{protocol}"),
            None => format!("to={dst_text}/{protocol}"),
        };

        if dst_zone == SECURE && src_zone != SECURE {
            let terminal_port = port.is_some_and(|port| {
                config.secure_zone.terminal_ports.contains(&port)
                    && matches!(protocol.as_str(), "tcp" | "udp")
            });
            let terminal_session =
                src_zone == INTERNAL && terminal_addresses.contains(&destination) && terminal_port;
            if !terminal_session {
                drafts
                    .entry(
                        Check::InboundToSecure,
                        format!("from={src_zone} {to}"),
                        statements::inbound_to_secure,
                    )
                    .record(Stream::Firewall, seq, time);
            }
        } else if src_zone == SECURE && dst_zone != SECURE {
            let transfer_host = config
                .secure_zone
                .transfer_hosts
                .iter()
                .any(|net| net.contains(&destination));
            if !transfer_host {
                drafts
                    .entry(Check::SecureEgress, to, statements::secure_egress)
                    .record(Stream::Firewall, seq, time);
            }
        } else if src_zone == EXTERNAL && dst_zone == INTERNAL {
            let listed = config
                .zones
                .exceptions
                .iter()
                .any(|exception| exception.allows(source, destination, port, &protocol));
            if !listed {
                drafts
                    .entry(Check::UnlistedException, to, statements::unlisted_exception)
                    .record(Stream::Firewall, seq, time);
            }
        }
    }
    Ok(usize::try_from(records).unwrap_or(0))
}
