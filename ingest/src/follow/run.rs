//! The run's loop: look at the files, wait for received messages, commit
//! when due, and hand over to [`Between`] (the schedule, the status file,
//! the configuration watch), until a signal or `Between` stops it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use vakt_schemas::config::Config;

use super::{FollowOptions, FollowedSource, Follower};
use crate::pipeline::{IngestError, IngestSummary};
use crate::receiver::Receiver;

/// What `vakt run` does between its reads besides committing (its
/// schedule of jobs, its status file, watching its configuration).
pub trait Between {
    /// Called after each round of looking, receiving and committing.
    /// `Flow::Stop` ends the run as a signal does.
    fn between(
        &mut self,
        follower: &mut Follower<'_>,
        receiver: Option<&Receiver>,
        now: Instant,
    ) -> Result<Flow, IngestError>;

    /// Called once when the run has stopped and committed.
    fn stopped(&mut self, follower: &mut Follower<'_>, receiver: Option<&Receiver>);
}

/// Whether the run goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Follows `sources`, and reads what `receiver` receives, until `stop` is
/// set (SIGTERM, SIGINT) or `between` says so; then stops receiving,
/// commits and returns what was done. `on_messages` is called with the
/// notes and problems as they come.
#[allow(clippy::too_many_arguments)]
pub fn follow(
    writer: &mut vakt_store::StoreWriter,
    config: &Config,
    sources: Vec<FollowedSource>,
    mut receiver: Option<Receiver>,
    options: FollowOptions,
    stop: &AtomicBool,
    between: &mut dyn Between,
    on_messages: &mut dyn FnMut(&[String]),
) -> Result<IngestSummary, IngestError> {
    let poll_interval = options.poll_interval;
    let listeners = receiver
        .as_ref()
        .map(|receiver| receiver.listeners.clone())
        .unwrap_or_default();
    let started = Instant::now();
    let mut follower = Follower::new(writer, config, sources, &listeners, options, started)?;
    let mut next_poll = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now >= next_poll {
            follower.poll(now)?;
            next_poll = now + poll_interval;
        }
        // Wait for messages until the next look, waking for a stop.
        let deadline = next_poll.min(now + STOP_CHECK);
        match &receiver {
            Some(receiver) => {
                let messages = receiver.receive(deadline, RECEIVE_BATCH);
                follower.take_received(messages, Instant::now())?;
            }
            None => std::thread::sleep(deadline.saturating_duration_since(now)),
        }
        follower.commit_if_due(Instant::now())?;
        let flow = between.between(&mut follower, receiver.as_ref(), Instant::now())?;
        let messages = follower.take_messages();
        if !messages.is_empty() {
            on_messages(&messages);
        }
        if flow == Flow::Stop {
            break;
        }
    }
    if let Some(receiver) = &receiver {
        follower.batch.summary.messages_dropped = receiver.dropped();
    }
    let rest = match &mut receiver {
        Some(receiver) => receiver.stop(),
        None => Vec::new(),
    };
    follower.take_received(rest, Instant::now())?;
    follower.commit(Instant::now())?;
    between.stopped(&mut follower, receiver.as_ref());
    let messages = follower.take_messages();
    if !messages.is_empty() {
        on_messages(&messages);
    }
    let mut summary = follower.finish(Instant::now())?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// How often a waiting run looks whether it was told to stop.
const STOP_CHECK: Duration = Duration::from_millis(50);
/// Received messages read into records at a time, at most.
const RECEIVE_BATCH: usize = 10_000;
