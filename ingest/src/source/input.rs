//! One input as bytes: a file as it is on disk, a compressed file
//! decompressed, or standard input kept in a temporary file. The
//! compression is told by the file's first bytes, not by its name, so
//! `auth.log.2.gz` and a gzip file called anything else read the same.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::InputProblem;

/// Bytes looked at to tell a binary file from a log.
const SNIFF_BYTES: usize = 8192;
/// Read buffer per input.
const READ_BUFFER: usize = 256 * 1024;

/// How an input's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    Plain,
    Gzip,
    Xz,
    Bzip2,
    Zstd,
}

impl Compression {
    /// The compression whose magic number `head` starts with.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(u8::is_ascii_digit) {
            Compression::Bzip2
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::Plain
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Plain => "plain",
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
            Compression::Zstd => "zstd",
        }
    }

    /// The decompressed bytes of `file`, from its start.
    fn reader(self, file: File) -> io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Compression::Plain => Box::new(file),
            // Multi-member: `cat a.gz b.gz` and some rotations write several.
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
            Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(file)),
            Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(file)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
        })
    }
}

/// What an input holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// Lines of text.
    Lines,
    /// A Windows event log (`.evtx`): records, read whole.
    Evtx,
}

/// A file ready to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Where its bytes are read from.
    pub path: PathBuf,
    /// What its records' `source` says: the path, or the name given to
    /// standard input.
    pub name: String,
    /// Its size on disk (compressed, if it is).
    pub size: u64,
    pub modified: DateTime<Utc>,
    pub compression: Compression,
    /// Device and inode, where the file system has them (not for standard input).
    pub device: Option<u64>,
    pub inode: Option<u64>,
    /// Lines of text, or records of a Windows `.evtx` file.
    pub kind: InputKind,
    /// Whether nothing is written to it any more, so that a last line
    /// without a newline is a whole line: compressed files (rotated away),
    /// standard input (its writer closed it), and files the user said are
    /// finished.
    pub finished: bool,
}

impl InputFile {
    /// Its content (decompressed) from the first byte.
    pub fn open(&self) -> io::Result<Box<dyn BufRead + Send>> {
        let file = File::open(&self.path)?;
        Ok(Box::new(BufReader::with_capacity(
            READ_BUFFER,
            self.compression.reader(file)?,
        )))
    }

    /// Its content from byte `offset` on. A plain file seeks there; a
    /// compressed one is decompressed from its start and the first
    /// `offset` bytes are passed over.
    pub fn open_at(&self, offset: u64) -> io::Result<Box<dyn BufRead + Send>> {
        if self.compression == Compression::Plain {
            let mut file = File::open(&self.path)?;
            file.seek(SeekFrom::Start(offset))?;
            return Ok(Box::new(BufReader::with_capacity(READ_BUFFER, file)));
        }
        let mut content = self.open()?;
        let skipped = io::copy(&mut (&mut content).take(offset), &mut io::sink())?;
        if skipped < offset {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the content ends at byte {skipped}, before byte {offset}"),
            ));
        }
        Ok(content)
    }
}

/// Looks at a file before it is read: its size, age, identity and
/// compression, and whether its content is a text log at all.
pub fn inspect(path: &Path) -> Result<InputFile, InputProblem> {
    let unreadable = |source| InputProblem::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(path).map_err(unreadable)?;
    if metadata.len() == 0 {
        return Err(InputProblem::Empty(path.to_path_buf()));
    }
    let mut magic = Vec::with_capacity(8);
    File::open(path)
        .and_then(|file| file.take(8).read_to_end(&mut magic))
        .map_err(unreadable)?;
    let compression = Compression::detect(&magic);
    let (device, inode) = device_and_inode(&metadata);
    let input = InputFile {
        path: path.to_path_buf(),
        name: path.display().to_string(),
        size: metadata.len(),
        modified: metadata
            .modified()
            .map(DateTime::<Utc>::from)
            .unwrap_or_else(|_| Utc::now()),
        compression,
        device,
        inode,
        kind: InputKind::Lines,
        finished: compression != Compression::Plain,
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let sniffed = input
        .open()
        .and_then(|content| content.take(SNIFF_BYTES as u64).read_to_end(&mut head));
    if let Err(source) = sniffed {
        if compression == Compression::Plain {
            return Err(unreadable(source));
        }
        return Err(InputProblem::Corrupt {
            path: path.to_path_buf(),
            compression: compression.name(),
            source,
        });
    }
    if head.is_empty() {
        return Err(InputProblem::Empty(path.to_path_buf()));
    }
    if crate::parse::windows::evtx::is_evtx(&head) {
        return Ok(InputFile {
            kind: InputKind::Evtx,
            finished: true,
            ..input
        });
    }
    if head.contains(&0) {
        return Err(InputProblem::Binary(path.to_path_buf()));
    }
    Ok(input)
}

#[cfg(unix)]
fn device_and_inode(metadata: &fs::Metadata) -> (Option<u64>, Option<u64>) {
    use std::os::unix::fs::MetadataExt;
    (Some(metadata.dev()), Some(metadata.ino()))
}

#[cfg(not(unix))]
fn device_and_inode(_metadata: &fs::Metadata) -> (Option<u64>, Option<u64>) {
    (None, None)
}

/// Standard input, copied whole into a temporary file so that it can be
/// read twice (once to recognise content stored before, once to read on),
/// like a file. The file is removed when the returned guard is dropped.
pub fn spool_stdin(name: &str) -> Result<(InputFile, tempfile::TempPath), InputProblem> {
    let spool_problem = |source| InputProblem::Unreadable {
        path: PathBuf::from(name),
        source,
    };
    let mut spool = tempfile::Builder::new()
        .prefix("vakt-stdin-")
        .tempfile()
        .map_err(spool_problem)?;
    io::copy(&mut io::stdin().lock(), spool.as_file_mut()).map_err(spool_problem)?;
    let path = spool.into_temp_path();
    let mut input = inspect(&path).map_err(|problem| problem.renamed(name))?;
    input.name = name.to_string();
    input.device = None;
    input.inode = None;
    input.finished = true;
    input.modified = Utc::now();
    Ok((input, path))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const LOG: &[u8] = b"Jan  1 00:00:01 h sshd[1]: a\nJan  1 00:00:02 h sshd[1]: b\n";

    fn compressed(compression: Compression) -> Vec<u8> {
        match compression {
            Compression::Plain => LOG.to_vec(),
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(LOG).unwrap();
                encoder.finish().unwrap()
            }
            Compression::Xz => {
                let mut encoder = liblzma::write::XzEncoder::new(Vec::new(), 6);
                encoder.write_all(LOG).unwrap();
                encoder.finish().unwrap()
            }
            Compression::Bzip2 => {
                let mut encoder =
                    bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                encoder.write_all(LOG).unwrap();
                encoder.finish().unwrap()
            }
            Compression::Zstd => zstd::encode_all(LOG, 3).unwrap(),
        }
    }

    #[test]
    fn every_compression_is_recognised_by_its_bytes_and_read_as_the_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        for compression in [
            Compression::Plain,
            Compression::Gzip,
            Compression::Xz,
            Compression::Bzip2,
            Compression::Zstd,
        ] {
            // A name that says nothing: the bytes decide.
            let path = dir.path().join(format!("auth.log.{}", compression.name()));
            fs::write(&path, compressed(compression)).unwrap();
            let input = inspect(&path).unwrap();
            assert_eq!(input.compression, compression);
            assert_eq!(input.finished, compression != Compression::Plain);
            let mut content = Vec::new();
            input.open().unwrap().read_to_end(&mut content).unwrap();
            assert_eq!(content, LOG, "{}", compression.name());
            let mut rest = Vec::new();
            input.open_at(29).unwrap().read_to_end(&mut rest).unwrap();
            assert_eq!(rest, &LOG[29..], "{}", compression.name());
        }
    }

    #[test]
    fn a_broken_gzip_file_is_corrupt_not_binary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.log.2.gz");
        let mut bytes = compressed(Compression::Gzip);
        bytes.truncate(12);
        fs::write(&path, bytes).unwrap();
        assert!(matches!(inspect(&path), Err(InputProblem::Corrupt { .. })));
    }

    #[test]
    fn two_gzip_members_read_as_one_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.gz");
        let mut bytes = compressed(Compression::Gzip);
        bytes.extend(compressed(Compression::Gzip));
        fs::write(&path, bytes).unwrap();
        let mut content = Vec::new();
        inspect(&path)
            .unwrap()
            .open()
            .unwrap()
            .read_to_end(&mut content)
            .unwrap();
        assert_eq!(content, [LOG, LOG].concat());
    }
}
