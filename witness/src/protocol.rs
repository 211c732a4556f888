//! The bodies of C2SP tlog-witness's `add-checkpoint` call: the request
//! (`old <size>`, consistency proof lines, a blank line, the signed
//! checkpoint) and the 409 response's `<size>\n` body.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use vakt_schemas::merkle::Hash;

/// The path of the submission call, after the submission prefix.
pub const ADD_CHECKPOINT_PATH: &str = "/add-checkpoint";

/// The content type of a 409 response's body: the witness's tree size.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// The most consistency proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// What is wrong with an `add-checkpoint` request or a size body.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProtocolError {
    /// A body that does not start with `old <size>` and a newline.
    #[error("request does not start with an \"old <size>\" line ending in a newline")]
    MissingOldSize,
    /// A size that is not a canonical decimal number.
    #[error("size {text:?} is not a decimal number without sign or leading zeros")]
    InvalidSize {
        /// The rejected text.
        text: String,
    },
    /// A proof line that is not standard base64 of 32 bytes.
    #[error("consistency proof line {line} is not the standard base64 encoding of 32 bytes")]
    InvalidProofLine {
        /// The one-based position of the proof line.
        line: usize,
    },
    /// More proof lines than the protocol allows.
    #[error("request has more than {MAX_PROOF_LINES} consistency proof lines")]
    TooManyProofLines,
    /// A body without the blank line before the checkpoint.
    #[error("request has no blank line between the consistency proof and the checkpoint")]
    MissingBlankLine,
    /// A body with nothing after the blank line.
    #[error("request has no checkpoint after its blank line")]
    MissingCheckpoint,
}

/// A request to cosign a checkpoint: the size the client believes the
/// witness has, the consistency proof from that size, and the checkpoint as
/// a signed note (carrying one or more signatures).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the latest checkpoint the witness cosigned (0 for none).
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub checkpoint_note: String,
}

impl AddCheckpointRequest {
    /// The request body: `old <size>\n`, one base64 line per proof hash, a
    /// blank line, then the checkpoint note.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            body.push_str(&BASE64.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.checkpoint_note);
        body
    }

    /// Parses a request body strictly: a canonical decimal old size, at most
    /// 63 proof lines of standard base64 of 32 bytes, a blank line and a
    /// non-empty checkpoint (whose syntax the witness checks next).
    pub fn parse(body: &str) -> Result<Self, ProtocolError> {
        let Some((old_line, mut rest)) = body.split_once('\n') else {
            return Err(ProtocolError::MissingOldSize);
        };
        let Some(size_text) = old_line.strip_prefix("old ") else {
            return Err(ProtocolError::MissingOldSize);
        };
        let old_size = parse_decimal(size_text)?;
        let mut proof = Vec::new();
        loop {
            let Some((line, after)) = rest.split_once('\n') else {
                return Err(ProtocolError::MissingBlankLine);
            };
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(ProtocolError::TooManyProofLines);
            }
            proof.push(parse_hash(line, proof.len() + 1)?);
        }
        if rest.is_empty() {
            return Err(ProtocolError::MissingCheckpoint);
        }
        Ok(Self {
            old_size,
            proof,
            checkpoint_note: rest.to_string(),
        })
    }
}

/// The body of a 409 response: the witness's size and a newline.
pub fn size_body(size: u64) -> String {
    format!("{size}\n")
}

/// Parses the body of a 409 response.
pub fn parse_size_body(body: &str) -> Result<u64, ProtocolError> {
    let Some(text) = body.strip_suffix('\n') else {
        return Err(ProtocolError::InvalidSize {
            text: body.to_string(),
        });
    };
    parse_decimal(text)
}

/// Parses ASCII digits without sign or leading zeros (except `0` itself).
fn parse_decimal(text: &str) -> Result<u64, ProtocolError> {
    let invalid = || ProtocolError::InvalidSize {
        text: text.to_string(),
    };
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(invalid());
    }
    text.parse().map_err(|_| invalid())
}

/// Parses one proof line: canonical standard base64 of 32 bytes.
fn parse_hash(line: &str, position: usize) -> Result<Hash, ProtocolError> {
    let invalid = || ProtocolError::InvalidProofLine { line: position };
    let bytes = BASE64.decode(line).map_err(|_| invalid())?;
    let hash = Hash::try_from(bytes.as_slice()).map_err(|_| invalid())?;
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n2\nAAAA\n\n\u{2014} example.com/log c2ln\n";

    #[test]
    fn round_trip() {
        let request = AddCheckpointRequest {
            old_size: 20,
            proof: vec![[1; 32], [2; 32]],
            checkpoint_note: NOTE.to_string(),
        };
        let body = request.to_body();
        assert!(body.starts_with("old 20\nAQEB"));
        assert_eq!(AddCheckpointRequest::parse(&body), Ok(request));
        let empty = AddCheckpointRequest {
            old_size: 0,
            proof: Vec::new(),
            checkpoint_note: NOTE.to_string(),
        };
        assert_eq!(empty.to_body(), format!("old 0\n\n{NOTE}"));
        assert_eq!(AddCheckpointRequest::parse(&empty.to_body()), Ok(empty));
    }

    #[test]
    fn strict_parsing() {
        let hash = BASE64.encode([7u8; 32]);
        let cases = [
            ("", ProtocolError::MissingOldSize),
            ("old 1", ProtocolError::MissingOldSize),
            ("Old 1\n\n", ProtocolError::MissingOldSize),
            (
                "old  1\n\n",
                ProtocolError::InvalidSize { text: " 1".into() },
            ),
            (
                "old 01\n\n",
                ProtocolError::InvalidSize { text: "01".into() },
            ),
            (
                "old -1\n\n",
                ProtocolError::InvalidSize { text: "-1".into() },
            ),
            ("old 1\n", ProtocolError::MissingBlankLine),
            ("old 1\n\n", ProtocolError::MissingCheckpoint),
            (
                "old 1\nAAAA\n\nx\n",
                ProtocolError::InvalidProofLine { line: 1 },
            ),
            (
                &format!("old 1\n{hash}\n{}\n\nx\n", hash.replace('=', "")),
                ProtocolError::InvalidProofLine { line: 2 },
            ),
            (
                &format!("old 1\n{} \n\nx\n", hash),
                ProtocolError::InvalidProofLine { line: 1 },
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(AddCheckpointRequest::parse(body), Err(expected), "{body:?}");
        }
        let most = format!(
            "old 1\n{}\nx\n",
            format!("{hash}\n").repeat(MAX_PROOF_LINES)
        );
        assert_eq!(AddCheckpointRequest::parse(&most).unwrap().proof.len(), 63);
        let too_many = format!("old 1\n{}\nx\n", format!("{hash}\n").repeat(64));
        assert_eq!(
            AddCheckpointRequest::parse(&too_many),
            Err(ProtocolError::TooManyProofLines)
        );
    }

    #[test]
    fn size_bodies() {
        assert_eq!(size_body(42), "42\n");
        assert_eq!(parse_size_body("42\n"), Ok(42));
        assert_eq!(parse_size_body("0\n"), Ok(0));
        for bad in ["42", "042\n", "\n", "4 2\n", "42\n\n"] {
            assert!(parse_size_body(bad).is_err(), "{bad:?}");
        }
    }
}
