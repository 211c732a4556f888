//! Syslog messages out of a TCP (or TLS) byte stream, RFC 6587.
//!
//! Two framings exist and senders use either, so each message decides its
//! own: a message starting with a digit from 1 to 9 is octet-counted
//! (`MSG-LEN SP SYSLOG-MSG`, RFC 6587 §3.4.1, the framing RFC 5425 makes
//! mandatory for TLS); any other is non-transparently framed, ended by a
//! newline (§3.4.2). A syslog message starts with `<`, never with a digit,
//! so the two cannot be confused.
//!
//! A message longer than the limit is cut there; the rest of it is read
//! and dropped, and the frame says how long the whole message was.

use sha2::{Digest, Sha256};

/// One message received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The message, without framing or trailing newline, at most the limit.
    pub bytes: Vec<u8>,
    /// The whole message's length.
    pub length: u64,
    /// SHA-256 of the whole message, when it was cut to the limit.
    pub truncated_sha256: Option<[u8; 32]>,
}

impl Frame {
    /// A whole message (a datagram, or a frame within the limit), its
    /// trailing line ending and NUL bytes removed.
    pub fn whole(mut bytes: Vec<u8>, max_bytes: usize) -> Frame {
        while matches!(bytes.last(), Some(b'\n' | b'\r' | b'\0')) {
            bytes.pop();
        }
        let length = bytes.len() as u64;
        if bytes.len() <= max_bytes {
            return Frame {
                bytes,
                length,
                truncated_sha256: None,
            };
        }
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        bytes.truncate(max_bytes);
        Frame {
            bytes,
            length,
            truncated_sha256: Some(hash),
        }
    }
}

/// The message being read.
#[derive(Debug)]
enum State {
    /// Between messages.
    Start,
    /// Reading the digits of an octet count.
    Count(u64),
    /// Reading an octet-counted message: bytes still to come.
    Counted { remaining: u64 },
    /// Reading a newline-ended message.
    Line,
}

/// Splits a byte stream into messages.
#[derive(Debug)]
pub struct Framer {
    max_bytes: usize,
    state: State,
    /// The current message's bytes, at most `max_bytes`.
    kept: Vec<u8>,
    /// Its length so far, and its hash once it passed the limit.
    length: u64,
    overflow: Option<Sha256>,
}

/// Octet counts above this are not a count but garbage (RFC 5425 asks
/// receivers to take at least 2048 octets; nothing sends gigabytes).
const MAX_OCTET_COUNT: u64 = 1 << 30;

impl Framer {
    pub fn new(max_bytes: usize) -> Framer {
        Framer {
            max_bytes,
            state: State::Start,
            kept: Vec::new(),
            length: 0,
            overflow: None,
        }
    }

    /// Reads `data`, handing each completed message to `on_frame`.
    pub fn push(&mut self, mut data: &[u8], on_frame: &mut dyn FnMut(Frame)) {
        while !data.is_empty() {
            match self.state {
                State::Start => {
                    let byte = data[0];
                    if byte == b'\n' || byte == b'\r' || byte == b'\0' {
                        // Stray line endings between messages.
                        data = &data[1..];
                    } else if (b'1'..=b'9').contains(&byte) {
                        self.state = State::Count(u64::from(byte - b'0'));
                        data = &data[1..];
                    } else {
                        self.state = State::Line;
                    }
                }
                State::Count(count) => {
                    let byte = data[0];
                    if byte.is_ascii_digit() && count <= MAX_OCTET_COUNT {
                        self.state = State::Count(count * 10 + u64::from(byte - b'0'));
                        data = &data[1..];
                    } else if byte == b' ' && count <= MAX_OCTET_COUNT {
                        self.state = State::Counted { remaining: count };
                        data = &data[1..];
                    } else {
                        // Not an octet count after all: the digits start
                        // a newline-ended message.
                        let digits = count.to_string();
                        self.keep(digits.as_bytes());
                        self.state = State::Line;
                    }
                }
                State::Counted { remaining } => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(data.len());
                    let (body, rest) = data.split_at(take);
                    self.keep(body);
                    data = rest;
                    let remaining = remaining - take as u64;
                    if remaining == 0 {
                        on_frame(self.take_frame());
                    } else {
                        self.state = State::Counted { remaining };
                    }
                }
                State::Line => match memchr::memchr(b'\n', data) {
                    Some(end) => {
                        self.keep(&data[..end]);
                        data = &data[end + 1..];
                        on_frame(self.take_frame());
                    }
                    None => {
                        self.keep(data);
                        data = &[];
                    }
                },
            }
        }
    }

    /// The connection closed: a message without its newline is still a
    /// message (the sender ended it by closing); a cut octet-counted one
    /// is handed over as far as it came.
    pub fn finish(&mut self, on_frame: &mut dyn FnMut(Frame)) {
        match self.state {
            State::Start => {}
            State::Count(count) => {
                let digits = count.to_string();
                self.keep(digits.as_bytes());
                on_frame(self.take_frame());
            }
            State::Counted { .. } | State::Line => {
                if self.length > 0 {
                    on_frame(self.take_frame());
                }
                self.state = State::Start;
            }
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        self.length += bytes.len() as u64;
        if let Some(hash) = &mut self.overflow {
            hash.update(bytes);
            return;
        }
        let room = self.max_bytes.saturating_sub(self.kept.len());
        if bytes.len() <= room {
            self.kept.extend_from_slice(bytes);
            return;
        }
        let mut hash = Sha256::new();
        hash.update(&self.kept);
        hash.update(bytes);
        self.kept.extend_from_slice(&bytes[..room]);
        self.overflow = Some(hash);
    }

    fn take_frame(&mut self) -> Frame {
        self.state = State::Start;
        let bytes = std::mem::take(&mut self.kept);
        let length = std::mem::take(&mut self.length);
        match self.overflow.take() {
            Some(hash) => Frame {
                bytes,
                length,
                truncated_sha256: Some(hash.finalize().into()),
            },
            // Within the limit: trailing `\r` and NULs go as for a datagram.
            None => Frame::whole(bytes, self.max_bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]], max_bytes: usize) -> Vec<Frame> {
        let mut framer = Framer::new(max_bytes);
        let mut out = Vec::new();
        for chunk in chunks {
            framer.push(chunk, &mut |frame| out.push(frame));
        }
        framer.finish(&mut |frame| out.push(frame));
        out
    }

    fn texts(frames: &[Frame]) -> Vec<String> {
        frames
            .iter()
            .map(|frame| String::from_utf8_lossy(&frame.bytes).into_owned())
            .collect()
    }

    #[test]
    fn octet_counted_messages_may_hold_newlines_and_arrive_in_pieces() {
        let stream = b"11 <13>a\nb c d21 <13>second message ok";
        // Every split point gives the same two messages.
        for split in 0..stream.len() {
            let (left, right) = stream.split_at(split);
            let got = frames(&[left, right], 1024);
            assert_eq!(
                texts(&got),
                ["<13>a\nb c d", "<13>second message ok"],
                "split {split}"
            );
        }
    }

    #[test]
    fn newline_framed_messages_and_mixed_framing_on_one_connection() {
        let got = frames(
            &[
                b"<13>one\n<14>two\r\n",
                b"9 <13>three",
                b"<13>four\n\n<13>last",
            ],
            1024,
        );
        assert_eq!(
            texts(&got),
            ["<13>one", "<14>two", "<13>three", "<13>four", "<13>last"]
        );
        assert!(got.iter().all(|frame| frame.truncated_sha256.is_none()));
    }

    #[test]
    fn digits_without_a_space_start_a_newline_framed_message() {
        let got = frames(&[b"2026-03-02T08:14:03Z host sshd[1]: x\n"], 1024);
        assert_eq!(texts(&got), ["2026-03-02T08:14:03Z host sshd[1]: x"]);
    }

    #[test]
    fn a_message_over_the_limit_is_cut_with_the_whole_length_and_hash() {
        let long = format!("<13>{}", "x".repeat(100));
        let stream = format!("{long}\n<13>next\n{} {long}", long.len());
        let got = frames(&[stream.as_bytes()], 10);
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].bytes, long.as_bytes()[..10]);
        assert_eq!(got[0].length, long.len() as u64);
        let expected: [u8; 32] = Sha256::digest(long.as_bytes()).into();
        assert_eq!(got[0].truncated_sha256, Some(expected));
        assert_eq!(texts(&got[1..2]), ["<13>next"]);
        assert_eq!(got[2].truncated_sha256, Some(expected));
        assert_eq!(got[2].length, long.len() as u64);
    }

    #[test]
    fn a_datagram_loses_its_line_ending_and_trailing_nul() {
        let frame = Frame::whole(b"<13>hello\r\n\0".to_vec(), 100);
        assert_eq!(frame.bytes, b"<13>hello");
        assert_eq!(frame.length, 9);
    }
}
