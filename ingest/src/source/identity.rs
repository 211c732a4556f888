//! Recognising content stored before, whatever its file is called now.
//!
//! Progress is recorded per content, not per path: rotation renames a file
//! (`auth.log` to `auth.log.1`), compresses it (`auth.log.2.gz`) or copies
//! it away before truncating it, and none of that makes its lines new. A
//! content's key is `sha256:` + the SHA-256 of its first line (newline
//! included, at most 4096 bytes); the N-th different content that starts
//! with the same line gets the key with `~N` appended. An input is taken
//! for a recorded content only when its first `offset` bytes have the
//! SHA-256 recorded with it, so two files that merely start alike are
//! never confused, and a file truncated or rewritten in place is new
//! content.
//!
//! Recorded contents with the same first line never match one input
//! together: each was recorded because it differed from the others before
//! the end of what was stored of them. So one pass over the input decides,
//! comparing the hash at each recorded offset in turn.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use sha2::{Digest, Sha256};
use vakt_schemas::head::SourceProgress;

use super::input::InputFile;

/// Bytes of the first line that make a key.
const FIRST_LINE_BYTES: usize = 4096;

/// The key of a content that starts with `head`.
pub fn first_line_key(head: &[u8]) -> String {
    let first_line_end = memchr::memchr(b'\n', head).map_or(head.len(), |newline| newline + 1);
    let first_line = &head[..first_line_end.min(FIRST_LINE_BYTES)];
    format!("sha256:{}", hex::encode(Sha256::digest(first_line)))
}

/// Where to read an input from.
pub struct Resume {
    /// The key its progress is recorded under.
    pub key: String,
    /// Bytes of its content stored before (0 for new content).
    pub offset: u64,
    /// Lines of its content stored before.
    pub lines: u64,
    /// The SHA-256 state of its first `offset` bytes.
    pub prefix: Sha256,
    /// Its content from `offset` on.
    pub content: Box<dyn BufRead + Send>,
    /// What happened to the file since it was last read, when that is
    /// worth a line in the summary.
    pub change: Option<Change>,
}

/// A file found different from what was read of it before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Same device and inode as content read before, whose first bytes it
    /// no longer has: truncated (as copy-truncate rotation does) or
    /// rewritten in place.
    ChangedInPlace {
        previous_key: String,
        previous_offset: u64,
    },
    /// Starts with the same line as content read before but differs from
    /// it within the bytes stored of it: another file, read as new.
    SameFirstLine { previous_key: String },
}

/// Finds where `input` stands against the recorded `sources`: the recorded
/// content it continues and how far, or new content from its start. Reads
/// the input once up to the longest recorded offset of its first line's
/// contents, and once more from the start when none matches.
pub fn resume(
    input: &InputFile,
    sources: &BTreeMap<String, SourceProgress>,
) -> io::Result<Option<Resume>> {
    let mut content = input.open()?;
    let mut head = Vec::new();
    (&mut content)
        .take(FIRST_LINE_BYTES as u64)
        .read_until(b'\n', &mut head)?;
    if head.is_empty() {
        return Ok(None);
    }
    let first_key = first_line_key(&head);
    let mut candidates: Vec<(&String, &SourceProgress)> = sources
        .range(first_key.clone()..)
        .take_while(|(key, _)| is_key_of(key, &first_key))
        .collect();
    candidates.sort_by_key(|(_, progress)| progress.offset);
    let mut prefix = Sha256::new();
    prefix.update(&head);
    let mut last_byte = head.last().copied();
    let mut position = head.len() as u64;
    let mut diverged_from = None;
    for (key, recorded) in &candidates {
        // Read on to the recorded offset, hashing.
        let wanted = recorded.offset.saturating_sub(position);
        let mut sink = HashSink {
            hasher: &mut prefix,
            last_byte,
        };
        let copied = io::copy(&mut (&mut content).take(wanted), &mut sink)?;
        last_byte = sink.last_byte;
        position += copied;
        if position < recorded.offset {
            // The input ends before what was stored of this content.
            diverged_from.get_or_insert((*key).clone());
            break;
        }
        let matches = match &recorded.prefix_sha256 {
            Some(expected) => *expected == hex::encode(prefix.clone().finalize()),
            // Recorded before prefixes were: the first line and length decide.
            None => position == recorded.offset,
        };
        if matches && position == recorded.offset {
            let mut offset = recorded.offset;
            // A last line stored without its newline (its input was
            // finished): the newline written since belongs to it.
            if last_byte != Some(b'\n') && content.fill_buf()?.first() == Some(&b'\n') {
                content.consume(1);
                prefix.update(b"\n");
                offset += 1;
            }
            return Ok(Some(Resume {
                key: (*key).clone(),
                offset,
                lines: recorded.lines,
                prefix,
                content,
                change: None,
            }));
        }
        diverged_from.get_or_insert((*key).clone());
    }
    let change = changed_in_place(input, sources)
        .or(diverged_from.map(|previous_key| Change::SameFirstLine { previous_key }));
    Ok(Some(Resume {
        key: free_key(sources, &first_key),
        offset: 0,
        lines: 0,
        prefix: Sha256::new(),
        content: input.open()?,
        change,
    }))
}

/// Whether `key` is `first_key` or one of its `~N` siblings.
fn is_key_of(key: &str, first_key: &str) -> bool {
    key.strip_prefix(first_key)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('~'))
}

/// The first key of the form `first_key`, `first_key~2`, `first_key~3`…
/// that `sources` does not hold.
fn free_key(sources: &BTreeMap<String, SourceProgress>, first_key: &str) -> String {
    if !sources.contains_key(first_key) {
        return first_key.to_string();
    }
    (2..)
        .map(|n| format!("{first_key}~{n}"))
        .find(|key| !sources.contains_key(key))
        .unwrap_or_default()
}

/// The recorded content last read from this very file (same path, device
/// and inode), which the file no longer continues.
fn changed_in_place(
    input: &InputFile,
    sources: &BTreeMap<String, SourceProgress>,
) -> Option<Change> {
    input.inode?;
    sources
        .iter()
        .filter(|(_, recorded)| {
            recorded.path == input.name
                && recorded.device == input.device
                && recorded.inode == input.inode
        })
        .max_by_key(|(_, recorded)| recorded.updated)
        .map(|(key, recorded)| Change::ChangedInPlace {
            previous_key: key.clone(),
            previous_offset: recorded.offset,
        })
}

/// Feeds what is written to it into a hash, keeping the last byte.
struct HashSink<'a> {
    hasher: &'a mut Sha256,
    last_byte: Option<u8>,
}

impl io::Write for HashSink<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.hasher.update(bytes);
        if let Some(last) = bytes.last() {
            self.last_byte = Some(*last);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use chrono::Utc;

    use super::*;
    use crate::source::input::inspect;

    fn recorded(path: &str, content: &[u8], input: &InputFile) -> SourceProgress {
        SourceProgress {
            path: path.to_string(),
            offset: content.len() as u64,
            lines: content.iter().filter(|byte| **byte == b'\n').count() as u64,
            updated: Utc::now(),
            prefix_sha256: Some(hex::encode(Sha256::digest(content))),
            device: input.device,
            inode: input.inode,
        }
    }

    fn rest(resume: Resume) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut content = resume.content;
        content.read_to_end(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn the_key_is_that_of_the_first_line_only() {
        assert_eq!(first_line_key(b"a\nb\n"), first_line_key(b"a\nc\nd\n"));
        assert_ne!(first_line_key(b"a\nb\n"), first_line_key(b"x\nb\n"));
    }

    #[test]
    fn a_grown_file_goes_on_where_it_was_stored_to() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.log");
        fs::write(&path, b"one\ntwo\n").unwrap();
        let input = inspect(&path).unwrap();
        let key = first_line_key(b"one\n");
        let sources = BTreeMap::from([(key.clone(), recorded(&input.name, b"one\ntwo\n", &input))]);
        fs::write(&path, b"one\ntwo\nthree\n").unwrap();
        let resume = resume(&inspect(&path).unwrap(), &sources).unwrap().unwrap();
        assert_eq!(
            (resume.key.as_str(), resume.offset, resume.lines),
            (key.as_str(), 8, 2)
        );
        assert_eq!(resume.change, None);
        assert_eq!(rest(resume), b"three\n");
    }

    #[test]
    fn a_file_that_only_starts_alike_is_new_content_under_a_key_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a.log");
        let second = dir.path().join("b.log");
        fs::write(&first, b"same\nfirst\n").unwrap();
        fs::write(&second, b"same\nsecond\nmore\n").unwrap();
        let input = inspect(&first).unwrap();
        let key = first_line_key(b"same\n");
        let mut sources =
            BTreeMap::from([(key.clone(), recorded(&input.name, b"same\nfirst\n", &input))]);
        let resume_second = resume(&inspect(&second).unwrap(), &sources)
            .unwrap()
            .unwrap();
        assert_eq!(resume_second.key, format!("{key}~2"));
        assert_eq!(resume_second.offset, 0);
        assert_eq!(
            resume_second.change,
            Some(Change::SameFirstLine {
                previous_key: key.clone()
            })
        );
        assert_eq!(rest(resume_second), b"same\nsecond\nmore\n");
        // Once recorded, each of the two is found again under its own key.
        let second_input = inspect(&second).unwrap();
        sources.insert(
            format!("{key}~2"),
            recorded(&second_input.name, b"same\nsecond\n", &second_input),
        );
        let again = resume(&second_input, &sources).unwrap().unwrap();
        assert_eq!((again.key.clone(), again.offset), (format!("{key}~2"), 12));
        assert_eq!(rest(again), b"more\n");
        let first_again = resume(&inspect(&first).unwrap(), &sources)
            .unwrap()
            .unwrap();
        assert_eq!(
            (first_again.key.as_str(), first_again.offset),
            (key.as_str(), 11)
        );
    }

    #[test]
    fn a_file_truncated_in_place_is_new_content_and_said_to_be_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.log");
        fs::write(&path, b"one\ntwo\nthree\n").unwrap();
        let input = inspect(&path).unwrap();
        let key = first_line_key(b"one\n");
        let sources = BTreeMap::from([(
            key.clone(),
            recorded(&input.name, b"one\ntwo\nthree\n", &input),
        )]);
        // Copy-truncate: the same inode now holds other lines.
        fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        fs::write(&path, b"four\n").unwrap();
        let resume = resume(&inspect(&path).unwrap(), &sources).unwrap().unwrap();
        assert_eq!(resume.offset, 0);
        assert_eq!(resume.key, first_line_key(b"four\n"));
        assert_eq!(
            resume.change,
            Some(Change::ChangedInPlace {
                previous_key: key,
                previous_offset: 14
            })
        );
    }

    #[test]
    fn the_same_first_line_rewritten_shorter_in_place_is_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("auth.log");
        fs::write(&path, b"one\ntwo\nthree\n").unwrap();
        let input = inspect(&path).unwrap();
        let key = first_line_key(b"one\n");
        let sources = BTreeMap::from([(
            key.clone(),
            recorded(&input.name, b"one\ntwo\nthree\n", &input),
        )]);
        fs::write(&path, b"one\nTWO\n").unwrap();
        let resume = resume(&inspect(&path).unwrap(), &sources).unwrap().unwrap();
        assert_eq!((resume.key.clone(), resume.offset), (format!("{key}~2"), 0));
        assert!(matches!(resume.change, Some(Change::ChangedInPlace { .. })));
        assert_eq!(rest(resume), b"one\nTWO\n");
    }
}
