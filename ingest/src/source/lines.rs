//! Splits an input into lines with bounded memory, and keeps the SHA-256
//! of everything consumed so far.
//!
//! A line longer than the limit keeps only its first `max_bytes` bytes in
//! memory; its full length and SHA-256 are still known for the quarantine.
//! A line is handed out only once its newline has been read: at the end of
//! the input a line without one is pending (it may still be being written)
//! and waits for more bytes, unless the input is finished
//! ([`LineReader::finish`]). The prefix hash covers exactly the lines
//! handed out, so it can be stored with the offset they end at.

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

/// The line being read: what of it has been consumed so far.
#[derive(Default)]
struct Partial {
    bytes: Vec<u8>,
    length: u64,
    /// Set once the line is longer than the limit.
    hasher: Option<Sha256>,
}

/// Reads lines from a buffered input that stands at byte `offset`.
pub struct LineReader<R> {
    input: R,
    max_bytes: usize,
    /// Where the next line starts.
    offset: u64,
    /// Lines handed out, counting those before `offset`.
    number: u64,
    /// SHA-256 of every byte consumed, the partial line's included.
    consumed: Sha256,
    /// SHA-256 of the bytes before `offset`.
    prefix: Sha256,
    partial: Partial,
}

impl<R: BufRead> LineReader<R> {
    /// `offset` and `number` say where the input already stands, and
    /// `prefix` is the SHA-256 state of its first `offset` bytes.
    pub fn new(input: R, max_bytes: usize, offset: u64, number: u64, prefix: Sha256) -> Self {
        LineReader {
            input,
            max_bytes,
            offset,
            number,
            consumed: prefix.clone(),
            prefix,
            partial: Partial::default(),
        }
    }

    /// A reader of an input from its first byte.
    pub fn from_start(input: R, max_bytes: usize) -> Self {
        LineReader::new(input, max_bytes, 0, 0, Sha256::new())
    }

    /// The next whole line, or `None` when the input has no more bytes for
    /// now. Bytes of a line whose newline has not come yet stay pending
    /// ([`Self::pending_bytes`]); a later call goes on with them when the
    /// input has grown.
    pub fn next_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                return Ok(None);
            }
            let (chunk_length, consumed, ends_line) = match memchr::memchr(b'\n', buffer) {
                Some(position) => (position, position + 1, true),
                None => (buffer.len(), buffer.len(), false),
            };
            let chunk = &buffer[..chunk_length];
            let partial = &mut self.partial;
            partial.length += chunk.len() as u64;
            let room = self.max_bytes.saturating_sub(partial.bytes.len());
            if chunk.len() <= room && partial.hasher.is_none() {
                partial.bytes.extend_from_slice(chunk);
            } else {
                let hasher = partial.hasher.get_or_insert_with(|| {
                    let mut hasher = Sha256::new();
                    hasher.update(&partial.bytes);
                    hasher
                });
                hasher.update(chunk);
                let keep = room.min(chunk.len());
                partial.bytes.extend_from_slice(&chunk[..keep]);
            }
            self.consumed.update(&buffer[..consumed]);
            self.input.consume(consumed);
            if ends_line {
                let end = self.offset + self.partial.length + 1;
                return Ok(Some(self.hand_out(end)));
            }
        }
    }

    /// The next whole line; at the end of a `finished` input (one nothing
    /// will be written to any more), the pending line as a whole line.
    pub fn next_line_or_last(&mut self, finished: bool) -> io::Result<Option<Line>> {
        match self.next_line()? {
            Some(line) => Ok(Some(line)),
            None if finished => Ok(self.finish()),
            None => Ok(None),
        }
    }

    /// The pending line as a whole line, for an input nothing will be
    /// written to any more; `None` when nothing is pending.
    pub fn finish(&mut self) -> Option<Line> {
        if self.pending_bytes() == 0 {
            return None;
        }
        let end = self.offset + self.partial.length;
        Some(self.hand_out(end))
    }

    /// Bytes read of a line whose newline has not been read yet.
    pub fn pending_bytes(&self) -> u64 {
        self.partial.length
    }

    /// Where the next line starts: every byte before it was handed out.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Lines handed out, counting those before the starting offset.
    pub fn lines(&self) -> u64 {
        self.number
    }

    /// SHA-256 (lowercase hex) of the input's bytes before [`Self::offset`].
    pub fn prefix_sha256(&self) -> String {
        hex::encode(self.prefix.clone().finalize())
    }

    fn hand_out(&mut self, end: u64) -> Line {
        let partial = std::mem::take(&mut self.partial);
        let mut bytes = partial.bytes;
        let mut length = partial.length;
        // A line cut to `max_bytes` keeps a final `\r`: its hash covers the bytes as written.
        let truncated_sha256: Option<[u8; 32]> =
            partial.hasher.map(|hasher| hasher.finalize().into());
        if truncated_sha256.is_none() && bytes.last() == Some(&b'\r') {
            bytes.pop();
            length -= 1;
        }
        self.number += 1;
        let line = Line {
            number: self.number,
            offset: self.offset,
            end,
            bytes,
            length,
            truncated_sha256,
        };
        self.offset = end;
        self.prefix = self.consumed.clone();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], max_bytes: usize) -> (Vec<Line>, LineReader<io::BufReader<&[u8]>>) {
        let mut reader = LineReader::from_start(io::BufReader::with_capacity(7, input), max_bytes);
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push(line);
        }
        (lines, reader)
    }

    #[test]
    fn lines_carry_numbers_offsets_and_lose_their_endings() {
        let (mut lines, mut reader) = read_all(b"first\r\nsecond\n\nlast without newline", 100);
        assert_eq!(reader.pending_bytes(), 20);
        assert_eq!(reader.offset(), 15);
        lines.extend(reader.finish());
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
        assert_eq!(reader.finish(), None);
    }

    #[test]
    fn a_line_without_its_newline_is_not_handed_out_and_its_bytes_are_not_in_the_prefix() {
        let (lines, reader) = read_all(b"one\ntwo\nthr", 100);
        assert_eq!(lines.len(), 2);
        assert_eq!(reader.offset(), 8);
        assert_eq!(reader.pending_bytes(), 3);
        assert_eq!(
            reader.prefix_sha256(),
            hex::encode(Sha256::digest(b"one\ntwo\n"))
        );
    }

    #[test]
    fn a_pending_line_goes_on_when_the_input_grows() {
        // A growing file: the reader sees the first bytes, then more.
        let (first, second) = (b"a\nhalf of a li".as_slice(), b"ne\nb\n".as_slice());
        let mut reader = LineReader::from_start(io::Cursor::new(first.to_vec()), 100);
        assert_eq!(reader.next_line().unwrap().unwrap().bytes, b"a");
        assert_eq!(reader.next_line().unwrap(), None);
        assert_eq!(reader.pending_bytes(), 12);
        let cursor = reader.input.get_mut();
        cursor.extend_from_slice(second);
        let line = reader.next_line().unwrap().unwrap();
        assert_eq!(line.bytes, b"half of a line");
        assert_eq!((line.offset, line.end, line.number), (2, 17, 2));
        assert_eq!(reader.next_line().unwrap().unwrap().bytes, b"b");
        assert_eq!(
            reader.prefix_sha256(),
            hex::encode(Sha256::digest([first, second].concat()))
        );
    }

    #[test]
    fn a_long_line_is_cut_but_its_length_and_hash_cover_all_of_it() {
        let long = vec![b'x'; 1000];
        let mut input = long.clone();
        input.extend_from_slice(b"\nnext\n");
        let (lines, _) = read_all(&input, 64);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].bytes.len(), 64);
        assert_eq!(lines[0].length, 1000);
        assert_eq!(lines[0].sha256_hex(), hex::encode(Sha256::digest(&long)));
        assert_eq!(lines[1].bytes, b"next");
        assert_eq!(lines[1].offset, 1001);
    }

    #[test]
    fn an_empty_input_has_no_lines() {
        let (lines, mut reader) = read_all(b"", 10);
        assert!(lines.is_empty());
        assert_eq!(reader.finish(), None);
    }
}
