//! A witness served on 127.0.0.1:0 from a temporary folder, and a log that
//! grows by random leaves and signs its checkpoints.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use ed25519_dalek::SigningKey;
use vakt_schemas::checkpoint::{Checkpoint, NoteSigner};
use vakt_schemas::merkle::{Frontier, Hash, consistency_proof_from_frontier, leaf_hash, root};
use vakt_witness::{AddCheckpointRequest, SubmitError, WitnessState, serve, submit};

/// The origin prefix of the test store.
pub const PREFIX: &str = "vakt/0123456789abcdef/";

/// How long a client waits for the witness.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A witness served over HTTP until dropped.
pub struct Served {
    /// The witness's state, shared with the server.
    pub state: Arc<WitnessState>,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Set to stop the server.
    stop: Arc<AtomicBool>,
    /// The server's thread.
    thread: Option<JoinHandle<()>>,
}

impl Served {
    /// Serves the witness in `folder`, creating it (trusting `log_key`'s
    /// verifier for [`PREFIX`]) when the folder holds none.
    pub fn start(folder: &Path, log: &TestLog) -> Self {
        if !folder.join("witness.key").exists() {
            WitnessState::create(folder, "witness.test/w1").unwrap();
            let state = WitnessState::open(folder).unwrap();
            state
                .trust(PREFIX, &log.signer.verifier().to_vkey())
                .unwrap();
        }
        let state = Arc::new(WitnessState::open(folder).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (state, stop) = (state.clone(), stop.clone());
            std::thread::spawn(move || serve(state, listener, stop).unwrap())
        };
        Self {
            state,
            url,
            stop,
            thread: Some(thread),
        }
    }

    /// Submits a request.
    pub fn submit(&self, request: &AddCheckpointRequest) -> Result<String, SubmitError> {
        submit(&self.url, request, TIMEOUT)
    }

    /// The witness's folder.
    pub fn folder(&self) -> PathBuf {
        self.state.folder().to_path_buf()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A log: its key, its leaves, and the frontiers of its checkpoints.
pub struct TestLog {
    /// The log's signing key.
    pub signer: NoteSigner,
    /// The log's origin.
    pub origin: String,
    /// Every leaf hash.
    pub leaves: Vec<Hash>,
}

impl TestLog {
    /// An empty log of the test store's firewall stream.
    pub fn new() -> Self {
        Self::with_key(7, &format!("{PREFIX}firewall"))
    }

    /// An empty log with this key seed and origin.
    pub fn with_key(seed: u8, origin: &str) -> Self {
        Self {
            signer: NoteSigner::new("vakt-0123456789abcdef", SigningKey::from_bytes(&[seed; 32]))
                .unwrap(),
            origin: origin.to_string(),
            leaves: Vec::new(),
        }
    }

    /// Appends `count` random leaves.
    pub fn append(&mut self, count: usize) {
        for _ in 0..count {
            self.leaves.push(leaf_hash(&rand::random::<[u8; 32]>()));
        }
    }

    /// The checkpoint of the first `size` leaves.
    pub fn checkpoint(&self, size: usize) -> Checkpoint {
        Checkpoint {
            origin: self.origin.clone(),
            size: size as u64,
            root: root(&self.leaves[..size]),
            extensions: vec![format!("manifest {}", "ab".repeat(32))],
        }
    }

    /// The signed note of the first `size` leaves.
    pub fn note(&self, size: usize) -> String {
        self.signer.sign(&self.checkpoint(size))
    }

    /// The request for the tree of `size` leaves from `old_size`, its proof
    /// computed from the old tree's frontier as a log keeping frontiers
    /// would.
    pub fn request(&self, old_size: usize, size: usize) -> AddCheckpointRequest {
        let frontier = Frontier::from_leaves(&self.leaves[..old_size]);
        AddCheckpointRequest {
            old_size: old_size as u64,
            proof: consistency_proof_from_frontier(&frontier, &self.leaves[old_size..size])
                .unwrap(),
            checkpoint_note: self.note(size),
        }
    }
}
