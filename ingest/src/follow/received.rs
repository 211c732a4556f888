//! Syslog messages received (`crate::receiver`) read into records: each
//! address has its own parser, and a record's source is `NAME@SENDER`.

use std::time::Instant;

use chrono::Utc;

use super::Follower;
use crate::parse::{LineParser, ParseContext};
use crate::pipeline::IngestError;
use crate::receiver::{Listener, Received};
use crate::source::Line;

/// A `[[listen]]` address as the run reads its messages.
pub(super) struct ListenerState {
    name: String,
    parser: LineParser,
    /// Messages read from it since the run started: a message's number in
    /// the quarantine.
    messages: u64,
}

impl ListenerState {
    pub(super) fn new(listener: &Listener, context: &ParseContext) -> ListenerState {
        let mut context = context.clone();
        context.stream = listener.stream;
        context.settings = listener.settings.over(&context.settings);
        context.default_host = listener.name.clone();
        ListenerState {
            name: listener.name.clone(),
            parser: LineParser::new(context, listener.format),
            messages: 0,
        }
    }
}

impl Follower<'_> {
    /// Reads received messages into pending records, committing when
    /// `commit_records` of them wait.
    pub fn take_received(
        &mut self,
        received: Vec<Received>,
        now: Instant,
    ) -> Result<(), IngestError> {
        if received.is_empty() {
            return Ok(());
        }
        // Messages arrive as they are written: a year-less syslog time is
        // of the year around now.
        let arrived = Utc::now();
        for message in received {
            let Some(listener) = self.listeners.get_mut(message.listener) else {
                continue;
            };
            listener.parser.set_reference_time(arrived);
            listener.messages += 1;
            let frame = message.frame;
            let line = Line {
                number: listener.messages,
                offset: 0,
                end: frame.length,
                length: frame.length,
                bytes: frame.bytes,
                truncated_sha256: frame.truncated_sha256,
            };
            let summary = &mut self.batch.summary;
            summary.messages_received += 1;
            summary.bytes_read += frame.length;
            let source = format!("{}@{}", listener.name, message.peer);
            self.batch.take_line(&source, &mut listener.parser, &line);
            if self.batch.pending_records() >= self.options.commit_records {
                self.batch.finish_input(&source, &mut listener.parser);
                self.commit(now)?;
            }
        }
        // A record of several messages (auditd's records of one event)
        // ends with the messages that came together.
        for listener in &mut self.listeners {
            let source = listener.name.clone();
            self.batch.finish_input(&source, &mut listener.parser);
        }
        self.note_waiting(now);
        Ok(())
    }
}
