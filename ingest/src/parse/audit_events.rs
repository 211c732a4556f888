//! auditd's records joined into events, as libauparse joins them: the
//! records of one event share `node` and `msg=audit(TIME:SERIAL)`, and the
//! kernel may interleave the records of events written at the same time
//! (one CPU's SYSCALL between another's SYSCALL and PROCTITLE). So several
//! events are open at once; one ends at its `EOE` record, once a record
//! more than [`EVENT_WINDOW_SECONDS`] newer than it arrives, when more than
//! [`MAX_OPEN_EVENTS`] are open (the oldest), or when the input ends.

use chrono::{DateTime, TimeDelta, Utc};

use super::auditd::{AuditRecord, audit_event, ends_event};
use super::{LineAt, Span};

/// How much newer a record may be than an open event before that event
/// counts as complete (libauparse waits 2 seconds for the same reason).
pub const EVENT_WINDOW_SECONDS: i64 = 2;
/// The most events open at once; past it the oldest is complete.
pub const MAX_OPEN_EVENTS: usize = 64;

/// The records of one event read so far, and the lines they came from.
#[derive(Debug)]
pub(super) struct OpenEvent {
    pub(super) span: Span,
    pub(super) records: Vec<AuditRecord>,
}

/// The events whose records are still arriving, oldest first.
#[derive(Debug, Default)]
pub(super) struct AuditEvents {
    open: Vec<OpenEvent>,
}

impl AuditEvents {
    /// Whether any event is open.
    pub(super) fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// Adds a record (of `line`, standing `at`), and returns the events it
    /// completes, oldest first.
    pub(super) fn push(&mut self, record: AuditRecord, line: &str, at: LineAt) -> Vec<OpenEvent> {
        let newest = record.time;
        let ends = ends_event(&record);
        let position = self
            .open
            .iter()
            .position(|event| same_event(event, &record));
        let index = match position {
            Some(index) => {
                let event = &mut self.open[index];
                event.span.lines += 1;
                event.span.raw.push('\n');
                event.span.raw.push_str(line);
                event.records.push(record);
                index
            }
            None => {
                self.open.push(OpenEvent {
                    span: Span {
                        number: at.number,
                        offset: at.offset,
                        lines: 1,
                        raw: line.to_string(),
                    },
                    records: vec![record],
                });
                self.open.len() - 1
            }
        };
        let mut complete = Vec::new();
        if ends {
            complete.push(self.open.remove(index));
        }
        complete.extend(self.take_older_than(newest));
        while self.open.len() > MAX_OPEN_EVENTS {
            complete.push(self.open.remove(0));
        }
        complete
    }

    /// Every open event, oldest first: the input ended.
    pub(super) fn take_all(&mut self) -> Vec<OpenEvent> {
        std::mem::take(&mut self.open)
    }

    fn take_older_than(&mut self, newest: DateTime<Utc>) -> Vec<OpenEvent> {
        let window = TimeDelta::seconds(EVENT_WINDOW_SECONDS);
        let (old, open): (Vec<OpenEvent>, Vec<OpenEvent>) = std::mem::take(&mut self.open)
            .into_iter()
            .partition(|event| event_time(event).is_some_and(|time| newest - time > window));
        self.open = open;
        old
    }
}

fn same_event(event: &OpenEvent, record: &AuditRecord) -> bool {
    event.records.first().is_some_and(|first| {
        first.serial == record.serial && first.time == record.time && first.node == record.node
    })
}

fn event_time(event: &OpenEvent) -> Option<DateTime<Utc>> {
    event.records.first().map(|record| record.time)
}

/// The access event of an event's records, with its time.
pub(super) fn audit_outcome(
    records: &[AuditRecord],
    host: &str,
) -> Result<(DateTime<Utc>, vakt_schemas::AccessEvent), String> {
    let event = audit_event(records, host)?;
    let time = records
        .first()
        .map(|record| record.time)
        .ok_or("auditd: expected at least one record")?;
    Ok((time, event))
}

#[cfg(test)]
mod tests {
    use super::super::auditd::parse_audit_record;
    use super::*;

    fn push(events: &mut AuditEvents, line: &str, number: u64) -> Vec<u64> {
        let record = parse_audit_record(line).unwrap();
        let at = LineAt { number, offset: 0 };
        events
            .push(record, line, at)
            .iter()
            .map(|event| event.records[0].serial)
            .collect()
    }

    #[test]
    fn interleaved_events_are_told_apart_and_end_at_eoe_or_later_records() {
        let mut events = AuditEvents::default();
        let syscall = |serial: u32, time: &str| {
            format!(
                "type=SYSCALL msg=audit({time}:{serial}): arch=c000003e syscall=2 success=yes exit=3 items=1 auid=1000 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\""
            )
        };
        let proctitle = |serial: u32, time: &str| {
            format!("type=PROCTITLE msg=audit({time}:{serial}): proctitle=\"cat\"")
        };
        assert!(push(&mut events, &syscall(35, "1451781471.394"), 1).is_empty());
        assert!(push(&mut events, &syscall(33, "1451781471.394"), 2).is_empty());
        assert!(push(&mut events, &proctitle(33, "1451781471.394"), 3).is_empty());
        assert!(push(&mut events, &proctitle(35, "1451781471.394"), 4).is_empty());
        assert_eq!(
            push(&mut events, "type=EOE msg=audit(1451781471.394:33): ", 5),
            [33]
        );
        // A record three seconds later completes the event still open.
        assert_eq!(push(&mut events, &syscall(40, "1451781474.500"), 6), [35]);
        let rest = events.take_all();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].span.number, 6);
        assert!(events.is_empty());
    }
}
