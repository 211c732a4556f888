//! What the store's test binaries share.

use chrono::{DateTime, Utc};
use vakt_schemas::{Event, SessionEvent};
use vakt_store::PendingRecord;

/// A successful ssh login of `user` on `ts1` at `time`.
pub fn login(time: DateTime<Utc>, user: &str) -> PendingRecord {
    PendingRecord {
        time,
        source: "test".into(),
        raw: format!("Accepted publickey for {user}"),
        event: Event::Sessions(SessionEvent {
            server: "ts1".into(),
            user: Some(user.into()),
            protocol: "ssh".into(),
            action: "login".into(),
            ..SessionEvent::default()
        }),
    }
}
