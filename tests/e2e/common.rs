//! Running the binary on temporary stores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The committed sample logs.
pub fn sample_logs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs")
}

/// The log folder of the sample institute (one folder per host).
pub fn sample_log_dirs() -> Vec<PathBuf> {
    vec![sample_logs().join("logs")]
}

/// The sample institute's configuration.
pub fn sample_config() -> PathBuf {
    sample_logs().join("vakt.toml")
}

/// A `vakt` command run in `dir`, with the environment cleared of vakt settings.
pub fn vakt_command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vakt"));
    command
        .current_dir(dir)
        .env_remove("VAKT_STORE")
        .env_remove("VAKT_CONFIG")
        .env_remove("VAKT_SIGNING_KEY");
    command
}

/// Runs `vakt` with `args` in `dir`.
pub fn vakt(dir: &Path, args: &[&str]) -> Output {
    vakt_command(dir)
        .args(args)
        .output()
        .expect("the vakt binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The JSON a command printed; the command must have succeeded.
pub fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}{}",
        stdout(output),
        stderr(output)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|_| panic!("JSON expected: {}", stdout(output)))
}

/// A temporary folder with an initialised store at `<dir>/store`, or on
/// the test's S3 server (`s3.rs`) with its index in `<dir>/index`.
pub struct TestStore {
    pub dir: TempDir,
    /// The store's `s3://` URL when it is on object storage.
    pub url: Option<String>,
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary folder");
        TestStore::init(TestStore { dir, url: None })
    }

    /// A new store on the test's S3 server, under a prefix of its own.
    pub fn on_s3() -> TestStore {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = crate::s3::server().new_prefix();
        TestStore::init(TestStore {
            dir,
            url: Some(url),
        })
    }

    fn init(store: TestStore) -> TestStore {
        let output = store.run(&["init"]);
        assert!(output.status.success(), "init failed: {}", stderr(&output));
        store
    }

    /// The store's folder, or its URL.
    pub fn path(&self) -> PathBuf {
        match &self.url {
            Some(url) => PathBuf::from(url),
            None => self.dir.path().join("store"),
        }
    }

    /// The store's signing key file: beside a local store, in the test's
    /// configuration folder for one on S3.
    pub fn key_file(&self) -> PathBuf {
        match &self.url {
            Some(_) => {
                let reader = vakt_store::StoreReader::open(&self.path()).expect("the store");
                self.dir
                    .path()
                    .join("config/vakt/keys")
                    .join(format!("{}.key", reader.info().store_id))
            }
            None => crate::forge::key_file(&self.path()),
        }
    }

    /// Runs `vakt --store <store> --config <sample config> args...`.
    pub fn run(&self, args: &[&str]) -> Output {
        let store = self.path();
        let config = sample_config();
        let mut all = vec![
            "--store",
            store.to_str().expect("utf-8 path"),
            "--config",
            config.to_str().expect("utf-8 path"),
        ];
        all.extend_from_slice(args);
        self.command()
            .args(&all)
            .output()
            .expect("the vakt binary runs")
    }

    /// A `vakt` command in the store's folder (with the index folder of a
    /// store on S3).
    pub fn command(&self) -> Command {
        let mut command = vakt_command(self.dir.path());
        if self.url.is_some() {
            command.env("VAKT_INDEX_DIR", self.dir.path().join("index"));
            // The signing key of a store on object storage goes to the
            // user's configuration folder: the test's own.
            command.env("XDG_CONFIG_HOME", self.dir.path().join("config"));
        }
        command
    }

    /// Ingests paths and returns the JSON summary.
    pub fn ingest(&self, paths: &[PathBuf], extra: &[&str]) -> serde_json::Value {
        let mut args = vec!["ingest", "--output", "json"];
        args.extend_from_slice(extra);
        let path_texts: Vec<String> = paths
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        args.extend(path_texts.iter().map(String::as_str));
        let output = self.run(&args);
        assert!(
            output.status.success(),
            "ingest failed: {}{}",
            stdout(&output),
            stderr(&output)
        );
        serde_json::from_slice(&output.stdout).expect("ingest prints a JSON summary")
    }

    /// Runs `vakt verify --format json` and returns (exit code, report).
    pub fn verify(&self, extra: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["verify", "--format", "json"];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
            panic!("verify prints JSON: {}{}", stdout(&output), stderr(&output))
        });
        (output.status.code().unwrap_or(-1), report)
    }
}

/// The kinds of the problems in a verify report.
pub fn problem_kinds(report: &serde_json::Value) -> Vec<String> {
    kinds(&report["problems"])
}

/// The kinds of the warnings in a verify report.
pub fn warning_kinds(report: &serde_json::Value) -> Vec<String> {
    kinds(&report["warnings"])
}

fn kinds(findings: &serde_json::Value) -> Vec<String> {
    findings
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|finding| finding["kind"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Copies a folder tree; a store's signing key kept beside it
/// (`<folder>.key`) goes beside the copy.
pub fn copy_tree(from: &Path, to: &Path) {
    let key = crate::forge::key_file(from);
    if key.exists() && !crate::forge::key_file(to).exists() {
        std::fs::copy(&key, crate::forge::key_file(to)).expect("copy the key");
    }
    copy_folder(from, to);
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
