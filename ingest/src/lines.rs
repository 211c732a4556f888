//! Splits an input into lines with bounded memory: a line longer than the
//! limit keeps only its first `max_bytes` bytes in memory, and its full
//! length and SHA-256 are still known for the quarantine.

use std::io::{self, BufRead};

use sha2::{Digest, Sha256};

/// One line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the input.
    pub number: u64,
    /// Byte offset of the line's first byte.
    pub offset: u64,
    /// Byte offset just past the line's newline (where the next line starts).
    pub end: u64,
    /// The line's bytes without `\n` (and without a `\r` before it), at most `max_bytes`.
    pub bytes: Vec<u8>,
    /// Length of the whole line without its line ending.
    pub length: u64,
    /// SHA-256 of the whole line, known when it was cut to `max_bytes`.
    pub truncated_sha256: Option<[u8; 32]>,
}

impl Line {
    pub fn is_truncated(&self) -> bool {
        self.truncated_sha256.is_some()
    }

    /// SHA-256 of the whole line, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        match self.truncated_sha256 {
            Some(hash) => hex::encode(hash),
            None => hex::encode(Sha256::digest(&self.bytes)),
        }
    }
}

/// Reads lines from a buffered input, starting at byte `offset`.
pub struct LineReader<R> {
    input: R,
    max_bytes: usize,
    offset: u64,
    number: u64,
}

impl<R: BufRead> LineReader<R> {
    /// `offset` and `number` say where the input already stands (for resuming).
    pub fn new(input: R, max_bytes: usize, offset: u64, number: u64) -> Self {
        LineReader {
            input,
            max_bytes,
            offset,
            number,
        }
    }

    /// The next line, or `None` at the end of the input. A last line without
    /// a newline is returned too.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        let start = self.offset;
        let mut bytes = Vec::new();
        let mut hasher: Option<Sha256> = None;
        let mut length: u64 = 0;
        let mut saw_newline = false;
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                break;
            }
            let (chunk, consumed) = match memchr::memchr(b'\n', buffer) {
                Some(position) => {
                    saw_newline = true;
                    (&buffer[..position], position + 1)
                }
                None => (buffer, buffer.len()),
            };
            length += chunk.len() as u64;
            let room = self.max_bytes.saturating_sub(bytes.len());
            if chunk.len() <= room && hasher.is_none() {
                bytes.extend_from_slice(chunk);
            } else {
                let hasher = hasher.get_or_insert_with(|| {
                    let mut hasher = Sha256::new();
                    hasher.update(&bytes);
                    hasher
                });
                hasher.update(chunk);
                let keep = room.min(chunk.len());
                bytes.extend_from_slice(&chunk[..keep]);
            }
            self.input.consume(consumed);
            self.offset += consumed as u64;
            if saw_newline {
                break;
            }
        }
        if self.offset == start {
            return Ok(None);
        }
        // A line cut to `max_bytes` keeps a final `\r`: its hash covers the bytes as written.
        let truncated_sha256: Option<[u8; 32]> = hasher.map(|hasher| hasher.finalize().into());
        if truncated_sha256.is_none() && bytes.last() == Some(&b'\r') {
            bytes.pop();
            length -= 1;
        }
        self.number += 1;
        Ok(Some(Line {
            number: self.number,
            offset: start,
            end: self.offset,
            bytes,
            length,
            truncated_sha256,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max_bytes: usize) -> Vec<Line> {
        let mut reader = LineReader::new(io::BufReader::with_capacity(7, input), max_bytes, 0, 0);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push(line);
        }
        lines
    }

    #[test]
    fn lines_carry_numbers_offsets_and_lose_their_endings() {
        let lines = read_all(b"first\r\nsecond\n\nlast without newline", 100);
        let texts: Vec<&[u8]> = lines.iter().map(|line| line.bytes.as_slice()).collect();
        assert_eq!(
            texts,
            [&b"first"[..], b"second", b"", b"last without newline"]
        );
        assert_eq!(lines[1].number, 2);
        assert_eq!(lines[1].offset, 7);
        assert_eq!(lines[1].end, 14);
        assert_eq!(lines[3].end, 35);
        assert!(lines.iter().all(|line| !line.is_truncated()));
    }

    #[test]
    fn a_long_line_is_cut_but_its_length_and_hash_cover_all_of_it() {
        let long = vec![b'x'; 1000];
        let mut input = long.clone();
        input.extend_from_slice(b"\nnext\n");
        let lines = read_all(&input, 64);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].bytes.len(), 64);
        assert_eq!(lines[0].length, 1000);
        assert_eq!(lines[0].sha256_hex(), hex::encode(Sha256::digest(&long)));
        assert_eq!(lines[1].bytes, b"next");
        assert_eq!(lines[1].offset, 1001);
    }

    #[test]
    fn an_empty_input_has_no_lines() {
        assert!(read_all(b"", 10).is_empty());
    }
}
