//! Locks on object storage, which has none: a lease is an object created
//! only if absent (`If-None-Match: *`), naming its holder and when it
//! expires. Its holder renews it every third of its length (30 s, or
//! `VAKT_LEASE_SECONDS`) from a thread of its own and deletes it when done;
//! a lease past its expiry (its holder died) is taken over by a conditional
//! put. Leases rely on the writers' clocks agreeing to within seconds;
//! `HEAD`'s conditional put, which decides every commit, does not.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use object_store::{PutMode, UpdateVersion};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::object::{ObjectBackend, is_lost_race, object_io_error as io_error, other};

/// How long a lock's lease lasts unless its holder renews it (it does,
/// every third of that): a writer that died blocks others this long.
const LEASE: Duration = Duration::from_secs(30);
/// How often a waiting writer looks at a held lock again.
const POLL: Duration = Duration::from_millis(200);

impl ObjectBackend {
    /// Takes the lease `name`, waiting for it when `wait`. Without
    /// `wait`, a lease another process holds is watched for up to its
    /// length: renewed, its holder is alive and `None` is returned;
    /// expired, its holder died and the lease is taken over.
    pub(super) fn lock(self: &Arc<Self>, name: &str, wait: bool) -> io::Result<Option<Lease>> {
        let duration = lease_duration();
        let mut token = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut token);
        let token = hex::encode(token);
        let text = || lease_text(&token, duration);
        // A holder that keeps renewing is alive: a waiting writer gives up
        // after a while, one that does not wait at the first renewal.
        let give_up = Instant::now() + duration * 20;
        let mut seen: Option<UpdateVersion> = None;
        loop {
            match self.put(name, &text()?, PutMode::Create) {
                Ok(version) => return Ok(Some(Lease::start(self, name, token, duration, version))),
                Err(error) if is_lost_race(&error) => {}
                Err(error) => return Err(io_error(error)),
            }
            let (held, version) = match self.read(name) {
                Ok(found) => found,
                // Released between the two requests: try again at once.
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => return Err(error),
            };
            let expired = serde_json::from_slice::<LeaseText>(&held)
                .map_or(true, |held| held.expires_at < Utc::now());
            if expired {
                match self.put(name, &text()?, PutMode::Update(version.clone())) {
                    Ok(version) => {
                        return Ok(Some(Lease::start(self, name, token, duration, version)));
                    }
                    Err(error) if is_lost_race(&error) => continue,
                    Err(error) => return Err(io_error(error)),
                }
            }
            let renewed = seen.as_ref().is_some_and(|seen| *seen != version);
            if renewed && !wait {
                return Ok(None);
            }
            seen = Some(version);
            if wait && Instant::now() > give_up {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{name} stayed held by another writer; try again later"),
                ));
            }
            std::thread::sleep(POLL);
        }
    }
}

/// How long a lease lasts unless renewed: `VAKT_LEASE_SECONDS`, else
/// [`LEASE`].
fn lease_duration() -> Duration {
    std::env::var("VAKT_LEASE_SECONDS")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
        .filter(|seconds| *seconds > 0)
        .map_or(LEASE, Duration::from_secs)
}

fn lease_text(token: &str, duration: Duration) -> io::Result<Vec<u8>> {
    let now = Utc::now();
    let expires_at = now + chrono::Duration::from_std(duration).map_err(other)?;
    let holder = format!(
        "{} on {} (pid {})",
        crate::audit::os_user(),
        host_name(),
        std::process::id()
    );
    serde_json::to_vec_pretty(&LeaseText {
        holder,
        token: token.to_string(),
        acquired_at: now,
        expires_at,
    })
    .map_err(other)
}

/// What a lease object holds.
#[derive(Debug, Serialize, Deserialize)]
struct LeaseText {
    holder: String,
    token: String,
    acquired_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

/// A held lease on object storage, renewed by a thread of its own every
/// third of its length; released (deleted) when dropped.
pub(crate) struct Lease {
    backend: Arc<ObjectBackend>,
    name: String,
    token: String,
    lost: Arc<AtomicBool>,
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

impl Lease {
    fn start(
        backend: &Arc<ObjectBackend>,
        name: &str,
        token: String,
        duration: Duration,
        version: UpdateVersion,
    ) -> Lease {
        let lost = Arc::new(AtomicBool::new(false));
        let (stop, stopped) = mpsc::channel::<()>();
        let renewer = {
            let backend = Arc::clone(backend);
            let name = name.to_string();
            let token = token.clone();
            let lost = Arc::clone(&lost);
            std::thread::spawn(move || {
                let mut version = version;
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(duration / 3)
                {
                    let Ok(text) = lease_text(&token, duration) else {
                        continue;
                    };
                    match backend.put(&name, &text, PutMode::Update(version.clone())) {
                        Ok(renewed) => version = renewed,
                        Err(error) if is_lost_race(&error) => {
                            lost.store(true, Ordering::SeqCst);
                            return;
                        }
                        // A failed request is tried again at the next tick.
                        Err(_) => {}
                    }
                }
            })
        };
        Lease {
            backend: Arc::clone(backend),
            name: name.to_string(),
            token,
            lost,
            stop: Some(stop),
            renewer: Some(renewer),
        }
    }

    /// Fails when the lease was lost (another writer took it over after
    /// renewals failed for its whole length).
    pub(super) fn renew(&mut self) -> io::Result<()> {
        if self.lost.load(Ordering::SeqCst) {
            return Err(other(format!(
                "{} was taken over by another writer while this one held it",
                self.name
            )));
        }
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
        // Remove the lease only while it is still this holder's.
        let still_ours = self.backend.read(&self.name).is_ok_and(|(text, _)| {
            serde_json::from_slice::<LeaseText>(&text).is_ok_and(|held| held.token == self.token)
        });
        if still_ours {
            let _ = self.backend.remove(&self.name);
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "an unknown host".into())
}
