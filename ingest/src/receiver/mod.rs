//! `vakt run`'s syslog receiver: the `[[listen]]` addresses, over UDP
//! (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425).
//!
//! Each address has a thread, each TCP or TLS connection one more; they
//! frame what arrives into messages ([`framing`]) and queue them for the
//! run's main loop, which reads them into records as it reads files. The
//! queue is bounded (`run.receive_queue`): when it is full a TCP sender
//! waits (its connection stops being read, so TCP slows it down) and a UDP
//! datagram is dropped and counted, since UDP cannot wait.
//!
//! What a crash can lose: messages received and not yet committed, that is
//! those of the last `run.commit_interval_ms` and those in the queue, plus
//! what the kernel had accepted on the sockets but vakt had not read. Syslog
//! over TCP has no acknowledgement, so a sender cannot know; files have no
//! such window, which is why logs that matter are best also written to a
//! file that `[[source]]` follows.

pub mod framing;
mod tls;

use std::io::{ErrorKind, Read};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver as Queue, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use vakt_schemas::Stream;
use vakt_schemas::config::{ListenConfig, ListenProtocol};

use crate::parse::Format;

pub use self::framing::{Frame, Framer};

/// How long a socket read waits before the thread looks at the stop flag.
const READ_TIMEOUT: Duration = Duration::from_millis(200);
/// The largest UDP datagram.
const MAX_DATAGRAM: usize = 65_536;

/// A `[[listen]]` address that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReceiverError {
    #[error("[[listen]] `{name}`: {detail}")]
    Invalid { name: String, detail: String },
    #[error(
        "[[listen]] `{name}`: cannot listen on {protocol} {address}: {source}; is another \
         syslog daemon using that port? (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
    )]
    Bind {
        name: String,
        protocol: &'static str,
        address: String,
        source: std::io::Error,
    },
}

/// A configured address, checked.
#[derive(Clone, Debug)]
pub struct Listener {
    pub name: String,
    pub protocol: ListenProtocol,
    /// The address as configured.
    pub address: String,
    /// The address bound (the port chosen by the system for port 0).
    pub bound: Option<SocketAddr>,
    pub format: Format,
    pub stream: Option<Stream>,
    /// The address's line settings over `[ingest]`'s.
    pub settings: vakt_schemas::config::LineSettings,
}

/// A message received, and from where.
#[derive(Debug)]
pub struct Received {
    /// The index of its listener in [`Receiver::listeners`].
    pub listener: usize,
    pub peer: IpAddr,
    pub frame: Frame,
}

/// Counts per listener, kept by its threads.
#[derive(Debug, Default)]
pub struct ListenerCounts {
    pub received: AtomicU64,
    /// UDP datagrams dropped because the queue was full.
    pub dropped: AtomicU64,
    pub connections: AtomicU64,
}

/// The running receiver: its threads and the queue they fill.
pub struct Receiver {
    pub listeners: Vec<Listener>,
    pub counts: Vec<Arc<ListenerCounts>>,
    queue: Queue<Received>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Receiver {
    /// Binds every address of `configs` and starts receiving. Messages
    /// longer than `max_bytes` are cut there (and quarantined as too long).
    pub fn start(
        configs: &[ListenConfig],
        queue_capacity: usize,
        max_bytes: usize,
    ) -> Result<Receiver, ReceiverError> {
        let (sender, queue) = mpsc::sync_channel(queue_capacity.max(1));
        let stop = Arc::new(AtomicBool::new(false));
        let mut receiver = Receiver {
            listeners: Vec::new(),
            counts: Vec::new(),
            queue,
            stop: Arc::clone(&stop),
            threads: Vec::new(),
        };
        for (index, config) in configs.iter().enumerate() {
            let (listener, thread) =
                start_listener(index, config, sender.clone(), Arc::clone(&stop), max_bytes)?;
            receiver.counts.push(thread.counts);
            receiver.threads.push(thread.handle);
            receiver.listeners.push(listener);
        }
        Ok(receiver)
    }

    /// Waits until `deadline` for messages; returns as soon as one came,
    /// with at most `max` of those waiting.
    pub fn receive(&self, deadline: Instant, max: usize) -> Vec<Received> {
        let mut received = Vec::new();
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.queue.recv_timeout(wait) {
            Ok(message) => received.push(message),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                return received;
            }
        }
        while received.len() < max {
            match self.queue.try_recv() {
                Ok(message) => received.push(message),
                Err(_) => break,
            }
        }
        received
    }

    /// UDP datagrams dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.counts
            .iter()
            .map(|counts| counts.dropped.load(Ordering::Relaxed))
            .sum()
    }

    /// Stops listening and returns what is still queued. Connections are
    /// closed; what their senders sent after this is not read.
    pub fn stop(&mut self) -> Vec<Received> {
        self.stop.store(true, Ordering::Relaxed);
        let mut rest = Vec::new();
        // Threads blocked on a full queue finish once it is drained.
        let threads = std::mem::take(&mut self.threads);
        for thread in threads {
            while !thread.is_finished() {
                while let Ok(message) = self.queue.try_recv() {
                    rest.push(message);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            let _ = thread.join();
        }
        rest.extend(self.queue.try_iter());
        rest
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

struct ListenerThread {
    counts: Arc<ListenerCounts>,
    handle: JoinHandle<()>,
}

fn start_listener(
    index: usize,
    config: &ListenConfig,
    sender: SyncSender<Received>,
    stop: Arc<AtomicBool>,
    max_bytes: usize,
) -> Result<(Listener, ListenerThread), ReceiverError> {
    let invalid = |detail: String| ReceiverError::Invalid {
        name: config.name.clone(),
        detail,
    };
    let format = config
        .format
        .parse::<Format>()
        .map_err(|error| invalid(error.to_string()))?;
    let bind_error = |source: std::io::Error| ReceiverError::Bind {
        name: config.name.clone(),
        protocol: config.protocol.name(),
        address: config.address.clone(),
        source,
    };
    let tls = match config.protocol {
        ListenProtocol::Tls => Some(tls::server_config(config).map_err(invalid)?),
        ListenProtocol::Udp | ListenProtocol::Tcp => {
            if config.tls_certificate.is_some() || config.tls_key.is_some() {
                return Err(invalid(
                    "tls_certificate and tls_key are for protocol = \"tls\"".to_string(),
                ));
            }
            None
        }
    };
    let counts = Arc::new(ListenerCounts::default());
    let thread_counts = Arc::clone(&counts);
    let name = format!("vakt-listen-{}", config.name);
    let (bound, handle) = match config.protocol {
        ListenProtocol::Udp => {
            let socket = UdpSocket::bind(&config.address).map_err(bind_error)?;
            socket
                .set_read_timeout(Some(READ_TIMEOUT))
                .map_err(bind_error)?;
            let bound = socket.local_addr().ok();
            let handle = std::thread::Builder::new()
                .name(name)
                .spawn(move || receive_udp(index, socket, sender, stop, thread_counts, max_bytes))
                .map_err(bind_error)?;
            (bound, handle)
        }
        ListenProtocol::Tcp | ListenProtocol::Tls => {
            let listener = TcpListener::bind(&config.address).map_err(bind_error)?;
            listener.set_nonblocking(true).map_err(bind_error)?;
            let bound = listener.local_addr().ok();
            let handle = std::thread::Builder::new()
                .name(name)
                .spawn(move || {
                    accept_tcp(index, listener, tls, sender, stop, thread_counts, max_bytes)
                })
                .map_err(bind_error)?;
            (bound, handle)
        }
    };
    let listener = Listener {
        name: config.name.clone(),
        protocol: config.protocol,
        address: config.address.clone(),
        bound,
        format,
        stream: config.stream,
        settings: config.line_settings(&Default::default()),
    };
    Ok((listener, ListenerThread { counts, handle }))
}

fn receive_udp(
    index: usize,
    socket: UdpSocket,
    sender: SyncSender<Received>,
    stop: Arc<AtomicBool>,
    counts: Arc<ListenerCounts>,
    max_bytes: usize,
) {
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    while !stop.load(Ordering::Relaxed) {
        let (length, peer) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(error) if is_timeout(&error) => continue,
            Err(_) => continue,
        };
        let frame = Frame::whole(buffer[..length].to_vec(), max_bytes);
        if frame.length == 0 {
            continue;
        }
        counts.received.fetch_add(1, Ordering::Relaxed);
        let message = Received {
            listener: index,
            peer: peer.ip(),
            frame,
        };
        match sender.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                counts.dropped.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => return,
        }
    }
}

fn accept_tcp(
    index: usize,
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    sender: SyncSender<Received>,
    stop: Arc<AtomicBool>,
    counts: Arc<ListenerCounts>,
    max_bytes: usize,
) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, peer)) => {
                counts.connections.fetch_add(1, Ordering::Relaxed);
                let sender = sender.clone();
                let stop = Arc::clone(&stop);
                let counts = Arc::clone(&counts);
                let tls = tls.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("vakt-conn-{peer}"))
                    .spawn(move || {
                        let connection = Connection {
                            index,
                            peer: peer.ip(),
                            sender,
                            stop,
                            counts,
                            max_bytes,
                        };
                        connection.serve(stream, tls);
                    });
                if let Ok(handle) = spawned {
                    connections.push(handle);
                }
                connections.retain(|handle| !handle.is_finished());
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    for handle in connections {
        let _ = handle.join();
    }
}

/// One TCP or TLS connection being read.
struct Connection {
    index: usize,
    peer: IpAddr,
    sender: SyncSender<Received>,
    stop: Arc<AtomicBool>,
    counts: Arc<ListenerCounts>,
    max_bytes: usize,
}

impl Connection {
    fn serve(&self, stream: TcpStream, tls: Option<Arc<rustls::ServerConfig>>) {
        if stream.set_nonblocking(false).is_err()
            || stream.set_read_timeout(Some(READ_TIMEOUT)).is_err()
        {
            return;
        }
        match tls {
            None => self.read_frames(stream),
            Some(config) => {
                let Ok(session) = rustls::ServerConnection::new(config) else {
                    return;
                };
                self.read_frames(rustls::StreamOwned::new(session, stream));
            }
        }
    }

    fn read_frames(&self, mut stream: impl Read) {
        let mut framer = Framer::new(self.max_bytes);
        let mut buffer = vec![0u8; 64 * 1024];
        let mut open = true;
        while open && !self.stop.load(Ordering::Relaxed) {
            let length = match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(length) => length,
                Err(error) if is_timeout(&error) => continue,
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            framer.push(&buffer[..length], &mut |frame| {
                open = open && self.send(frame);
            });
        }
        framer.finish(&mut |frame| {
            self.send(frame);
        });
    }

    /// Queues a message, waiting while the queue is full; false once the
    /// run stopped reading.
    fn send(&self, frame: Frame) -> bool {
        self.counts.received.fetch_add(1, Ordering::Relaxed);
        let mut message = Received {
            listener: self.index,
            peer: self.peer,
            frame,
        };
        loop {
            match self.sender.try_send(message) {
                Ok(()) => return true,
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => {
                    message = back;
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    }
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

#[cfg(test)]
mod tests;
